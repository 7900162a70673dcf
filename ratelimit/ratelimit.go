// Package ratelimit counts events per key in a sliding window that every
// instance shares through JetStream, so N instances limit as one.
//
// A Window is one JetStream stream in memory with a subject per key,
// MaxMsgsPerSubject = Limit, MaxAge = Span and DiscardNewPerSubject: an
// event is allowed when its publish is stored (the key had fewer than Limit
// events in the last Span) and refused when the server answers "maximum
// messages per subject exceeded". The server decides atomically, whichever
// instance publishes, with one round trip and no compare-and-set retries;
// this is why it is a stream and not a KV bucket (a KV bucket is the same
// kind of stream, with History as its per-subject limit, but counting in it
// takes a read and a conditional write per event).
//
// With Window.Remember set, a key just refused is refused again in this
// process for a moment without a round trip (a flood costs nothing per
// event); with Window.RememberAllowed, an id just allowed is allowed again
// without one (the server would call it a duplicate). That is the only
// state an instance keeps.
//
// Events carry an id (Nats-Msg-Id): an event whose id was stored within
// Span is a duplicate, allowed without counting again. That is how a
// redelivered webhook or a retried post never uses up a citizen's allowance.
//
// Keys are hashed into subject tokens, so user and client ids are not in
// subject names. When JetStream cannot be asked (down, stream missing,
// memory full), Allow lets the event through and returns the error: a
// limit must not turn an outage of its store into an outage of the service.
package ratelimit

import (
	"context"
	"crypto/sha256"
	"encoding/base32"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// Window is a sliding-window limit: at most Limit events per key in any
// Span.
type Window struct {
	js      jetstream.JetStream
	name    string
	prefix  string
	Limit   int
	Span    time.Duration
	Timeout time.Duration // of one check (2s)

	// Remember, when set, makes a key just refused be refused again in this
	// process without asking JetStream until its oldest event leaves the
	// window (when the server would allow the next one), at most Remember,
	// so a flood from one key costs no round trip per event. A duplicate of
	// a counted event is then refused too, so leave it 0 where redeliveries
	// matter (the per-conversation limit); Span suits per-client limits.
	Remember time.Duration
	// RememberAllowed, when set (at most Span), makes an event allowed with
	// an id be allowed again for that long without asking JetStream: the
	// server would answer "duplicate" anyway, so this is exact. It saves
	// the round trip for windows whose ids repeat (distinct sessions).
	RememberAllowed time.Duration

	mu      sync.Mutex
	stream  jetstream.Stream // bound on first use
	refused map[string]time.Time
	allowed map[string]time.Time
	now     func() time.Time
}

// maxBytes bounds each window stream's memory. When full, Allow fails open.
const maxBytes = 64 << 20

// StreamConfig returns the stream behind a window: name, subjects
// "<prefix>.*", at most limit events per key in span, in memory (the
// windows are short; a restart forgets them), with replicas replicas.
func StreamConfig(name, prefix string, limit int, span time.Duration, replicas int) jetstream.StreamConfig {
	if replicas < 1 {
		replicas = 1
	}
	return jetstream.StreamConfig{
		Name:                 name,
		Description:          fmt.Sprintf("rate limit window: %d per %s per key", limit, span),
		Subjects:             []string{prefix + ".*"},
		Retention:            jetstream.LimitsPolicy,
		Storage:              jetstream.MemoryStorage,
		Replicas:             replicas,
		MaxAge:               span,
		Duplicates:           span, // JetStream: at most MaxAge
		MaxMsgsPerSubject:    int64(limit),
		Discard:              jetstream.DiscardNew,
		DiscardNewPerSubject: true,
		MaxBytes:             maxBytes,
	}
}

// New returns the window declared by cfg (see StreamConfig), checked
// through js. The stream must have been created (reconciled).
func New(js jetstream.JetStream, cfg jetstream.StreamConfig) *Window {
	prefix := strings.TrimSuffix(cfg.Subjects[0], ".*")
	return &Window{js: js, name: cfg.Name, prefix: prefix, Limit: int(cfg.MaxMsgsPerSubject), Span: cfg.MaxAge, Timeout: 2 * time.Second,
		refused: map[string]time.Time{}, allowed: map[string]time.Time{}, now: time.Now}
}

// token turns a key into a subject token.
func token(key string) string {
	h := sha256.Sum256([]byte(key))
	return strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(h[:20]))
}

