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
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"botdvc/bot"
	"botdvc/pipeline"
	"botdvc/webhooks"
	"botdvc/webhooks/webchat"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	cfg, err := LoadConfig(os.Args[1:], os.Getenv, os.Stderr)
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
		fmt.Fprintln(os.Stderr, "botd:", err)
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
	// Handler, when set before Run, answers instead of the engine (tests).
	Handler bot.HandlerFunc

	Registry *prometheus.Registry
	NATS     *nats.Conn
	Pipeline *pipeline.Pipeline
	Server   *webhooks.Server

	ns      *server.Server
	ln      net.Listener
	failed  chan error
	closers []closer
	once    sync.Once
	err     error
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
	log.Info("botd starting", "config", c)
	if err := os.MkdirAll(c.DataDir, 0o750); err != nil {
		return fmt.Errorf("botd: data dir: %w", err)
	}
	m.Registry = prometheus.NewRegistry()
	m.Registry.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))

	// 1. Knowledge: guides, catalogue, search index.
	// [KNOWLEDGE] bleve under DataDir/index (or Meilisearch when MEILI_URL is
	// set) is wired here when the knowledge layer lands; see readiness below.

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
	topo := pipeline.Declare(pcfg)
	topo.Streams = append(topo.Streams, webchat.StreamConfig(c.NATSReplicas))
	if err := reconcile(ctx, js, topo, log); err != nil {
		return err
	}
	sessions, err := pipeline.OpenSessions(ctx, js)
	if err != nil {
		return err
	}

	// 3. The answer: engine (or stand-in) behind the middleware chain.
	answer := m.Handler
	if answer == nil {
		// [ENGINE] replaced by bot.NewEngine(search, lib, sessions).Answer when the engine lands.
		_ = sessions
		answer = standIn
	}
	var middleware []bot.Middleware
	// [HOTLINE] the hotline middleware (conversations with open tickets go to
	// staff) is appended here.
	handler := bot.Chain(answer, middleware...)

	// 4. Pipeline: workers and senders.
	p := pipeline.New(js, handler, log.With("component", "pipeline"), pcfg)
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
	// [ADAPTERS] channel senders: p.Senders[bot.Zalo], p.Senders[bot.Messenger].
	m.Pipeline = p
	if err := p.Start(ctx); err != nil {
		return err
	}
	m.onClose("pipeline", p.Stop)

	// 5. HTTP.
	chat := webchat.NewHandler(p, m.NATS, js, log.With("component", "webchat"))
	m.Server = webhooks.NewServer(log.With("component", "http"), webhooks.ServerConfig{
		BodyLimit: c.BodyLimit, RequestTimeout: c.RequestTimeout, Registry: m.Registry, AccessLog: c.AccessLog,
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
			// [KNOWLEDGE] {Name: "index", ...}: index loaded.
		},
	})
	m.Server.Mount(chat, webhooks.NewAsk(answer))
	// [ADAPTERS] m.Server.Mount(zaloHandler, messengerHandler): they take p as webhooks.Inbox.
	// [HOTLINE] m.Server.Mount(console) at /hotline; it enqueues staff replies with p.Enqueue.
	// [ADMIN] m.Server.Mount(admin) at /admin.
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
		_ = chat.Close() // end event streams first, or they hold the shutdown
		return m.Server.Shutdown(ctx)
	})
	log.Info("botd ready", "addr", ln.Addr().String())
	return nil
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
		opts = append(opts, nats.MaxReconnects(-1), nats.RetryOnFailedConnect(true), nats.ReconnectWait(time.Second))
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

// reconcile declares the streams, retrying while an external cluster comes up.
func reconcile(ctx context.Context, js jetstream.JetStream, t pipeline.Topology, log *slog.Logger) error {
	deadline := time.Now().Add(60 * time.Second)
	for {
		rctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		err := pipeline.Reconcile(rctx, js, t)
		cancel()
		if err == nil {
			return nil
		}
		var apiErr *jetstream.APIError
		if errors.As(err, &apiErr) && apiErr.Code != 503 {
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

func newLogger(c Config, w io.Writer) *slog.Logger {
	level, _ := parseLevel(c.LogLevel)
	opts := &slog.HandlerOptions{Level: level}
	if c.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// standIn answers while the engine is not wired: it says so, politely.
func standIn(_ context.Context, m bot.Message) (bot.Reply, error) {
	return bot.Reply{
		Action: bot.ActionFallback,
		Text:   "Xin lỗi, hệ thống trả lời tự động đang được khởi động nên chưa trả lời được. Mình đã nhận tin nhắn của bạn (" + fmt.Sprint(len([]rune(m.Text))) + " ký tự), bạn vui lòng hỏi lại sau ít phút nhé.",
	}, nil
}
