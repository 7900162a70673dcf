package zalo

import (
	"botdvc/internal/natstest"

	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// mustOpenJetStream returns a JetStream handle on a real server (see
// natstest) with the token bucket declared, as cmd/botd's reconcile does.
func mustOpenJetStream(tb testing.TB) jetstream.JetStream {
	js := natstest.JetStream(tb)
	natstest.Declare(tb, js, nil, TokenBucket())
	return js
}

func TestKVTokens(t *testing.T) {
	ctx := context.Background()
	js := mustOpenJetStream(t)
	s, err := OpenKVTokens(ctx, js, "", "app-1")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Load(ctx); !errors.Is(err, ErrNoTokens) {
		t.Fatalf("empty store: %v", err)
	}
	exp := time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)
	rev, err := s.Save(ctx, Tokens{AccessToken: "A", RefreshToken: "R", Expires: exp, Seed: "s"})
	if err != nil || rev == 0 {
		t.Fatalf("create: %d %v", rev, err)
	}
	got, err := s.Load(ctx)
	if err != nil || got.AccessToken != "A" || got.RefreshToken != "R" || !got.Expires.Equal(exp) || got.Seed != "s" || got.Revision != rev {
		t.Fatalf("load = %+v, %v", got, err)
	}
	// Create again (revision 0) and a stale update both conflict.
	if _, err := s.Save(ctx, Tokens{AccessToken: "B"}); !errors.Is(err, ErrTokenConflict) {
		t.Fatalf("second create: %v", err)
	}
	got.AccessToken = "A2"
	rev2, err := s.Save(ctx, got)
	if err != nil || rev2 <= rev {
		t.Fatalf("update: %d %v", rev2, err)
	}
	if _, err := s.Save(ctx, got); !errors.Is(err, ErrTokenConflict) { // got.Revision is now stale
		t.Fatalf("stale update: %v", err)
	}
	// A second store over the same bucket (another instance) sees it.
	s2, err := OpenKVTokens(ctx, js, DefaultTokenBucket, "app-1")
	if err != nil {
		t.Fatal(err)
	}
	if t2, err := s2.Load(ctx); err != nil || t2.AccessToken != "A2" {
		t.Fatalf("other instance: %+v %v", t2, err)
	}
}

// TestKVTwoInstancesOneRefresh: two instances (two clients, two managers)
// share the KV store; both find the token expired at once. Only one
// refresh reaches OAuth, the other instance adopts the stored result, and
// both deliver.
func TestKVTwoInstancesOneRefresh(t *testing.T) {
	ctx := context.Background()
	js := mustOpenJetStream(t)
	storeA, err := OpenKVTokens(ctx, js, "", "app-1")
	if err != nil {
		t.Fatal(err)
	}
	storeB := NewKVTokens(storeA.kv, "app-1")
	f, srv := newFakeZalo(t, storeA) // AT0 invalid: both must renew
	f.slowOAuth = 30 * time.Millisecond
	a := newTestClient(t, srv, storeA, Config{})
	b := newTestClient(t, srv, storeB, Config{})
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i, c := range []*Client{a, b} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			o := out(fmt.Sprintf("instance %d", i))
			errs[i] = c.Send(ctx, o)
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	sent, _, refreshes := f.snapshot()
	// Each instance serialises its own refreshes; across instances the
	// single-use refresh token makes the loser adopt the winner's tokens.
	if len(sent) != 2 || refreshes > 2 {
		t.Fatalf("%d delivered, %d refresh calls", len(sent), refreshes)
	}
	st, err := storeA.Load(ctx)
	if err != nil || st.RefreshToken != "RT1" {
		t.Fatalf("stored %+v %v; want the one refresh's tokens", st, err)
	}
	if a.Tokens().Current().AccessToken != "AT1" || b.Tokens().Current().AccessToken != "AT1" {
		t.Fatalf("instances use %q and %q", a.Tokens().Current().AccessToken, b.Tokens().Current().AccessToken)
	}
}
