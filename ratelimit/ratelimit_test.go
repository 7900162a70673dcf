package ratelimit

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"botdvc/internal/natstest"
)

func mustWindow(t *testing.T, js jetstream.JetStream, limit int, span time.Duration) *Window {
	t.Helper()
	cfg := StreamConfig("TEST_RATE", "test.rate", limit, span, 1)
	if _, err := js.CreateOrUpdateStream(context.Background(), cfg); err != nil {
		t.Fatal(err)
	}
	return New(js, cfg)
}

func TestWindow(t *testing.T) {
	js := natstest.JetStream(t)
	w := mustWindow(t, js, 3, 500*time.Millisecond)
	ctx := context.Background()
	var got []bool
	for i := range 5 {
		ok, err := w.Allow(ctx, "citizen-1", fmt.Sprint("m", i))
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, ok)
	}
	if fmt.Sprint(got) != "[true true true false false]" {
		t.Errorf("five events, limit 3: %v", got)
	}
	// Another key has its own allowance.
	if ok, _ := w.Allow(ctx, "citizen-2", "m0"); !ok {
		t.Error("other key refused")
	}
	// A duplicate of a counted event is allowed and does not count.
	if ok, _ := w.Allow(ctx, "citizen-2", "m0"); !ok {
		t.Error("duplicate refused")
	}
	for i := 1; i < 3; i++ {
		if ok, _ := w.Allow(ctx, "citizen-2", fmt.Sprint("m", i)); !ok {
			t.Errorf("citizen-2 event %d refused: the duplicate was counted", i)
		}
	}
	// The window slides: after Span the key is allowed again.
	natstest.CheckFor(t, 3*time.Second, 50*time.Millisecond, func() error {
		if ok, _ := w.Allow(ctx, "citizen-1", "later"); !ok {
			return fmt.Errorf("still refused")
		}
		return nil
	})
}

// Two instances (two connections) share one window.
func TestWindowShared(t *testing.T) {
	ns := natstest.Run(t, t.TempDir())
	_, js1 := natstest.Connect(t, ns)
	_, js2 := natstest.Connect(t, ns)
	w1 := mustWindow(t, js1, 4, time.Minute)
	w2 := New(js2, StreamConfig("TEST_RATE", "test.rate", 4, time.Minute, 1))
	n := 0
	for i := range 10 {
		w := w1
		if i%2 == 1 {
			w = w2
		}
		if ok, _ := w.Allow(context.Background(), "k", fmt.Sprint(i)); ok {
			n++
		}
	}
	if n != 4 {
		t.Errorf("two instances allowed %d events, want 4 in all", n)
	}
}

// Without its stream the window fails open and says why.
func TestWindowFailsOpen(t *testing.T) {
	js := natstest.JetStream(t)
	w := New(js, StreamConfig("MISSING", "missing.rate", 1, time.Minute, 1))
	w.Timeout = 200 * time.Millisecond
	ok, err := w.Allow(context.Background(), "k", "")
	if !ok || err == nil {
		t.Errorf("missing stream: ok=%v err=%v, want allowed with an error", ok, err)
	}
	if Exceeded(nats.ErrTimeout) {
		t.Error("a timeout taken for a refusal")
	}
}

// With Remember, a refused key is refused locally for that long, without a
// publish; without it every event asks the server.
func TestWindowRemember(t *testing.T) {
	js := natstest.JetStream(t)
	w := mustWindow(t, js, 1, time.Minute)
	ctx := context.Background()
	w.Allow(ctx, "k", "")
	if ok, _ := w.Allow(ctx, "k", ""); ok {
		t.Fatal("second event allowed")
	}
	if len(w.refused) != 0 {
		t.Error("refusal remembered with Remember unset")
	}
	w.Remember = time.Hour
	w.Allow(ctx, "k", "")
	w.js = nil // a round trip would now panic
	for range 100 {
		if ok, _ := w.Allow(ctx, "k", ""); ok {
			t.Fatal("allowed while remembered")
		}
	}
	if len(w.refused) != 1 {
		t.Errorf("remembered %d keys, want 1", len(w.refused))
	}
}

// With RememberAllowed, an id allowed once is allowed again locally
// (JetStream would call it a duplicate), without a round trip.
func TestWindowRememberAllowed(t *testing.T) {
	js := natstest.JetStream(t)
	w := mustWindow(t, js, 2, time.Minute)
	w.RememberAllowed = 30 * time.Second
	ctx := context.Background()
	if ok, _ := w.Allow(ctx, "client", "session-1"); !ok {
		t.Fatal("first session refused")
	}
	js2 := w.js
	w.js = nil // a round trip would now panic
	for range 10 {
		if ok, _ := w.Allow(ctx, "client", "session-1"); !ok {
			t.Fatal("a known session refused")
		}
	}
	w.js = js2
	w.Allow(ctx, "client", "session-2")
	if ok, _ := w.Allow(ctx, "client", "session-3"); ok {
		t.Error("a third session allowed over a limit of 2")
	}
}

// Wait says when the oldest event leaves the window, read from the stream.
func TestWindowWait(t *testing.T) {
	js := natstest.JetStream(t)
	w := mustWindow(t, js, 2, 10*time.Second)
	ctx := context.Background()
	w.Allow(ctx, "k", "")
	time.Sleep(1100 * time.Millisecond)
	w.Allow(ctx, "k", "")
	if ok, _ := w.Allow(ctx, "k", ""); ok {
		t.Fatal("third event allowed")
	}
	if d := w.Wait(ctx, "k"); d < 7*time.Second || d > 9*time.Second {
		t.Errorf("wait %v, want about 9 s (the first event's 10 s minus the second that passed)", d)
	}
	if d := w.Wait(ctx, "never-seen"); d != 10*time.Second {
		t.Errorf("wait of an unknown key %v, want the span", d)
	}
}
