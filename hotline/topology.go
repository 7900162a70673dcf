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
	// BucketSessions holds console sign-in sessions (webauth.KVStore).
	BucketSessions = "HOTLINE_SESSIONS"
)

// topology is the hotline's JetStream configuration, declared as data and
// reconciled (created or updated) by New.
type topology struct {
	streams []jetstream.StreamConfig
	buckets []jetstream.KeyValueConfig
}

func newTopology(cfg Config) topology {
	return topology{
		streams: []jetstream.StreamConfig{{
			Name:        StreamEscalations,
			Description: "hand-offs from the bot to the hotline",
			Subjects:    []string{SubjectEscalations + ".>"},
			Retention:   jetstream.LimitsPolicy,
			Storage:     jetstream.FileStorage,
			MaxAge:      cfg.Retention,
			Duplicates:  24 * time.Hour,
			Replicas:    cfg.Replicas,
		}},
		buckets: []jetstream.KeyValueConfig{
			{Bucket: BucketTickets, Description: "hotline tickets", History: 8, TTL: cfg.Retention,
				Storage: jetstream.FileStorage, Replicas: cfg.Replicas},
			{Bucket: BucketRoutes, Description: "conversation → open ticket, awaited ratings", History: 1,
				TTL: cfg.Retention, Storage: jetstream.FileStorage, Replicas: cfg.Replicas},
			{Bucket: BucketSessions, Description: "hotline console sessions", History: 1,
				TTL: 24 * time.Hour, Storage: jetstream.FileStorage, Replicas: cfg.Replicas},
		},
	}
}

func (t topology) reconcile(ctx context.Context, js jetstream.JetStream) (map[string]jetstream.KeyValue, error) {
	for _, sc := range t.streams {
		if _, err := js.CreateOrUpdateStream(ctx, sc); err != nil {
			return nil, fmt.Errorf("stream %s: %v: %w", sc.Name, err, ErrUnavailable)
		}
	}
	kvs := map[string]jetstream.KeyValue{}
	for _, bc := range t.buckets {
		kv, err := js.CreateOrUpdateKeyValue(ctx, bc)
		if err != nil {
			return nil, fmt.Errorf("bucket %s: %v: %w", bc.Bucket, err, ErrUnavailable)
		}
		kvs[bc.Bucket] = kv
	}
	return kvs, nil
}
