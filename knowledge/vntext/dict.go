package vntext

import (
	_ "embed"
	"fmt"
	"sort"
	"strings"
)

//go:embed synonyms.txt
var defaultSynonyms string

// Dict is an abbreviation and synonym dictionary: rules that rewrite token
// sequences ("cccd" → "căn cước", "dk ks" → "đăng ký khai sinh"). A Dict
// is immutable and safe for concurrent use.
//
// Rules are text, one per line (see synonyms.txt for the full description
// and the default rules):
//
//	FROM[, FROM...] => TO [; if: CONTEXT[, CONTEXT...]]
//
// Each FROM is a word or phrase; TO is what it becomes. A FROM written with
// diacritics also matches the same words typed without any ("so do" matches
// "sổ đỏ"); a FROM written without diacritics matches only exactly. With
// "; if:", the rule applies only when one of the CONTEXT phrases occurs
// anywhere in the same text ("ks => khai sinh ; if: dk, giấy, làm").
// Lines starting with # are comments.
type Dict struct {
	rules   []rule
	byFirst map[string][]int // folded first FROM word → rule indexes, longest FROM first
}

type rule struct {
	from    []string   // normalised words
	fromF   []string   // folded words
	to      []string   // normalised words
	context [][]string // normalised phrases; empty = always
	ctxF    [][]string
	line    int
}

var defaultDict = mustParse(defaultSynonyms)

func mustParse(src string) *Dict {
	d, err := ParseDict(src)
	if err != nil {
		panic("vntext: embedded synonyms.txt: " + err.Error())
	}
	return d
}

// DefaultDict returns the dictionary built from the embedded synonyms.txt.
func DefaultDict() *Dict { return defaultDict }

// ParseDict parses rules in the format described on Dict. Errors name the
// line and wrap ErrBadRule. A FROM defined twice is an error.
func ParseDict(src string) (*Dict, error) {
	rules, err := parseRules(src)
	if err != nil {
		return nil, fmt.Errorf("vntext.ParseDict: %w", err)
	}
	seen := map[string]int{}
	for _, r := range rules {
		k := strings.Join(r.from, " ")
		if l, ok := seen[k]; ok {
			return nil, fmt.Errorf("vntext.ParseDict: line %d: %q already defined on line %d: %w", r.line, k, l, ErrBadRule)
		}
		seen[k] = r.line
	}
	return build(rules), nil
}

// With returns a new Dict holding d's rules plus the rules parsed from
// extra; a rule in extra replaces d's rule for the same FROM. Use it to merge
// editors' additions kept outside the binary.
func (d *Dict) With(extra string) (*Dict, error) {
	add, err := ParseDict(extra)
	if err != nil {
		return nil, fmt.Errorf("vntext.Dict.With: %w", err)
	}
	over := map[string]bool{}
	for _, r := range add.rules {
		over[strings.Join(r.from, " ")] = true
	}
	var rules []rule
	for _, r := range d.rules {
		if !over[strings.Join(r.from, " ")] {
			rules = append(rules, r)
		}
	}
	return build(append(rules, add.rules...)), nil
}

// Len returns the number of rules (one per FROM).
func (d *Dict) Len() int { return len(d.rules) }

func parseRules(src string) ([]rule, error) {
	var rules []rule
	for i, raw := range strings.Split(src, "\n") {
		line := strings.TrimSpace(raw)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		n := i + 1
		lhs, rhs, ok := strings.Cut(line, "=>")
		if !ok {
			return nil, fmt.Errorf("line %d: missing \"=>\": %w", n, ErrBadRule)
		}
		toPart, ctxPart, hasCtx := strings.Cut(rhs, ";")
		to := Tokens(toPart)
		if len(to) == 0 {
			return nil, fmt.Errorf("line %d: nothing after \"=>\": %w", n, ErrBadRule)
		}
		var ctx [][]string
		if hasCtx {
			c := strings.TrimSpace(ctxPart)
			rest, ok := strings.CutPrefix(c, "if:")
			if !ok {
				return nil, fmt.Errorf("line %d: expected \"; if: WORDS\" after the replacement: %w", n, ErrBadRule)
			}
			for _, p := range strings.Split(rest, ",") {
				t := Tokens(p)
				if len(t) == 0 {
					return nil, fmt.Errorf("line %d: empty context phrase: %w", n, ErrBadRule)
				}
				ctx = append(ctx, t)
			}
		}
		for _, p := range strings.Split(lhs, ",") {
			from := Tokens(p)
			if len(from) == 0 {
				return nil, fmt.Errorf("line %d: empty phrase before \"=>\": %w", n, ErrBadRule)
			}
			rules = append(rules, rule{from: from, to: to, context: ctx, line: n})
		}
	}
	return rules, nil
}

