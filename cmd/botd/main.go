// Command botd is the citizen help service: one binary that serves the
// channel webhooks, the web chat, the ask API, the hotline console and the
// editors' pages, runs the message pipeline on NATS JetStream (embedded, or
// an external cluster with NATS_URL) and searches the guides (bleve, or
// Meilisearch with MEILI_URL).
//
// This package is the only one that knows every concrete type: Main.Run
// (this file) reads as the table of contents, building the parts in order
// with one method each (parts.go), and Close closes them in reverse order.
// Cycles are closed by named setters (pipeline.Pipeline.SetHandler,
// news.Service.SetOutbox), not by closures over variables assigned later.
// The channels are opened in one loop over channelList (channels.go).
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
	"botdvc/channel"
	"botdvc/complaint"
	"botdvc/dvhc"
	"botdvc/editor"
	"botdvc/hotline"
	"botdvc/internal/jsretry"
	"botdvc/knowledge"
	"botdvc/knowledge/audit"
	"botdvc/knowledge/bleveindex"
	"botdvc/knowledge/guides"
	"botdvc/knowledge/meiliindex"
	"botdvc/knowledge/vntext"
	"botdvc/pipeline"
	"botdvc/webauth"
	"botdvc/webhooks"
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
	// Channels, when set before Run, are opened after the service's own
	// channels (tests' stand-ins; channelList).
	Channels []webhooks.ChannelOpener

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
	c, started := m.Config, time.Now()
	if err := m.prepare(); err != nil {
		return err
	}
	log := m.Logger

	// 1. Knowledge: guides, catalogue, search index.
	lib, index, err := m.openKnowledge(ctx)
	if err != nil {
		return err
	}

	// 2. NATS: embedded, or the external cluster.
	js, err := m.connectNATS(ctx)
	if err != nil {
		return err
	}
	// The channels (channels.go): their ids declare the pipeline's outbound
	// subjects; the web chat takes its part of the front's guards.
	f, err := m.openFront(js)
	if err != nil {
		return err
	}
	channels := m.channelList(f)
	pcfg := pipeline.Config{
		Partitions: c.Partitions, Replicas: c.NATSReplicas, MaxText: c.MaxText, Workers: c.Workers,
		RatePerMinute: c.RatePerMinute, Burst: c.Burst, Channels: channelIDs(channels), UniqueIDs: uniqueIDs(channels),
	}
	m.Topology = declare(c, pcfg)
	if err := reconcile(ctx, js, m.Topology, log); err != nil {
		return err
	}
	js = jsretry.KeyValueReads(js) // no 20 s wait on a bucket whose leader is being elected
	sessions, err := pipeline.OpenSessions(ctx, js)
	if err != nil {
		return err
	}

	// 3. The pipeline first (its handler is set once the chain exists):
	// the channels accept into it; the hotline, the complaints desk and the
	// announcements send through it. Then the channels, which those parts
	// and the editors' charts ask about themselves (labels, windows).
	p, err := m.openPipeline(js, pcfg)
	if err != nil {
		return err
	}
	ch, err := m.openChannels(ctx, channels, webhooks.ChannelEnv{JS: js, NATS: m.NATS, Inbox: p, Backlog: f.backlog, Logger: log, Metrics: m.Registry}, p)
	if err != nil {
		return err
	}
	q, err := m.openHotline(js, p, lib, ch.registry)
	if err != nil {
		return err
	}
	units, err := dvhc.Load() // the 2025 commune merger: lookups, places of complaints
	if err != nil {
		return fmt.Errorf("botd: %w", err)
	}
	a, err := m.openAnswer(ctx, js, p, index, lib, sessions, units, ch.registry)
	if err != nil {
		return err
	}
	desk, err := m.openComplaints(ctx, js, lib, units, p, ch.registry)
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
	p.SetHandler(bot.Chain(a.answer, bot.Remember(sessions), q.Middleware(), desk.Intake(), a.editor.recorder.Middleware(), a.news.Middleware()))

	// 4. Workers and senders.
	if c.AcceptOnly {
		log.Info("accept-only instance: workers and senders run elsewhere")
	} else {
		if err := p.Start(ctx); err != nil {
			return err
		}
		m.onClose("pipeline", p.Stop)
	}
	m.background("news", func(ctx context.Context) {
		if err := a.news.Run(ctx); err != nil {
			log.Error("announcements stopped", "err", err)
		}
	})
	m.background("web chat janitor", func(ctx context.Context) { webJanitor(js, log, q, desk).Run(ctx, time.Hour) })

	// 5. HTTP.
	if err := m.openServer(js, f, index); err != nil {
		return err
	}
	askRoute := webhooks.NewAsk(a.ask)
	askRoute.MaxText = c.MaxText // BOT_MAX_TEXT, as for the channels' messages
	askRoute.ClientRate = f.clientRate
	m.Server.Mount(ch.mounts...) // the web chat's page and API, the webhooks: they take p as webhooks.Inbox
	m.Server.Mount(askRoute, &dvhc.Page{Dir: units}, a.news.Pages())
	m.Server.Mount(desk.Public()) // complaints, public: /api/v1/complaints, /phan-anh
	if err := m.mountConsoles(ctx, js, q, desk, func(auth *webauth.Auth) *editor.Admin {
		return m.admin(auth, a, q, desk, lib, index, ch.registry)
	}); err != nil {
		return err
	}
	return m.listen(started, ch.closers, q)
}

