package main

import (
	"log/slog"

	"botdvc/webhooks"
)

// connLimits returns the connection caps: BOT_MAX_CONNS and
// BOT_MAX_CONNS_PER_CLIENT, or, when 0, caps derived from the process's
// file descriptor limit. Three quarters of the descriptors go to
// connections (at most 100,000) and the rest stay for the embedded NATS
// store, the index and outbound calls; one client address may hold a
// quarter of them, between 16 and 256. Event streams may take half of the
// connections, and 16 per client address (at most a sixteenth of its
// connections, at least 4).
//
// A BOT_MAX_CONNS above that share of the descriptor limit is lowered to
// it, with a warning: connections beyond it starve the embedded NATS store
// of descriptors, and its file store then refuses every write to the
// stream it failed on until a restart (nats-server's "Critical write
// error"), however well the accept loop survives. BOT_MAX_CONNS_PER_CLIENT
// is at most BOT_MAX_CONNS.
func connLimits(c Config, log *slog.Logger) (conns webhooks.ConnLimits, streamsMax, streamsPerClient int) {
	limit, safe := fdLimit(), 0
	if limit > 0 {
		safe = max(32, min(100000, limit-max(128, limit/4)))
	}
	total := c.MaxConns
	switch {
	case total == 0:
		total = safe
	case safe > 0 && total > safe:
		log.Warn("BOT_MAX_CONNS lowered: the rest of the descriptor limit is kept for the NATS store, the index and outbound calls",
			"BOT_MAX_CONNS", c.MaxConns, "descriptor_limit", limit, "conns", safe)
		total = safe
	}
	per := c.MaxConnsPerClient
	if per == 0 && total > 0 {
		per = min(256, max(16, total/4))
	}
	if total > 0 && per > total {
		per = total
	}
	streamsMax = total / 2
	if per > 0 {
		streamsPerClient = max(4, min(16, per/16))
	}
	return webhooks.ConnLimits{Max: total, MaxPerClient: per}, streamsMax, streamsPerClient
}
