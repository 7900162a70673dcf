package webauth

import (
	"github.com/nats-io/nats.go/jetstream"

	"botdvc/internal/natstest"

	"context"
	"errors"
	"sync"
	"testing"
	"time"
)

// TestKVStore runs the session store on a real embedded JetStream.
func TestKVStore(t *testing.T) {
	js := natstest.JetStream(t)
	ctx := context.Background()
	kv, err := js.CreateOrUpdateKeyValue(ctx, KVConfig("ADMIN_SESSIONS", time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	for name, s := range map[string]Store{"kv": NewKVStore(kv), "memory": NewMemoryStore()} {
		t.Run(name, func(t *testing.T) {
			v := Session{ID: randomToken(), Account: "lan", CSRF: "c", Created: time.Now(), Expires: time.Now().Add(time.Hour)}
			if _, err := s.Get(ctx, v.ID); !errors.Is(err, ErrNoSession) {
				t.Fatalf("get before put: %v", err)
			}
			if err := s.Put(ctx, v); err != nil {
				t.Fatal(err)
			}
			got, err := s.Get(ctx, v.ID)
			if err != nil || got.Account != "lan" || got.CSRF != "c" || got.ID != v.ID {
				t.Fatalf("get: %+v %v", got, err)
			}
			if err := s.Delete(ctx, v.ID); err != nil {
				t.Fatal(err)
			}
			if err := s.Delete(ctx, v.ID); err != nil {
				t.Fatalf("second delete: %v", err)
			}
			if _, err := s.Get(ctx, v.ID); !errors.Is(err, ErrNoSession) {
				t.Fatalf("get after delete: %v", err)
			}
			if at, err := s.RevokedAt(ctx, "lan"); err != nil || !at.IsZero() {
				t.Fatalf("never revoked: %v %v", at, err)
			}
			when := time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)
			if err := s.Revoke(ctx, "lan", when); err != nil {
				t.Fatal(err)
			}
			if at, err := s.RevokedAt(ctx, "lan"); err != nil || !at.Equal(when) {
				t.Fatalf("revoked at %v %v, want %v", at, err, when)
			}
		})
	}
	// The bucket holds hashes, never the cookie value.
	v := Session{ID: "cookie-value", Account: "lan", Expires: time.Now().Add(time.Hour)}
	NewKVStore(kv).Put(ctx, v)
	if _, err := kv.Get(ctx, "cookie-value"); !errors.Is(err, jetstream.ErrKeyNotFound) {
		t.Fatalf("cookie value used as key: %v", err)
	}
}

// Failure counters in KV add up across instances (two stores on two
// connections) and are compare-and-set, not lost under contention.
func TestKVFailuresShared(t *testing.T) {
	js := natstest.JetStream(t)
	ctx := context.Background()
	var kv jetstream.KeyValue
	for _, c := range Buckets(1, time.Minute, "hotline") {
		b, err := js.CreateOrUpdateKeyValue(ctx, c)
		if err != nil {
			t.Fatal(err)
		}
		if c.Bucket == FailuresBucket {
			kv = b
		}
	}
	a, b := NewKVFailures(kv), NewKVFailures(kv)
	now := time.Now()
	var wg sync.WaitGroup
	for i := range 10 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s := a
			if i%2 == 1 {
				s = b
			}
			if _, err := s.Add(ctx, "k", now); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if f, err := b.Get(ctx, "k"); err != nil || f.Count != 10 {
		t.Fatalf("count %d (%v), want 10", f.Count, err)
	}
	if err := a.Reset(ctx, "k"); err != nil {
		t.Fatal(err)
	}
	if f, _ := b.Get(ctx, "k"); f.Count != 0 {
		t.Errorf("after reset: %d", f.Count)
	}
	if f, err := a.Add(ctx, "k", now); err != nil || f.Count != 1 {
		t.Errorf("add after reset: %d %v", f.Count, err)
	}
	// Two Auths on the same buckets back off as one.
	mk := func() *Auth {
		return New(mustAccounts(t, "lan", "đúng"), NewMemoryStore(), Config{Site: "hotline", Failures: NewKVFailures(kv)}, nil)
	}
	x, y := mk(), mk()
	for i := range 5 {
		_ = []*Auth{x, y}[i%2].Check(ctx, "hoa", "sai")
	}
	if err := y.Check(ctx, "hoa", "sai"); !errors.Is(err, ErrRateLimited) || RetryAfter(err) <= 0 {
		t.Errorf("6th attempt on the other instance: %v, want ErrRateLimited", err)
	}
}
