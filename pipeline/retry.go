package pipeline

import (
	"context"
	"errors"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// attemptTimeout bounds one JetStream write on the hot path. While a
// stream's leader is being elected (a NATS node died), a write sent to it
// gets no answer at all; waiting for the caller's whole deadline (20 s for
// a handler) held the message's partition that long in the three-node
// fault runs. A short attempt, repeated until the caller's deadline, goes
// through as soon as the new leader is there.
const attemptTimeout = 3 * time.Second

// retryable reports whether a failed JetStream write may simply be tried
// again: it timed out or found no stream to answer.
func retryable(err error) bool {
	return errors.Is(err, context.DeadlineExceeded) || errors.Is(err, nats.ErrTimeout) ||
		errors.Is(err, nats.ErrNoResponders) || errors.Is(err, jetstream.ErrNoStreamResponse)
}

// retry runs op with attemptTimeout per attempt, again after a short pause
// while it fails with a retryable error and ctx is not done. op must be
// safe to repeat (a publish with a Nats-Msg-Id, a KV put of the same value).
func retry(ctx context.Context, op func(ctx context.Context) error) error {
	for {
		actx, cancel := context.WithTimeout(ctx, attemptTimeout)
		err := op(actx)
		cancel()
		if err == nil || !retryable(err) || ctx.Err() != nil {
			return err
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// publishMsg publishes msg (which must carry a Nats-Msg-Id, so that a
// repeated attempt is dropped as a duplicate) with retry.
func publishMsg(ctx context.Context, js jetstream.JetStream, msg *nats.Msg) (*jetstream.PubAck, error) {
	var ack *jetstream.PubAck
	err := retry(ctx, func(ctx context.Context) error {
		var err error
		ack, err = js.PublishMsg(ctx, msg)
		return err
	})
	return ack, err
}