func build(rules []rule) *Dict {
	d := &Dict{rules: rules, byFirst: map[string][]int{}}
	for i := range d.rules {
		r := &d.rules[i]
		r.fromF = FoldTokens(r.from)
		r.ctxF = make([][]string, len(r.context))
		for j, c := range r.context {
			r.ctxF[j] = FoldTokens(c)
		}
		d.byFirst[r.fromF[0]] = append(d.byFirst[r.fromF[0]], i)
	}
	for _, idx := range d.byFirst {
		sort.SliceStable(idx, func(a, b int) bool { return len(d.rules[idx[a]].from) > len(d.rules[idx[b]].from) })
	}
	return d
}

// wordMatches reports whether token (normalised, folded form tf) matches the
// pattern word p (normalised, folded form pf): equal, or the token has no
// diacritics and equals the pattern's folded form.
func wordMatches(token, tf, p, pf string) bool {
	return token == p || (token == tf && tf == pf)
}

// phraseAt reports whether the phrase matches toks at position i.
func phraseAt(toks, toksF []string, i int, p, pf []string) bool {
	if i+len(p) > len(toks) {
		return false
	}
	for j := range p {
		if !wordMatches(toks[i+j], toksF[i+j], p[j], pf[j]) {
			return false
		}
	}
	return true
}

func (r *rule) contextOK(toks, toksF []string) bool {
	if len(r.context) == 0 {
		return true
	}
	for j, c := range r.context {
		for i := range toks {
			if phraseAt(toks, toksF, i, c, r.ctxF[j]) {
				return true
			}
		}
	}
	return false
}

// Expand rewrites tokens (as returned by Tokens) with d's rules in one
// left-to-right pass, longest FROM first; words no rule matches are kept.
// The result replaces abbreviations: callers that also want the literal
// words (an alias may be "sổ đỏ") search both. Contexts are checked against
// the input tokens.
func (d *Dict) Expand(tokens []string) []string {
	out, _ := d.expand(tokens, FoldTokens(tokens))
	return out
}

// expand is Expand with the folded tokens given; it also reports whether
// any rule applied.
func (d *Dict) expand(tokens, f []string) ([]string, bool) {
	changed := false
	out := make([]string, 0, len(tokens)+4)
	for i := 0; i < len(tokens); {
		matched := false
		for _, ri := range d.byFirst[f[i]] {
			r := &d.rules[ri]
			if phraseAt(tokens, f, i, r.from, r.fromF) && r.contextOK(tokens, f) {
				out = append(out, r.to...)
				i += len(r.from)
				matched, changed = true, true
				break
			}
		}
		if !matched {
			out = append(out, tokens[i])
			i++
		}
	}
	return out, changed
}

// Expand rewrites tokens with the default dictionary; see Dict.Expand.
func Expand(tokens []string) []string { return defaultDict.Expand(tokens) }

// Synonyms returns d's context-free rules as a map from each FROM phrase to
// its replacement, both normalised, for engines with their own synonym
// support (Meilisearch). Rules with a context are left out: they cannot be
// expressed there and are applied by Expand before querying.
func (d *Dict) Synonyms() map[string][]string {
	m := map[string][]string{}
	for _, r := range d.rules {
		if len(r.context) > 0 {
			continue
		}
		k := strings.Join(r.from, " ")
		m[k] = append(m[k], strings.Join(r.to, " "))
	}
	return m
}
