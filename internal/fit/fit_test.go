package fit

import (
	"math"
	"math/rand/v2"
	"testing"

	"botdvc/bot"
	"botdvc/internal/evalset"
)

// TestLogisticRecoversWeights: data drawn from a known logistic model give
// back its weights.
func TestLogisticRecoversWeights(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	want := []float64{2, -1, 0.5}
	var x [][]float64
	var y []float64
	for range 20000 {
		xi := []float64{rng.NormFloat64(), rng.NormFloat64()}
		x = append(x, xi)
		y = append(y, b2f(rng.Float64() < bot.Sigmoid(bot.Dot(want, xi))))
	}
	got, err := Logistic(x, y, nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	for i := range want {
		if math.Abs(got[i]-want[i]) > 0.1 {
			t.Errorf("weight %d = %.3f, want %.3f ± 0.1 (all: %v)", i, got[i], want[i], got)
		}
	}
	// Weights count examples: every example twice is the same fit.
	w2 := make([]float64, len(y))
	for i := range w2 {
		w2[i] = 2
	}
	got2, _ := Logistic(x, y, w2, 0)
	for i := range got {
		if math.Abs(got[i]-got2[i]) > 1e-6 {
			t.Errorf("weight %d: %.6f with weight 1, %.6f with weight 2", i, got[i], got2[i])
		}
	}
}

// TestSoftmaxPicksWithinQuestion: the conditional logit learns which
// feature tells the right candidate from its rivals, and "none" for
// questions whose candidates are all wrong.
func TestSoftmaxPicksWithinQuestion(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	var qs []Choice
	for i := range 400 {
		q := Choice{}
		right := rng.IntN(4)
		none := i%5 == 0 // one question in five has no right candidate
		for k := range 4 {
			signal := rng.Float64() * 0.5
			if k == right && !none {
				signal += 0.5
			}
			q.X = append(q.X, []float64{signal, rng.Float64()}) // the second feature is noise
			q.Right = append(q.Right, k == right && !none)
		}
		qs = append(qs, q)
	}
	w, err := Softmax(qs, 0.01)
	if err != nil {
		t.Fatal(err)
	}
	if w[0] < 5*math.Abs(w[1]) {
		t.Errorf("weights %v: the signal should outweigh the noise", w)
	}
	hits := 0
	for _, q := range qs {
		p, _ := bot.ChoiceProbs(w, q.X)
		best := 0
		for k := range p {
			if p[k] > p[best] {
				best = k
			}
		}
		if q.Right[best] {
			hits++
		}
	}
	if hits < 270 { // 320 questions have a right candidate
		t.Errorf("the fitted model picks the right candidate in %d of 320 questions", hits)
	}
}

// TestModelThresholds: on examples where the best candidate is right when
// it stands out and wrong when it does not, the fitted model answers the
// first kind and does not answer the second; its confidence is a
// probability that grows with the lead.
func TestModelThresholds(t *testing.T) {
	n := len(bot.FeatureNames)
	feat := func(name, focus float64) []float64 {
		f := make([]float64, n)
		f[0], f[7] = name, focus
		return f
	}
	var exs []Example
	for i := range 300 {
		r := evalset.Row{Line: i + 2, Question: "q" + string(rune('a'+i%26)) + string(rune('a'+i/26)), Expect: "a"}
		e := Example{Set: "s", Weight: 1, Row: r, By: evalset.ByGuide, Ranked: true}
		if i%2 == 0 { // clear: the right one has the name
			e.Cands = []Cand{{ID: "a", Features: feat(1, 1), Family: "a", Right: true}, {ID: "b", Features: feat(0.2, 0.2), Family: "b"}}
		} else { // murky: a wrong one looks as good
			e.Cands = []Cand{{ID: "b", Features: feat(0.6, 0.6), Family: "b"}, {ID: "a", Features: feat(0.6, 0.6), Family: "a", Right: i%4 == 1}}
		}
		exs = append(exs, e)
	}
	m, err := Model(exs, DefaultOptions)
	if err != nil {
		t.Fatal(err)
	}
	clear := m.Decide(bot.Ranked{Probs: []float64{0.9, 0.05}, None: 0.05, Altered: []bool{false, false}, Name: 1, Query: 1}, 5)
	if clear.Verdict != bot.VerdictAnswer {
		t.Errorf("clear lead: %v (confidence %.2f)", clear.Verdict, clear.Confidence)
	}
	tie := m.Decide(bot.Ranked{Probs: []float64{0.4, 0.4}, None: 0.2, Altered: []bool{false, false}, Name: 0.6, Query: 0}, 5)
	if tie.Verdict == bot.VerdictAnswer || tie.Confidence >= clear.Confidence {
		t.Errorf("tie: %v at confidence %.2f (clear lead %.2f)", tie.Verdict, tie.Confidence, clear.Confidence)
	}
}
