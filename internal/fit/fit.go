// Package fit fits the engine's model (bot.Model) on labelled questions:
// the ranking weights by a conditional logit over each question's candidates,
// the confidence, top-3 and off-corpus probabilities by Platt scaling on
// out-of-fold rank scores, and the share of the best's probability an option
// needs by maximising the score (score.py's rules, with a cost for a wrong
// procedure) on those out-of-fold scores. `botctl fit` drives it and
// cross-validates the whole procedure (doc/engine.md).
package fit

import (
	"fmt"
	"hash/fnv"
	"math"
	"slices"
	"sort"
	"strings"

	"botdvc/bot"
	"botdvc/internal/evalset"
	"botdvc/knowledge/vntext"
)

// Example is one labelled question as the engine ranks it.
type Example struct {
	Set    string
	Weight float64 // how much the example counts in the fit (its set's weight)
	Row    evalset.Row
	By     evalset.By
	Ranked bool // reaches the ranking (bot.Explanation.Ranked)
	Cands  []Cand
}

// Cand is one ranked candidate with its label.
type Cand struct {
	ID       string // guide id or code, as the row's labels name them
	Features []float64
	Family   string
	Altered  bool // the question alters its name: never answered nor offered
	Right    bool // one of the ids the row expects
}

// NewExample labels an explanation with a row's expectation.
func NewExample(set string, weight float64, r evalset.Row, by evalset.By, ex bot.Explanation) Example {
	e := Example{Set: set, Weight: weight, Row: r, By: by, Ranked: ex.Ranked}
	ids := r.IDs()
	for _, c := range ex.Candidates {
		id := c.GuideID
		if by == evalset.ByCode {
			id = c.Code
		}
		e.Cands = append(e.Cands, Cand{ID: id, Features: c.Features, Family: c.Family, Altered: c.Altered, Right: id != "" && slices.Contains(ids, id)})
	}
	return e
}

// Group is the key that keeps one question in one fold however many sets
// hold it (real-dev.tsv and real-dev-catalog.tsv share questions).
func (e Example) Group() string {
	return strings.Join(vntext.FoldTokens(vntext.Tokens(e.Row.Question)), " ")
}

// Fold assigns e to one of k folds by a hash of its group.
func (e Example) Fold(k int) int { return e.FoldSalted(k, 0) }

// FoldSalted is Fold with another assignment for each salt: repeated
// cross-validation averages over several (a question set of fifty rows
// moves by 0.02 with one question, so one assignment says little about a
// small change).
func (e Example) FoldSalted(k, salt int) int {
	h := fnv.New32a()
	if salt != 0 {
		fmt.Fprintf(h, "%d:", salt)
	}
	h.Write([]byte(e.Group()))
	return int(h.Sum32() % uint32(k))
}

// featureIndex is the position of a feature in bot.FeatureNames.
func featureIndex(name string) int { return slices.Index(bot.FeatureNames, name) }

// usable reports whether e can teach the ranking: it is ranked and its row
// expects procedures or an honest fallback.
func (e Example) usable() bool {
	return e.Ranked && len(e.Cands) > 0 && (e.Row.Expect == "@fallback" || !strings.HasPrefix(e.Row.Expect, "@"))
}

// Options are the fitting's own settings (hyper-parameters), kept few and
// written into the model's provenance.
type Options struct {
	L2         float64 // ridge penalty of the rank regression
	WrongCost  float64 // utility of a wrong procedure answered (a right one is +1)
	InnerFolds int     // folds for the out-of-fold scores the thresholds are fitted on
	MaxOptions int     // the engine's MaxOptions
}

// DefaultOptions are the settings `botctl fit` uses unless told otherwise.
var DefaultOptions = Options{L2: 1, WrongCost: 2, InnerFolds: 5, MaxOptions: 5}

// Model fits a model on examples.
func Model(exs []Example, o Options) (*bot.Model, error) {
	var train []Example
	for _, e := range exs {
		if e.usable() {
			train = append(train, e)
		}
	}
	if len(train) == 0 {
		return nil, fmt.Errorf("fit: no usable examples")
	}
	rank, err := fitRank(train, o.L2)
	if err != nil {
		return nil, err
	}
	// Out-of-fold rank probabilities: each example scored by a rank model
	// that did not see it, so that calibration and thresholds learn how
	// the ranking does on new questions, not on its own training data.
	oof := make([][]float64, len(train))
	for k := 0; k < o.InnerFolds; k++ {
		var in []Example
		for _, e := range train {
			if e.Fold(o.InnerFolds) != k {
				in = append(in, e)
			}
		}
		w, err := fitRank(in, o.L2)
		if err != nil {
			return nil, err
		}
		for i, e := range train {
			if e.Fold(o.InnerFolds) == k {
				oof[i] = probs(w, e)
			}
		}
	}
	m := &bot.Model{Features: slices.Clone(bot.FeatureNames), Rank: rank, WrongCost: o.WrongCost, OptionShare: 0.5}
	if err := calibrate(m, train, oof); err != nil {
		return nil, err
	}
	thresholds(m, train, oof, o)
	return m, m.Check()
}

