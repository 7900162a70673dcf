package vntext

import (
	_ "embed"
	"strings"
)

//go:embed stopwords.txt
var defaultStopWords string

// stopPhrases holds the normalised stop phrases, keyed by first word,
// longest first.
var stopPhrases = parseStops(defaultStopWords)

func parseStops(src string) map[string][][]string {
	m := map[string][][]string{}
	for _, raw := range strings.Split(src, "\n") {
		line := strings.TrimSpace(raw)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		t := Tokens(line)
		if len(t) == 0 {
			continue
		}
		m[t[0]] = append(m[t[0]], t)
	}
	for _, ps := range m {
		for i := 1; i < len(ps); i++ { // insertion sort, longest first
			for j := i; j > 0 && len(ps[j]) > len(ps[j-1]); j-- {
				ps[j], ps[j-1] = ps[j-1], ps[j]
			}
		}
	}
	return m
}

// IsStopWord reports whether the single normalised token is a question
// filler of stopwords.txt ("ạ", "với", "thì", ...).
func IsStopWord(token string) bool {
	for _, p := range stopPhrases[token] {
		if len(p) == 1 {
			return true
		}
	}
	return false
}

// RemoveStopWords drops the question fillers of stopwords.txt from tokens
// (as returned by Tokens or Expand). Stop phrases match exactly, not by
// folded form: stopwords.txt lists the unaccented spellings that are safe
// to drop ("cho em hoi" yes, "ban" no: it may be "bản" or "bán").
func RemoveStopWords(tokens []string) []string {
	out := make([]string, 0, len(tokens))
	for i := 0; i < len(tokens); {
		n := 0
		for _, p := range stopPhrases[tokens[i]] {
			if i+len(p) <= len(tokens) && equalWords(tokens[i:i+len(p)], p) {
				n = len(p)
				break
			}
		}
		if n == 0 {
			out = append(out, tokens[i])
			n = 1
		}
		i += n
	}
	return out
}

func equalWords(a, b []string) bool {
	for i := range b {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// ContentWords returns the words of s that carry meaning for search:
// Tokens, expanded with the default dictionary, without question fillers.
// "Cho em hỏi làm lại cccd ở đâu ạ" → ["làm" "lại" "căn" "cước"].
func ContentWords(s string) []string {
	return RemoveStopWords(Expand(Tokens(s)))
}

// ContentWords is ContentWords with d's rules instead of the default ones.
func (d *Dict) ContentWords(s string) []string {
	return RemoveStopWords(d.Expand(Tokens(s)))
}
