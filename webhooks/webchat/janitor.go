package webchat

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// DefaultKeep is how long a web chat conversation is kept after its last
// turn.
const DefaultKeep = 30 * 24 * time.Hour

// Janitor removes web chat conversations whose last turn is older than Keep,
// unless Open says the conversation is still with people (an open ticket):
// those wait for the citizen as long as it takes. Every instance may run
// one; sweeps are idempotent.
type Janitor struct {
	JS     jetstream.JetStream
	Keep   time.Duration // DefaultKeep when 0
	Now    func() time.Time
	Logger *slog.Logger
	// Open reports whether the conversation of a web chat session has an
	// open ticket (or anything else that must keep it). Nil keeps nothing
	// past Keep.
	Open func(ctx context.Context, session string) (bool, error)
}

// Sweep removes the conversations idle for longer than Keep and not open,
// and returns how many it removed. Turns older than the cut-off sit at the
// start of the stream (it is in time order), so a sweep reads only those,
// and then each of their conversations' last turn.
func (j *Janitor) Sweep(ctx context.Context) (int, error) {
	keep := j.Keep
	if keep <= 0 {
		keep = DefaultKeep
	}
	now := time.Now
	if j.Now != nil {
		now = j.Now
	}
	cutoff := now().Add(-keep)
	st, err := j.JS.Stream(ctx, Stream)
	if err != nil {
		return 0, fmt.Errorf("webchat.Sweep: %w", err)
	}
	// The sessions with a turn older than the cut-off.
	var sessions []string
	seen := map[string]bool{}
	for seq := uint64(1); ; {
		m, err := st.GetMsg(ctx, seq, jetstream.WithGetMsgSubject(subjectPrefix+"*"))
		if errors.Is(err, jetstream.ErrMsgNotFound) {
			break
		}
		if err != nil {
			return 0, fmt.Errorf("webchat.Sweep: %w", err)
		}
		if !m.Time.Before(cutoff) {
			break
		}
		if s := strings.TrimPrefix(m.Subject, subjectPrefix); !seen[s] {
			seen[s] = true
			sessions = append(sessions, s)
		}
		seq = m.Sequence + 1
	}
	removed := 0
	for _, s := range sessions {
		last, err := st.GetLastMsgForSubject(ctx, subject(s))
		if errors.Is(err, jetstream.ErrMsgNotFound) {
			continue
		}
		if err != nil {
			return removed, fmt.Errorf("webchat.Sweep: %w", err)
		}
		if !last.Time.Before(cutoff) {
			continue // the citizen came back
		}
		if j.Open != nil {
			open, err := j.Open(ctx, s)
			if err != nil {
				return removed, fmt.Errorf("webchat.Sweep: %w", err)
			}
			if open {
				continue
			}
		}
		// Up to the turn checked: one that arrives meanwhile stays.
		if err := st.Purge(ctx, jetstream.WithPurgeSubject(subject(s)), jetstream.WithPurgeSequence(last.Sequence+1)); err != nil {
			return removed, fmt.Errorf("webchat.Sweep: purge: %w", err)
		}
		removed++
	}
	return removed, nil
}

// Run sweeps every interval until ctx ends. Failures are logged.
func (j *Janitor) Run(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		n, err := j.Sweep(ctx)
		switch {
		case err != nil && ctx.Err() == nil && j.Logger != nil:
			j.Logger.Warn("web chat janitor", "err", err)
		case n > 0 && j.Logger != nil:
			j.Logger.Info("web chat conversations removed", "count", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
