package webhooks

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/valyala/fasthttp/fasthttpadaptor"

	"botdvc/internal/clientaddr"
)

// Mounter is what a channel adapter, the web chat, the hotline console or
// the admin pages provide: they add their routes to the app.
type Mounter interface {
	Mount(r fiber.Router)
}

// Check is one readiness condition for /readyz.
type Check struct {
	Name  string
	Check func(ctx context.Context) error
}

// ServerConfig holds the server's tunables.
type ServerConfig struct {
	BodyLimit      int           // largest request body in bytes (1 MiB)
	RequestTimeout time.Duration // deadline put on each request's context (10s)
	ReadTimeout    time.Duration // (15s)
	IdleTimeout    time.Duration // keep-alive idle connections (75s)
	Registry       *prometheus.Registry
	Ready          []Check
	AccessLog      bool // log every request at Info (else Debug)
	// Proxies may set the client address and scheme (BOT_TRUSTED_PROXIES);
	// nil trusts nobody.
	Proxies *clientaddr.Proxies
	// Conns caps the connections Serve accepts (BOT_MAX_CONNS, BOT_MAX_CONNS_PER_CLIENT).
	Conns ConnLimits
	// MetricsToken, when set, lets GET /metrics answer requests that carry
	// "Authorization: Bearer <token>" (BOT_METRICS_TOKEN). Without it /metrics
	// answers 403 on this listener; serve the registry elsewhere (BOT_METRICS_ADDR).
	MetricsToken string
}

// Server is the Fiber app with the shared middleware, health, readiness and
// metrics routes. Adapters are mounted on it.
type Server struct {
	App    *fiber.App
	Logger *slog.Logger

	cfg      ServerConfig
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
	ln       *Listener
}

// Request-id header.
const HeaderRequestID = "X-Request-Id"

// NewServer builds the app with its middleware in this order (the order
// matters):
//
//  1. request id: first, so every later log line and error carries it;
//  2. client address and scheme (clientaddr, trusting only Proxies): before
//     anything that limits or signs in per client;
//  3. access log and metrics: wraps everything below, so panics turned into
//     500 by recover are counted and logged with their status;
//  4. recover: a panicking handler becomes a 500 JSON error, not a dead process;
//  5. page policy: the same security headers on every response, and no
//     unsafe request (POST, PUT, DELETE) that another site started;
//  6. deadline: the request's context gets RequestTimeout.
//
// The body-size limit is enforced by the HTTP server before any handler
// runs (413 as JSON through the error handler).
func NewServer(logger *slog.Logger, cfg ServerConfig) *Server {
	if cfg.BodyLimit <= 0 {
		cfg.BodyLimit = 1 << 20
	}
	if cfg.RequestTimeout <= 0 {
		cfg.RequestTimeout = 10 * time.Second
	}
	if cfg.ReadTimeout <= 0 {
		cfg.ReadTimeout = 15 * time.Second
	}
	if cfg.IdleTimeout <= 0 {
		cfg.IdleTimeout = 75 * time.Second
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	s := &Server{Logger: logger, cfg: cfg}
	s.requests = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "bot_http_requests_total", Help: "HTTP requests by route, method and status.",
	}, []string{"route", "method", "status"})
	s.latency = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "bot_http_request_seconds", Help: "HTTP request latency by route.",
		Buckets: prometheus.ExponentialBuckets(0.0001, 2, 18),
	}, []string{"route"})
	if cfg.Registry != nil {
		cfg.Registry.MustRegister(s.requests, s.latency)
	}
	s.App = fiber.New(fiber.Config{
		AppName:               "botd",
		DisableStartupMessage: true,
		BodyLimit:             cfg.BodyLimit,
		ReadTimeout:           cfg.ReadTimeout,
		IdleTimeout:           cfg.IdleTimeout,
		ErrorHandler:          s.errorHandler,
	})
	s.App.Use(s.requestID, cfg.Proxies.Middleware(), s.observe, s.recoverPanic, policy, s.deadline)
	s.App.Get("/healthz", func(c *fiber.Ctx) error { return c.JSON(fiber.Map{"status": "ok"}) })
	s.App.Get("/readyz", s.ready)
	if cfg.Registry != nil {
		h := fasthttpadaptor.NewFastHTTPHandler(promhttp.HandlerFor(cfg.Registry, promhttp.HandlerOpts{}))
		s.App.Get("/metrics", func(c *fiber.Ctx) error {
			if !bearer(c, cfg.MetricsToken) {
				c.Set(fiber.HeaderWWWAuthenticate, `Bearer realm="metrics"`)
				return Error(c, fiber.StatusForbidden, "metrics need the token of BOT_METRICS_TOKEN (Authorization: Bearer), or the listener of BOT_METRICS_ADDR")
			}
			h(c.Context())
			return nil
		})
	}
	return s
}

