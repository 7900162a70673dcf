// Package tally logs events that come in floods as one line per interval
// with counts by kind.
package tally

import (
	"context"
	"log/slog"
	"sort"
	"sync"
	"time"
)

// Tally logs events that can come in floods (refused messages, stale
// webhooks) as one line per interval with counts by kind, instead of a
// line per event: a batch of 10,000 refused messages is one line, and a
// slow trickle still shows within Interval. Safe for concurrent use.
type Tally struct {
	Logger   *slog.Logger
	Msg      string        // the log message, e.g. "messages refused"
	Interval time.Duration // at most one line per Interval (10s)
	Level    slog.Level    // Info by default

	mu      sync.Mutex
	counts  map[string]int
	pending bool
	last    time.Time
}

// New returns a Tally logging msg to logger.
func New(logger *slog.Logger, msg string) *Tally {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &Tally{Logger: logger, Msg: msg, Interval: 10 * time.Second, counts: map[string]int{}}
}

// Add counts one event of kind (e.g. "web/rate"). The first event after a
// quiet Interval is logged at once; later ones are summed and logged when
// the Interval since the last line has passed.
func (t *Tally) Add(kind string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.counts[kind]++
	if t.pending {
		return
	}
	wait := t.Interval - time.Since(t.last)
	if wait <= 0 {
		t.flushLocked()
		return
	}
	t.pending = true
	time.AfterFunc(wait, func() {
		t.mu.Lock()
		defer t.mu.Unlock()
		t.pending = false
		t.flushLocked()
	})
}

func (t *Tally) flushLocked() {
	if len(t.counts) == 0 {
		return
	}
	kinds := make([]string, 0, len(t.counts))
	total := 0
	for k, n := range t.counts {
		kinds = append(kinds, k)
		total += n
	}
	sort.Strings(kinds)
	args := []any{"events", total}
	for _, k := range kinds {
		args = append(args, k, t.counts[k])
	}
	t.Logger.Log(context.Background(), t.Level, t.Msg, args...)
	t.counts = map[string]int{}
	t.last = time.Now()
}
