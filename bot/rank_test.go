package bot

import (
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
	e := NewEngine(nil, nil, nil)
	c := func(id string, score, name, cov float64) candidate {
		return candidate{guide: knowledge.Guide{ID: id}, score: score, nameCov: name, queryCov: cov}
	}
	tests := []struct {
		name string
		cs   []candidate
		want verdict
	}{
		{"empty", nil, verdictFallback},
		{"clear answer", []candidate{c("a", 0.8, 0.9, 0.8), c("b", 0.4, 0.3, 0.3)}, verdictAnswer},
		{"close call", []candidate{c("a", 0.7, 0.6, 0.6), c("b", 0.68, 0.6, 0.6)}, verdictClarify},
		{"family name", []candidate{c("a", 0.8, 0.6, 1), c("b", 0.7, 0.5, 1), c("c", 0.6, 0.4, 1)}, verdictClarify},
		{"exact name wins", []candidate{c("a", 0.9, 1, 1), c("b", 0.7, 0.5, 1)}, verdictAnswer},
		{"loose words only", []candidate{c("a", 0.55, 0.1, 0.4), c("b", 0.2, 0.1, 0.1)}, verdictFallback},
		{"low", []candidate{c("a", 0.3, 0.3, 0.3)}, verdictFallback},
	}
	for _, tt := range tests {
		if got, _, _ := e.decide(tt.cs); got != tt.want {
			t.Errorf("%s: verdict %d, want %d", tt.name, got, tt.want)
		}
	}
}
