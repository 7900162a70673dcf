package hotline

import (
	"fmt"

	"github.com/prometheus/client_golang/prometheus"
)

// metrics of the hotline. Gauges are computed at scrape time from the
// instance's view of all tickets (the KV watch), so every instance reports
// the same queue; counters and histograms count what this instance did.
type metrics struct {
	created          *prometheus.CounterVec
	timeToClaim      prometheus.Histogram
	timeToFirstReply prometheus.Histogram
	ratings          *prometheus.CounterVec
}

var waitBuckets = []float64{60, 300, 900, 1800, 3600, 2 * 3600, 4 * 3600, 8 * 3600, 24 * 3600, 48 * 3600}

func newMetrics(reg prometheus.Registerer, q *Queue) (*metrics, error) {
	m := &metrics{
		created: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "hotline_tickets_created_total",
			Help: "Tickets created, by hand-off category."}, []string{"category"}),
		timeToClaim: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "hotline_time_to_claim_seconds",
			Help: "Time from hand-off to the first claim.", Buckets: waitBuckets}),
		timeToFirstReply: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "hotline_time_to_first_reply_seconds",
			Help: "Time from hand-off to the first staff reply.", Buckets: waitBuckets}),
		ratings: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "hotline_ratings_total",
			Help: "Citizens' ratings of the help, by score 1-5."}, []string{"score"}),
	}
	for _, c := range []prometheus.Collector{m.created, m.timeToClaim, m.timeToFirstReply, m.ratings, queueCollector{q}} {
		if err := reg.Register(c); err != nil {
			return nil, fmt.Errorf("register metrics: %w", err)
		}
	}
	return m, nil
}

var (
	descQueue = prometheus.NewDesc("hotline_queue_length", "Tickets not closed, by status (open = waiting for staff).",
		[]string{"status"}, nil)
	descWaiting = prometheus.NewDesc("hotline_oldest_waiting_seconds", "How long the oldest open ticket has waited.", nil, nil)
	descPast    = prometheus.NewDesc("hotline_tickets_past_window", "Tickets not closed whose reply window has passed: "+
		"standard (Messenger 24 h, Zalo 48 h) or final (7 days: replies refused).", []string{"window"}, nil)
)

// queueCollector reads the summary cache at scrape time.
type queueCollector struct{ q *Queue }

func (c queueCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- descQueue
	ch <- descWaiting
	ch <- descPast
}

func (c queueCollector) Collect(ch chan<- prometheus.Metric) {
	now := c.q.cfg.Now()
	var open, claimed, pastStd, pastFinal int
	var oldest float64
	c.q.mu.Lock()
	for _, s := range c.q.cache {
		if s.Status == StatusClosed {
			continue
		}
		if s.Status == StatusOpen {
			open++
			if w := now.Sub(s.Created).Seconds(); w > oldest {
				oldest = w
			}
		} else {
			claimed++
		}
		if !s.Window.Standard.IsZero() && now.After(s.Window.Standard) {
			pastStd++
		}
		if !s.Window.Final.IsZero() && now.After(s.Window.Final) {
			pastFinal++
		}
	}
	c.q.mu.Unlock()
	ch <- prometheus.MustNewConstMetric(descQueue, prometheus.GaugeValue, float64(open), string(StatusOpen))
	ch <- prometheus.MustNewConstMetric(descQueue, prometheus.GaugeValue, float64(claimed), string(StatusClaimed))
	ch <- prometheus.MustNewConstMetric(descWaiting, prometheus.GaugeValue, oldest)
	ch <- prometheus.MustNewConstMetric(descPast, prometheus.GaugeValue, float64(pastStd), "standard")
	ch <- prometheus.MustNewConstMetric(descPast, prometheus.GaugeValue, float64(pastFinal), "final")
}
