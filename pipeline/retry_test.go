package pipeline

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
)

// TestRetry: a write that times out or finds no responders (a stream
// whose leader is being elected) is tried again until it goes through or
// the caller's deadline passes; any other error is returned at once; each
// attempt has its own short deadline.
func TestRetry(t *testing.T) {
	t.Run("through after failures", func(t *testing.T) {
		n := 0
		err := retry(context.Background(), func(ctx context.Context) error {
			n++
			if n == 1 {
				return nats.ErrNoResponders
			}
			if n == 2 {
				<-ctx.Done() // an attempt that gets no answer ends at attemptTimeout
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
		if err := retry(context.Background(), func(context.Context) error { n++; return bad }); !errors.Is(err, bad) || n != 1 {
			t.Fatalf("err %v after %d attempts, want %v after 1", err, n, bad)
		}
	})
	t.Run("caller's deadline", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
		defer cancel()
		n := 0
		err := retry(ctx, func(context.Context) error { n++; return nats.ErrTimeout })
		if !errors.Is(err, nats.ErrTimeout) || ctx.Err() == nil || n < 2 {
			t.Fatalf("err %v after %d attempts (ctx %v), want the last timeout once the deadline passed", err, n, ctx.Err())
		}
	})
}
