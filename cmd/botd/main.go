// Command botd is the citizen help service: one binary that serves the
// channel webhooks, the web chat, the ask API, the hotline console and the
// editors' pages, runs the message pipeline on NATS JetStream (embedded, or
// an external cluster with NATS_URL) and searches the guides (bleve, or
// Meilisearch with MEILI_URL).
//
// This file is the only one that knows every concrete type: it builds the
// parts in order and closes them in reverse order.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"botdvc/bot"
	"botdvc/complaint"
	"botdvc/dvhc"
	"botdvc/editor"
	"botdvc/hotline"
	"botdvc/internal/clientaddr"
	"botdvc/knowledge"
	"botdvc/knowledge/audit"
	"botdvc/knowledge/bleveindex"
	"botdvc/knowledge/catalog"
	"botdvc/knowledge/guides"
	"botdvc/knowledge/meiliindex"
	"botdvc/knowledge/vntext"
	"botdvc/news"
	"botdvc/pipeline"
	"botdvc/ratelimit"
	"botdvc/webauth"
	"botdvc/webhooks"
	"botdvc/webhooks/messenger"
	"botdvc/webhooks/webchat"
	"botdvc/webhooks/zalo"
)

func main() {
	if len(os.Args) > 1 && os.Args[1] == "healthcheck" {
		os.Exit(healthcheck(os.Args[2:], os.Getenv, os.Stderr))
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	go func() { <-ctx.Done(); stop() }() // a second signal kills the process the default way, even while starting
	cfg, err := LoadConfig(os.Args[1:], os.Getenv, os.Stderr)
	if errors.Is(err, flag.ErrHelp) {
		os.Exit(0) // botd -h: the usage is the answer
	}
	if errors.Is(err, errUsage) {
		os.Exit(2)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "botd:", err)
		os.Exit(2)
	}
	if err := cfg.Validate(); err != nil {
		fmt.Fprintln(os.Stderr, "botd:", err)
		os.Exit(2)
	}
	m := NewMain(cfg)
	if err := m.Run(ctx); err != nil {
		msg := err.Error()
		if !strings.HasPrefix(msg, "botd:") { // most of Run's errors say it already
			msg = "botd: " + msg
		}
		fmt.Fprintln(os.Stderr, msg)
		_ = m.Close()
		os.Exit(1)
	}
	select {
	case <-ctx.Done():
		m.Logger.Info("signal received, shutting down")
	case err := <-m.Failed():
		m.Logger.Error("server failed, shutting down", "err", err)
	}
	stop() // a second signal kills the process the default way
	if err := m.Close(); err != nil {
		fmt.Fprintln(os.Stderr, "botd:", err)
		os.Exit(1)
	}
}

// Main is the running program: Run builds and starts every part, Close
// stops them in reverse order. Tests run it on port 0 with a temp data dir.
type Main struct {
	Config Config
	Logger *slog.Logger
	// Handler, when set before Run, answers instead of the engine (tests);
	// the hotline middleware still runs in front of it.
	Handler bot.HandlerFunc

	Registry *prometheus.Registry
	Topology pipeline.Topology // every stream, consumer and bucket, reconciled at start
	NATS     *nats.Conn
	Pipeline *pipeline.Pipeline
	Server   *webhooks.Server

	ns      *server.Server
	ln      net.Listener
	failed  chan error
	closers []closer
	once    sync.Once
	err     error

	auditCat atomic.Pointer[audit.Catalog] // the loaded catalogue, for the admin stale page's audit
}

// closer is one shutdown step, run in reverse order of registration.
type closer struct {
	name string
	fn   func(ctx context.Context) error
}

// NewMain returns a Main for cfg (validated by the caller).
func NewMain(cfg Config) *Main {
	return &Main{Config: cfg, failed: make(chan error, 1)}
}

func (m *Main) onClose(name string, fn func(ctx context.Context) error) {
	m.closers = append(m.closers, closer{name, fn})
}

// Failed delivers an error if the HTTP server stops on its own.
func (m *Main) Failed() <-chan error { return m.failed }

// Addr returns the HTTP listen address once Run returned.
func (m *Main) Addr() string {
	if m.ln == nil {
		return ""
	}
	return m.ln.Addr().String()
}

// URL returns the base URL of the HTTP server, for tests and logs.
func (m *Main) URL() string {
	a := m.Addr()
	if strings.HasPrefix(a, "[::]:") || strings.HasPrefix(a, "0.0.0.0:") {
		a = "127.0.0.1:" + a[strings.LastIndex(a, ":")+1:]
	}
	return "http://" + a
}

