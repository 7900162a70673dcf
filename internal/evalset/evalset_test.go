package evalset

import (
	"strings"
	"testing"

	"botdvc/bot"
)

func TestParse(t *testing.T) {
	rows, err := Parse(strings.NewReader("question\texpect\n\nlàm hộ chiếu\tcap-ho-chieu\tplace\treal long\thttps://x\n"))
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 1 || rows[0].Line != 3 || rows[0].Aspect != "place" || len(rows[0].Tags) != 2 || rows[0].Source != "https://x" {
		t.Errorf("rows = %+v", rows)
	}
	if _, err := Parse(strings.NewReader("h\nok\ta\nno expect\n")); err == nil || !strings.Contains(err.Error(), "line 3") {
		t.Errorf("missing expect: err = %v, want one naming line 3", err)
	}
}

// TestSummarize checks score.py's and stats.py's rules on one row of each
// kind (cmd/botctl's TestScoreMatchesScorePy compares with score.py itself).
func TestSummarize(t *testing.T) {
	c := func(ids ...string) []bot.Candidate {
		var out []bot.Candidate
		for _, id := range ids {
			out = append(out, bot.Candidate{GuideID: id})
		}
		return out
	}
	rows := []Row{
		{Question: "1", Expect: "a,b"},
		{Question: "2", Expect: "a"},
		{Question: "3", Expect: "a"},
		{Question: "4", Expect: "a|c"},
		{Question: "5", Expect: "@fallback"},
		{Question: "6", Expect: "@fallback"},
	}
	answers := []bot.AskResult{
		{Action: bot.ActionAnswer, GuideID: "b", Candidates: c("b", "a")},   // right: 1
		{Action: bot.ActionClarify, Candidates: c("x", "y", "a")},           // a in top 3: 0.5
		{Action: bot.ActionAnswer, GuideID: "x", Candidates: c("x", "a")},   // wrong: 0
		{Action: bot.ActionClarify, Candidates: c("x", "y", "z", "q", "c")}, // ambiguous, c offered: 1
		{Action: bot.ActionFallback},                                        // 1
		{Action: bot.ActionAnswer, GuideID: "x", Candidates: c("x")},        // off corpus answered: 0
	}
	s := Summarize(nil, rows, answers, ByGuide, false)
	if want := 3.5 / 6; s.Accuracy != want {
		t.Errorf("accuracy %.3f, want %.3f", s.Accuracy, want)
	}
	if s.Procedural != 4 || s.Wrong != 0.25 || s.Top1 != 0.25 || s.Top3 != 0.75 {
		t.Errorf("procedural %d wrong %.2f top1 %.2f top3 %.2f, want 4 0.25 0.25 0.75", s.Procedural, s.Wrong, s.Top1, s.Top3)
	}
	if s.OffCorpus != 2 || s.OffNotAnswer != 0.5 {
		t.Errorf("off corpus %d not answered %.2f, want 2 0.5", s.OffCorpus, s.OffNotAnswer)
	}
}
