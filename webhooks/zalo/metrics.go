package zalo

import (
	"github.com/prometheus/client_golang/prometheus"

	"botdvc/webhooks"
)

// metrics are the Prometheus collectors of the Zalo OA channel. Label
// values come from fixed sets, never from request data.
type metrics struct {
	events        *prometheus.CounterVec // webhook events by kind
	badSignature  prometheus.Counter
	rejected      *prometheus.CounterVec // webhook requests refused before the Inbox, by reason
	sends         *prometheus.CounterVec // OA API message sends by result
	refreshes     *prometheus.CounterVec // token refreshes by result
	refreshFailed prometheus.Gauge       // 1 while the last refresh failed
}

func newMetrics(reg prometheus.Registerer) *metrics {
	m := &metrics{
		events: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "bot_zalo_webhook_events_total",
			Help: "Zalo OA webhook events received, by kind (text, payload, follow, chatnow, unfollow, attachment, agent_echo, echo, received, seen, reaction, anonymous, unknown).",
		}, []string{"kind"}),
		badSignature: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "bot_zalo_bad_signature_total",
			Help: "Zalo OA webhook requests whose X-ZEvent-Signature did not verify.",
		}),
		rejected: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "bot_zalo_webhook_rejected_total",
			Help: "Zalo OA webhook requests refused before reaching the inbox, by reason.",
		}, []string{"reason"}),
		sends: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "bot_zalo_sends_total",
			Help: "Zalo OA message API calls by result (ok, transient, rate_limited, window_closed, refused_window, reauth, undeliverable, buttons_refused).",
		}, []string{"result"}),
		refreshes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "bot_zalo_token_refresh_total",
			Help: "Zalo OA access token refreshes by result (ok, rejected, error, adopted).",
		}, []string{"result"}),
		refreshFailed: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "bot_zalo_token_refresh_failed",
			Help: "1 while the last Zalo OA token refresh failed (alert: re-authorise the OA if it stays 1).",
		}),
	}
	if reg != nil {
		m.events = webhooks.Register(reg, m.events)
		m.badSignature = webhooks.Register(reg, m.badSignature)
		m.rejected = webhooks.Register(reg, m.rejected)
		m.sends = webhooks.Register(reg, m.sends)
		m.refreshes = webhooks.Register(reg, m.refreshes)
		m.refreshFailed = webhooks.Register(reg, m.refreshFailed)
	}
	return m
}
