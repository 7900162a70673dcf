package bot_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"botdvc/bot"
	"botdvc/internal/evalset"
	"botdvc/knowledge/guides"
)

// runHeldout answers every question in a fresh conversation and returns
// its figures as score.py and stats.py compute them, and the misses.
func runHeldout(t *testing.T, e *bot.Engine, path string, by evalset.By) (evalset.Summary, string) {
	t.Helper()
	rows, err := evalset.Read(path)
	if err != nil {
		t.Fatal(err)
	}
	answers := make([]bot.AskResult, len(rows))
	for i, row := range rows {
		r, err := e.Answer(context.Background(), bot.Message{
			ID: "h", Channel: bot.Web, UserID: fmt.Sprint("held", i), Kind: bot.KindText, Text: row.Question,
		})
		if err != nil {
			t.Fatalf("line %d: Answer: %v", row.Line, err)
		}
		answers[i] = r.Result(row.Question)
		if r.Action == bot.ActionAnswer && slices.Contains(row.Tags, "offtopic") {
			// A question about nothing the service does is never
			// answered with a procedure.
			t.Errorf("line %d: off topic but answered %s at confidence %.2f", row.Line, r.GuideID, r.Confidence)
		}
	}
	var misses strings.Builder
	s := evalset.Summarize(&misses, rows, answers, by, true)
	return s, misses.String()
}

// TestHeldout runs testdata/heldout.tsv (questions written apart from the
// dev set: stories, typos, no diacritics, and procedures the corpus does not
// cover) over the bundled corpus. The floors sit a little under the figures
// measured when the set was written (doc/engine.md), so a regression shows;
// the accuracy floor is 0.86 since 2026-12-03 (0.87 before): a refit moves
// a question on the line between asking back and falling back ("đăng ký
// học lái xe ô tô") by one row, 0.011, and the set's cross-validated
// figure is 0.871.
func TestHeldout(t *testing.T) {
	gs, err := guides.Load()
	if err != nil {
		t.Fatal(err)
	}
	e := MustOpenEngine(t, gs, bot.NewMemorySessions(time.Hour))
	s, misses := runHeldout(t, e, "testdata/heldout.tsv", evalset.ByGuide)
	t.Logf("held-out accuracy %.3f, wrong %.3f, out of corpus not answered %.2f", s.Accuracy, s.Wrong, s.OffNotAnswer)
	if s.Accuracy < 0.86 || s.OffNotAnswer < 0.7 || s.Wrong > 0.02 {
		t.Errorf("held-out accuracy %.3f (floor 0.86), wrong %.3f (ceiling 0.02), out of corpus not answered %.2f (floor 0.7)\n%s", s.Accuracy, s.Wrong, s.OffNotAnswer, misses)
	}
}

// TestHeldoutWithCatalogue runs testdata/heldout-catalog.tsv (the same
// questions; those a catalogue record answers expect that record) with the
// national catalogue loaded.
func TestHeldoutWithCatalogue(t *testing.T) {
	if testing.Short() {
		t.Skip("indexes 2,600 catalogue records")
	}
	curated, all := withCatalogue(t)
	e := MustOpenEngine(t, all, bot.NewMemorySessions(time.Hour))
	// With the catalogue "riêng" is a rare word (a few records use it),
	// so the altered-name rule looks at it: it must take "trong" of "…
	// phổ thông trong nước" for the name's grammar, not a word "riêng"
	// replaces; "vắng" in place of "trú" still names another procedure.
	// "cháu" is rare too, and says for whom, not which procedure.
	for q, want := range map[string]bool{
		"con tôi có được cấp hộ chiếu phổ thông riêng hay không?": false,
		"đăng ký tạm vắng cho con đi học xa":                      true,
		"làm thế nào để đổi được tên cho cháu":                    false,
	} {
		ex, err := e.Explain(context.Background(), q)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range ex.Candidates {
			if (c.GuideID == "cap-ho-chieu-pho-thong" || c.GuideID == "dang-ky-tam-tru" || c.GuideID == "thay-doi-cai-chinh-ho-tich") && c.Altered != want {
				t.Errorf("%q: %s altered %v, want %v", q, c.GuideID, c.Altered, want)
			}
		}
	}
	// Every name of a curated guide, asked alone, finds that guide among
	// the candidates, however many catalogue titles share its words
	// ("đổi tên cho con" beside the "Đổi tên …" of firms and associations).
	for _, g := range curated {
		for _, n := range append([]string{g.Title}, g.Aliases...) {
			ex, err := e.Explain(context.Background(), n)
			if err != nil {
				t.Fatal(err)
			}
			if ex.Ranked && !slices.ContainsFunc(ex.Candidates, func(c bot.Explained) bool { return c.GuideID == g.ID }) {
				t.Errorf("%q: %s is not a candidate with the catalogue loaded", n, g.ID)
			}
		}
	}
	s, misses := runHeldout(t, e, "testdata/heldout-catalog.tsv", evalset.ByGuide)
	t.Logf("held-out accuracy with the catalogue %.3f, wrong %.3f", s.Accuracy, s.Wrong)
	if s.Accuracy < 0.82 || s.Wrong > 0.05 {
		t.Errorf("held-out accuracy with the catalogue %.3f (floor 0.82), wrong %.3f (ceiling 0.05)\n%s", s.Accuracy, s.Wrong, misses)
	}
}

