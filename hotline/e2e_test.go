package hotline

import (
	"botdvc/webhooks/channels"
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"botdvc/bot"
	"botdvc/pipeline"
)

// channelSender records what the pipeline's sender for a channel delivers:
// the last step before the platform API (Zalo's and Meta's clients are
// tested in their adapters).
type channelSender struct {
	mu   sync.Mutex
	sent []bot.Outbound
}

func (s *channelSender) Send(_ context.Context, o bot.Outbound) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sent = append(s.sent, o)
	return nil
}

func (s *channelSender) all() []bot.Outbound {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]bot.Outbound(nil), s.sent...)
}

// TestThroughPipeline runs the hotline inside the real message pipeline
// (inbound stream, workers, outbound stream, senders) on embedded NATS: a
// hand-off, silence while the ticket is open, a staff reply delivered by the
// channel's sender, the rating, and the bot answering again after hand-back.
func TestThroughPipeline(t *testing.T) {
	e := MustOpenQueue(t)
	ctx := context.Background()
	pcfg := pipeline.Config{Partitions: 2, AckWait: time.Second, MaxDeliver: 3, SendAttempts: 3,
		MaxBackoff: 20 * time.Millisecond, FetchWait: time.Second, RatePerMinute: 6000, Burst: 1000,
		Channels: []bot.Channel{bot.Web, bot.Zalo, bot.Messenger}}
	if err := pipeline.Reconcile(ctx, e.js, pipeline.Declare(pcfg)); err != nil {
		t.Fatal(err)
	}
	var p *pipeline.Pipeline
	q, err := New(e.js, OutboxFunc(func(ctx context.Context, o bot.Outbound) error { return p.Enqueue(ctx, o) }),
		Config{Now: e.clock.Now, Channels: channels.Registry(nil)}, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { q.Close() })

	var engineCalls int
	var mu sync.Mutex
	engine := func(ctx context.Context, m bot.Message) (bot.Reply, error) {
		mu.Lock()
		engineCalls++
		mu.Unlock()
		if strings.Contains(m.Text, "gặp cán bộ") {
			rc, err := q.Escalate(ctx, bot.Escalation{ID: string(m.Channel) + ":" + m.ID, Category: bot.CategoryPerson,
				Channel: m.Channel, UserID: m.UserID, Conversation: m.Conversation(), Question: m.Text, LastUser: m.Time})
			if err != nil {
				return bot.Reply{}, err
			}
			return bot.Reply{Action: bot.ActionHandoff, Text: ReceiptText(rc), Handoff: &bot.Handoff{Category: bot.CategoryPerson}}, nil
		}
		return bot.Reply{Action: bot.ActionAnswer, Text: "trợ lý: " + m.Text}, nil
	}
	p = pipeline.New(e.js, bot.Chain(engine, q.Middleware()), nil, pcfg)
	zalo := &channelSender{}
	p.Senders[bot.Zalo] = zalo
	if err := p.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Stop(context.Background()) })

	n := 0
	send := func(text string) {
		t.Helper()
		n++
		if err := p.Accept(ctx, bot.Message{ID: fmt.Sprint("zm", n), Channel: bot.Zalo, UserID: "zalo-user-1",
			Kind: bot.KindText, Text: text, Time: time.Now()}); err != nil {
			t.Fatal(err)
		}
	}
	waitSent := func(k int, what string) bot.Outbound {
		t.Helper()
		checkFor(t, 10*time.Second, 20*time.Millisecond, func() error {
			if got := len(zalo.all()); got < k {
				return fmt.Errorf("%s: %d messages delivered, want %d", what, got, k)
			}
			return nil
		})
		return zalo.all()[k-1]
	}

	send("cho em gặp cán bộ")
	if o := waitSent(1, "receipt"); !strings.Contains(o.Reply.Text, "cán bộ tổng đài") {
		t.Fatalf("receipt = %q", o.Reply.Text)
	}
	ts, _ := q.List(ctx, StatusOpen)
	if len(ts) != 1 {
		t.Fatalf("%d open tickets, want 1", len(ts))
	}
	id := ts[0].ID

	send("em ở phường Cầu Giấy") // with people now: silent, joins the ticket
	checkFor(t, 10*time.Second, 20*time.Millisecond, func() error {
		tk, _ := q.Get(ctx, id)
		if !strings.Contains(tk.Transcript[len(tk.Transcript)-1].Text, "Cầu Giấy") {
			return fmt.Errorf("message not on the ticket yet")
		}
		return nil
	})

	if _, err := q.Reply(ctx, id, "lan", "Chào anh/chị, em là cán bộ Lan, em hỗ trợ anh/chị ạ."); err != nil {
		t.Fatal(err)
	}
	o := waitSent(2, "staff reply")
	if o.Staff != "lan" || o.UserID != "zalo-user-1" || o.Reply.Text != "Chào anh/chị, em là cán bộ Lan, em hỗ trợ anh/chị ạ." || o.LastUser.IsZero() {
		t.Fatalf("delivered staff reply = %+v", o)
	}

	if _, err := q.CloseTicket(ctx, id, "lan", CloseRequest{Resolution: "đã hướng dẫn", Handback: true}); err != nil {
		t.Fatal(err)
	}
	if o := waitSent(3, "rating question"); len(o.Reply.Options) != 5 {
		t.Fatalf("rating question = %+v", o)
	}
	send("4")
	if o := waitSent(4, "thanks"); !strings.Contains(o.Reply.Text, "Cảm ơn") {
		t.Fatalf("after rating: %q", o.Reply.Text)
	}
	send("làm hộ chiếu ở đâu")
	if o := waitSent(5, "bot again"); o.Reply.Text != "trợ lý: làm hộ chiếu ở đâu" {
		t.Fatalf("after hand-back: %q", o.Reply.Text)
	}
	mu.Lock()
	defer mu.Unlock()
	if engineCalls != 2 {
		t.Fatalf("engine called %d times, want 2 (hand-off and after hand-back)", engineCalls)
	}
	if tk, _ := q.Get(ctx, id); tk.Rating != 4 {
		t.Fatalf("rating %d, want 4", tk.Rating)
	}
}