// Run builds and starts everything, then returns; the server keeps running
// until Close. On error the parts already started are left for Close.
func (m *Main) Run(ctx context.Context) error {
	c := m.Config
	if m.Logger == nil {
		m.Logger = newLogger(c, os.Stderr)
	}
	log := m.Logger
	started := time.Now()
	log.Info("botd starting", "config", c)
	if err := os.MkdirAll(c.DataDir, 0o750); err != nil {
		return fmt.Errorf("botd: data dir: %w", err)
	}
	release, err := lockDataDir(c.DataDir)
	if err != nil {
		return err
	}
	m.onClose("data dir lock", func(context.Context) error { release(); return nil }) // closed last
	m.Registry = prometheus.NewRegistry()
	m.Registry.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))

	// 1. Knowledge: guides, catalogue, search index.
	lib, index, err := m.openKnowledge(ctx)
	if err != nil {
		return err
	}

	// 2. NATS: embedded, or the external cluster.
	if err := m.connectNATS(ctx); err != nil {
		return err
	}
	js, err := jetstream.New(m.NATS)
	if err != nil {
		return fmt.Errorf("botd: jetstream: %w", err)
	}
	pcfg := pipeline.Config{
		Partitions: c.Partitions, Replicas: c.NATSReplicas, MaxText: c.MaxText, Workers: c.Workers,
		RatePerMinute: c.RatePerMinute, Burst: c.Burst,
	}
	m.Topology = declare(c, pcfg)
	if err := reconcile(ctx, js, m.Topology, log); err != nil {
		return err
	}
	sessions, err := pipeline.OpenSessions(ctx, js)
	if err != nil {
		return err
	}

	// 3. The answer: engine behind the middleware chain. The hotline needs
	// the pipeline to send staff replies and the pipeline needs the chain,
	// so the hotline gets an outbox that calls the pipeline once it exists.
	var p *pipeline.Pipeline
	outbox := hotline.OutboxFunc(func(ctx context.Context, o bot.Outbound) error { return p.Enqueue(ctx, o) })
	var zaloClient *zalo.Client // set below when Zalo is on; the console asks it for the free-message count
	hcfg := hotline.Config{Registry: m.Registry, Replicas: c.NATSReplicas, Retention: c.Retention,
		Guides: lib, // staff's guide ids are checked against the live guides
		Phone:  c.HotlinePhone,
		Tabs:   []hotline.Tab{{Label: "Phản ánh, kiến nghị", URL: "/hotline/complaints/"}},
		ZaloFree: func(userID string) (int, bool) {
			if zaloClient == nil {
				return 0, false
			}
			w, ok := zaloClient.Window(userID)
			return w.FreeLeft, ok
		}}
	if c.HotlineHours != "" {
		if hcfg.Hours, err = hotline.ParseHours(c.HotlineHours); err != nil {
			return fmt.Errorf("botd: BOT_HOTLINE_HOURS: %w", err)
		}
	}
	if c.CannedFile != "" {
		if hcfg.Canned, err = hotline.LoadCanned(c.CannedFile); err != nil {
			return fmt.Errorf("botd: BOT_CANNED_FILE: %w", err)
		}
	}
	q, err := hotline.New(js, outbox, hcfg, log)
	if err != nil {
		return fmt.Errorf("botd: %w", err)
	}
	log.Info("preparing the answer engine", "guides", lib.Len()) // word weights over every guide: seconds with the catalogue
	// One engine serves the channels, /api/v1/ask and the editors' preview:
	// it only decides (bot.Engine); the chains around it save the session
	// (bot.Remember) and, for the channels only, file hand-offs (the
	// hotline's middleware).
	engine := bot.NewEngine(index, lib, sessions)
	engine.HotlinePhone = c.HotlinePhone
	// Questions about the 2025 commune merger are answered in front of the
	// engine (package dvhc); procedure questions go through to it.
	units, err := dvhc.Load()
	if err != nil {
		return fmt.Errorf("botd: %w", err)
	}
	answer := bot.Chain(engine.Answer, dvhc.NewChat(units, sessions).Middleware())
	// Announcements (bản tin): their line on answers, "tin mới", following
	// topics; delivered to followers by bulletins.Run (package news).
	bulletins, err := news.Open(ctx, js, news.Config{Sessions: sessions, Logger: log.With("component", "news"),
		Guides: func(id string) (string, bool) { g, ok := lib.Get(id); return g.Title, ok }})
	if err != nil {
		return fmt.Errorf("botd: %w", err)
	}
	if m.Handler != nil {
		answer = m.Handler
	}
	// /api/v1/ask answers like botctl ask: no hotline, so a question asked
	// there never opens a ticket.
	ask := bot.Chain(answer, bot.Remember(sessions), bulletins.Annotate())
	// Editors: published guide changes (from any instance) are applied to
	// the library and index live; question outcomes feed the gap report.
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
	reweigh := func() {
		start := time.Now()
		engine.Reweigh()
		log.Info("word weights recomputed", "guides", lib.Len(), "took", time.Since(start).Round(time.Millisecond))
	}
	ed, err := m.openEditor(ctx, js, lib, index, reweigh, synonyms)
	if err != nil {
		return err
	}
	// Complaints and petitions: the desk (cases, answers back on the
	// channel, /phan-anh) and its chat intake.
	desk, err := m.openComplaints(ctx, js, lib, units, outbox)
	if err != nil {
		return err
	}
	// Remember runs first: it saves the conversation's session once the
	// rest succeeded, and gives a redelivered message the reply it got.
	// Then the hotline: a conversation with an open ticket goes to staff
	// and the bot stays silent, and a hand-off the engine decided is filed
	// on the way back; then the complaint intake (a complaint told in chat
	// is not a question), the outcome recorder, the announcements and
	// following, the engine.
	handler := bot.Chain(answer, bot.Remember(sessions), q.Middleware(), desk.Intake(), ed.recorder.Middleware(), bulletins.Middleware())

	// 4. Pipeline: workers and senders.
	p = pipeline.New(js, handler, log.With("component", "pipeline"), pcfg)
	bulletins.SetOutbox(p)
	p.Metrics = pipeline.NewMetrics(m.Registry)
	m.Registry.MustRegister(pipeline.NewDepthCollector(js))
	for i := 0; i < publishConns; i++ {
		pc, err := m.connect(fmt.Sprintf("botd-accept-%d", i))
		if err != nil {
			return err
		}
		pjs, err := jetstream.New(pc)
		if err != nil {
			return fmt.Errorf("botd: jetstream: %w", err)
		}
		p.Publishers = append(p.Publishers, pjs)
	}
	p.Senders[bot.Web] = webchat.NewSender(js)
	// Channel adapters: a channel with no secret is off (its webhook is not mounted: 404).
	fb := messenger.Config{AppSecret: c.FBAppSecret, VerifyToken: c.FBVerifyToken,
		PageToken: c.FBPageToken, GraphURL: c.FBGraphURL, Metrics: m.Registry}
	var mounts []webhooks.Mounter
	if fb.Enabled() {
		fc := messenger.NewClient(fb)
		fc.Logger = log.With("component", "messenger")
		p.Senders[bot.Messenger] = fc
		mounts = append(mounts, messenger.NewHandler(fb, p, log)) // the adapters name their component in their logs
	}
	za := zalo.Config{AppID: c.ZaloAppID, AppSecret: c.ZaloAppSecret, OASecret: c.ZaloOASecret,
		AccessToken: c.ZaloAccessToken, RefreshToken: c.ZaloRefreshToken,
		APIURL: c.ZaloAPIURL, OAuthURL: c.ZaloOAuthURL, SiteVerification: c.ZaloSiteVerify, Buttons: c.ZaloButtons,
		AckBadSignature: c.ZaloAckBadSig,
		Metrics:         m.Registry}
	if za.Enabled() {
		store, err := zalo.OpenKVTokens(ctx, js, zalo.DefaultTokenBucket, za.AppID)
		if err != nil {
			return fmt.Errorf("botd: %w", err)
		}
		zc := zalo.NewClient(za, store)
		if zc.Echoes, err = zalo.OpenKVEchoes(ctx, js); err != nil { // echoes known on every instance
			return fmt.Errorf("botd: %w", err)
		}
		zaloClient = zc
		bulletins.SetZaloFree(func(userID string) (int, bool) { w, ok := zc.Window(userID); return w.FreeLeft, ok })
		zc.SetLogger(log)
		tctx, stopTokens := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { defer close(done); zc.Tokens().Run(tctx, 10*time.Minute) }()
		m.onClose("zalo tokens", func(context.Context) error { stopTokens(); <-done; return nil })
		zh := zalo.NewHandler(za, p, log)
		zh.Tracker = zc
		p.Senders[bot.Zalo] = zc
		mounts = append(mounts, zh)
	}
	log.Info("channels", "web", true, "messenger", fb.Enabled(), "zalo", za.Enabled())
	m.Pipeline = p
	if c.AcceptOnly {
		log.Info("accept-only instance: workers and senders run elsewhere")
	} else {
		if err := p.Start(ctx); err != nil {
			return err
		}
		m.onClose("pipeline", p.Stop)
	}

	nctx, stopNews := context.WithCancel(context.Background())
	newsDone := make(chan struct{})
	go func() {
		defer close(newsDone)
		if err := bulletins.Run(nctx); err != nil {
			log.Error("announcements stopped", "err", err)
		}
	}()
	m.onClose("news", func(context.Context) error { stopNews(); <-newsDone; return nil })

	// Web chat conversations are kept 30 days after their last turn, and
	// as long as their ticket or complaint is open (staff replies and
	// answers wait for the citizen).
	jan := &webchat.Janitor{JS: js, Logger: log.With("component", "webchat"),
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
	jctx, stopJanitor := context.WithCancel(context.Background())
	jdone := make(chan struct{})
	go func() { defer close(jdone); jan.Run(jctx, time.Hour) }()
	m.onClose("web chat janitor", func(context.Context) error { stopJanitor(); <-jdone; return nil })

	// 5. HTTP.
	proxies, err := clientaddr.ParseProxies(c.TrustedProxies)
	if err != nil {
		return fmt.Errorf("botd: BOT_TRUSTED_PROXIES: %w", err)
	}
	conns, streamsMax, streamsPerClient := connLimits(c, log)
	conns.Proxies = proxies
	log.Info("connection caps", "conns", conns.Max, "per_client", conns.MaxPerClient, "streams", streamsMax, "streams_per_client", streamsPerClient)
	limits := webhooks.ClientLimitStreams(c.ClientRate, c.ClientSessions, c.NATSReplicas)
	clientRate := ratelimit.New(js, limits[0])
	clientRate.Remember = clientRate.Span // a flood from one address costs no round trip per request
	backlog := pipeline.NewBacklog(js)
	bctx, stopBacklog := context.WithCancel(context.Background())
	backlogDone := make(chan struct{})
	go func() { defer close(backlogDone); backlog.Run(bctx) }()
	m.onClose("backlog", func(context.Context) error { stopBacklog(); <-backlogDone; return nil })
	chat := webchat.NewHandler(p, m.NATS, js, log.With("component", "webchat"))
	clientSessions := ratelimit.New(js, limits[1])
	clientSessions.Remember = clientSessions.Span
	clientSessions.RememberAllowed = clientSessions.Span / 2 // a known session is a duplicate: no round trip
	chat.ClientRate, chat.ClientSessions = clientRate, clientSessions
	chat.Backlog, chat.MaxBacklog = backlog, c.WebMaxBacklog
	chat.Streams = webhooks.NewStreams(streamsMax, streamsPerClient, m.Registry)
	askRoute := webhooks.NewAsk(ask)
	askRoute.MaxText = c.MaxText // BOT_MAX_TEXT, as for the channels' messages
	askRoute.ClientRate = clientRate
	m.Server = webhooks.NewServer(log.With("component", "http"), webhooks.ServerConfig{
		BodyLimit: c.BodyLimit, RequestTimeout: c.RequestTimeout, Registry: m.Registry, AccessLog: c.AccessLog,
		Proxies: proxies, Conns: conns, MetricsToken: c.MetricsToken,
		Ready: []webhooks.Check{
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
		},
	})
	m.Server.Mount(chat, askRoute, &dvhc.Page{Dir: units}, bulletins.Pages())
	m.Server.Mount(mounts...) // channel webhooks: they take p as webhooks.Inbox
	// Complaints, public: /api/v1/complaints, /phan-anh.
	m.Server.Mount(desk.Public())
	if c.StaffFile != "" {
		auth, err := m.openAuth(ctx, js, c.StaffFile, "hotline", "botdvc_session")
		if err != nil {
			return fmt.Errorf("botd: BOT_STAFF_FILE: %w", err)
		}
		m.Server.Mount(q.Console(auth))    // /hotline and /api/v1/hotline
		m.Server.Mount(desk.Console(auth)) // /hotline/complaints and /api/v1/hotline/complaints
	} else {
		log.Warn("hotline console off: BOT_STAFF_FILE is not set (hand-offs are still queued)")
	}
	if c.EditorFile != "" {
		auth, err := m.openAuth(ctx, js, c.EditorFile, "admin", "botdvc_admin")
		if err != nil {
			return fmt.Errorf("botd: BOT_EDITOR_FILE: %w", err)
		}
		m.Server.Mount(&editor.Admin{
			News:  bulletins,
			Store: ed.store, Recorder: ed.recorder, Tickets: hotlineTickets{q}, Auth: auth, Logger: log.With("component", "admin"),
			Complaints: complaintStats{desk}, Domain: func(id string) string { g, _ := lib.Get(id); return g.Domain },
			CheckSynonyms: func(rules string) error { _, err := vntext.DefaultDict().With(rules); return err },
			Import:        catalogImporter(lib, index, reweigh, m.setAuditCatalog),
			AuditCatalog:  m.auditCat.Load,
			// The preview asks the engine alone: no session, no hotline,
			// nothing filed or recorded.
			Live: func(ctx context.Context, text string) (bot.Reply, error) {
				return engine.Answer(ctx, previewMessage(text))
			},
			Preview: func(ctx context.Context, drafts []knowledge.Guide) (editor.Asker, func(), error) {
				return previewAsker(ctx, lib, drafts)
			},
		}) // /admin and the editors' API
	} else {
		log.Warn("admin pages off: BOT_EDITOR_FILE is not set (published changes are still followed)")
	}
	if c.MetricsAddr != "" {
		if err := m.serveMetrics(c.MetricsAddr); err != nil {
			return err
		}
	} else if c.MetricsToken == "" {
		log.Info("metrics: GET /metrics is refused until BOT_METRICS_TOKEN or BOT_METRICS_ADDR is set")
	}
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
		// End event streams first (web chat, hotline console), or they hold
		// the shutdown; the hotline's store stays usable for the workers.
		_ = chat.Close()
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

// openAuth opens the sign-in of one site: accounts from the htpasswd file
// (re-read when it changes), sessions in the site's own bucket, failed
// sign-ins counted in the shared bucket, cookies Secure as
// BOT_COOKIE_SECURE says.
func (m *Main) openAuth(ctx context.Context, js jetstream.JetStream, file, site, cookie string) (*webauth.Auth, error) {
	accounts, err := webauth.LoadHtpasswd(file)
	if err != nil {
		return nil, err
	}
	sessions, err := js.KeyValue(ctx, webauth.SessionBucket(site))
	if err != nil {
		return nil, fmt.Errorf("sessions bucket: %w", err)
	}
	failures, err := js.KeyValue(ctx, webauth.FailuresBucket)
	if err != nil {
		return nil, fmt.Errorf("failures bucket: %w", err)
	}
	secure, err := webauth.ParseSecureMode(m.Config.CookieSecure)
	if err != nil {
		return nil, err
	}
	auth := webauth.New(accounts, webauth.NewKVStore(sessions),
		webauth.Config{Site: site, CookieName: cookie, Secure: secure, Failures: webauth.NewKVFailures(failures)},
		m.Logger.With("component", "webauth"))
	wctx, stop := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); auth.WatchFile(wctx, file, 2*time.Second) }()
	m.onClose("accounts "+site, func(context.Context) error { stop(); <-done; return nil })
	return auth, nil
}

