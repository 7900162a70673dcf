package complaint

import (
	"context"
	"strconv"
	"testing"

	"botdvc/bot"
)

// BenchmarkIntake measures what the intake adds to every message in front
// of the engine (here a handler that answers at once), on an embedded NATS:
// a question in a conversation that never complained (two KV reads and the
// complaint recognition), and a question in a conversation that filed a
// complaint (plus the update of its last-message time).
func BenchmarkIntake(b *testing.B) {
	clk := newClock("2026-06-01T09:00:00+07:00")
	d, _ := MustOpenDesk(b, clk)
	h := bot.Chain(func(context.Context, bot.Message) (bot.Reply, error) {
		return bot.Reply{Action: bot.ActionAnswer}, nil
	}, d.Intake())
	ctx := context.Background()
	b.Run("question", func(b *testing.B) {
		for i := 0; b.Loop(); i++ {
			m := bot.Message{ID: "q" + strconv.Itoa(i), Channel: bot.Zalo, UserID: "u" + strconv.Itoa(i%100), Kind: bot.KindText,
				Text: "làm lại căn cước bị mất ở đâu, cần mang giấy tờ gì", Time: clk.Now()}
			if _, err := h(ctx, m); err != nil {
				b.Fatal(err)
			}
		}
	})
	c := newChat(b, d, clk, bot.Zalo, "complained")
	c.say("Tôi muốn phản ánh cán bộ phường Cầu Giấy hẹn đi hẹn lại nhiều lần khi tôi làm căn cước cho con, hôm qua")
	c.say("bỏ qua")
	c.say("gửi")
	b.Run("question_after_complaint", func(b *testing.B) {
		for i := 0; b.Loop(); i++ {
			clk.Add(1)
			m := bot.Message{ID: "a" + strconv.Itoa(i), Channel: bot.Zalo, UserID: "complained", Kind: bot.KindText,
				Text: "làm lại căn cước bị mất ở đâu, cần mang giấy tờ gì", Time: clk.Now()}
			if _, err := h(ctx, m); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("recognition_only", func(b *testing.B) {
		m := bot.Message{Kind: bot.KindText, Text: "làm lại căn cước bị mất ở đâu, cần mang giấy tờ gì"}
		for b.Loop() {
			startsComplaint(m)
		}
	})
}
