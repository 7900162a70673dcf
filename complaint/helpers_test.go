package complaint

import (
	"botdvc/webhooks/channels"
	"context"
	"errors"
	"strconv"
	"sync"
	"testing"
	"time"

	"botdvc/bot"
	"botdvc/internal/natstest"
	"botdvc/knowledge"
	"botdvc/knowledge/guides"
)

// outbox records what the desk sends to citizens.
type outbox struct {
	mu   sync.Mutex
	sent []bot.Outbound
	down bool // the outbound stream is unavailable
}

func (o *outbox) Enqueue(_ context.Context, out bot.Outbound) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.down {
		return errors.New("nats: no responders available for request")
	}
	o.sent = append(o.sent, out)
	return nil
}

func (o *outbox) setDown(v bool) { o.mu.Lock(); o.down = v; o.mu.Unlock() }

func (o *outbox) all() []bot.Outbound {
	o.mu.Lock()
	defer o.mu.Unlock()
	return append([]bot.Outbound(nil), o.sent...)
}

// clock is a settable time.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }
func newClock(s string) *clock       { t, _ := time.Parse(time.RFC3339, s); return &clock{t: t} }
func bundled(tb testing.TB) []knowledge.Guide {
	tb.Helper()
	gs, err := guides.Load()
	if err != nil {
		tb.Fatal(err)
	}
	return gs
}

// MustOpenDesk opens a desk on a fresh embedded NATS with the bundled
// guides, the hotline's reply windows and the given clock.
func MustOpenDesk(tb testing.TB, clk *clock) (*Desk, *outbox) {
	tb.Helper()
	js := natstest.JetStream(tb)
	out := &outbox{}
	gs := bundled(tb)
	cfg := Config{Now: clk.Now, Guides: func() []knowledge.Guide { return gs },
		Channels: channels.Registry(nil)}
	if err := Declare(cfg).Reconcile(context.Background(), js); err != nil {
		tb.Fatal(err)
	}
	d, err := Open(context.Background(), js, out, cfg, nil)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { d.Close() })
	return d, out
}

// chat sends messages through the intake in front of a handler that
// answers "engine" to whatever reaches it.
type chat struct {
	tb   testing.TB
	h    bot.HandlerFunc
	ch   bot.Channel
	user string
	n    int
	clk  *clock
}

func newChat(tb testing.TB, d *Desk, clk *clock, ch bot.Channel, user string) *chat {
	engine := func(ctx context.Context, m bot.Message) (bot.Reply, error) {
		return bot.Reply{Action: bot.ActionAnswer, Text: "engine"}, nil
	}
	return &chat{tb: tb, h: bot.Chain(engine, d.Intake()), ch: ch, user: user, clk: clk}
}

func (c *chat) msg(m bot.Message) bot.Reply {
	c.tb.Helper()
	c.n++
	if m.ID == "" {
		m.ID = "m" + itoa(c.n)
	}
	m.Channel, m.UserID, m.Time = c.ch, c.user, c.clk.Now()
	if m.Kind == "" {
		m.Kind = bot.KindText
	}
	r, err := c.h(context.Background(), m)
	if err != nil {
		c.tb.Fatalf("%q: %v", m.Text, err)
	}
	return r
}

func (c *chat) say(text string) bot.Reply { c.tb.Helper(); return c.msg(bot.Message{Text: text}) }

func (c *chat) tap(payload string) bot.Reply {
	c.tb.Helper()
	return c.msg(bot.Message{Kind: bot.KindPayload, Payload: payload})
}

func itoa(n int) string { return strconv.Itoa(n) }