// prepare sets up what every part uses: the logger (unless a test set
// one), the data directory and its lock (released last), the metrics
// registry.
func (m *Main) prepare() error {
	c := m.Config
	if m.Logger == nil {
		m.Logger = newLogger(c, os.Stderr)
	}
	m.Logger.Info("botd starting", "config", c)
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
	return nil
}

// mountConsoles mounts the staff pages when BOT_STAFF_FILE is set (the
// hotline console and the complaints desk, one sign-in) and the editors'
// pages when BOT_EDITOR_FILE is (admin builds them; mounted last: their
// /api/v1 group requires sign-in for any route registered after it).
func (m *Main) mountConsoles(ctx context.Context, js jetstream.JetStream, q *hotline.Queue, desk *complaint.Desk, admin func(*webauth.Auth) *editor.Admin) error {
	c, log := m.Config, m.Logger
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
		m.Server.Mount(admin(auth)) // /admin and the editors' API
	} else {
		log.Warn("admin pages off: BOT_EDITOR_FILE is not set (published changes are still followed)")
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
	m.background("accounts "+site, func(ctx context.Context) { auth.WatchFile(ctx, file, 2*time.Second) })
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
	catStart := time.Now()
	if c.Catalog != "" {
		log.Info("loading the national catalogue", "file", c.Catalog)
	}
	last := catStart
	co, err := guides.LoadCorpus(c.GuidesDir, c.Catalog, func(done int) {
		if time.Since(last) >= 2*time.Second {
			last = time.Now()
			log.Info("loading the national catalogue", "records", done)
		}
	})
	if err != nil {
		return nil, nil, fmt.Errorf("botd: %w", err)
	}
	if c.Catalog != "" {
		m.logCatalog(c.Catalog, co, catStart)
		m.setAuditCatalog(co.Catalog)
	}
	curated, all := co.Curated, co.All()
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

// logCatalog logs what reading the national catalogue (BOT_CATALOG)
// found: each record with a problem by its line and code (the first ten;
// botctl import-catalog FILE lists them all), then the count.
func (m *Main) logCatalog(path string, co guides.Corpus, start time.Time) {
	log := m.Logger
	const show = 10
	for i, p := range co.Problems {
		if i == show {
			log.Warn("catalogue: more records with problems", "more", len(co.Problems)-show, "list", "botctl import-catalog "+path)
			break
		}
		log.Warn("catalogue record with a problem", "line", p.Line, "code", p.Code, "dropped", p.Dropped, "problem", p.Reason)
	}
	log.Info("catalogue loaded", "procedures", len(co.Catalog), "problems", len(co.Problems), "took", time.Since(start).Round(time.Millisecond))
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
// after the 2025 merger, the channels' reply windows.
func (m *Main) openComplaints(ctx context.Context, js jetstream.JetStream, lib *knowledge.Library, units *dvhc.Directory, outbox complaint.Outbox, channels *channel.Registry) (*complaint.Desk, error) {
	c := m.Config
	desk, err := complaint.Open(ctx, js, outbox, complaint.Config{
		Days: c.ComplaintDays, Calendar: complaint.Calendar{Holidays: c.Holidays.Days}, // parsed when the configuration was read Retention: c.Retention, Replicas: c.NATSReplicas,
		Guides:   lib.All,
		Places:   wardOf(units), // today's commune or ward, old names normalised
		Channels: channels,      // an answer after the reply window waits for the citizen's next message
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

// connectNATS embeds a server under DataDir/nats (or uses NATS_URL),
// opens the main connection (m.NATS) and returns its JetStream.
func (m *Main) connectNATS(ctx context.Context) (jetstream.JetStream, error) {
	c := m.Config
	if c.NATSURL == "" {
		ns, err := pipeline.StartEmbedded(pipeline.EmbedOptions{
			StoreDir: filepath.Join(c.DataDir, "nats"), Listen: c.NATSListen, Logger: m.Logger.With("component", "nats-server"),
		})
		if err != nil {
			return nil, fmt.Errorf("botd: %w", err)
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
		return nil, err
	}
	m.NATS = nc
	js, err := jetstream.New(nc)
	if err != nil {
		return nil, fmt.Errorf("botd: jetstream: %w", err)
	}
	return js, nil
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
