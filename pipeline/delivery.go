package pipeline

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// DeliveryBucket holds the delivery records: what was already done with a
// message, so that a message JetStream delivers again (its ack was lost, its
// consumer's leader died, the instance holding it was killed) is not done
// twice.
//
//   - "out.<base64url(outbound id)>": the reply was handed to the platform
//     (the platform answered 2xx), or, for a reply split into several
//     platform messages, how many pieces were. Written right after the
//     platform's answer and checked before any send.
//   - "in.<base64url(inbound dedup id)>": the worker finished the message
//     (its reply is on the outbound stream, or it needed none). Written after
//     the reply's publish was acked and checked before the handler runs, so
//     a redelivered message does not update the session, open a ticket or
//     record an outcome twice.
//
// The bucket is read from the stream's leader, never from a replica (no
// direct gets): a replica that is catching up after a restart could
// otherwise answer "not sent" for a reply that was.
const DeliveryBucket = "bot_delivery"

// deliveryStream is the bucket's stream (see LeaderReadKV).
func deliveryStream(c Config) jetstream.StreamConfig {
	return LeaderReadKV(jetstream.KeyValueConfig{
		Bucket:      DeliveryBucket,
		Description: "delivery records: outbound replies handed to the platform, inbound messages finished (read from the leader)",
		History:     1,
		TTL:         c.Duplicates, // as long as the streams' own duplicate window
		Storage:     jetstream.FileStorage,
		Replicas:    c.Replicas,
	})
}

// LeaderReadKV returns the stream of a key-value bucket as CreateKeyValue
// would make it (one stream "KV_<bucket>", one value a key, rollups, no
// deletes), but with direct gets off, so that every read of the bucket
// goes to the stream's leader and sees every acknowledged write. With
// direct gets (the default for buckets) any replica answers, also one that
// is catching up after a restart. Declare such a bucket with
// Topology.AddStreams; jetstream.JetStream.KeyValue binds to it as usual.
func LeaderReadKV(kc jetstream.KeyValueConfig) jetstream.StreamConfig {
	history := int64(max(kc.History, 1))
	dup := 2 * time.Minute
	if kc.TTL > 0 && kc.TTL < dup {
		dup = kc.TTL
	}
	return jetstream.StreamConfig{
		Name:              "KV_" + kc.Bucket,
		Description:       kc.Description,
		Subjects:          []string{"$KV." + kc.Bucket + ".>"},
		Retention:         jetstream.LimitsPolicy,
		MaxMsgsPerSubject: history,
		MaxMsgs:           -1,
		MaxBytes:          -1,
		MaxMsgSize:        -1,
		MaxConsumers:      -1,
		MaxAge:            kc.TTL,
		Storage:           kc.Storage,
		Replicas:          max(kc.Replicas, 1),
		AllowRollup:       true,
		DenyDelete:        true,
		Duplicates:        dup,
		Discard:           jetstream.DiscardNew,
		AllowDirect:       false,
	}
}

// record is the value of a delivery record.
type record struct {
	Pieces int       `json:"pieces,omitempty"` // platform messages delivered so far (split replies)
	Done   bool      `json:"done,omitempty"`   // the whole reply was delivered, or the inbound message finished
	At     time.Time `json:"at"`
}

// deliveries reads and writes delivery records.
type deliveries struct {
	kv jetstream.KeyValue
	// attempts and pause bound the retries of a record write: the reply is
	// already with the platform, so the record is worth a few seconds.
	attempts int
	pause    time.Duration
}

func openDeliveries(ctx context.Context, js jetstream.JetStream) (*deliveries, error) {
	kv, err := js.KeyValue(ctx, DeliveryBucket)
	if err != nil {
		return nil, fmt.Errorf("pipeline: delivery bucket %s (not declared? run Reconcile first): %w", DeliveryBucket, err)
	}
	return &deliveries{kv: kv, attempts: 6, pause: 500 * time.Millisecond}, nil
}

func outKey(id string) string { return "out." + base64.RawURLEncoding.EncodeToString([]byte(id)) }
func inKey(id string) string  { return "in." + base64.RawURLEncoding.EncodeToString([]byte(id)) }

// get returns the record under key, the zero record when there is none.
// An error means the bucket could not be read: the caller must not act as
// if nothing had been done.
func (d *deliveries) get(ctx context.Context, key string) (record, error) {
	var e jetstream.KeyValueEntry
	err := retry(ctx, func(ctx context.Context) error {
		var err error
		e, err = d.kv.Get(ctx, key)
		return err
	})
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return record{}, nil
	}
	if err != nil {
		return record{}, fmt.Errorf("pipeline: read delivery record: %w", err)
	}
	var r record
	if err := json.Unmarshal(e.Value(), &r); err != nil {
		// Unreadable: treat as done rather than risk a second send.
		return record{Done: true}, nil
	}
	return r, nil
}

// put writes r under key, retrying for a few seconds: it is called after
// the platform accepted a message, and every failed attempt leaves the
// window in which a redelivery sends it again open.
func (d *deliveries) put(ctx context.Context, key string, r record) error {
	b, _ := json.Marshal(r)
	var err error
	for i := 0; i < d.attempts; i++ {
		if i > 0 {
			select {
			case <-ctx.Done():
				return fmt.Errorf("pipeline: write delivery record: %w (last error: %v)", ctx.Err(), err)
			case <-time.After(d.pause):
			}
		}
		pctx, cancel := context.WithTimeout(ctx, 3*time.Second)
		_, err = d.kv.Put(pctx, key, b)
		cancel()
		if err == nil {
			return nil
		}
	}
	return fmt.Errorf("pipeline: write delivery record: %w", err)
}
