package pipeline

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"runtime"
	"strconv"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"botdvc/bot"
	"botdvc/ratelimit"
)

// Stream, subject and bucket names. They are the wire contract between
// instances: change them only with a migration.
const (
	InboundStream  = "BOT_INBOUND"
	OutboundStream = "BOT_OUTBOUND"
	DeadStream     = "BOT_DEAD"
	SessionBucket  = "bot_sessions"
	// RateStream and NoticeStream are the per-conversation rate limit and
	// the once-a-minute refusal notice, shared by every instance (see
	// package ratelimit).
	RateStream   = "BOT_RATE_CONV"
	NoticeStream = "BOT_RATE_NOTICE"

	inboundPrefix  = "bot.in."  // + partition
	outboundPrefix = "bot.out." // + channel + "." + partition
	deadInbound    = "bot.dead.in"
	deadOutPrefix  = "bot.dead.out." // + channel
)

// Headers set on parked (dead-letter) messages.
const (
	HeaderReason     = "Bot-Dead-Reason"
	HeaderSubject    = "Bot-Dead-Subject"
	HeaderDeliveries = "Bot-Dead-Deliveries"
)

// Config holds the pipeline's tunables. Zero values take the defaults of
// DefaultConfig.
type Config struct {
	Partitions     int           // conversation partitions; the same on every instance (16)
	Replicas       int           // stream replicas in a cluster (1)
	Duplicates     time.Duration // duplicate window of the streams (24h; at least 24h)
	AckWait        time.Duration // redelivery after a worker or sender died; kept alive with InProgress while working (5s)
	HandlerTimeout time.Duration // deadline for one answer (20s)
	SendTimeout    time.Duration // deadline for one channel send (15s)
	MaxDeliver     int           // deliveries of an inbound message before it is parked (5)
	SendAttempts   int           // send attempts of a reply before it is parked (10)
	MaxBackoff     time.Duration // cap of the send retry delay (5m)
	SessionTTL     time.Duration // idle sessions expire after this (24h)
	MaxText        int           // longest accepted text in characters (2000)
	RatePerMinute  float64       // sustained messages a minute per conversation (20)
	Burst          int           // messages a conversation may send at once (8)
	FetchWait      time.Duration // how long an idle pull request waits (2s; at least 1s)
	// Workers caps how many inbound messages this instance answers at the
	// same time, across all partitions (GOMAXPROCS-1, at least 1: answering
	// is CPU work, and one CPU is left to the accepting path).
	// Under a burst the accepting path (webhook to JetStream ack) keeps most
	// of the CPU and the stream holds the backlog. A message waiting for a
	// slot is kept from redelivery with InProgress. Senders are not capped:
	// they wait on the platforms' APIs, not on the CPU.
	Workers int
	// Channels are the channels replies go out on: each has its outbound
	// subjects, a sender consumer per partition, and Enqueue refuses any
	// other. cmd/botd fills it from the channels it opens
	// (webhooks.ChannelOpener), in their registration order.
	Channels []bot.Channel
	// UniqueIDs are the channels whose message ids the platform makes
	// unique across all their users: a message's dedup id (its Nats-Msg-Id,
	// the key of its delivery record, its replies' ids) is "channel:id".
	// Any other channel's ids are taken as chosen by a client and unique
	// only per user (the web chat's, from the browser): its dedup id is
	// "channel:<hash of the user id>:id", so two users may both send "1".
	// cmd/botd fills it from the channels' channel.Info.UniqueIDs.
	UniqueIDs []bot.Channel
}

// DefaultConfig returns the defaults.
func DefaultConfig() Config {
	return Config{
		Partitions:     16,
		Replicas:       1,
		Duplicates:     24 * time.Hour,
		AckWait:        5 * time.Second,
		HandlerTimeout: 20 * time.Second,
		SendTimeout:    15 * time.Second,
		MaxDeliver:     5,
		SendAttempts:   10,
		MaxBackoff:     5 * time.Minute,
		SessionTTL:     24 * time.Hour,
		MaxText:        2000,
		RatePerMinute:  20,
		Burst:          8,
		FetchWait:      2 * time.Second,
		Workers:        max(1, runtime.GOMAXPROCS(0)-1),
	}
}

