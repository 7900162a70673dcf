package webauth

import (
	"github.com/nats-io/nats.go/jetstream"

	"botdvc/internal/natstest"

	"context"
	"errors"
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
		})
	}
	// The bucket holds hashes, never the cookie value.
	v := Session{ID: "cookie-value", Account: "lan", Expires: time.Now().Add(time.Hour)}
	NewKVStore(kv).Put(ctx, v)
	if _, err := kv.Get(ctx, "cookie-value"); !errors.Is(err, jetstream.ErrKeyNotFound) {
		t.Fatalf("cookie value used as key: %v", err)
	}
}