// serveMetrics serves the Prometheus registry on its own listener
// (BOT_METRICS_ADDR), for a scraper on an internal network.
func (m *Main) serveMetrics(addr string) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("botd: BOT_METRICS_ADDR %s: %w", addr, err)
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.HandlerFor(m.Registry, promhttp.HandlerOpts{}))
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	m.onClose("metrics", func(ctx context.Context) error { return srv.Shutdown(ctx) })
	m.Logger.Info("metrics listener", "addr", ln.Addr().String())
	return nil
}

// openKnowledge loads the guides (bundled or BOT_GUIDES, plus BOT_CATALOG)
// and opens the search index: Meilisearch when MEILI_URL is set, else bleve
// under DataDir/index, brought up to date with the corpus.
func (m *Main) openKnowledge(ctx context.Context) (*knowledge.Library, searchIndex, error) {
	c := m.Config
	log := m.Logger
	var curated []knowledge.Guide
	var err error
	if c.GuidesDir == "" {
		curated, err = guides.Load()
	} else {
		curated, err = knowledge.LoadDir(c.GuidesDir)
	}
	if err != nil {
		return nil, nil, fmt.Errorf("botd: load guides: %w", err)
	}
	all := curated
	if c.Catalog != "" {
		cat, err := m.loadCatalog(c.Catalog)
		if err != nil {
			return nil, nil, err
		}
		m.setAuditCatalog(cat)
		all = knowledge.Merge(curated, cat)
	}
	lib := knowledge.NewLibrary(all...)
	start := time.Now()
	// Indexing thousands of catalogue records takes seconds: say so first.
	log.Info("opening the search index", "guides", len(all), "backend", map[bool]string{true: "meilisearch", false: "bleve"}[c.MeiliURL != ""])
	var index searchIndex
	switch {
	case c.MeiliURL != "":
		index, err = meiliindex.Open(ctx, c.MeiliURL, c.MeiliKey, "guides")
	default:
		index, err = bleveindex.Open(filepath.Join(c.DataDir, "index"))
	}
	if err != nil {
		return nil, nil, fmt.Errorf("botd: %w", err)
	}
	// Both backends: removed guides deleted, new and changed ones indexed,
	// nothing sent when the corpus is unchanged.
	stillIndexing := logWhile(log, 5*time.Second, "still building the search index", "guides", len(all))
	changed, err := index.Sync(ctx, all, lib.Fingerprint())
	stillIndexing()
	if err != nil {
		index.Close()
		return nil, nil, fmt.Errorf("botd: index guides: %w", err)
	}
	log.Info("search index synced", "changed", changed, "took", time.Since(start).Round(time.Millisecond))
	m.onClose("index", func(context.Context) error { return index.Close() })
	// Building the index allocates far more than the index keeps (batches,
	// analysis); hand that memory back to the OS now rather than holding it
	// as resident memory until the scavenger gets to it.
	debug.FreeOSMemory()
	log.Info("guides loaded", "curated", len(curated), "total", len(all), "backend", map[bool]string{true: "meilisearch", false: "bleve"}[c.MeiliURL != ""], "took", time.Since(start).Round(time.Millisecond))
	return lib, index, nil
}