// bearer reports whether the request carries "Authorization: Bearer token"
// (compared in constant time); never true for an empty token.
func bearer(c *fiber.Ctx, token string) bool {
	got, ok := strings.CutPrefix(c.Get(fiber.HeaderAuthorization), "Bearer ")
	return ok && token != "" && subtle.ConstantTimeCompare([]byte(strings.TrimSpace(got)), []byte(token)) == 1
}

// PagePolicy is the Content-Security-Policy of every response that does
// not set its own: scripts, styles, images and connections from this origin
// only (inline styles allowed), no framing by other sites, forms posted
// only here.
const PagePolicy = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; " +
	"connect-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'; object-src 'none'"

// policy is the one security-header and cross-site policy of every page:
// a request another site started (Fetch Metadata Sec-Fetch-Site:
// cross-site) may only read (GET, HEAD, OPTIONS); every response gets
// nosniff, a same-origin referrer policy, no framing and PagePolicy (a
// handler with a policy of its own keeps it, and gets frame-ancestors
// 'none' added).
func policy(c *fiber.Ctx) error {
	if m := c.Method(); m != fiber.MethodGet && m != fiber.MethodHead && m != fiber.MethodOptions &&
		c.Get("Sec-Fetch-Site") == "cross-site" {
		setPolicy(c)
		return Error(c, fiber.StatusForbidden, "cross-site request refused")
	}
	err := c.Next()
	setPolicy(c)
	return err
}

func setPolicy(c *fiber.Ctx) {
	h := &c.Response().Header
	h.Set(fiber.HeaderXContentTypeOptions, "nosniff")
	h.Set(fiber.HeaderReferrerPolicy, "same-origin")
	h.Set(fiber.HeaderXFrameOptions, "DENY")
	h.Set("Cross-Origin-Opener-Policy", "same-origin")
	switch csp := string(h.Peek(fiber.HeaderContentSecurityPolicy)); {
	case csp == "":
		h.Set(fiber.HeaderContentSecurityPolicy, PagePolicy)
	case !strings.Contains(csp, "frame-ancestors"):
		h.Set(fiber.HeaderContentSecurityPolicy, csp+"; frame-ancestors 'none'")
	}
}

// Mount adds the routes of each m to the app, in order.
func (s *Server) Mount(ms ...Mounter) {
	for _, m := range ms {
		m.Mount(s.App)
	}
}

// Serve serves HTTP on ln until Shutdown. ln is wrapped in a Listener
// with the configured connection caps, which also keeps accepting when the
// process runs out of file descriptors.
func (s *Server) Serve(ln net.Listener) error {
	var reg prometheus.Registerer
	if s.cfg.Registry != nil {
		reg = s.cfg.Registry
	}
	s.ln = NewListener(ln, s.cfg.Conns, s.Logger, reg)
	if err := s.App.Listener(s.ln); err != nil {
		return fmt.Errorf("webhooks.Serve: %w", err)
	}
	return nil
}

