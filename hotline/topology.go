package hotline

import (
	"context"
	"fmt"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// NATS names used by the hotline, in one place.
const (
	// StreamEscalations keeps every hand-off as published, deduplicated by
	// Escalation.ID (Nats-Msg-Id). It is the durable record; ticket state is
	// in BucketTickets.
	StreamEscalations = "HOTLINE_ESCALATIONS"
	// SubjectEscalations is the subject prefix of hand-offs: hotline.escalations.<channel>.
	SubjectEscalations = "hotline.escalations"
	// BucketTickets holds one Ticket per key (the ticket id), updated with
	// revision checks. Every change is also the console's live event: each
	// instance watches $KV.HOTLINE_TICKETS.> and fans changes out to its SSE clients.
	BucketTickets = "HOTLINE_TICKETS"
	// BucketRoutes maps a conversation (hashed) to its ticket: "c.<hash>"
	// while the conversation is with people, "r.<hash>" while a rating is awaited.
	BucketRoutes = "HOTLINE_ROUTES"
)

// Streams returns the hotline's streams, for the service's topology
// (pipeline.Topology), which cmd/botd reconciles before New.
func Streams(cfg Config) []jetstream.StreamConfig {
	cfg.defaults()
	return []jetstream.StreamConfig{{
		Name:        StreamEscalations,
		Description: "hand-offs from the bot to the hotline",
		Subjects:    []string{SubjectEscalations + ".>"},
		Retention:   jetstream.LimitsPolicy,
		Storage:     jetstream.FileStorage,
		MaxAge:      cfg.Retention,
		Duplicates:  24 * time.Hour,
		Replicas:    cfg.Replicas,
	}}
}

// Buckets returns the hotline's key-value buckets, for the service's
// topology (see Streams).
func Buckets(cfg Config) []jetstream.KeyValueConfig {
	cfg.defaults()
	return []jetstream.KeyValueConfig{
		{Bucket: BucketTickets, Description: "hotline tickets", History: 8, TTL: cfg.Retention,
			Storage: jetstream.FileStorage, Replicas: cfg.Replicas},
		{Bucket: BucketRoutes, Description: "conversation → open ticket, awaited ratings", History: 1,
			TTL: cfg.Retention, Storage: jetstream.FileStorage, Replicas: cfg.Replicas},
	}
}

// bind looks up the hotline's stream and buckets, which must exist.
func bind(ctx context.Context, js jetstream.JetStream, cfg Config) (map[string]jetstream.KeyValue, error) {
	for _, sc := range Streams(cfg) {
		if _, err := js.Stream(ctx, sc.Name); err != nil {
			return nil, fmt.Errorf("stream %s (not declared? reconcile hotline.Streams first): %v: %w", sc.Name, err, ErrUnavailable)
		}
	}
	kvs := map[string]jetstream.KeyValue{}
	for _, bc := range Buckets(cfg) {
		kv, err := js.KeyValue(ctx, bc.Bucket)
		if err != nil {
			return nil, fmt.Errorf("bucket %s (not declared? reconcile hotline.Buckets first): %v: %w", bc.Bucket, err, ErrUnavailable)
		}
		kvs[bc.Bucket] = kv
	}
	return kvs, nil
}