// searchIndex is what botd needs of a search backend: a knowledge.Index
// (search, upsert, delete, Sync) that also takes the editors' synonym rules.
// SetDict is not on knowledge.Index because knowledge cannot name
// vntext.Dict (vntext imports knowledge).
type searchIndex interface {
	knowledge.Index
	SetDict(ctx context.Context, d *vntext.Dict) error
}

var (
	_ searchIndex = (*bleveindex.Index)(nil)
	_ searchIndex = (*meiliindex.Index)(nil)
)

// setAuditCatalog indexes catalogue records for the admin stale page's audit
// (package knowledge/audit): all of them, including those curated guides
// cover, since those are what the guides are checked against.
func (m *Main) setAuditCatalog(records []knowledge.Guide) {
	m.auditCat.Store(audit.NewCatalog(records))
}

// loadCatalog reads the national catalogue (BOT_CATALOG), logging its
// progress every two seconds and each record with a problem by its line and
// code (the first ten; botctl import-catalog FILE lists them all).
func (m *Main) loadCatalog(path string) ([]knowledge.Guide, error) {
	log := m.Logger
	log.Info("loading the national catalogue", "file", path)
	start := time.Now()
	last := start
	cat, problems, err := catalog.ReadFile(path, func(done int) {
		if time.Since(last) >= 2*time.Second {
			last = time.Now()
			log.Info("loading the national catalogue", "records", done)
		}
	})
	if err != nil {
		return nil, fmt.Errorf("botd: BOT_CATALOG: %w", err)
	}
	const show = 10
	for i, p := range problems {
		if i == show {
			log.Warn("catalogue: more records with problems", "more", len(problems)-show, "list", "botctl import-catalog "+path)
			break
		}
		log.Warn("catalogue record with a problem", "line", p.Line, "code", p.Code, "dropped", p.Dropped, "problem", p.Reason)
	}
	log.Info("catalogue loaded", "procedures", len(cat), "problems", len(problems), "took", time.Since(start).Round(time.Millisecond))
	return cat, nil
}

