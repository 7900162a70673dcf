package zalo

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// EchoBucket is the JetStream KeyValue bucket in which instances share
// which oa_send_* echoes are the service's own.
const EchoBucket = "zalo_echoes"

// echoTTL is how long a sent message id, or an in-flight mark, is kept:
// Zalo delivers the echo within seconds of the send.
const echoTTL = 10 * time.Minute

// EchoStore shares the service's own Zalo sends between instances: the
// echo of a message one instance sent may reach another instance's webhook
// (behind a load balancer), which must not take it for an OA admin's reply
// (that would hand the conversation to the OA inbox and silence the bot).
type EchoStore interface {
	// Sending marks a send to userID in flight until the given time
	// (Zalo may deliver the echo before the API call returns).
	Sending(ctx context.Context, userID string, until time.Time) error
	// Sent records the message id Zalo returned (msgID may be "" after a
	// failed call) and ends the in-flight mark of userID.
	Sent(ctx context.Context, userID, msgID string) error
	// Own reports whether msgID was sent by the service, or a send to
	// userID is in flight at now.
	Own(ctx context.Context, userID, msgID string, now time.Time) (bool, error)
}

// EchoBucketConfig returns the configuration of EchoBucket, for the
// service's topology. Entries expire after 10 minutes.
func EchoBucketConfig() jetstream.KeyValueConfig {
	return jetstream.KeyValueConfig{
		Bucket:      EchoBucket,
		Description: "Zalo sends of every instance, to tell own echoes from OA admins' replies",
		History:     1,
		TTL:         echoTTL,
		Storage:     jetstream.FileStorage,
	}
}

// KVEchoes is an EchoStore in a JetStream KeyValue bucket, shared by every
// instance on the same NATS.
type KVEchoes struct{ kv jetstream.KeyValue }

var _ EchoStore = (*KVEchoes)(nil)

// OpenKVEchoes binds to EchoBucket (declared by EchoBucketConfig and
// reconciled beforehand).
func OpenKVEchoes(ctx context.Context, js jetstream.JetStream) (*KVEchoes, error) {
	kv, err := js.KeyValue(ctx, EchoBucket)
	if err != nil {
		return nil, fmt.Errorf("zalo.OpenKVEchoes %s (not declared? reconcile zalo.EchoBucketConfig first): %w", EchoBucket, err)
	}
	return &KVEchoes{kv: kv}, nil
}

func echoKey(prefix, id string) string {
	return prefix + base64.RawURLEncoding.EncodeToString([]byte(id))
}

type inFlight struct {
	Until time.Time `json:"until"`
}

// Sending implements EchoStore.
func (s *KVEchoes) Sending(ctx context.Context, userID string, until time.Time) error {
	b, _ := json.Marshal(inFlight{Until: until.UTC()})
	if _, err := s.kv.Put(ctx, echoKey("p.", userID), b); err != nil {
		return fmt.Errorf("zalo.KVEchoes.Sending: %w", err)
	}
	return nil
}

// Sent implements EchoStore.
func (s *KVEchoes) Sent(ctx context.Context, userID, msgID string) error {
	if msgID != "" {
		if _, err := s.kv.Put(ctx, echoKey("m.", msgID), []byte("1")); err != nil {
			return fmt.Errorf("zalo.KVEchoes.Sent: %w", err)
		}
	}
	b, _ := json.Marshal(inFlight{})
	if _, err := s.kv.Put(ctx, echoKey("p.", userID), b); err != nil {
		return fmt.Errorf("zalo.KVEchoes.Sent: %w", err)
	}
	return nil
}

// Own implements EchoStore.
func (s *KVEchoes) Own(ctx context.Context, userID, msgID string, now time.Time) (bool, error) {
	if msgID != "" {
		_, err := s.kv.Get(ctx, echoKey("m.", msgID))
		switch {
		case err == nil:
			return true, nil
		case !errors.Is(err, jetstream.ErrKeyNotFound):
			return false, fmt.Errorf("zalo.KVEchoes.Own: %w", err)
		}
	}
	e, err := s.kv.Get(ctx, echoKey("p.", userID))
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("zalo.KVEchoes.Own: %w", err)
	}
	var f inFlight
	if json.Unmarshal(e.Value(), &f) != nil {
		return false, nil
	}
	return now.Before(f.Until), nil
}
