package bot

import (
	"botdvc/knowledge"
	"math"
	"slices"
)

// FeatureNames are the measurements of a candidate guide against a
// question that the fitted model (model.go) combines, in order. Changing
// them means refitting: `botctl fit` (doc/engine.md).
var FeatureNames = []string{
	"name",         // share of the best-matching title or alias in the question (matchName)
	"query",        // share of the question's weight in the guide's names (averaged with a story's title-pair words)
	"full",         // share of the question's weight anywhere in the guide
	"faq",          // best FAQ question match
	"search",       // backend score relative to the best hit
	"altered",      // the question alters the guide's name ("tạm vắng" for "tạm trú")
	"curated",      // a curated guide, not a catalogue record
	"name_focus",   // name, measured on the sentences that ask
	"query_focus",  // query, measured on the sentences that ask
	"late",         // where the guide's name last occurs in the question (1 = at the end)
	"name_gap",     // name minus the best name of the question's candidates (≤ 0)
	"focus_gap",    // query_focus minus the best of the question's candidates (≤ 0)
	"search_first", // 1 for the backend's first hit, ½ for the second...
	"length",       // the question's content words / 40, at most 1: the same for every candidate, it moves "none of these"
}

// questionView is a question's content words prepared for measuring
// candidates: the word set, the adjacent pairs, the total weight, and for a
// story its title-pair words.
type questionView struct {
	words  []string
	set    map[string]bool
	pairs  map[[2]string]bool
	weight float64
	story  *core
}

func newQuestionView(words []string, st *stats) *questionView {
	v := &questionView{words: words}
	v.set, v.pairs, v.weight = wordSets(words, st)
	v.story = storyCore(words, st)
	return v
}

// names returns the best name match of p in v, and that name.
func (v *questionView) names(p *profile, st *stats) (float64, []string) {
	var best float64
	var name []string
	for _, n := range p.names {
		if sc := matchName(n, v.set, v.pairs, st); sc > best {
			best, name = sc, n
		}
	}
	return best, name
}

// cover is p's coverage of the question's names, averaged with that of a
// story's title-pair words, and its coverage by the whole guide.
func (v *questionView) cover(p *profile, st *stats) (names, all float64) {
	names, all = p.coverage(v.set, v.pairs, v.weight, st)
	if v.story != nil {
		// A story around the question: its coverage is also measured on
		// the words that form title pairs ("đăng ký tạm trú" in "em mới
		// chuyển ra Hà Nội làm việc..."), and the two averaged.
		core, _ := p.coverage(v.story.set, v.story.pairs, v.story.weight, st)
		names = 0.5 * (names + core)
	}
	return names, all
}

// measure fills c's measurements on the whole question w and its focus f
// (f == w when the whole message asks).
func (c *candidate) measure(p *profile, w, f *questionView, st *stats) {
	var best []string
	c.nameCov, best = w.names(p, st)
	c.altered = p.alters(best, w.words, st)
	for _, fq := range p.faqs {
		c.faqScore = math.Max(c.faqScore, matchName(fq, w.set, w.pairs, st))
	}
	c.queryCov, c.fullCov = w.cover(p, st)
	c.late = lastMention(best, w.words)
	if f == w {
		c.focusName, c.focusCov = c.nameCov, c.queryCov
		return
	}
	c.focusName, _ = f.names(p, st)
	c.focusCov, _ = f.cover(p, st)
}

// lastMention returns where name last occurs in words, as a share of the
// question's length: the end of the last pair of name words side by side,
// or for a one-word name the word; 0 when absent. A story names the
// procedure it asks about last ("đã đăng ký tạm trú ... giờ xin lý lịch
// tư pháp được không").
func lastMention(name, words []string) float64 {
	if len(words) == 0 || len(name) == 0 {
		return 0
	}
	last := -1
	for k, w := range words {
		if !slices.Contains(name, w) {
			continue
		}
		if len(name) == 1 {
			last = k
			continue
		}
		if k+1 < len(words) && slices.Contains(name, words[k+1]) && words[k+1] != w {
			last = k + 1
		}
	}
	if last < 0 {
		return 0
	}
	return float64(last+1) / float64(len(words))
}

// vector returns the model's inputs for c, given the best name and focus
// coverage among the question's candidates.
func (c *candidate) vector(bestName, bestFocus float64, words int) []float64 {
	return []float64{
		c.nameCov,
		c.queryCov,
		c.fullCov,
		c.faqScore,
		c.search,
		b2f(c.altered),
		b2f(c.guide.Source != knowledge.SourceCatalog),
		c.focusName,
		c.focusCov,
		c.late,
		c.nameCov - bestName,
		c.focusCov - bestFocus,
		1 / float64(1+c.searchRank),
		math.Min(1, float64(words)/40),
	}
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
