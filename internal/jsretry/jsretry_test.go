package jsretry

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"botdvc/internal/natstest"
)

// TestRetry: a write that times out or finds no responders (a stream
// whose leader is being elected) is tried again until it goes through or
// the caller's deadline passes; any other error is returned at once; each
// attempt has its own short deadline.
func TestRetry(t *testing.T) {
	t.Run("through after failures", func(t *testing.T) {
		n := 0
		err := Do(context.Background(), func(ctx context.Context) error {
			n++
			if n == 1 {
				return nats.ErrNoResponders
			}
			if n == 2 {
				<-ctx.Done() // an attempt that gets no answer ends at AttemptTimeout
				return ctx.Err()
			}
			return nil
		})
		if err != nil || n != 3 {
			t.Fatalf("err %v after %d attempts, want nil after 3", err, n)
		}
	})
	t.Run("other error at once", func(t *testing.T) {
		n := 0
		bad := errors.New("maximum messages exceeded")
		if err := Do(context.Background(), func(context.Context) error { n++; return bad }); !errors.Is(err, bad) || n != 1 {
			t.Fatalf("err %v after %d attempts, want %v after 1", err, n, bad)
		}
	})
	t.Run("caller's deadline", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
		defer cancel()
		n := 0
		err := Do(ctx, func(context.Context) error { n++; return nats.ErrTimeout })
		if !errors.Is(err, nats.ErrTimeout) || ctx.Err() == nil || n < 2 {
			t.Fatalf("err %v after %d attempts (ctx %v), want the last timeout once the deadline passed", err, n, ctx.Err())
		}
	})
}

// TestKeyValueReads: a bucket bound through KeyValueReads reads and writes
// as the bucket itself does; a missing key is reported at once (not tried
// again until the deadline).
func TestKeyValueReads(t *testing.T) {
	raw := natstest.JetStream(t)
	ctx := context.Background()
	if _, err := raw.CreateKeyValue(ctx, jetstream.KeyValueConfig{Bucket: "jsretry_test"}); err != nil {
		t.Fatal(err)
	}
	kv, err := KeyValueReads(raw).KeyValue(ctx, "jsretry_test")
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := kv.(retryKV); !ok {
		t.Fatalf("bound bucket is a %T, not the retrying one", kv)
	}
	if _, err := kv.Put(ctx, "k", []byte("v")); err != nil {
		t.Fatal(err)
	}
	if e, err := kv.Get(ctx, "k"); err != nil || string(e.Value()) != "v" {
		t.Fatalf("Get: %v, %v", e, err)
	}
	tctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if _, err := kv.Get(tctx, "missing"); !errors.Is(err, jetstream.ErrKeyNotFound) || tctx.Err() != nil {
		t.Fatalf("missing key: %v (ctx %v), want ErrKeyNotFound at once", err, tctx.Err())
	}
}
