package vntext

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// The five Vietnamese tone marks as combining characters, in the order of
// the tone index used below (0 means no tone).
var toneMarks = [6]rune{0, '\u0300', '\u0301', '\u0309', '\u0303', '\u0323'}

// baseVowels are the twelve Vietnamese vowel letters without tone.
const baseVowels = "aăâeêioôơuưy"

type vowelInfo struct {
	base rune // the vowel letter without tone, e.g. 'ư'
	tone int  // index into toneMarks
}

var (
	// vowels maps every lower-case vowel letter, with or without tone, to its
	// base letter and tone.
	vowels = map[rune]vowelInfo{}
	// toned[base][tone] is the precomposed lower-case letter.
	toned = map[rune][6]rune{}
	// foldMap maps every Vietnamese letter with marks (both cases) to ASCII.
	foldMap = map[rune]rune{'đ': 'd', 'Đ': 'D'}
)

// The tables are plain data computed once from Unicode composition; no
// registration or other side effect happens here.
func init() {
	ascii := map[rune]rune{'ă': 'a', 'â': 'a', 'ê': 'e', 'ô': 'o', 'ơ': 'o', 'ư': 'u'}
	for _, b := range baseVowels {
		var row [6]rune
		a, ok := ascii[b]
		if !ok {
			a = b
		}
		for t, m := range toneMarks {
			r := b
			if m != 0 {
				s := norm.NFC.String(string(b) + string(m))
				r, _ = utf8.DecodeRuneInString(s)
			}
			row[t] = r
			vowels[r] = vowelInfo{base: b, tone: t}
			if r != a {
				foldMap[r] = a
				foldMap[unicode.ToUpper(r)] = unicode.ToUpper(a)
			}
		}
		toned[b] = row
	}
}

// lookAlikes are letters seen in web text in place of đ/Đ.
var lookAlikes = strings.NewReplacer("Ð", "đ", "ð", "đ", "Ɖ", "đ", "ɖ", "đ")

// Normalize returns s in NFC, lower case, with look-alike letters mapped to
// đ, every syllable's tone mark in one canonical place (on the first vowel
// of an open "oa", "oe", "uy": "hòa", "khỏe", "thủy"; after "qu"/"gi"
// onsets on the following vowel: "quý", "già") and the i/y spelling
// variants unified to y after h, k, l, m, s, t and qu ("kí"→"ký",
// "qui"→"quy"). Punctuation and spacing are kept.
func Normalize(s string) string {
	s = norm.NFC.String(lookAlikes.Replace(s))
	s = strings.ToLower(s)
	var b strings.Builder
	b.Grow(len(s))
	word := make([]rune, 0, 16)
	flush := func() {
		if len(word) > 0 {
			for _, r := range canonicalSyllable(word) {
				b.WriteRune(r)
			}
			word = word[:0]
		}
	}
	for _, r := range s {
		if unicode.IsLetter(r) {
			word = append(word, r)
			continue
		}
		flush()
		b.WriteRune(r)
	}
	flush()
	return b.String()
}

func isVowel(r rune) bool { _, ok := vowels[r]; return ok }

// canonicalSyllable moves the tone mark of one lower-case NFC letter run to
// its canonical vowel. Runs that do not look like one Vietnamese syllable
// (several tone marks, vowels after the final consonant) are returned
// unchanged. The result may alias w.
func canonicalSyllable(w []rune) []rune {
	n := len(w)
	tone, tonePos := 0, -1 // tonePos only detects a second tone mark
	first := -1
	for i, r := range w {
		v, ok := vowels[r]
		if !ok {
			continue
		}
		if first < 0 {
			first = i
		}
		if v.tone != 0 {
			if tonePos >= 0 {
				return w // two tone marks: not one syllable
			}
			tone, tonePos = v.tone, i
		}
	}
	if first < 0 {
		return w
	}
	base := func(i int) rune {
		if v, ok := vowels[w[i]]; ok {
			return v.base
		}
		return w[i]
	}
	// Onset: consonants before the first vowel, plus the u of "qu" and the
	// i of "gi" when another vowel follows.
	start := first
	if start+1 < n && isVowel(w[start+1]) {
		if start == 1 && w[0] == 'q' && base(start) == 'u' {
			start++
		} else if start == 1 && w[0] == 'g' && base(start) == 'i' {
			start++
		}
	}
	end := start
	for end < n && isVowel(w[end]) {
		end++
	}
	for i := end; i < n; i++ {
		if isVowel(w[i]) {
			return w // vowels after the final consonant: not one syllable
		}
	}
	// i/y spelling variants in open syllables: "kí" → "ký", "qui" → "quy".
	iy := false
	if end-start == 1 && end == n && base(start) == 'i' {
		switch string(w[:start]) {
		case "h", "k", "l", "m", "s", "t", "qu", "qú", "qù", "qủ", "qũ", "qụ":
			iy = true
		}
	}
	pos := -1
	if tone != 0 {
		for i := start; i < end; i++ {
			switch base(i) {
			case 'ă', 'â', 'ê', 'ô', 'ơ', 'ư':
				pos = i
			}
		}
		switch {
		case pos >= 0:
		case end < n:
			pos = end - 1 // closed syllable: on the last vowel (hoàn, huýt)
		case end-start <= 2:
			pos = start // open: on the first vowel (hòa, thủy, mùa, tài)
		default:
			pos = start + 1 // three vowels: the middle one (ngoài, khuỷu)
		}
		if pos == tonePos && !iy {
			return w // already canonical
		}
	} else if !iy {
		return w
	}
	out := make([]rune, n)
	for i := range w {
		out[i] = base(i)
	}
	if iy {
		out[start] = 'y'
	}
	if tone == 0 {
		return out
	}
	out[pos] = toned[out[pos]][tone]
	return out
}

// Fold returns Normalize(s) without any diacritics: tone marks and vowel
// marks removed, đ→d, and combining marks left over from NFD input
// stripped. "Đăng KÝ thường trú" → "dang ky thuong tru".
func Fold(s string) string {
	return foldNormalized(Normalize(s))
}

// foldNormalized folds a string that is already normalised.
func foldNormalized(s string) string {
	ascii := true
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			ascii = false
			break
		}
	}
	if ascii {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		switch {
		case r < utf8.RuneSelf:
			b.WriteByte(byte(r))
		case foldMap[r] != 0:
			b.WriteRune(foldMap[r])
		case unicode.Is(unicode.Mn, r):
			// stray combining mark (NFD input that NFC could not compose)
		default:
			d := norm.NFD.String(string(r))
			for _, x := range d {
				if !unicode.Is(unicode.Mn, x) {
					b.WriteRune(x)
				}
			}
		}
	}
	return b.String()
}

// HasDiacritics reports whether s contains any Vietnamese diacritic (a tone
// or vowel mark, or đ), i.e. whether the writer typed with accents.
func HasDiacritics(s string) bool {
	for _, r := range s {
		if r < utf8.RuneSelf {
			continue
		}
		if foldMap[r] != 0 || unicode.Is(unicode.Mn, r) {
			return true
		}
		switch r {
		case 'Ð', 'ð', 'Ɖ', 'ɖ':
			return true
		}
	}
	return false
}