// fitRank fits the rank model: a conditional logit over each question's
// candidates with a "none" alternative (Softmax).
func fitRank(exs []Example, l2 float64) ([]float64, error) {
	qs := make([]Choice, len(exs))
	for i, e := range exs {
		qs[i].Weight = e.Weight
		for _, c := range e.Cands {
			qs[i].X = append(qs[i].X, c.Features)
			qs[i].Right = append(qs[i].Right, c.Right)
		}
	}
	return Softmax(qs, l2)
}

// probs scores e's candidates with rank weights w.
func probs(w []float64, e Example) []float64 {
	xs := make([][]float64, len(e.Cands))
	for i, c := range e.Cands {
		xs[i] = c.Features
	}
	p, _ := bot.ChoiceProbs(w, xs)
	return p
}

// view is an example as the engine decides on it under some rank scores:
// candidates sorted best first, and the families' summed probabilities
// (bot.GroupFamilies) with each family's best member.
type view struct {
	order  []int      // candidate indexes, best first
	reps   []int      // each family's best member, an index into order
	ranked bot.Ranked // what the engine's decision reads
}

func newView(e Example, p []float64) view {
	var v view
	none := 1.0
	for _, x := range p {
		none -= x
	}
	v.order = make([]int, len(p))
	for i := range v.order {
		v.order[i] = i
	}
	sort.SliceStable(v.order, func(a, b int) bool { return p[v.order[a]] > p[v.order[b]] })
	sorted := make([]float64, len(p))
	fams := make([]string, len(p))
	altered := make([]bool, len(p))
	features := make([][]float64, len(p))
	for i, k := range v.order {
		c := e.Cands[k]
		sorted[i], fams[i], altered[i], features[i] = p[k], c.Family, c.Altered, c.Features
	}
	v.ranked, v.reps = bot.RankedOf(sorted, fams, altered, features, math.Max(none, 0))
	return v
}

// answered is the candidate the engine would answer with.
func (v view) answered(e Example) Cand { return e.Cands[v.order[v.reps[0]]] }

// calibrate fits the confidence and top-3 regressions on out-of-fold scores.
func calibrate(m *bot.Model, train []Example, oof [][]float64) error {
	var cx, tx, ox [][]float64
	var cy, ty, oy, wt []float64
	for i, e := range train {
		v := newView(e, oof[i])
		ci, ti, oi := bot.DecisionInputs(v.ranked)
		cx, tx, ox = append(cx, ci), append(tx, ti), append(ox, oi)
		oy = append(oy, b2f(e.Row.Expect == "@fallback"))
		wt = append(wt, e.Weight)
		// Answering an ambiguous question with one of its procedures
		// earns half (score.py), so it is half right: a soft label, which
		// the logistic fit takes as it is.
		right := b2f(v.answered(e).Right)
		if e.Row.Ambiguous() {
			right /= 2
		}
		cy = append(cy, right)
		in3 := false
		for _, k := range v.order[:min(3, len(v.order))] {
			in3 = in3 || e.Cands[k].Right
		}
		ty = append(ty, b2f(in3))
	}
	var err error
	if m.Confidence, err = Logistic(cx, cy, wt, 0.01); err != nil {
		return err
	}
	if m.Top3, err = Logistic(tx, ty, wt, 0.01); err != nil {
		return err
	}
	m.OffCorpus, err = Logistic(ox, oy, wt, 0.01)
	return err
}

// Utility is what one decision is worth on a row: score.py's score, less
// cost for a wrong procedure answered.
func Utility(e Example, d bot.Decision, v view, cost float64) float64 {
	amb := e.Row.Ambiguous()
	switch d.Verdict {
	case bot.VerdictAnswer:
		switch {
		case v.answered(e).Right && amb:
			return 0.5
		case v.answered(e).Right:
			return 1
		}
		return -cost
	case bot.VerdictClarify:
		// What the citizen can pick is what is offered: score.py looks at
		// the first three candidates, but an option not offered helps
		// no one (and without this the share of options would not move
		// the utility once one option may be asked about).
		for _, k := range d.Options {
			if e.Cands[v.order[v.reps[k]]].Right {
				if amb {
					return 1
				}
				return 0.5
			}
		}
		return 0
	}
	if e.Row.Expect == "@fallback" {
		return 1
	}
	return 0
}

// thresholds picks OptionShare, the one number of the decision that is
// not a calibrated probability, to maximise the total utility of the
// out-of-fold decisions; ties go to the more options (one not offered
// cannot be picked, one more costs a line; "căn cước" should offer the
// first card beside its renewal and reissue).
func thresholds(m *bot.Model, train []Example, oof [][]float64, o Options) {
	views := make([]view, len(train))
	for i, e := range train {
		views[i] = newView(e, oof[i])
	}
	best := math.Inf(-1)
	for _, share := range []float64{0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2} {
		t := *m
		t.OptionShare = share
		var u float64
		for i, e := range train {
			u += e.Weight * Utility(e, t.Decide(views[i].ranked, o.MaxOptions), views[i], o.WrongCost)
		}
		if u >= best-1e-9 {
			best, m.OptionShare = u, share
		}
	}
}

func round2(x float64) float64 { return float64(int(x*100+0.5)) / 100 }

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
