package main

import "botdvc/webhooks"

// connLimits returns the connection caps: BOT_MAX_CONNS and
// BOT_MAX_CONNS_PER_CLIENT, or, when 0, caps derived from the process's
// file descriptor limit. Three quarters of the descriptors go to
// connections (at most 100,000) and the rest stay for the embedded NATS
// store, the index and outbound calls; one client address may hold a
// quarter of them, between 16 and 256. Event streams may take half of the
// connections, and 16 per client address (at most a sixteenth of its
// connections, at least 4).
func connLimits(c Config) (conns webhooks.ConnLimits, streamsMax, streamsPerClient int) {
	total := c.MaxConns
	if total == 0 {
		if limit := fdLimit(); limit > 0 {
			total = max(32, min(100000, limit-max(128, limit/4)))
		}
	}
	per := c.MaxConnsPerClient
	if per == 0 && total > 0 {
		per = min(256, max(16, total/4))
	}
	streamsMax = total / 2
	if per > 0 {
		streamsPerClient = max(4, min(16, per/16))
	}
	return webhooks.ConnLimits{Max: total, MaxPerClient: per}, streamsMax, streamsPerClient
}