// editorParts is what the editors' store gives the rest.
type editorParts struct {
	store    *editor.Store
	recorder *editor.Recorder
}

// openEditor opens the editors' store over the guide files served now,
// follows published changes into lib and index (first the current state,
// before botd serves) and opens the outcome recorder.
func (m *Main) openEditor(ctx context.Context, js jetstream.JetStream, lib *knowledge.Library, index knowledge.Index, changed func(), synonyms func(string) error) (editorParts, error) {
	base := map[string][]byte{}
	bundled := map[string]knowledge.Guide{}
	for _, g := range lib.All() {
		if g.Source == knowledge.SourceCatalog {
			continue
		}
		var b []byte
		var err error
		if g.Path != "" && m.Config.GuidesDir != "" {
			b, err = os.ReadFile(g.Path)
		} else {
			b, err = fs.ReadFile(guides.FS, g.ID+".md")
		}
		if err != nil {
			return editorParts{}, fmt.Errorf("botd: guide file of %s: %w", g.ID, err)
		}
		base[g.ID] = b
		bundled[g.ID] = g
	}
	st, err := editor.Open(ctx, js, base)
	if err != nil {
		return editorParts{}, fmt.Errorf("botd: %w", err)
	}
	fctx, stop := context.WithCancel(context.Background())
	ready, done := make(chan struct{}), make(chan struct{})
	target := editor.Target{Library: lib, Index: index, Changed: changed, Synonyms: synonyms,
		Base: func(id string) (knowledge.Guide, bool) { g, ok := bundled[id]; return g, ok }}
	go func() {
		defer close(done)
		if err := st.Follow(fctx, target, m.Logger.With("component", "editor"), func() { close(ready) }); err != nil {
			m.Logger.Error("following guide changes stopped", "err", err)
		}
	}()
	m.onClose("editor follow", func(context.Context) error { stop(); <-done; return nil })
	select {
	case <-ready:
	case <-done:
		return editorParts{}, errors.New("botd: following guide changes failed at start")
	case <-time.After(30 * time.Second):
		return editorParts{}, errors.New("botd: published guide changes not loaded after 30s")
	}
	rec, err := editor.OpenRecorder(ctx, js, m.Logger.With("component", "outcomes"))
	if err != nil {
		return editorParts{}, fmt.Errorf("botd: %w", err)
	}
	return editorParts{store: st, recorder: rec}, nil
}

