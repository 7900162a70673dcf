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
// buckets and the object store, with the configured replicas. cmd/botd adds
// it to the service's one topology (pipeline.Topology: AddBuckets,
// AddObjects) and reconciles that before Open, which only binds to what
// exists; Reconcile is for a desk on its own (tests).
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
	for _, bc := range t.Buckets {
		if _, err := js.CreateOrUpdateKeyValue(ctx, bc); err != nil {
			return fmt.Errorf("complaint: bucket %s: %v: %w", bc.Bucket, err, ErrUnavailable)
		}
	}
	for _, oc := range t.Objects {
		if _, err := js.CreateOrUpdateObjectStore(ctx, oc); err != nil {
			return fmt.Errorf("complaint: object store %s: %v: %w", oc.Bucket, err, ErrUnavailable)
		}
	}
	return nil
}

// bind looks up the desk's buckets and object store, which must exist.
func (t Topology) bind(ctx context.Context, js jetstream.JetStream) (stores, error) {
	kvs := map[string]jetstream.KeyValue{}
	for _, bc := range t.Buckets {
		kv, err := js.KeyValue(ctx, bc.Bucket)
		if err != nil {
			return stores{}, fmt.Errorf("bucket %s (not declared? reconcile complaint.Declare first): %v: %w", bc.Bucket, err, ErrUnavailable)
		}
		kvs[bc.Bucket] = kv
	}
	var files jetstream.ObjectStore
	for _, oc := range t.Objects {
		os, err := js.ObjectStore(ctx, oc.Bucket)
		if err != nil {
			return stores{}, fmt.Errorf("object store %s (not declared? reconcile complaint.Declare first): %v: %w", oc.Bucket, err, ErrUnavailable)
		}
		files = os
	}
	return stores{cases: kvs[BucketCases], published: kvs[BucketPublished], intake: kvs[BucketIntake],
		convs: kvs[BucketConversations], files: files}, nil
}

// sweepEvery is how often each instance removes expired cases and files.
const sweepEvery = time.Hour
