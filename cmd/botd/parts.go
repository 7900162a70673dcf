package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strconv"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"botdvc/bot"
	"botdvc/channel"
	"botdvc/complaint"
	"botdvc/dvhc"
	"botdvc/editor"
	"botdvc/hotline"
	"botdvc/internal/clientaddr"
	"botdvc/knowledge"
	"botdvc/knowledge/vntext"
	"botdvc/news"
	"botdvc/pipeline"
	"botdvc/ratelimit"
	"botdvc/webauth"
	"botdvc/webhooks"
	"botdvc/webhooks/webchat"
)

// The parts Run builds, one method each, in the order Run calls them.

// background runs fn in a goroutine until Close, which cancels its
// context and waits for it to return.
func (m *Main) background(name string, fn func(ctx context.Context)) {
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); fn(ctx) }()
	m.onClose(name, func(context.Context) error { stop(); <-done; return nil })
}

// openPipeline returns the pipeline, without its handler yet (set with
// SetHandler once the chain exists) nor senders (each channel's, set by
// openChannels): metrics, the accepting path's own connections.
func (m *Main) openPipeline(js jetstream.JetStream, pcfg pipeline.Config) (*pipeline.Pipeline, error) {
	p := pipeline.New(js, nil, m.Logger.With("component", "pipeline"), pcfg)
	p.Metrics = pipeline.NewMetrics(m.Registry)
	m.Registry.MustRegister(pipeline.NewDepthCollector(js))
	for i := 0; i < publishConns; i++ {
		pc, err := m.connect(fmt.Sprintf("botd-accept-%d", i))
		if err != nil {
			return nil, err
		}
		pjs, err := jetstream.New(pc)
		if err != nil {
			return nil, fmt.Errorf("botd: jetstream: %w", err)
		}
		p.Publishers = append(p.Publishers, pjs)
	}
	m.Pipeline = p
	return p, nil
}

// openHotline opens the hotline queue: staff replies go out through p;
// staff's guide ids are checked against the live guides.
func (m *Main) openHotline(js jetstream.JetStream, p *pipeline.Pipeline, lib *knowledge.Library, channels *channel.Registry) (*hotline.Queue, error) {
	c := m.Config
	hcfg := hotline.Config{Registry: m.Registry, Replicas: c.NATSReplicas, Retention: c.Retention,
		Guides: lib, Phone: c.HotlinePhone, Channels: channels,
		Tabs: []hotline.Tab{{Label: "Phản ánh, kiến nghị", URL: "/hotline/complaints/"}}}
	hcfg.Hours = c.HotlineHours.Hours // parsed when the configuration was read; zero: the default hours
	var err error
	if c.CannedFile != "" {
		if hcfg.Canned, err = hotline.LoadCanned(c.CannedFile); err != nil {
			return nil, fmt.Errorf("botd: BOT_CANNED_FILE: %w", err)
		}
	}
	q, err := hotline.New(js, p, hcfg, m.Logger)
	if err != nil {
		return nil, fmt.Errorf("botd: %w", err)
	}
	return q, nil
}

// answerParts is what answers: the one engine, the chain in front of it
// (ward lookup), the /api/v1/ask chain, the announcements and the editors'
// store and outcome recorder.
type answerParts struct {
	engine  *bot.Engine
	answer  bot.HandlerFunc // the ward lookup and the engine (Main.Handler in tests)
	ask     bot.HandlerFunc // /api/v1/ask: Remember and the announcements' line, no hotline
	news    *news.Service
	editor  editorParts
	reweigh func() // after the corpus changed: the engine's word weights
}

// openAnswer builds the engine (one for the channels, /api/v1/ask and the
// editors' preview: it only decides), the announcements, and the editors'
// store, whose published changes (from any instance) are applied to the
// library, the index and the engine before botd serves.
func (m *Main) openAnswer(ctx context.Context, js jetstream.JetStream, p *pipeline.Pipeline, index searchIndex, lib *knowledge.Library, sessions bot.SessionStore, units *dvhc.Directory, channels *channel.Registry) (answerParts, error) {
	log := m.Logger
	log.Info("preparing the answer engine", "guides", lib.Len()) // word weights over every guide: seconds with the catalogue
	engine := bot.NewEngine(index, lib, sessions)
	engine.HotlinePhone = m.Config.HotlinePhone
	a := answerParts{engine: engine, answer: bot.Chain(engine.Answer, dvhc.NewChat(units, sessions).Middleware())}
	if m.Handler != nil {
		a.answer = m.Handler
	}
	// Announcements (bản tin): their line on answers, "tin mới", following
	// topics; delivered to followers by news.Service.Run.
	var err error
	a.news, err = news.Open(ctx, js, news.Config{Sessions: sessions, Logger: log.With("component", "news"), Channels: channels,
		Guides: func(id string) (string, bool) { g, ok := lib.Get(id); return g.Title, ok }})
	if err != nil {
		return a, fmt.Errorf("botd: %w", err)
	}
	a.news.SetOutbox(p)
	a.ask = bot.Chain(a.answer, bot.Remember(sessions), a.news.Annotate())
	a.reweigh = func() {
		start := time.Now()
		engine.Reweigh()
		log.Info("word weights recomputed", "guides", lib.Len(), "took", time.Since(start).Round(time.Millisecond))
	}
	// Editors' synonym rules (admin page) reach the engine and the index.
	synonyms := func(rules string) error {
		d, err := vntext.DefaultDict().With(rules)
		if err != nil {
			return err
		}
		if err := index.SetDict(ctx, d); err != nil {
			return err
		}
		engine.SetDict(d)
		return nil
	}
	log.Info("applying the editors' published changes")
	a.editor, err = m.openEditor(ctx, js, lib, index, a.reweigh, synonyms)
	return a, err
}

