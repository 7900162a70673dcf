package complaint

import (
	"context"
	"fmt"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// NATS names used by the complaints desk, in one place.
const (
	// BucketCases holds one Case per key (its code), updated with
	// revision checks. No TTL: Sweep removes handled cases after the
	// retention period (open ones are never dropped).
	BucketCases = "COMPLAINTS"
	// BucketPublished holds the anonymised complaints on /phan-anh, one
	// Published per code, kept until unpublished.
	BucketPublished = "COMPLAINTS_PUBLISHED"
	// BucketIntake holds the complaint being told in a conversation
	// ("i.<hash>"), dropped after Config.IntakeTTL without a message.
	BucketIntake = "COMPLAINT_INTAKE"
	// BucketConversations links a conversation ("c.<hash>") to the
	// complaints it filed: the citizen's last message (reply window),
	// answers waiting for the window, a pending satisfaction question.
	BucketConversations = "COMPLAINT_CONVERSATIONS"
	// ObjectFiles keeps attachments (photos of receipts, documents).
	ObjectFiles = "COMPLAINT_FILES"
)

// Topology is the desk's durable JetStream state, declared as data:
// buckets and the object store, with the configured replicas. Open
// reconciles it; a deployment that reconciles every package's topology in
// one place can take it from here.
type Topology struct {
	Buckets []jetstream.KeyValueConfig
	Objects []jetstream.ObjectStoreConfig
}

// Declare returns the topology for a configuration (defaults applied).
func Declare(cfg Config) Topology {
	cfg.defaults()
	return Topology{
		Buckets: []jetstream.KeyValueConfig{
			{Bucket: BucketCases, Description: "complaints and petitions (phản ánh, kiến nghị) by code", History: 8,
				Storage: jetstream.FileStorage, Replicas: cfg.Replicas},
			{Bucket: BucketPublished, Description: "anonymised complaints shown on /phan-anh", History: 1,
				Storage: jetstream.FileStorage, Replicas: cfg.Replicas},
			{Bucket: BucketIntake, Description: "complaints being told in chat", History: 1, TTL: cfg.IntakeTTL,
				Storage: jetstream.FileStorage, Replicas: cfg.Replicas},
			{Bucket: BucketConversations, Description: "conversation → its complaints, last message, waiting answers", History: 1,
				TTL: cfg.Retention, Storage: jetstream.FileStorage, Replicas: cfg.Replicas},
		},
		Objects: []jetstream.ObjectStoreConfig{
			{Bucket: ObjectFiles, Description: "complaint attachments", Storage: jetstream.FileStorage, Replicas: cfg.Replicas},
		},
	}
}

// stores are the reconciled handles.
type stores struct {
	cases, published, intake, convs jetstream.KeyValue
	files                           jetstream.ObjectStore
}

// Reconcile creates or updates every bucket and object store of t.
func (t Topology) Reconcile(ctx context.Context, js jetstream.JetStream) error {
	_, err := t.reconcile(ctx, js)
	return err
}

func (t Topology) reconcile(ctx context.Context, js jetstream.JetStream) (stores, error) {
	kvs := map[string]jetstream.KeyValue{}
	for _, bc := range t.Buckets {
		kv, err := js.CreateOrUpdateKeyValue(ctx, bc)
		if err != nil {
			return stores{}, fmt.Errorf("bucket %s: %v: %w", bc.Bucket, err, ErrUnavailable)
		}
		kvs[bc.Bucket] = kv
	}
	var files jetstream.ObjectStore
	for _, oc := range t.Objects {
		os, err := js.CreateOrUpdateObjectStore(ctx, oc)
		if err != nil {
			return stores{}, fmt.Errorf("object store %s: %v: %w", oc.Bucket, err, ErrUnavailable)
		}
		files = os
	}
	return stores{cases: kvs[BucketCases], published: kvs[BucketPublished], intake: kvs[BucketIntake],
		convs: kvs[BucketConversations], files: files}, nil
}

// sweepEvery is how often each instance removes expired cases and files.
const sweepEvery = time.Hour