// openComplaints opens the complaints desk: deadlines in working days, the
// curated guides' names for recognising procedures, the communes and wards
// after the 2025 merger, the hotline's reply windows.
func (m *Main) openComplaints(ctx context.Context, js jetstream.JetStream, lib *knowledge.Library, units *dvhc.Directory, outbox hotline.OutboxFunc) (*complaint.Desk, error) {
	c := m.Config
	holidays, err := complaint.ParseHolidays(c.Holidays)
	if err != nil {
		return nil, fmt.Errorf("botd: BOT_HOLIDAYS: %w", err)
	}
	desk, err := complaint.Open(ctx, js, complaint.OutboxFunc(outbox), complaint.Config{
		Days: c.ComplaintDays, Calendar: complaint.Calendar{Holidays: holidays}, Retention: c.Retention, Replicas: c.NATSReplicas,
		Guides:     lib.All,
		Places:     wardOf(units), // today's commune or ward, old names normalised
		ReplyUntil: func(ch bot.Channel, last time.Time) time.Time { return hotline.WindowFor(ch, last).Final },
	}, m.Logger)
	if err != nil {
		return nil, fmt.Errorf("botd: %w", err)
	}
	m.onClose("complaints", func(context.Context) error { return desk.Close() })
	return desk, nil
}

