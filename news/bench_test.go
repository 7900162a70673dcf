package news

import (
	"context"
	"fmt"
	"testing"
	"time"

	"botdvc/bot"
	"botdvc/internal/natstest"
)

// BenchmarkMiddleware measures what the announcements add to every message
// on the embedded NATS: a citizen who follows nothing (one read of the
// followers bucket), and a follower with nothing pending.
func BenchmarkMiddleware(b *testing.B) {
	js := natstest.JetStream(b)
	declareNews(b, js)
	c := &clock{t: testNow}
	sessions := bot.NewMemorySessions(time.Hour)
	s := mustOpen(b, js, c, sessions)
	if _, err := s.Create(context.Background(), Input{Title: "Tin", Body: "Nội dung", Guides: []string{"cap-doi-the-can-cuoc"}}, "b"); err != nil {
		b.Fatal(err)
	}
	h := bot.Chain(engine(sessions), s.Middleware())
	for _, follower := range []bool{false, true} {
		user := fmt.Sprintf("bench-%v", follower)
		if follower {
			if _, err := h(context.Background(), bot.Message{ID: "f", Channel: bot.Web, UserID: user, Kind: bot.KindText, Text: "theo dõi"}); err != nil {
				b.Fatal(err)
			}
		}
		b.Run(fmt.Sprintf("follower=%v", follower), func(b *testing.B) {
			n := 0
			for b.Loop() {
				n++
				m := bot.Message{ID: fmt.Sprint(n), Channel: bot.Web, UserID: user, Kind: bot.KindText, Text: "cấp đổi thẻ căn cước", Time: c.Now()}
				if _, err := h(context.Background(), m); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
