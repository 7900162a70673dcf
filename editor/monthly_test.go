package editor

import (
	"context"
	"encoding/csv"
	"strings"
	"testing"
	"time"

	"botdvc/bot"
	"botdvc/internal/natstest"
)

// The month is a calendar month in Hà Nội time: a question at 23:30 on
// 31 May there (16:30 UTC) is May's, one at 00:30 on 1 June (17:30 UTC on
// 31 May) is June's. Recorder.Between reads exactly the month.
func TestMonthly(t *testing.T) {
	ctx := context.Background()
	js := natstest.JetStream(t)
	natstest.Declare(t, js, Streams(365*24*time.Hour))
	rec, err := OpenRecorder(ctx, js, discard())
	if err != nil {
		t.Fatal(err)
	}
	var now time.Time
	rec.Now = func() time.Time { return now }
	for _, q := range []struct {
		at      string
		ch      bot.Channel
		action  bot.Action
		guideID string
	}{
		{"2026-05-31T16:30:00Z", bot.Zalo, bot.ActionAnswer, "dang-ky-khai-sinh"}, // May in Hà Nội
		{"2026-05-31T17:30:00Z", bot.Zalo, bot.ActionAnswer, "dang-ky-khai-sinh"}, // June
		{"2026-06-10T02:00:00Z", bot.Web, bot.ActionAnswer, "cap-lai-the-can-cuoc"},
		{"2026-06-10T02:01:00Z", bot.Web, bot.ActionClarify, ""},
		{"2026-06-11T02:00:00Z", bot.Messenger, bot.ActionFallback, ""},
		{"2026-06-12T02:00:00Z", bot.Messenger, bot.ActionHandoff, ""},
		{"2026-06-30T16:59:00Z", bot.Web, bot.ActionAnswer, "dang-ky-khai-sinh"}, // 23:59 on 30 June
		{"2026-06-30T17:00:00Z", bot.Web, bot.ActionAnswer, "dang-ky-khai-sinh"}, // July
	} {
		now, _ = time.Parse(time.RFC3339, q.at)
		if err := rec.Record(ctx, bot.Message{Channel: q.ch, UserID: "u", Kind: bot.KindText, Text: "câu hỏi"},
			bot.Reply{Action: q.action, GuideID: q.guideID}); err != nil {
			t.Fatal(err)
		}
	}
	from, to, err := ParseMonth("2026-06")
	if err != nil {
		t.Fatal(err)
	}
	outs, err := rec.Between(ctx, from, to)
	if err != nil {
		t.Fatal(err)
	}
	if len(outs) != 6 {
		t.Fatalf("June has %d questions, want 6: %+v", len(outs), outs)
	}
	// Feedback taps under answers: counted as feedback, not as questions.
	outs = append(outs, Outcome{At: from.Add(time.Hour), Channel: bot.Web, Feedback: bot.VoteUp, GuideID: "dang-ky-khai-sinh"},
		Outcome{At: from.Add(2 * time.Hour), Channel: bot.Web, Feedback: bot.VoteDown, GuideID: "dang-ky-khai-sinh"},
		Outcome{At: from.Add(3 * time.Hour), Channel: bot.Zalo, Feedback: bot.VoteUp})
	domains := map[string]string{"dang-ky-khai-sinh": "ho-tich", "cap-lai-the-can-cuoc": "can-cuoc"}
	cs := &ComplaintStats{Received: 2, ByStatus: map[string]int{"received": 1, "answered": 1}, Answered: 1, Due: 1, OnTime: 1, OnTimeRate: 1,
		ByProcedure: []ComplaintProcedure{{Procedure: "dang-ky-khai-sinh", Title: "Đăng ký khai sinh", Received: 2, Answered: 1, OnTime: 1}}}
	m := BuildMonthly(from, to, outs, TicketStats{Created: 1, MedianFirstReply: 90 * time.Second, Ratings: [5]int{0, 0, 0, 1, 0}, RatingAverage: 4}, cs,
		func(id string) string { return domains[id] })
	q := m.Questions
	if q.Total != 6 || q.ByChannel["zalo"] != 1 || q.ByChannel["web"] != 3 || q.ByDomain["ho-tich"] != 2 || q.ByDomain["can-cuoc"] != 1 ||
		q.ByDomain[""] != 3 || q.Answered != 3 || q.AskedBack != 1 || q.FellBack != 1 || q.HandedOff != 1 || q.ByChannelDomain["web"]["ho-tich"] != 1 {
		t.Errorf("questions = %+v", q)
	}
	if m.Feedback.Up != 2 || m.Feedback.Down != 1 {
		t.Errorf("feedback = %+v", m.Feedback)
	}
	if m.Month != "2026-06" || m.Tickets.Created != 1 || m.Tickets.MedianFirstReplySeconds != 90 || m.Ratings.Rated != 1 || m.Ratings.Average != 4 {
		t.Errorf("report = %+v", m)
	}
	// The same figures as the summary page over the same records.
	sum := Summarize(outs, TicketStats{}, 30, to.Add(-time.Second))
	if sum.Total != q.Total || sum.Actions["answer"] != q.Answered || len(m.summary.PerDay) != 30 || m.summary.PerDay[0].Date != "2026-06-01" {
		t.Errorf("summary %+v vs monthly %+v", sum, q)
	}
	body := m.CSV()
	if !strings.HasPrefix(string(body), "\ufeff") {
		t.Error("no BOM")
	}
	rows, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(string(body), "\ufeff"))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"questions/total/": "6", "questions/by_domain/ho-tich": "2", "complaints/received/": "2",
		"complaints/on_time_rate/": "1.000", "complaints/by_procedure/dang-ky-khai-sinh": "2", "feedback/up/": "2", "feedback/down/": "1", "ratings/count/4": "1"}
	for _, r := range rows[1:] {
		if len(r) != 5 {
			t.Fatalf("row %v", r)
		}
		k := r[0] + "/" + r[1] + "/" + r[2]
		if v, ok := want[k]; ok {
			if v != r[3] {
				t.Errorf("%s = %s, want %s", k, r[3], v)
			}
			delete(want, k)
		}
	}
	if len(want) > 0 {
		t.Errorf("CSV lacks %v:\n%s", want, body)
	}
	for _, bad := range []string{"2026-6", "2026-13", "june", "2026-06-01"} {
		if _, _, err := ParseMonth(bad); err == nil {
			t.Errorf("ParseMonth(%q) accepted", bad)
		}
	}
}
