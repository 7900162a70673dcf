// Package jsretry tries a JetStream request again in short attempts while
// it gets no answer. While a stream's leader is being elected (a NATS node
// died), a request sent to it gets no answer at all; waiting for the
// caller's whole deadline (20 s for a handler) held the message's partition
// and a worker that long in the three-node fault runs (doc/operations.md,
// "Failure modes"). A short attempt, repeated until the caller's deadline,
// goes through as soon as the new leader is there.
package jsretry

import (
	"context"
	"errors"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// AttemptTimeout bounds one attempt.
const AttemptTimeout = 3 * time.Second

// Retryable reports whether a failed JetStream request may simply be tried
// again: it timed out or found no stream to answer.
func Retryable(err error) bool {
	return errors.Is(err, context.DeadlineExceeded) || errors.Is(err, nats.ErrTimeout) ||
		errors.Is(err, nats.ErrNoResponders) || errors.Is(err, jetstream.ErrNoStreamResponse)
}

// Do runs op with AttemptTimeout per attempt, again after a short pause
// while it fails with a retryable error and ctx is not done. op must be
// safe to repeat (a read, a publish with a Nats-Msg-Id, a KV put of the
// same value).
func Do(ctx context.Context, op func(ctx context.Context) error) error {
	for {
		actx, cancel := context.WithTimeout(ctx, AttemptTimeout)
		err := op(actx)
		cancel()
		if err == nil || !Retryable(err) || ctx.Err() != nil {
			return err
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// KeyValueReads returns js with one change: the buckets it binds
// (KeyValue) read (Get) and overwrite (Put) in short attempts with Do. The
// middleware chain reads several buckets for every message (hotline routes,
// news followers, complaint intake, sessions); in the three-node fault runs
// one such read left unanswered while its bucket's leader was being
// elected held a worker for the handler's whole 20 s deadline, and with
// the workers held every partition waited (replies up to 25 s late).
// Create, Update and Delete are not repeated: a repeat after a lost answer
// would report a conflict with the attempt's own write.
func KeyValueReads(js jetstream.JetStream) jetstream.JetStream { return kvJS{js} }

type kvJS struct{ jetstream.JetStream }

func (j kvJS) KeyValue(ctx context.Context, bucket string) (jetstream.KeyValue, error) {
	kv, err := j.JetStream.KeyValue(ctx, bucket)
	if err != nil {
		return nil, err
	}
	return retryKV{kv}, nil
}

type retryKV struct{ jetstream.KeyValue }

func (k retryKV) Get(ctx context.Context, key string) (jetstream.KeyValueEntry, error) {
	var e jetstream.KeyValueEntry
	err := Do(ctx, func(ctx context.Context) error {
		var err error
		e, err = k.KeyValue.Get(ctx, key)
		return err
	})
	return e, err
}

func (k retryKV) Put(ctx context.Context, key string, value []byte) (uint64, error) {
	var rev uint64
	err := Do(ctx, func(ctx context.Context) error {
		var err error
		rev, err = k.KeyValue.Put(ctx, key, value)
		return err
	})
	return rev, err
}