// previewMessage is a question asked from the admin pages, as a citizen
// would ask it in a fresh conversation.
func previewMessage(text string) bot.Message {
	return bot.Message{Channel: bot.CLI, ID: "preview", UserID: "preview-" + strconv.FormatInt(time.Now().UnixNano(), 36), Kind: bot.KindText, Text: text}
}

// previewAsker answers over the live guides with drafts put in place, in an
// in-memory index, for the editors' preview.
func previewAsker(ctx context.Context, live *knowledge.Library, drafts []knowledge.Guide) (editor.Asker, func(), error) {
	lib := knowledge.NewLibrary(live.All()...)
	for _, d := range drafts {
		lib.Put(d)
	}
	idx, err := bleveindex.Open("")
	if err != nil {
		return nil, nil, err
	}
	if err := idx.Upsert(ctx, lib.All()...); err != nil {
		idx.Close()
		return nil, nil, err
	}
	e := bot.NewEngine(idx, lib, nil) // every preview question starts a conversation
	return func(ctx context.Context, text string) (bot.Reply, error) {
		return e.Answer(ctx, previewMessage(text))
	}, func() { idx.Close() }, nil
}

// publishConns is how many extra connections carry the accepting path's
// publishes (see pipeline.Pipeline.Publishers).
const publishConns = 4

// connectNATS embeds a server under DataDir/nats (or uses NATS_URL) and
// opens the main connection.
func (m *Main) connectNATS(ctx context.Context) error {
	c := m.Config
	if c.NATSURL == "" {
		ns, err := pipeline.StartEmbedded(pipeline.EmbedOptions{
			StoreDir: filepath.Join(c.DataDir, "nats"), Listen: c.NATSListen, Logger: m.Logger.With("component", "nats-server"),
		})
		if err != nil {
			return fmt.Errorf("botd: %w", err)
		}
		m.ns = ns
		m.onClose("nats-server", func(context.Context) error {
			ns.Shutdown()
			ns.WaitForShutdown()
			return nil
		})
	}
	nc, err := m.connect("botd")
	if err != nil {
		return err
	}
	m.NATS = nc
	return nil
}

