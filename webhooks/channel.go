package webhooks

import (
	"context"
	"log/slog"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"

	"botdvc/bot"
	"botdvc/channel"
)

// Channel is one channel as cmd/botd runs it, opened by its own package
// from its own config: what the rest of the service asks about it
// (channel.Info: labels, reply window, what the console shows), and what
// botd mounts, sends replies through, runs and closes. A channel that is
// configured off still has its Info (old tickets and followers keep their
// label and window) but no Routes and no Sender.
type Channel struct {
	channel.Info
	// Routes are the channel's webhook (and pages); nil while it is off.
	Routes Mounter
	// Sender delivers its replies (better a bot.PieceSender); nil while
	// it is off: its replies wait in the outbound stream.
	Sender bot.Sender
	// Run, when set, is the channel's background work (Zalo's token
	// refresh); it returns when ctx ends, at botd's Close.
	Run func(ctx context.Context)
	// Close, when set, is called when the HTTP server starts shutting
	// down, before it waits for the requests in flight (the web chat ends
	// its event streams there, or they would hold the shutdown).
	Close func() error
}

// ChannelEnv is what cmd/botd gives every channel when it opens.
type ChannelEnv struct {
	JS    jetstream.JetStream // the topology is reconciled: buckets and streams exist
	NATS  *nats.Conn
	Inbox Inbox // the pipeline: Accept returns after the JetStream ack
	// Backlog is the inbound backlog (the web chat sheds load on it);
	// nil: unknown.
	Backlog interface {
		Depth() int
		RetryAfter(limit int) time.Duration
	}
	Logger  *slog.Logger
	Metrics prometheus.Registerer
}

// ChannelOpener is one channel before it opens: what is known of it
// without opening it (its id, which the pipeline's topology needs before
// anything opens: the outbound subjects and sender consumers of every
// channel are reconciled first; its labels and window, for botctl), and
// Open, which returns the running channel with the same id.
type ChannelOpener struct {
	channel.Info
	Open func(ctx context.Context, env ChannelEnv) (Channel, error)
}
