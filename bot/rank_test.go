package bot

import (
	"slices"
	"testing"

	"botdvc/knowledge"
)

func TestMergeHits(t *testing.T) {
	a := []knowledge.Hit{{GuideID: "x", Score: 10}, {GuideID: "y", Score: 5}}
	b := []knowledge.Hit{{GuideID: "z", Score: 2}, {GuideID: "y", Score: 1.8}}
	got := mergeHits(a, b)
	want := []struct {
		id    string
		score float64
	}{{"x", 1}, {"z", 1}, {"y", 0.9}}
	if len(got) != len(want) {
		t.Fatalf("got %d hits, want %d: %+v", len(got), len(want), got)
	}
	for i, w := range want {
		if got[i].GuideID != w.id || got[i].Score != w.score {
			t.Errorf("hit %d = %s %.2f, want %s %.2f", i, got[i].GuideID, got[i].Score, w.id, w.score)
		}
	}
}

func TestDecide(t *testing.T) {
	m := &Model{
		Confidence:  []float64{1, 4, 0, 0, 0, 0}, // σ(logit p1 + 4·(p1−p2))
		Top3:        []float64{1, 0, 0.5},
		OffCorpus:   []float64{1, 0, 0, 0, 0}, // P(none) itself
		WrongCost:   3,
		OptionShare: 0.5,
	}
	none := func(ps []float64) float64 {
		n := 1.0
		for _, p := range ps {
			n -= p
		}
		return max(n, 0)
	}
	tests := []struct {
		name     string
		probs    []float64
		want     Verdict
		nOptions int
	}{
		{"empty", nil, VerdictFallback, 0},
		{"clear answer", []float64{0.8, 0.1}, VerdictAnswer, 0},
		{"close call", []float64{0.5, 0.45, 0.1}, VerdictClarify, 2},
		{"low", []float64{0.05, 0.04, 0.01}, VerdictFallback, 0},
		{"one weak option falls back", []float64{0.3, 0.05}, VerdictFallback, 0},
		// P(right) 0.83 is under the 3-in-4 line a cost of 3 draws, and
		// the rival is too far behind to offer: "is it this one?"
		{"one likely option is asked about", []float64{0.55, 0.2}, VerdictClarify, 1},
	}
	if d := m.Decide(Ranked{Probs: []float64{0.6, 0.35, 0.3}, Altered: []bool{true, false, false}}, 5); d.Verdict != VerdictClarify || !slices.Equal(d.Options, []int{1, 2}) {
		t.Errorf("altered best: %v with options %v, want clarify with [1 2]: never answered nor offered", d.Verdict, d.Options)
	}
	for _, tt := range tests {
		d := m.Decide(Ranked{Probs: tt.probs, None: none(tt.probs), Altered: make([]bool, len(tt.probs))}, 5)
		if d.Verdict != tt.want || len(d.Options) != tt.nOptions {
			t.Errorf("%s: %v with %d options (confidence %.2f, top3 %.2f), want %v with %d",
				tt.name, d.Verdict, len(d.Options), d.Confidence, d.Top3, tt.want, tt.nOptions)
		}
	}
}

func TestDefaultModel(t *testing.T) {
	if err := DefaultModel().Check(); err != nil {
		t.Fatal(err)
	}
}