// connect opens one client connection, drained at Close (before the
// embedded server stops).
func (m *Main) connect(name string) (*nats.Conn, error) {
	log := m.Logger
	closed := make(chan struct{})
	opts := []nats.Option{
		nats.Name(name),
		nats.ClosedHandler(func(*nats.Conn) { close(closed) }),
		nats.DisconnectErrHandler(func(_ *nats.Conn, err error) {
			if err != nil {
				log.Warn("nats disconnected", "conn", name, "err", err)
			}
		}),
		nats.ReconnectHandler(func(nc *nats.Conn) { log.Info("nats reconnected", "conn", name, "server", nc.ConnectedUrlRedacted()) }),
	}
	var nc *nats.Conn
	var err error
	if m.ns != nil {
		nc, err = pipeline.ConnectEmbedded(m.ns, opts...)
	} else {
		// A server that dies outright closes its sockets and is noticed at
		// once; one that goes silent (a network partition) after 3 missed
		// pings 10 s apart, not the default 2 × 2 minutes.
		opts = append(opts, nats.MaxReconnects(-1), nats.RetryOnFailedConnect(true), nats.ReconnectWait(time.Second),
			nats.PingInterval(10*time.Second), nats.MaxPingsOutstanding(3))
		nc, err = nats.Connect(m.Config.NATSURL, opts...)
	}
	if err != nil {
		return nil, fmt.Errorf("botd: nats connect %s: %w", redactURL(m.Config.NATSURL), err)
	}
	m.onClose("nats "+name, func(ctx context.Context) error {
		if err := nc.Drain(); err != nil {
			nc.Close()
			return nil
		}
		select {
		case <-closed:
		case <-ctx.Done():
			nc.Close()
		}
		return nil
	})
	return nc, nil
}

// jsNoPeers is JetStream's "no suitable peers for placement" (10005): a
// replicated stream asked for while a cluster node is still joining.
const jsNoPeers jetstream.ErrorCode = 10005

// reconcile declares the streams, retrying while an external cluster comes
// up (each attempt resumes quickly past what the last one created; on a
// loaded three-node cluster the first creation of every replicated stream
// and consumer can take more than a minute).
func reconcile(ctx context.Context, js jetstream.JetStream, t pipeline.Topology, log *slog.Logger) error {
	deadline := time.Now().Add(3 * time.Minute)
	for {
		err := pipeline.Reconcile(ctx, js, t)
		if err == nil {
			return nil
		}
		var apiErr *jetstream.APIError
		if errors.As(err, &apiErr) && apiErr.Code != 503 && apiErr.ErrorCode != jsNoPeers {
			return fmt.Errorf("botd: %w", err) // a configuration conflict: retrying cannot help
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			return fmt.Errorf("botd: %w", err)
		}
		log.Warn("jetstream not ready, retrying", "err", err)
		select {
		case <-ctx.Done():
			return fmt.Errorf("botd: %w", ctx.Err())
		case <-time.After(2 * time.Second):
		}
	}
}

// Close stops everything in reverse order of start: HTTP (no new messages),
// pipeline (messages in flight finish), NATS connection (drained), embedded
// server, index. It is safe to call more than once.
func (m *Main) Close() error {
	m.once.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), m.shutdownTimeout())
		defer cancel()
		var errs []error
		for i := len(m.closers) - 1; i >= 0; i-- {
			cl := m.closers[i]
			if err := cl.fn(ctx); err != nil {
				errs = append(errs, fmt.Errorf("close %s: %w", cl.name, err))
			}
			if m.Logger != nil {
				m.Logger.Info("stopped", "part", cl.name)
			}
		}
		m.err = errors.Join(errs...)
	})
	return m.err
}

func (m *Main) shutdownTimeout() time.Duration {
	if m.Config.ShutdownTimeout > 0 {
		return m.Config.ShutdownTimeout
	}
	return 25 * time.Second
}

// healthcheck implements "botd healthcheck [URL]" for container health
// checks (the image has no shell or curl): it asks /readyz of the local
// server (port from BOT_ADDR) and returns 0 when ready, 1 otherwise.
func healthcheck(args []string, getenv func(string) string, stderr io.Writer) int {
	url := ""
	if len(args) > 0 {
		url = args[0]
	} else {
		addr := getenv("BOT_ADDR")
		if addr == "" {
			addr = DefaultAddr
		}
		_, port, err := net.SplitHostPort(addr)
		if err != nil {
			fmt.Fprintln(stderr, "healthcheck: BOT_ADDR:", err)
			return 1
		}
		url = "http://127.0.0.1:" + port + "/readyz"
	}
	client := &http.Client{Timeout: 3 * time.Second}
	resp, err := client.Get(url)
	if err != nil {
		fmt.Fprintln(stderr, "healthcheck:", err)
		return 1
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		fmt.Fprintf(stderr, "healthcheck: %s: %s\n", resp.Status, body)
		return 1
	}
	return 0
}

func newLogger(c Config, w io.Writer) *slog.Logger {
	level, _ := parseLevel(c.LogLevel)
	opts := &slog.HandlerOptions{Level: level}
	if c.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}