// channelParts are the opened channels: the registry hotline, news,
// complaints and the editors ask about them, their routes, and what to
// close when HTTP stops.
type channelParts struct {
	registry *channel.Registry
	mounts   []webhooks.Mounter
	closers  []func() error
}

// openChannels opens every channel of list, each from its own config (a
// channel that is not configured is off: its webhook is not mounted, 404,
// and its replies wait): their senders go to p, their background work runs
// until Close.
func (m *Main) openChannels(ctx context.Context, list []webhooks.ChannelOpener, env webhooks.ChannelEnv, p *pipeline.Pipeline) (channelParts, error) {
	var parts channelParts
	var infos []channel.Info
	var on []any
	for _, o := range list {
		ch, err := o.Open(ctx, env)
		if err != nil {
			return parts, fmt.Errorf("botd: %w", err)
		}
		if ch.ID != o.ID {
			return parts, fmt.Errorf("botd: channel %q opened as %q", o.ID, ch.ID)
		}
		infos = append(infos, ch.Info)
		if ch.Sender != nil {
			p.Senders[ch.ID] = ch.Sender
		}
		if ch.Routes != nil {
			parts.mounts = append(parts.mounts, ch.Routes)
		}
		if ch.Run != nil {
			m.background(string(ch.ID), ch.Run)
		}
		if ch.Close != nil {
			parts.closers = append(parts.closers, ch.Close)
		}
		on = append(on, string(ch.ID), ch.Sender != nil)
	}
	m.Logger.Info("channels", on...)
	parts.registry = channel.NewRegistry(infos...)
	return parts, nil
}

// webJanitor keeps web chat conversations 30 days after their last turn,
// and as long as their ticket or complaint is open (staff replies and
// answers wait for the citizen).
func webJanitor(js jetstream.JetStream, log *slog.Logger, q *hotline.Queue, desk *complaint.Desk) *webchat.Janitor {
	return &webchat.Janitor{JS: js, Logger: log.With("component", "webchat"),
		Open: func(ctx context.Context, session string) (bool, error) {
			for _, st := range []complaint.Status{complaint.StatusReceived, complaint.StatusForwarded} {
				for _, cs := range desk.List(complaint.Filter{Status: st, Limit: 1 << 20}) {
					if cs.Channel == bot.Web && cs.UserID == session {
						return true, nil
					}
				}
			}
			return q.WithPeople(ctx, bot.Message{Channel: bot.Web, UserID: session}.Conversation())
		}}
}

// front is what guards the HTTP front, built before the channels (the
// web chat takes its part): connection caps and trusted proxies, the
// per-client-address limits of the web chat and /api/v1/ask, the inbound
// backlog the web chat sheds load on, the cap on event streams.
type front struct {
	proxies                    *clientaddr.Proxies
	conns                      webhooks.ConnLimits
	clientRate, clientSessions *ratelimit.Window
	backlog                    *pipeline.Backlog
	streams                    *webhooks.Streams
}

// openFront builds the front's guards. They bind to their streams lazily:
// it runs before the topology is reconciled.
func (m *Main) openFront(js jetstream.JetStream) (front, error) {
	c, log := m.Config, m.Logger
	proxies := c.TrustedProxies.Proxies // parsed when the configuration was read; nil trusts none
	conns, streamsMax, streamsPerClient := connLimits(c, log)
	conns.Proxies = proxies
	log.Info("connection caps", "conns", conns.Max, "per_client", conns.MaxPerClient, "streams", streamsMax, "streams_per_client", streamsPerClient)
	limits := webhooks.ClientLimitStreams(c.ClientRate, c.ClientSessions, c.NATSReplicas)
	clientRate := ratelimit.New(js, limits[0])
	clientRate.Remember = clientRate.Span // a flood from one address costs no round trip per request
	clientSessions := ratelimit.New(js, limits[1])
	clientSessions.Remember = clientSessions.Span
	clientSessions.RememberAllowed = clientSessions.Span / 2 // a known session is a duplicate: no round trip
	return front{proxies: proxies, conns: conns, clientRate: clientRate, clientSessions: clientSessions,
		backlog: pipeline.NewBacklog(js), streams: webhooks.NewStreams(streamsMax, streamsPerClient, m.Registry)}, nil
}