// withDefaults fills zero fields from DefaultConfig.
func (c Config) withDefaults() Config {
	d := DefaultConfig()
	if c.Partitions <= 0 {
		c.Partitions = d.Partitions
	}
	if c.Replicas <= 0 {
		c.Replicas = d.Replicas
	}
	if c.Duplicates < 24*time.Hour {
		c.Duplicates = d.Duplicates
	}
	if c.AckWait <= 0 {
		c.AckWait = d.AckWait
	}
	if c.HandlerTimeout <= 0 {
		c.HandlerTimeout = d.HandlerTimeout
	}
	if c.SendTimeout <= 0 {
		c.SendTimeout = d.SendTimeout
	}
	if c.MaxDeliver <= 0 {
		c.MaxDeliver = d.MaxDeliver
	}
	if c.SendAttempts <= 0 {
		c.SendAttempts = d.SendAttempts
	}
	if c.MaxBackoff <= 0 {
		c.MaxBackoff = d.MaxBackoff
	}
	if c.SessionTTL <= 0 {
		c.SessionTTL = d.SessionTTL
	}
	if c.MaxText <= 0 {
		c.MaxText = d.MaxText
	}
	if c.RatePerMinute <= 0 {
		c.RatePerMinute = d.RatePerMinute
	}
	if c.Burst <= 0 {
		c.Burst = d.Burst
	}
	if c.FetchWait <= 0 {
		c.FetchWait = d.FetchWait
	}
	if c.Workers <= 0 {
		c.Workers = d.Workers
	}
	return c
}

// Partition returns the partition of a conversation key.
func Partition(conversation string, partitions int) int {
	h := fnv.New32a()
	h.Write([]byte(conversation))
	return int(h.Sum32() % uint32(partitions))
}

func inboundSubject(p int) string { return inboundPrefix + strconv.Itoa(p) }

func outboundSubject(ch bot.Channel, p int) string {
	return outboundPrefix + string(ch) + "." + strconv.Itoa(p)
}

func workerName(p int) string { return "work-" + strconv.Itoa(p) }

func senderName(ch bot.Channel, p int) string { return "send-" + string(ch) + "-" + strconv.Itoa(p) }

// Topology is the declared JetStream state of the whole service: streams,
// consumers and key-value buckets. Every package that keeps state in
// JetStream returns its configurations (pipeline.Declare,
// webchat.StreamConfig, hotline.Streams and Buckets, editor.Streams and
// Buckets, zalo.TokenBucket …); cmd/botd collects them into one Topology and
// reconciles it in one pass at start, and the packages only bind to what
// exists. Adding a bucket is one line: t.AddBuckets(cfg).
type Topology struct {
	// Replicas, when above 0, is applied to every stream and bucket by
	// Reconcile, whatever their own configuration says (BOT_NATS_REPLICAS).
	Replicas  int
	Streams   []jetstream.StreamConfig
	Consumers map[string][]jetstream.ConsumerConfig // by stream name
	Buckets   []jetstream.KeyValueConfig
	Objects   []jetstream.ObjectStoreConfig // object stores (complaint attachments)
}

// AddStreams declares more streams.
func (t *Topology) AddStreams(s ...jetstream.StreamConfig) { t.Streams = append(t.Streams, s...) }

// AddBuckets declares more key-value buckets.
func (t *Topology) AddBuckets(b ...jetstream.KeyValueConfig) { t.Buckets = append(t.Buckets, b...) }

// AddObjects declares more object stores.
func (t *Topology) AddObjects(o ...jetstream.ObjectStoreConfig) { t.Objects = append(t.Objects, o...) }