// TestAlteredName: a question that holds a guide's name with one word
// swapped for a rare word the guide never uses names another procedure and
// must not be answered with that guide; story words, brand names and typos
// after a name must not trigger it.
func TestAlteredName(t *testing.T) {
	gs, err := guides.Load()
	if err != nil {
		t.Fatal(err)
	}
	e := MustOpenEngine(t, gs, bot.NewMemorySessions(time.Hour))
	for i, q := range []string{"đăng ký tạm vắng", "dang ky tam vang", "khai báo tạm vắng khi đi làm xa"} {
		r := (&chat{t: t, e: e, user: fmt.Sprint("alt", i)}).say(q)
		if r.Action == bot.ActionAnswer || slices.ContainsFunc(r.Options, func(o bot.Option) bool { return o.Payload == bot.PayloadGuide+"dang-ky-tam-tru" }) {
			t.Errorf("%q: %s %s %v, want neither an answer nor an option with đăng ký tạm trú", q, r.Action, r.GuideID, r.Options)
		}
	}
	for i, tt := range []struct{ q, guide string }{
		{"đăng ký tạm trú", "dang-ky-tam-tru"},
		{"đăng ký xe vinfast", "dang-ky-xe"},
		{"đánh rơi căn cước ngoài chợ, giờ làm lại mất mấy ngày", "cap-lai-the-can-cuoc"},
		{"dang ky tam tru", "dang-ky-tam-tru"},
		{"dang ky tam truu", "dang-ky-tam-tru"},
	} {
		r := (&chat{t: t, e: e, user: fmt.Sprint("ok", i)}).say(tt.q)
		if r.Action != bot.ActionAnswer || r.GuideID != tt.guide {
			t.Errorf("%q: %s %s, want answer %s", tt.q, r.Action, r.GuideID, tt.guide)
		}
	}
}

// TestTelexLeftovers: words typed with the Telex keys but without the input
// method are read as the words meant, with the synonyms and aspect cues
// that apply to those; national codes and dossier codes survive the repair.
func TestTelexLeftovers(t *testing.T) {
	gs, err := guides.Load()
	if err != nil {
		t.Fatal(err)
	}
	e := MustOpenEngine(t, gs, bot.NewMemorySessions(time.Hour))
	for i, tt := range []struct {
		q, guide string
		aspect   bot.Aspect
	}{
		{"ddawng kys tamj truws", "dang-ky-tam-tru", bot.AspectSteps},
		{"lamf laij bawngf lais xe", "cap-lai-giay-phep-lai-xe", bot.AspectSteps},
		{"ddoir cccd heets bao nhieeu tieenf", "cap-doi-the-can-cuoc", bot.AspectFee},
		{"thur tucj 1.001193", "dang-ky-khai-sinh", bot.AspectSteps},
	} {
		r := (&chat{t: t, e: e, user: fmt.Sprint("telex", i)}).say(tt.q)
		if r.Action != bot.ActionAnswer || r.GuideID != tt.guide || r.Aspect != tt.aspect {
			t.Errorf("%q: %s %s %s, want answer %s %s", tt.q, r.Action, r.GuideID, r.Aspect, tt.guide, tt.aspect)
		}
	}
}

// readRows reads a question set, failing the test on error.
func readRows(t *testing.T, path string) []evalset.Row {
	t.Helper()
	rows, err := evalset.Read(path)
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

// TestCodeOfTheCase: an answer names the code of the case asked: a FAQ
// entry's case when the question holds most of what sets it apart from
// the guide (and that entry leads), the guide's own code otherwise.
func TestCodeOfTheCase(t *testing.T) {
	gs, err := guides.Load()
	if err != nil {
		t.Fatal(err)
	}
	e := MustOpenEngine(t, gs, bot.NewMemorySessions(time.Hour))
	for i, tt := range []struct{ q, guide, code, lead string }{
		{"mất cà vẹt xe thì làm lại thế nào", "dang-ky-xe", "1.013080", "Mất cà vẹt xe"},
		{"tìm lại được hộ chiếu đã báo mất thì làm sao", "cap-ho-chieu-pho-thong", "1.010384", "Đã báo mất hộ chiếu"},
		{"làm hộ chiếu lần đầu cần gì", "cap-ho-chieu-pho-thong", "1.001456", ""},
	} {
		r := (&chat{t: t, e: e, user: fmt.Sprint("case", i)}).say(tt.q)
		if r.GuideID != tt.guide || r.Code != tt.code {
			t.Errorf("%q: %s %s code %s, want %s code %s", tt.q, r.Action, r.GuideID, r.Code, tt.guide, tt.code)
		}
		if tt.lead != "" && !strings.Contains(r.Text, tt.lead) {
			t.Errorf("%q: the case's entry does not lead:\n%s", tt.q, r.Text)
		}
	}
}

// TestPickAnswersTheQuestionAsked: picking the option of an ask-back
// answers the question that was asked back about, its case included.
func TestPickAnswersTheQuestionAsked(t *testing.T) {
	gs, err := guides.Load()
	if err != nil {
		t.Fatal(err)
	}
	sessions := bot.NewMemorySessions(time.Hour)
	e := MustOpenEngine(t, gs, sessions)
	key := bot.Message{Channel: bot.Web, UserID: "pick"}.Conversation()
	for i, reply := range []string{"đúng", "1"} {
		s := bot.Session{Options: []string{bot.PayloadGuide + "cap-ho-chieu-pho-thong"}, Asked: "tìm lại được hộ chiếu đã báo mất thì làm sao"}
		if err := sessions.Save(context.Background(), key, s); err != nil {
			t.Fatal(err)
		}
		r := (&chat{t: t, e: e, user: "pick", n: 10 * i}).say(reply)
		if r.Action != bot.ActionAnswer || r.Code != "1.010384" || !strings.Contains(r.Text, "Đã báo mất hộ chiếu") {
			t.Errorf("%q after asking back: %s %s code %s, want the khôi phục case (1.010384) leading:\n%s", reply, r.Action, r.GuideID, r.Code, r.Text)
		}
	}
}