// openServer builds the HTTP server (m.Server) with its connection caps
// and readiness checks, and starts reading the inbound backlog.
func (m *Main) openServer(js jetstream.JetStream, f front, index searchIndex) error {
	c, log := m.Config, m.Logger
	m.background("backlog", f.backlog.Run)
	m.Server = webhooks.NewServer(log.With("component", "http"), webhooks.ServerConfig{
		BodyLimit: c.BodyLimit, RequestTimeout: c.RequestTimeout, Registry: m.Registry, AccessLog: c.AccessLog,
		Proxies: f.proxies, Conns: f.conns, MetricsToken: c.MetricsToken,
		Ready: m.readyChecks(js, index),
	})
	if c.MetricsAddr != "" {
		if err := m.serveMetrics(c.MetricsAddr); err != nil {
			return err
		}
	} else if c.MetricsToken == "" {
		log.Info("metrics: GET /metrics is refused until BOT_METRICS_TOKEN or BOT_METRICS_ADDR is set")
	}
	return nil
}

// readyChecks are /readyz's: the NATS connection, JetStream, a non-empty index.
func (m *Main) readyChecks(js jetstream.JetStream, index searchIndex) []webhooks.Check {
	return []webhooks.Check{
		{Name: "nats", Check: func(context.Context) error {
			if s := m.NATS.Status(); s != nats.CONNECTED {
				return fmt.Errorf("nats %s", s)
			}
			return nil
		}},
		{Name: "jetstream", Check: func(ctx context.Context) error {
			_, err := js.AccountInfo(ctx)
			return err
		}},
		{Name: "index", Check: func(ctx context.Context) error {
			n, err := index.Count(ctx)
			if err == nil && n == 0 {
				err = errors.New("index is empty")
			}
			return err
		}},
	}
}

// admin returns the editors' pages and API.
func (m *Main) admin(auth *webauth.Auth, a answerParts, q *hotline.Queue, desk *complaint.Desk, lib *knowledge.Library, index searchIndex, channels *channel.Registry) *editor.Admin {
	return &editor.Admin{
		News: a.news, Channels: channels,
		Store: a.editor.store, Recorder: a.editor.recorder, Tickets: hotlineTickets{q}, Auth: auth, Logger: m.Logger.With("component", "admin"),
		Complaints: complaintStats{desk}, Domain: func(id string) string { g, _ := lib.Get(id); return g.Domain },
		CheckSynonyms: func(rules string) error { _, err := vntext.DefaultDict().With(rules); return err },
		Import:        catalogImporter(lib, index, a.reweigh, m.setAuditCatalog),
		AuditCatalog:  m.auditCat.Load,
		// The preview asks the engine alone: no session, no hotline,
		// nothing filed or recorded.
		Live: func(ctx context.Context, text string) (bot.Reply, error) {
			return a.engine.Answer(ctx, previewMessage(text))
		},
		Preview: func(ctx context.Context, drafts []knowledge.Guide) (editor.Asker, func(), error) {
			return previewAsker(ctx, lib, drafts)
		},
	}
}

// listen opens the HTTP listener and serves until Close, which ends the
// event streams (the channels' closers: the web chat's; the hotline
// console's) first, or they would hold the shutdown; the hotline's store
// stays usable for the workers.
func (m *Main) listen(started time.Time, closers []func() error, q *hotline.Queue) error {
	c, log := m.Config, m.Logger
	ln, err := net.Listen("tcp", c.Addr)
	if err != nil {
		return fmt.Errorf("botd: listen %s: %w", c.Addr, err)
	}
	m.ln = ln
	go func() {
		if err := m.Server.Serve(ln); err != nil {
			m.failed <- err
		}
	}()
	m.onClose("http", func(ctx context.Context) error {
		for _, fn := range closers {
			_ = fn()
		}
		_ = q.Close()
		return m.Server.Shutdown(ctx)
	})
	port := strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
	url := m.URL() + "/"
	host, _, _ := net.SplitHostPort(c.Addr)
	anyIf := host == "" || host == "0.0.0.0" || host == "::"
	if anyIf || host == "127.0.0.1" || host == "localhost" {
		url = "http://localhost:" + port + "/" // what to open in a browser on this machine
	}
	log.Info("botd ready", "addr", ln.Addr().String(), "url", url, "took", time.Since(started).Round(time.Millisecond))
	if anyIf {
		log.Info("listening on every network interface: other machines can reach port " + port + "; BOT_ADDR=127.0.0.1:" + port + " keeps it to this machine")
	}
	return nil
}
