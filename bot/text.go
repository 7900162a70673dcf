package bot

import (
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// fold lowercases s, removes Vietnamese diacritics (đ → d included) and
// collapses everything that is not a letter or a digit into single spaces, so
// "Đăng ký  khai-sinh?" becomes "dang ky khai sinh".
func fold(s string) string {
	s = norm.NFD.String(s)
	var b strings.Builder
	b.Grow(len(s))
	space := true
	for _, r := range s {
		switch {
		case unicode.Is(unicode.Mn, r):
			continue
		case r == 'đ' || r == 'Đ':
			r = 'd'
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			r = unicode.ToLower(r)
		default:
			if !space {
				b.WriteByte(' ')
				space = true
			}
			continue
		}
		b.WriteRune(r)
		space = false
	}
	return strings.TrimSpace(b.String())
}

// canon maps a folded syllable to a canonical spelling for matching: the
// final "y" after a consonant becomes "i" (kỹ/kĩ, lý/lí, đăng kí/đăng ký).
func canon(tok string) string {
	n := len(tok)
	if n >= 2 && tok[n-1] == 'y' && !strings.ContainsRune("aeiouy", rune(tok[n-2])) {
		return tok[:n-1] + "i"
	}
	return tok
}

// words splits folded text into canonical tokens.
func words(folded string) []string {
	ws := strings.Fields(folded)
	for i, w := range ws {
		ws[i] = canon(w)
	}
	return ws
}

// hasDiacritics reports whether s carries Vietnamese marks, i.e. was typed
// with accents.
func hasDiacritics(s string) bool {
	for _, r := range norm.NFD.String(s) {
		if unicode.Is(unicode.Mn, r) || r == 'đ' || r == 'Đ' {
			return true
		}
	}
	return false
}

// containsPhrase reports whether the token sequence p occurs in ws.
func containsPhrase(ws, p []string) bool {
	return indexPhrase(ws, p, 0) >= 0
}

// indexPhrase returns the first index at or after from where p occurs in ws, or -1.
func indexPhrase(ws, p []string, from int) int {
	if len(p) == 0 {
		return -1
	}
outer:
	for i := from; i+len(p) <= len(ws); i++ {
		for j := range p {
			if ws[i+j] != p[j] {
				continue outer
			}
		}
		return i
	}
	return -1
}