// StreamNames returns the names of every stream the topology holds,
// buckets' and object stores' streams ("KV_" + bucket, "OBJ_" + bucket)
// included: what a server running only this service should hold.
func (t Topology) StreamNames() []string {
	var names []string
	for _, s := range t.Streams {
		names = append(names, s.Name)
	}
	for _, b := range t.Buckets {
		names = append(names, "KV_"+b.Bucket)
	}
	for _, o := range t.Objects {
		names = append(names, "OBJ_"+o.Bucket)
	}
	return names
}

// Declare returns the topology for a configuration.
func Declare(c Config) Topology {
	c = c.withDefaults()
	t := Topology{Replicas: c.Replicas, Consumers: map[string][]jetstream.ConsumerConfig{}}
	t.Streams = []jetstream.StreamConfig{
		{
			Name:        InboundStream,
			Description: "inbound citizen messages, partitioned by conversation",
			Subjects:    []string{inboundPrefix + "*"},
			// Limits, not work-queue, retention: the server rebuilds its
			// duplicate table from the messages it still holds after a
			// restart, so they must outlive the duplicate window.
			Retention:  jetstream.LimitsPolicy,
			Storage:    jetstream.FileStorage,
			Replicas:   c.Replicas,
			Duplicates: c.Duplicates,
			MaxAge:     7 * 24 * time.Hour,
			Discard:    jetstream.DiscardOld,
		},
		{
			Name:        OutboundStream,
			Description: "replies on their way to a channel",
			Subjects:    []string{outboundPrefix + ">"},
			Retention:   jetstream.LimitsPolicy, // see BOT_INBOUND
			Storage:     jetstream.FileStorage,
			Replicas:    c.Replicas,
			Duplicates:  c.Duplicates,
			MaxAge:      7 * 24 * time.Hour,
			Discard:     jetstream.DiscardOld,
		},
		deliveryStream(c),
		{
			Name:        DeadStream,
			Description: "parked messages with the reason",
			Subjects:    []string{"bot.dead.>"},
			Retention:   jetstream.LimitsPolicy,
			Storage:     jetstream.FileStorage,
			Replicas:    c.Replicas,
			Duplicates:  c.Duplicates,
			MaxAge:      30 * 24 * time.Hour,
		},
	}
	for p := 0; p < c.Partitions; p++ {
		t.Consumers[InboundStream] = append(t.Consumers[InboundStream], jetstream.ConsumerConfig{
			Durable:       workerName(p),
			FilterSubject: inboundSubject(p),
			AckPolicy:     jetstream.AckExplicitPolicy,
			AckWait:       c.AckWait,
			MaxAckPending: 1,  // per-conversation order across all instances
			MaxDeliver:    -1, // parking is decided by the worker, with the reason
			DeliverPolicy: jetstream.DeliverAllPolicy,
		})
		for _, ch := range c.Channels {
			t.Consumers[OutboundStream] = append(t.Consumers[OutboundStream], jetstream.ConsumerConfig{
				Durable:       senderName(ch, p),
				FilterSubject: outboundSubject(ch, p),
				AckPolicy:     jetstream.AckExplicitPolicy,
				AckWait:       c.AckWait,
				MaxAckPending: 1,
				MaxDeliver:    -1,
				DeliverPolicy: jetstream.DeliverAllPolicy,
			})
		}
	}
	t.Streams = append(t.Streams, rateStreams(c)...)
	t.Buckets = []jetstream.KeyValueConfig{{
		Bucket:      SessionBucket,
		Description: "conversation sessions (bot.Session JSON), key = base64url(conversation)",
		TTL:         c.SessionTTL,
		History:     1,
		Storage:     jetstream.FileStorage,
		Replicas:    c.Replicas,
	}}
	return t
}

// rateStreams are the windows of the per-conversation limit: Burst
// messages in any Burst/RatePerMinute minutes (8 per 24 s by default: the
// same average rate as a token bucket of that rate and burst), and one
// refusal notice a minute.
func rateStreams(c Config) []jetstream.StreamConfig {
	span := time.Duration(float64(c.Burst) / c.RatePerMinute * float64(time.Minute))
	return []jetstream.StreamConfig{
		ratelimit.StreamConfig(RateStream, "bot.rate.conv", c.Burst, max(span, time.Second), c.Replicas),
		ratelimit.StreamConfig(NoticeStream, "bot.rate.notice", 1, time.Minute, c.Replicas),
	}
}

