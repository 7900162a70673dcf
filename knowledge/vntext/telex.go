package vntext

import "strings"

// TelexFold guesses the folded syllable meant by a token typed with the
// Telex keys but without the input method ("dangw" → "dang", "kys" → "ky",
// "ddaay" → "day", "thuowngf" → "thuong"): a final tone key (s f r x j)
// is dropped, w is dropped (at the start it stands for u), and the doubled
// letters dd, aa, ee, oo become single. Tokens with diacritics or digits,
// tokens with none of these marks, and tokens that would keep no vowel
// (abbreviations such as "ks", "gplx") are returned unchanged.
//
// Folded Vietnamese syllables never end in s, f, r, x, j or w and never
// hold w, dd, aa, ee or oo (except rare words like "xoong"), so callers use
// it on words their index does not know, not on every word.
func TelexFold(tok string) string {
	if tok == "" {
		return tok
	}
	for i := 0; i < len(tok); i++ {
		c := tok[i]
		if c < 'a' || c > 'z' {
			return tok
		}
	}
	s := tok
	if len(s) > 1 && strings.IndexByte("sfrxj", s[len(s)-1]) >= 0 {
		s = s[:len(s)-1]
	}
	if s[0] == 'w' {
		s = "u" + s[1:]
	}
	s = strings.ReplaceAll(s, "w", "")
	s = strings.NewReplacer("dd", "d", "aa", "a", "ee", "e", "oo", "o").Replace(s)
	if !strings.ContainsAny(s, "aeiouy") {
		return tok // no vowel left: an abbreviation ("ks", "gplx"), not Telex
	}
	return s
}