// Allow counts one event of key and reports whether it is within the
// limit. A non-empty id makes the event idempotent: the same id within Span
// is allowed again without counting. On a JetStream failure Allow returns
// true with the error (fail open).
func (w *Window) Allow(ctx context.Context, key, id string) (bool, error) {
	tok := token(key)
	if w.stillRefused(tok) {
		return false, nil
	}
	if id != "" && w.stillAllowed(tok+"\x00"+id) {
		return true, nil
	}
	ctx, cancel := context.WithTimeout(ctx, w.Timeout)
	defer cancel()
	msg := &nats.Msg{Subject: w.prefix + "." + tok}
	if id != "" {
		msg.Header = nats.Header{nats.MsgIdHdr: []string{id}}
	}
	_, err := w.js.PublishMsg(ctx, msg)
	if err == nil {
		if id != "" {
			w.noteAllowed(tok + "\x00" + id)
		}
		return true, nil // stored, or a duplicate of an event already counted
	}
	if Exceeded(err) {
		w.noteRefused(tok, w.freesAt(ctx, tok))
		return false, nil
	}
	return true, fmt.Errorf("ratelimit.Allow %s: %w", w.prefix, err)
}

// stillRefused reports whether tok was refused less than Span/Limit ago.
func (w *Window) stillRefused(tok string) bool {
	if w.Remember <= 0 {
		return false
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	until, ok := w.refused[tok]
	if !ok {
		return false
	}
	if w.now().Before(until) {
		return true
	}
	delete(w.refused, tok)
	return false
}

func (w *Window) noteRefused(tok string, frees time.Time) {
	if w.Remember <= 0 {
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	now := w.now()
	until := now.Add(w.Remember)
	if !frees.IsZero() && frees.Before(until) {
		until = frees
	}
	if len(w.refused) >= 10000 { // bounded: drop what has expired, or everything
		for k, until := range w.refused {
			if !now.Before(until) {
				delete(w.refused, k)
			}
		}
		if len(w.refused) >= 10000 {
			clear(w.refused)
		}
	}
	w.refused[tok] = until
}

func (w *Window) stillAllowed(k string) bool {
	if w.RememberAllowed <= 0 {
		return false
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	until, ok := w.allowed[k]
	if ok && w.now().Before(until) {
		return true
	}
	delete(w.allowed, k)
	return false
}

func (w *Window) noteAllowed(k string) {
	if w.RememberAllowed <= 0 {
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	now := w.now()
	if len(w.allowed) >= 100000 {
		for x, until := range w.allowed {
			if !now.Before(until) {
				delete(w.allowed, x)
			}
		}
		if len(w.allowed) >= 100000 {
			clear(w.allowed)
		}
	}
	w.allowed[k] = now.Add(min(w.RememberAllowed, w.Span))
}

// Exceeded reports whether err is JetStream refusing an event because its
// key is over the limit.
func Exceeded(err error) bool {
	var apiErr *jetstream.APIError
	return errors.As(err, &apiErr) && strings.Contains(apiErr.Description, "maximum messages per subject exceeded")
}

// Wait returns how long a refused key must wait before the window lets an
// event through: until its oldest event in the window expires (read from
// the stream), or Span when that cannot be read.
func (w *Window) Wait(ctx context.Context, key string) time.Duration {
	tok := token(key)
	w.mu.Lock()
	until, ok := w.refused[tok]
	w.mu.Unlock()
	if !ok {
		until = w.freesAt(ctx, tok)
	}
	if until.IsZero() {
		return w.Span
	}
	return max(time.Second, until.Sub(w.now()).Round(time.Second))
}

// freesAt returns when the oldest event of tok leaves the window, or the
// zero time when it cannot be read.
func (w *Window) freesAt(ctx context.Context, tok string) time.Time {
	ctx, cancel := context.WithTimeout(ctx, w.Timeout)
	defer cancel()
	w.mu.Lock()
	s := w.stream
	w.mu.Unlock()
	if s == nil {
		var err error
		if s, err = w.js.Stream(ctx, w.name); err != nil {
			return time.Time{}
		}
		w.mu.Lock()
		w.stream = s
		w.mu.Unlock()
	}
	m, err := s.GetMsg(ctx, 1, jetstream.WithGetMsgSubject(w.prefix+"."+tok))
	if err != nil {
		return time.Time{}
	}
	return m.Time.Add(w.Span)
}
