package editor

import (
	"context"
	"fmt"
	"testing"
	"time"

	"botdvc/bot"
)

func TestRecorderAndUnanswered(t *testing.T) {
	ctx := context.Background()
	js := declaredJetStream(t)
	rec, err := OpenRecorder(ctx, js, discard())
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)
	rec.Now = func() time.Time { return now }

	replies := map[string]bot.Reply{
		"thủ tục nuôi chó cảnh, sđt 0912345678": {Action: bot.ActionFallback},
		"nuôi chó cảnh thủ tục":                 {Action: bot.ActionFallback},
		"làm căn cước":                          {Action: bot.ActionClarify, Candidates: []bot.Candidate{{GuideID: "a"}, {GuideID: "b"}}},
		"1":                                     {Action: bot.ActionAnswer, GuideID: "a"},
		"đổi bằng lái":                          {Action: bot.ActionClarify, Candidates: []bot.Candidate{{GuideID: "c"}, {GuideID: "d"}}},
		"cảm ơn":                                {Action: bot.ActionGreeting},
		"gặp người thật":                        {Action: bot.ActionHandoff, Handoff: &bot.Handoff{Category: bot.CategoryPerson}},
		"(silent)":                              {Action: bot.ActionSilent},
	}
	h := rec.Middleware()(func(ctx context.Context, m bot.Message) (bot.Reply, error) {
		return replies[m.Text], nil
	})
	send := func(user, text string) {
		now = now.Add(time.Minute)
		if _, err := h(ctx, bot.Message{Channel: bot.Zalo, UserID: user, Kind: bot.KindText, Text: text}); err != nil {
			t.Fatal(err)
		}
	}
	send("u1", "thủ tục nuôi chó cảnh, sđt 0912345678")
	send("u2", "nuôi chó cảnh thủ tục")
	send("u3", "làm căn cước")
	send("u3", "1") // picked: not a gap
	send("u4", "đổi bằng lái")
	send("u4", "cảm ơn") // did not pick: a gap
	send("u5", "gặp người thật")
	send("u6", "(silent)")

	outs, err := rec.Outcomes(ctx, 24*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if len(outs) != 7 {
		t.Fatalf("recorded %d outcomes, want 7 (silent replies are not questions)", len(outs))
	}
	for _, o := range outs {
		if o.Text == "thủ tục nuôi chó cảnh, sđt 0912345678" {
			t.Errorf("phone number stored unredacted: %q", o.Text)
		}
		if o.Conversation == "zalo:u1" {
			t.Error("conversation stored in clear")
		}
	}
	gaps := Unanswered(outs, nil)
	if len(gaps) != 2 {
		t.Fatalf("gaps = %+v, want the dog group and the unpicked clarify", gaps)
	}
	if gaps[0].Count != 2 || gaps[0].Actions["fallback"] != 2 || len(gaps[0].Examples) != 2 {
		t.Errorf("first gap = %+v, want the two dog questions grouped", gaps[0])
	}
	if gaps[1].Actions["clarify_unpicked"] != 1 {
		t.Errorf("second gap = %+v, want the unpicked clarify", gaps[1])
	}

	sum := Summarize(outs, TicketStats{Created: 2, MedianFirstReply: 3 * time.Minute, Ratings: [5]int{0, 0, 1, 0, 1}, RatingAverage: 4}, 7, now)
	if sum.Total != 7 || sum.Actions["answer"] != 1 || len(sum.PerDay) != 7 || sum.PerDay[6].ByChannel["zalo"] != 7 {
		t.Errorf("summary = %+v", sum)
	}
	if sum.MedianReply != 3*time.Minute || sum.RatingAverage != 4 || sum.Rated != 2 || sum.Tickets != 2 {
		t.Errorf("hotline figures not carried: %+v", sum)
	}
}

func TestGroupKey(t *testing.T) {
	tests := []struct{ a, b string }{
		{"Làm sao đăng ký xe?", "đăng ký xe làm sao"},
		{"cho em hỏi nuôi chó cảnh ạ", "NUÔI CHÓ CẢNH"},
	}
	for _, tt := range tests {
		if ka, kb := GroupKey(tt.a), GroupKey(tt.b); ka != kb {
			t.Errorf("GroupKey(%q) = %q, GroupKey(%q) = %q; want equal", tt.a, ka, tt.b, kb)
		}
	}
	if GroupKey("đăng ký xe") == GroupKey("đăng ký kết hôn") {
		t.Error("different questions share a key")
	}
}

// TestFeedbackInReports runs the real engine behind the recorder: feedback
// taps are recorded with the question they are about, counted in the
// summary (and not as questions), and a "down" puts the question into the
// gap report; a tap between a clarify and its pick does not hide the pick.
func TestFeedbackInReports(t *testing.T) {
	ctx := context.Background()
	js := declaredJetStream(t)
	rec, err := OpenRecorder(ctx, js, discard())
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)
	rec.Now = func() time.Time { return now }
	e, sessions := testEngineSessions(t)
	h := bot.Chain(e.Answer, bot.Remember(sessions), rec.Middleware()) // as botd chains them
	n := 0
	say := func(user string, kind bot.Kind, text string) bot.Reply {
		t.Helper()
		n++
		now = now.Add(time.Minute)
		m := bot.Message{ID: fmt.Sprint(n), Channel: bot.Web, UserID: user, Kind: kind, Text: text}
		if kind == bot.KindPayload {
			m.Text, m.Payload = "(tap)", text
		}
		r, err := h(ctx, m)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	say("u1", bot.KindText, "đăng ký khai sinh cần giấy tờ gì")
	say("u1", bot.KindPayload, bot.PayloadFeedbackUp)
	say("u2", bot.KindText, "lệ phí đăng ký kết hôn bao nhiêu")
	if r := say("u2", bot.KindPayload, bot.PayloadFeedbackDown); r.Feedback == nil {
		t.Fatalf("down: no feedback in the reply %+v", r)
	}
	say("u2", bot.KindPayload, bot.PayloadFeedbackDown) // the same answer again: not counted twice

	outs, err := rec.Outcomes(ctx, 24*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	sum := Summarize(outs, TicketStats{}, 7, now)
	if sum.Feedback != (Feedback{Up: 1, Down: 1}) {
		t.Errorf("feedback = %+v, want 1 up, 1 down", sum.Feedback)
	}
	if sum.Total != 2 {
		t.Errorf("total = %d, want 2: feedback taps are not questions", sum.Total)
	}
	gaps := Unanswered(outs, nil)
	if len(gaps) != 1 || gaps[0].Actions["feedback_down"] != 1 || gaps[0].Examples[0] != "lệ phí đăng ký kết hôn bao nhiêu" {
		t.Fatalf("gaps = %+v, want the question of the down", gaps)
	}
}
