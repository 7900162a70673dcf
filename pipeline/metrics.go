package pipeline

import (
	"context"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"
)

// Metrics are the pipeline's Prometheus instruments.
type Metrics struct {
	In      *prometheus.CounterVec // inbound messages by channel and result
	Handled *prometheus.CounterVec // worker outcomes by result
	Out     *prometheus.CounterVec // outbound replies by channel and result
	Errors  *prometheus.CounterVec // errors by kind
	Publish prometheus.Histogram   // inbound publish-to-ack latency
	Handle  prometheus.Histogram   // handler latency
}

// NewMetrics creates the instruments and registers them with reg (nil: not registered).
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		In: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "bot_messages_in_total", Help: "Inbound messages by channel and result (accepted, duplicate, refused_rate, refused_size, invalid, error).",
		}, []string{"channel", "result"}),
		Handled: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "bot_messages_handled_total", Help: "Inbound messages processed by workers, by result (replied, silent, retry, parked, already_done).",
		}, []string{"result"}),
		Out: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "bot_messages_out_total", Help: "Outbound replies by channel and result (sent, retry, parked, enqueued, already_sent).",
		}, []string{"channel", "result"}),
		Errors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "bot_errors_total", Help: "Errors by kind.",
		}, []string{"kind"}),
		Publish: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "bot_inbound_publish_seconds", Help: "Inbound publish to JetStream ack.",
			Buckets: prometheus.ExponentialBuckets(0.0001, 2, 16),
		}),
		Handle: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "bot_handle_seconds", Help: "Time the handler chain took for one message.",
			Buckets: prometheus.ExponentialBuckets(0.0005, 2, 16),
		}),
	}
	if reg != nil {
		reg.MustRegister(m.In, m.Handled, m.Out, m.Errors, m.Publish, m.Handle)
	}
	return m
}

// DepthCollector reports the number of messages waiting in each stream and
// pending on each consumer, read from JetStream at scrape time.
type DepthCollector struct {
	js       jetstream.JetStream
	streams  []string
	msgs     *prometheus.Desc
	pending  *prometheus.Desc
	scrapeTO time.Duration
}

var _ prometheus.Collector = (*DepthCollector)(nil)

// NewDepthCollector returns a collector for the pipeline's streams.
func NewDepthCollector(js jetstream.JetStream) *DepthCollector {
	return &DepthCollector{
		js:       js,
		streams:  []string{InboundStream, OutboundStream, DeadStream},
		msgs:     prometheus.NewDesc("bot_stream_messages", "Messages stored in a stream (kept for the retention period; see bot_stream_consumer_pending for the backlog).", []string{"stream"}, nil),
		pending:  prometheus.NewDesc("bot_stream_consumer_pending", "Messages waiting for the consumers of a stream, summed.", []string{"stream"}, nil),
		scrapeTO: 2 * time.Second,
	}
}

// Describe implements prometheus.Collector.
func (d *DepthCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- d.msgs
	ch <- d.pending
}

// Collect implements prometheus.Collector. Streams that cannot be read are skipped.
func (d *DepthCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), d.scrapeTO)
	defer cancel()
	for _, name := range d.streams {
		s, err := d.js.Stream(ctx, name)
		if err != nil {
			continue
		}
		info, err := s.Info(ctx)
		if err != nil {
			continue
		}
		ch <- prometheus.MustNewConstMetric(d.msgs, prometheus.GaugeValue, float64(info.State.Msgs), name)
		if name == DeadStream {
			continue
		}
		var pending uint64
		lister := s.ListConsumers(ctx)
		for ci := range lister.Info() {
			pending += ci.NumPending + uint64(ci.NumAckPending)
		}
		ch <- prometheus.MustNewConstMetric(d.pending, prometheus.GaugeValue, float64(pending), name)
	}
}
