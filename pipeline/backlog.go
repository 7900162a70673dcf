package pipeline

import (
	"context"
	"math"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// Backlog follows the inbound backlog of the whole deployment: messages
// accepted and not yet answered, summed over the work consumers of
// BOT_INBOUND, read from JetStream every Interval, and how fast it drains.
// The web chat refuses new messages (503 with Retry-After) while the
// backlog is deep, so that a flood is not queued as minutes of work in
// front of the platforms' webhooks, which are always accepted.
type Backlog struct {
	Interval time.Duration // 1s

	js jetstream.JetStream

	mu       sync.Mutex
	depth    int
	answered uint64    // consumer ack floors, summed
	at       time.Time // of the last reading
	rate     float64   // answered per second, smoothed
	known    bool
}

// NewBacklog returns a Backlog reading js; call Run.
func NewBacklog(js jetstream.JetStream) *Backlog {
	return &Backlog{Interval: time.Second, js: js}
}

// Run reads the backlog every Interval until ctx is done.
func (b *Backlog) Run(ctx context.Context) {
	t := time.NewTicker(b.Interval)
	defer t.Stop()
	for {
		b.read(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

func (b *Backlog) read(ctx context.Context) {
	rctx, cancel := context.WithTimeout(ctx, b.Interval)
	defer cancel()
	s, err := b.js.Stream(rctx, InboundStream)
	if err != nil {
		return
	}
	depth, answered := 0, uint64(0)
	lister := s.ListConsumers(rctx)
	for ci := range lister.Info() {
		depth += int(ci.NumPending) + ci.NumAckPending
		answered += ci.AckFloor.Consumer
	}
	if lister.Err() != nil {
		return
	}
	now := time.Now()
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.known && answered >= b.answered {
		if dt := now.Sub(b.at).Seconds(); dt > 0 {
			r := float64(answered-b.answered) / dt
			b.rate = 0.7*b.rate + 0.3*r
		}
	}
	b.depth, b.answered, b.at, b.known = depth, answered, now, true
}

// Depth returns the last backlog read (0 before the first reading).
func (b *Backlog) Depth() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.depth
}

// RetryAfter estimates how long until the backlog has drained to half of
// limit at the rate measured: between 5 seconds and 5 minutes.
func (b *Backlog) RetryAfter(limit int) time.Duration {
	b.mu.Lock()
	defer b.mu.Unlock()
	excess := float64(b.depth - limit/2)
	if excess <= 0 {
		return 5 * time.Second
	}
	if b.rate < 0.1 {
		return time.Minute
	}
	s := math.Ceil(excess / b.rate)
	return min(5*time.Minute, max(5*time.Second, time.Duration(s)*time.Second))
}
