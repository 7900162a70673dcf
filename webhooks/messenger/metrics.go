package messenger

import (
	"github.com/prometheus/client_golang/prometheus"

	"botdvc/webhooks"
)

// metrics are the Prometheus collectors of the Messenger channel. Label
// values come from fixed sets, never from request data.
type metrics struct {
	events       *prometheus.CounterVec // webhook events by kind (text, read, unknown, ...)
	badSignature prometheus.Counter
	rejected     *prometheus.CounterVec // webhook requests refused before the Inbox, by reason
	sends        *prometheus.CounterVec // Send API outcomes by result
	reauth       prometheus.Gauge       // 1 while the Page token needs re-authorisation
}

func newMetrics(reg prometheus.Registerer) *metrics {
	m := &metrics{
		events: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "bot_messenger_webhook_events_total",
			Help: "Messenger webhook events received, by kind (text, payload, follow, attachment, agent_echo, echo, delivery, read, standby, reaction, test, unknown, ...).",
		}, []string{"kind"}),
		badSignature: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "bot_messenger_bad_signature_total",
			Help: "Messenger webhook requests refused because X-Hub-Signature-256 did not verify.",
		}),
		rejected: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "bot_messenger_webhook_rejected_total",
			Help: "Messenger webhook requests refused before reaching the inbox, by reason.",
		}, []string{"reason"}),
		sends: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "bot_messenger_sends_total",
			Help: "Messenger Send API calls by result (ok, transient, window_closed, refused_window, reauth, undeliverable, rate_limited).",
		}, []string{"result"}),
		reauth: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "bot_messenger_reauth_needed",
			Help: "1 while the Page access token was rejected (Graph error 190) and sending is stopped.",
		}),
	}
	if reg != nil {
		m.events = webhooks.Register(reg, m.events)
		m.badSignature = webhooks.Register(reg, m.badSignature)
		m.rejected = webhooks.Register(reg, m.rejected)
		m.sends = webhooks.Register(reg, m.sends)
		m.reauth = webhooks.Register(reg, m.reauth)
	}
	return m
}