// Shutdown stops accepting connections and waits for requests in flight,
// until ctx is done.
func (s *Server) Shutdown(ctx context.Context) error {
	if err := s.App.ShutdownWithContext(ctx); err != nil {
		return fmt.Errorf("webhooks.Shutdown: %w", err)
	}
	return nil
}

// Error writes a JSON error {"error": msg} with status code; handlers return it.
func Error(c *fiber.Ctx, code int, msg string) error {
	return c.Status(code).JSON(fiber.Map{"error": msg})
}

func (s *Server) errorHandler(c *fiber.Ctx, err error) error {
	code := fiber.StatusInternalServerError
	msg := "internal error"
	var fe *fiber.Error
	if errors.As(err, &fe) {
		code = fe.Code
		msg = fe.Message
	} else {
		s.Logger.Error("request failed", "request_id", c.Locals(HeaderRequestID), "err", err)
	}
	return c.Status(code).JSON(fiber.Map{"error": msg})
}

func (s *Server) requestID(c *fiber.Ctx) error {
	id := strings.Clone(c.Get(HeaderRequestID))
	if id == "" || len(id) > 64 {
		var b [8]byte
		_, _ = rand.Read(b[:])
		id = hex.EncodeToString(b[:])
	}
	c.Locals(HeaderRequestID, id)
	c.Set(HeaderRequestID, id)
	return c.Next()
}

// observe logs and counts each request. It logs the route pattern, never the
// raw path or query string (they can carry session or user ids).
func (s *Server) observe(c *fiber.Ctx) error {
	start := time.Now()
	err := c.Next()
	if err != nil {
		if herr := s.App.ErrorHandler(c, err); herr != nil {
			_ = c.SendStatus(fiber.StatusInternalServerError)
		}
	}
	route := c.Route().Path
	if c.Route().Path == "/" && c.Path() != "/" && c.Response().StatusCode() == fiber.StatusNotFound {
		route = "unmatched"
	}
	status := c.Response().StatusCode()
	d := time.Since(start)
	method := strings.Clone(c.Method()) // Fiber reuses the buffer behind c.Method()
	s.requests.WithLabelValues(route, method, strconv.Itoa(status)).Inc()
	s.latency.WithLabelValues(route).Observe(d.Seconds())
	level := slog.LevelDebug
	if s.cfg.AccessLog || status >= 500 {
		level = slog.LevelInfo
	}
	size := -1 // streamed (server-sent events): unknown yet; Body() would drain the stream
	if !c.Response().IsBodyStream() {
		size = len(c.Response().Body())
	}
	s.Logger.Log(c.UserContext(), level, "http", "request_id", c.Locals(HeaderRequestID),
		"method", method, "route", route, "status", status, "duration", d, "bytes", size)
	return nil
}

func (s *Server) recoverPanic(c *fiber.Ctx) (err error) {
	defer func() {
		if v := recover(); v != nil {
			s.Logger.Error("panic in handler", "request_id", c.Locals(HeaderRequestID), "route", c.Route().Path, "panic", fmt.Sprint(v))
			err = fiber.NewError(fiber.StatusInternalServerError, "internal error")
		}
	}()
	return c.Next()
}

func (s *Server) deadline(c *fiber.Ctx) error {
	ctx, cancel := context.WithTimeout(c.UserContext(), s.cfg.RequestTimeout)
	defer cancel()
	c.SetUserContext(ctx)
	return c.Next()
}

func (s *Server) ready(c *fiber.Ctx) error {
	ctx, cancel := context.WithTimeout(c.UserContext(), 2*time.Second)
	defer cancel()
	checks := fiber.Map{}
	ok := true
	for _, ch := range s.cfg.Ready {
		if err := ch.Check(ctx); err != nil {
			checks[ch.Name] = err.Error()
			ok = false
		} else {
			checks[ch.Name] = "ok"
		}
	}
	status := fiber.StatusOK
	state := "ready"
	if !ok {
		status = fiber.StatusServiceUnavailable
		state = "not ready"
	}
	return c.Status(status).JSON(fiber.Map{"status": state, "checks": checks})
}
