package bot

import (
	"botdvc/knowledge/vntext"
)

// analysed is a text split the way the engine matches it: vntext tokens
// with the synonym dictionary applied (accents kept), and their folded forms.
type analysed struct {
	toks   []string // normalised, expanded
	folded []string // toks folded (no diacritics)
}

func analyse(dict *vntext.Dict, s string) analysed {
	toks := dict.Expand(vntext.Tokens(s))
	return analysed{toks: toks, folded: vntext.FoldTokens(toks)}
}

// contentWords is how names (titles, aliases, FAQ questions) and questions
// are compared: expanded, question fillers removed, folded.
func contentWords(dict *vntext.Dict, s string) []string {
	return vntext.FoldTokens(vntext.RemoveStopWords(dict.Expand(vntext.Tokens(s))))
}

// foldPhrase folds a cue phrase written with diacritics the way questions
// are folded, dictionary applied ("online" → "truc tuyen").
func foldPhrase(s string) []string {
	return vntext.FoldTokens(vntext.DefaultDict().Expand(vntext.Tokens(s)))
}

// containsPhrase reports whether the token sequence p occurs in ws.
func containsPhrase(ws, p []string) bool {
	if len(p) == 0 {
		return false
	}
outer:
	for i := 0; i+len(p) <= len(ws); i++ {
		for j := range p {
			if ws[i+j] != p[j] {
				continue outer
			}
		}
		return true
	}
	return false
}
