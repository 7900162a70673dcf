package vntext

import (
	"strings"
	"unicode"
)

// Tokens returns the syllables of s after Normalize: maximal runs of
// letters, digits and combining marks, accents kept. "Cấp lại CCCD
// (mẫu CT01)?" → ["cấp" "lại" "cccd" "mẫu" "ct01"].
func Tokens(s string) []string {
	return splitTokens(Normalize(s))
}

// splitTokens splits an already normalised string into tokens. Runs of
// combining marks alone (a stray accent) are not tokens: they fold to "".
func splitTokens(s string) []string {
	toks := strings.FieldsFunc(s, func(r rune) bool {
		return !(unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r))
	})
	out := toks[:0]
	for _, t := range toks {
		if strings.IndexFunc(t, func(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }) >= 0 {
			out = append(out, t)
		}
	}
	return out
}

// FoldTokens returns the folded form of each token (see Fold); tokens are
// expected to come from Tokens or Expand.
func FoldTokens(tokens []string) []string {
	out := make([]string, len(tokens))
	for i, t := range tokens {
		out[i] = foldNormalized(t)
	}
	return out
}

// BigramSep joins the two syllables of a bigram.
const BigramSep = "_"

// Bigrams returns the folded syllable bigrams of tokens, in order:
// ["khai" "sinh" "cho" "con"] → ["khai_sinh" "sinh_cho" "cho_con"]. Fewer
// than two tokens give nil.
func Bigrams(tokens []string) []string {
	if len(tokens) < 2 {
		return nil
	}
	return foldedBigrams(FoldTokens(tokens))
}

// foldedBigrams is Bigrams over tokens already folded.
func foldedBigrams(f []string) []string {
	if len(f) < 2 {
		return nil
	}
	out := make([]string, 0, len(f)-1)
	for i := 0; i+1 < len(f); i++ {
		out = append(out, f[i]+BigramSep+f[i+1])
	}
	return out
}
