package webhooks

import (
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"botdvc/ratelimit"
)

// Streams of the per-client limits, shared by every instance (package
// ratelimit).
const (
	ClientRateStream     = "BOT_RATE_CLIENT"
	ClientSessionsStream = "BOT_RATE_SESSIONS"
)

// ClientSessionsSpan is the window of BOT_CLIENT_SESSIONS.
const ClientSessionsSpan = 10 * time.Minute

// ClientLimitStreams declares the per-client limits: perMinute web chat
// messages and questions to /api/v1/ask per client address in any minute
// (BOT_CLIENT_RATE), and sessions distinct web chat sessions per client
// address in any ten minutes (BOT_CLIENT_SESSIONS), with replicas replicas.
func ClientLimitStreams(perMinute, sessions, replicas int) []jetstream.StreamConfig {
	return []jetstream.StreamConfig{
		ratelimit.StreamConfig(ClientRateStream, "bot.rate.client", max(1, perMinute), time.Minute, replicas),
		ratelimit.StreamConfig(ClientSessionsStream, "bot.rate.sessions", max(1, sessions), ClientSessionsSpan, replicas),
	}
}
