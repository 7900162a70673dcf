package vntext

import (
	"strings"

	"botdvc/knowledge"
)

// GuideText is a guide turned into the pre-analysed strings both search
// backends index. Each slice holds one string per source item (title, each alias,
// each document line, ...), tokens joined by single spaces.
type GuideText struct {
	ID    string
	Code  string
	Codes []string // Code and OtherCodes, trimmed, empty ones left out
	Title string   // as written, for display

	// Acc: normalised accented syllables; Fold: folded syllables; Bi:
	// folded bigrams joined by BigramSep.
	TitleAcc, TitleFold, TitleBi     []string
	AliasesAcc, AliasesFold, AliasBi []string
	BodyFold, BodyBi                 []string // no accented body: no backend queries it
}

// AnalyzeGuide turns a guide into the strings the index stores: for title,
// aliases and body text (documents, steps, fee, duration, where,
// eligibility, submission methods, FAQ questions, Markdown body) the
// normalised syllables, their folded form and folded bigrams. Items whose
// synonym expansion differs ("làm lại CCCD" → "làm lại căn cước") are
// indexed in both forms.
func AnalyzeGuide(g knowledge.Guide) GuideText {
	a := GuideText{ID: g.ID, Code: g.Code, Title: g.Title}
	for _, c := range append([]string{g.Code}, g.OtherCodes...) {
		if c = strings.TrimSpace(c); c != "" {
			a.Codes = append(a.Codes, c)
		}
	}
	add := func(acc, fold, bi *[]string, text string) {
		toks := Tokens(text)
		if len(toks) == 0 {
			return
		}
		f := FoldTokens(toks)
		emit := func(s, f []string) {
			if acc != nil {
				*acc = append(*acc, strings.Join(s, " "))
			}
			*fold = append(*fold, strings.Join(f, " "))
			if b := foldedBigrams(f); len(b) > 0 {
				*bi = append(*bi, strings.Join(b, " "))
			}
		}
		emit(toks, f)
		if exp, changed := defaultDict.expand(toks, f); changed {
			emit(exp, FoldTokens(exp))
		}
	}
	add(&a.TitleAcc, &a.TitleFold, &a.TitleBi, g.Title)
	for _, s := range g.Aliases {
		add(&a.AliasesAcc, &a.AliasesFold, &a.AliasBi, s)
	}
	body := func(s string) { add(nil, &a.BodyFold, &a.BodyBi, s) }
	for _, s := range g.Documents {
		body(s)
	}
	for _, s := range g.Steps {
		body(s)
	}
	body(g.Fee)
	body(g.Duration)
	body(g.Where)
	body(g.Eligibility)
	for _, m := range g.Methods {
		body(m.Channel + " " + m.Duration + " " + m.Fee + " " + m.Note)
	}
	for _, f := range g.FAQ {
		body(f.Q)
	}
	for _, para := range strings.Split(g.Body, "\n\n") {
		body(para)
	}
	return a
}

// QueryTerms is a citizen's question analysed for search.
type QueryTerms struct {
	Folded  []string // folded content words of the literal and the expanded question
	Exact   []string // normalised content words, only when the question had diacritics
	Bigrams []string // folded bigrams of content words, literal and expanded
	Codes   []string // tokens that look like national procedure codes ("1.001193")
	// ExpandedOnly lists the folded words and bigrams of Folded and Bigrams
	// that only the synonym rewriting produced ("can", "cuoc", "can_cuoc"
	// for "cccd"); backends may weigh them below the citizen's own words.
	ExpandedOnly []string
}

// Empty reports whether there is nothing to search for.
func (t QueryTerms) Empty() bool { return len(t.Folded) == 0 && len(t.Codes) == 0 }

// AnalyzeQuery analyses a question with the default dictionary: tokens,
// synonym expansion (both the literal and the rewritten words are kept),
// question fillers dropped (all words kept when nothing else is left),
// folded, bigrams.
func AnalyzeQuery(text string) QueryTerms { return defaultDict.AnalyzeQuery(text) }

// AnalyzeQuery is AnalyzeQuery with d's rules (e.g. the default rules
// merged with editors' additions by With).
func (d *Dict) AnalyzeQuery(text string) QueryTerms {
	var t QueryTerms
	for _, f := range strings.Fields(text) {
		f = strings.Trim(f, ".,;:?!()\"'")
		if looksLikeCode(f) {
			t.Codes = append(t.Codes, f)
		}
	}
	toks := Tokens(text)
	exp := d.Expand(toks)
	content := func(s []string) []string {
		if c := RemoveStopWords(s); len(c) > 0 {
			return c
		}
		return s
	}
	lc, ec := content(toks), content(exp)
	t.Folded = unique(append(FoldTokens(lc), FoldTokens(ec)...))
	t.Bigrams = unique(append(Bigrams(lc), Bigrams(ec)...))
	if HasDiacritics(text) {
		t.Exact = unique(append(append([]string{}, lc...), ec...))
	}
	lit := map[string]bool{}
	for _, w := range FoldTokens(lc) {
		lit[w] = true
	}
	for _, b := range Bigrams(lc) {
		lit[b] = true
	}
	for _, w := range append(append([]string{}, t.Folded...), t.Bigrams...) {
		if !lit[w] {
			t.ExpandedOnly = append(t.ExpandedOnly, w)
		}
	}
	return t
}

// looksLikeCode reports whether s has the shape of a national procedure
// code: digits with one or more dots, e.g. "1.001193" or "2.000986".
func looksLikeCode(s string) bool {
	if len(s) < 5 || strings.Count(s, ".") == 0 {
		return false
	}
	for _, r := range s {
		if r != '.' && (r < '0' || r > '9') {
			return false
		}
	}
	return s[0] != '.' && s[len(s)-1] != '.'
}

func unique(s []string) []string {
	seen := make(map[string]bool, len(s))
	out := s[:0]
	for _, x := range s {
		if !seen[x] {
			seen[x] = true
			out = append(out, x)
		}
	}
	return out
}
