package pipeline

import (
	"context"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"botdvc/internal/jsretry"
)

// retry is jsretry.Do: a JetStream request on the hot path is tried in
// short attempts until the caller's deadline.
func retry(ctx context.Context, op func(ctx context.Context) error) error { return jsretry.Do(ctx, op) }

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