// Reconcile creates or updates every stream, consumer and bucket of t, with
// t.Replicas replicas when set. It is idempotent and runs on every instance
// at start. Each item gets ItemTimeout of its own (on a loaded cluster the
// first creation of replicated streams and consumers takes a while); the
// consumers of a stream are reconciled a few at a time.
func Reconcile(ctx context.Context, js jetstream.JetStream, t Topology) error {
	item := func(f func(ctx context.Context) error) error {
		ictx, cancel := context.WithTimeout(ctx, ItemTimeout)
		defer cancel()
		return f(ictx)
	}
	for _, sc := range t.Streams {
		if t.Replicas > 0 {
			sc.Replicas = t.Replicas
		}
		if err := item(func(ctx context.Context) error { return createOrUpdateStream(ctx, js, sc) }); err != nil {
			return fmt.Errorf("pipeline.Reconcile: stream %s: %w", sc.Name, err)
		}
		ccs := t.Consumers[sc.Name]
		errs := make([]error, len(ccs))
		sem := make(chan struct{}, 8)
		var wg sync.WaitGroup
		for i, cc := range ccs {
			wg.Add(1)
			sem <- struct{}{}
			go func() {
				defer func() { <-sem; wg.Done() }()
				if err := item(func(ctx context.Context) error { _, err := js.CreateOrUpdateConsumer(ctx, sc.Name, cc); return err }); err != nil {
					errs[i] = fmt.Errorf("pipeline.Reconcile: consumer %s/%s: %w", sc.Name, cc.Durable, err)
				}
			}()
		}
		wg.Wait()
		if err := errors.Join(errs...); err != nil {
			return err
		}
	}
	for _, kc := range t.Buckets {
		if t.Replicas > 0 {
			kc.Replicas = t.Replicas
		}
		if err := item(func(ctx context.Context) error {
			_, err := js.CreateKeyValue(ctx, kc)
			if errors.Is(err, jetstream.ErrBucketExists) {
				_, err = js.UpdateKeyValue(ctx, kc)
			}
			return err
		}); err != nil {
			return fmt.Errorf("pipeline.Reconcile: bucket %s: %w", kc.Bucket, err)
		}
	}
	for _, oc := range t.Objects {
		if t.Replicas > 0 {
			oc.Replicas = t.Replicas
		}
		if err := item(func(ctx context.Context) error {
			_, err := js.CreateObjectStore(ctx, oc)
			if errors.Is(err, jetstream.ErrBucketExists) {
				_, err = js.UpdateObjectStore(ctx, oc)
			}
			return err
		}); err != nil {
			return fmt.Errorf("pipeline.Reconcile: object store %s: %w", oc.Bucket, err)
		}
	}
	return nil
}

// createOrUpdateStream creates sc, or updates the stream when it exists
// with another configuration. Creating first matters on a cluster: when
// several instances start at once, an update of a stream that another
// instance is creating at that moment got no answer at all from
// nats-server 2.15 (each instance's jetstream.CreateOrUpdateStream, which
// updates first, hung until its deadline; TestConcurrentReconcile), while
// concurrent creates with the same configuration all succeed. Parallel
// creation of one stream has a history of such hangs: nats-server issue
// #3677, nats.go issue #949.
func createOrUpdateStream(ctx context.Context, js jetstream.JetStream, sc jetstream.StreamConfig) error {
	_, err := js.CreateStream(ctx, sc)
	if errors.Is(err, jetstream.ErrStreamNameAlreadyInUse) {
		_, err = js.UpdateStream(ctx, sc)
	}
	return err
}

// ItemTimeout bounds the reconciliation of one stream, consumer or bucket.
const ItemTimeout = 20 * time.Second
