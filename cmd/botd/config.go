package main

import (
	"botdvc/complaint"
	"botdvc/hotline"
	"botdvc/internal/clientaddr"
	"botdvc/pipeline"
	"botdvc/webauth"

	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"
)

// Config is the whole configuration of botd. Each field has a flag and an
// environment variable; the flag wins over the variable, the variable over
// the default. Names of the variables are a contract (../shared/DESIGN.md).
type Config struct {
	Addr    string // BOT_ADDR: HTTP listen address
	DataDir string // BOT_DATA_DIR: embedded NATS store, bleve index

	NATSURL      string // NATS_URL: external NATS server or cluster; empty embeds one
	NATSListen   string // BOT_NATS_LISTEN: let the embedded server listen here too (for the nats CLI)
	NATSReplicas int    // BOT_NATS_REPLICAS: stream replicas in an external cluster
	MeiliURL     string // MEILI_URL: Meilisearch; empty uses bleve under DataDir/index
	MeiliKey     string // MEILI_KEY

	FBAppSecret   string // FB_APP_SECRET
	FBVerifyToken string // FB_VERIFY_TOKEN
	FBPageToken   string // FB_PAGE_TOKEN
	FBGraphURL    string // FB_GRAPH_URL

	ZaloAppID        string // ZALO_APP_ID
	ZaloAppSecret    string // ZALO_APP_SECRET
	ZaloOASecret     string // ZALO_OA_SECRET
	ZaloAccessToken  string // ZALO_ACCESS_TOKEN
	ZaloRefreshToken string // ZALO_REFRESH_TOKEN
	ZaloAPIURL       string // ZALO_API_URL
	ZaloOAuthURL     string // ZALO_OAUTH_URL
	ZaloSiteVerify   string // ZALO_SITE_VERIFICATION: code of Zalo's domain ownership check
	ZaloButtons      bool   // ZALO_BUTTONS: options also as oa.query.hide buttons
	ZaloAckBadSig    bool   // ZALO_ACK_BAD_SIGNATURE: answer 200 (and drop) instead of 401 to a bad webhook signature

	StaffFile  string // BOT_STAFF_FILE: htpasswd (bcrypt) of hotline staff
	EditorFile string // BOT_EDITOR_FILE: htpasswd (bcrypt) of editors
	Catalog    string // BOT_CATALOG: national catalogue file loaded beside the guides
	GuidesDir  string // BOT_GUIDES: guide directory; empty serves the bundled corpus

	HotlineHours Hours         // BOT_HOTLINE_HOURS: staff hours, e.g. "Mon-Fri 07:30-17:00; Sat 07:30-11:30", parsed when read
	HotlinePhone string        // BOT_HOTLINE_PHONE: phone number the bot offers; empty offers none
	CannedFile   string        // BOT_CANNED_FILE: staff canned replies (Markdown, see doc/hotline.md)
	Retention    time.Duration // BOT_RETENTION: how long question records and tickets are kept

	ComplaintDays int      // BOT_COMPLAINT_DAYS: working days to answer a complaint
	Holidays      Holidays // BOT_HOLIDAYS: public holidays (YYYY-MM-DD, comma-separated) not counted as working days, parsed when read

	Partitions      int           // BOT_PARTITIONS: conversation partitions (same on every instance)
	Workers         int           // BOT_WORKERS: messages answered at once by this instance; 0 = CPUs - 1 (at least 1)
	AcceptOnly      bool          // BOT_ACCEPT_ONLY: run no workers or senders here (an ingest-only instance)
	MaxText         int           // BOT_MAX_TEXT: longest inbound text, characters
	RatePerMinute   float64       // BOT_RATE_PER_MINUTE: messages a minute per conversation
	Burst           int           // BOT_BURST: messages a conversation may send at once
	BodyLimit       int           // BOT_BODY_LIMIT: largest HTTP body, bytes
	RequestTimeout  time.Duration // BOT_REQUEST_TIMEOUT
	ShutdownTimeout time.Duration // BOT_SHUTDOWN_TIMEOUT
	LogLevel        string        // BOT_LOG_LEVEL: debug, info, warn, error
	LogFormat       string        // BOT_LOG_FORMAT: text or json
	AccessLog       bool          // BOT_ACCESS_LOG: log every request at info

	// Security (doc/operations.md, "Security").
	TrustedProxies    Proxies // BOT_TRUSTED_PROXIES: addresses/CIDRs that may set X-Forwarded-For and -Proto, parsed when read
	CookieSecure      string  // BOT_COOKIE_SECURE: auto, always or never
	MetricsToken      string  // BOT_METRICS_TOKEN: bearer token for GET /metrics on the main listener
	MetricsAddr       string  // BOT_METRICS_ADDR: serve /metrics on this separate listener instead
	ClientRate        int     // BOT_CLIENT_RATE: web chat messages and asks a minute per client address
	ClientSessions    int     // BOT_CLIENT_SESSIONS: new web chat sessions per client address in ten minutes
	WebMaxBacklog     int     // BOT_WEB_MAX_BACKLOG: inbound backlog above which the web chat answers 503
	MaxConns          int     // BOT_MAX_CONNS: HTTP connections held at once; 0 = from the descriptor limit
	MaxConnsPerClient int     // BOT_MAX_CONNS_PER_CLIENT: per client address; 0 = from BOT_MAX_CONNS
}

// Default values.
const (
	DefaultAddr         = ":8080"
	DefaultDataDir      = "./data"
	DefaultFBGraphURL   = "https://graph.facebook.com/v25.0"
	DefaultZaloAPIURL   = "https://openapi.zalo.me"
	DefaultZaloOAuthURL = "https://oauth.zaloapp.com"
)

// errUsage means the flags were wrong or -h was given; the flag package
// already printed why.
var errUsage = errors.New("usage")

// LoadConfig reads the configuration from args (flags) and getenv
// (environment), flags first. It does not validate; call Validate.
func LoadConfig(args []string, getenv func(string) string, stderr io.Writer) (Config, error) {
	var c Config
	fs := flag.NewFlagSet("botd", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var envErrs []error
	str := func(p *string, name, env, def, usage string) {
		v := getenv(env)
		if v == "" {
			v = def
		}
		fs.StringVar(p, name, v, usage+" ($"+env+")")
	}
	integer := func(p *int, name, env string, def int, usage string) {
		v := def
		if s := getenv(env); s != "" {
			n, err := strconv.Atoi(s)
			if err != nil {
				envErrs = append(envErrs, fmt.Errorf("%s=%q: not an integer", env, s))
			}
			v = n
		}
		fs.IntVar(p, name, v, usage+" ($"+env+")")
	}
	dur := func(p *time.Duration, name, env string, def time.Duration, usage string) {
		v := def
		if s := getenv(env); s != "" {
			d, err := time.ParseDuration(s)
			if err != nil {
				envErrs = append(envErrs, fmt.Errorf("%s=%q: not a duration (e.g. 10s)", env, s))
			}
			v = d
		}
		fs.DurationVar(p, name, v, usage+" ($"+env+")")
	}
	str(&c.Addr, "addr", "BOT_ADDR", DefaultAddr, "HTTP listen address")
	str(&c.DataDir, "data-dir", "BOT_DATA_DIR", DefaultDataDir, "data directory (embedded NATS store, bleve index)")
	str(&c.NATSURL, "nats-url", "NATS_URL", "", "external NATS server(s), comma-separated; empty embeds one")
	str(&c.NATSListen, "nats-listen", "BOT_NATS_LISTEN", "", "also listen on this host:port with the embedded NATS (for the nats CLI)")
	integer(&c.NATSReplicas, "nats-replicas", "BOT_NATS_REPLICAS", 1, "stream replicas (external cluster)")
	str(&c.MeiliURL, "meili-url", "MEILI_URL", "", "Meilisearch URL; empty uses bleve")
	str(&c.MeiliKey, "meili-key", "MEILI_KEY", "", "Meilisearch API key")
	str(&c.FBAppSecret, "fb-app-secret", "FB_APP_SECRET", "", "Messenger app secret; empty switches Messenger off")
	str(&c.FBVerifyToken, "fb-verify-token", "FB_VERIFY_TOKEN", "", "Messenger webhook verify token")
	str(&c.FBPageToken, "fb-page-token", "FB_PAGE_TOKEN", "", "Messenger Page access token")
	str(&c.FBGraphURL, "fb-graph-url", "FB_GRAPH_URL", DefaultFBGraphURL, "Graph API base with version")
	str(&c.ZaloAppID, "zalo-app-id", "ZALO_APP_ID", "", "Zalo app id")
	str(&c.ZaloAppSecret, "zalo-app-secret", "ZALO_APP_SECRET", "", "Zalo app secret (token refresh)")
	str(&c.ZaloOASecret, "zalo-oa-secret", "ZALO_OA_SECRET", "", "Zalo OA secret key (webhook signature); empty switches Zalo off")
	str(&c.ZaloAccessToken, "zalo-access-token", "ZALO_ACCESS_TOKEN", "", "Zalo OA access token")
	str(&c.ZaloRefreshToken, "zalo-refresh-token", "ZALO_REFRESH_TOKEN", "", "Zalo OA refresh token")
	str(&c.ZaloAPIURL, "zalo-api-url", "ZALO_API_URL", DefaultZaloAPIURL, "Zalo OpenAPI base URL")
	str(&c.ZaloOAuthURL, "zalo-oauth-url", "ZALO_OAUTH_URL", DefaultZaloOAuthURL, "Zalo OAuth base URL")
	str(&c.ZaloSiteVerify, "zalo-site-verification", "ZALO_SITE_VERIFICATION", "", "code of Zalo's domain ownership check (serves /zalo_verifier<code>.html)")
	str(&c.StaffFile, "staff-file", "BOT_STAFF_FILE", "", "htpasswd file (bcrypt) of hotline staff")
	str(&c.EditorFile, "editor-file", "BOT_EDITOR_FILE", "", "htpasswd file (bcrypt) of editors")
	str(&c.Catalog, "catalog", "BOT_CATALOG", "", "national procedure catalogue to load beside the guides")
	str(&c.GuidesDir, "guides", "BOT_GUIDES", "", "guide directory; empty serves the bundled corpus")
	v := getenv("BOT_HOTLINE_HOURS")
	if v == "" {
		v = hotline.DefaultHoursSpec
	}
	if err := c.HotlineHours.Set(v); err != nil {
		envErrs = append(envErrs, fmt.Errorf("BOT_HOTLINE_HOURS=%q: %v", v, err))
	}
	fs.Var(&c.HotlineHours, "hotline-hours", "hotline staff hours (Hà Nội time) ($BOT_HOTLINE_HOURS)")
	str(&c.HotlinePhone, "hotline-phone", "BOT_HOTLINE_PHONE", "", "hotline phone number the bot offers citizens; empty offers none")
	str(&c.CannedFile, "canned-file", "BOT_CANNED_FILE", "", "staff canned replies file (default: the bundled set)")
	dur(&c.Retention, "retention", "BOT_RETENTION", 90*24*time.Hour, "how long redacted question records and hotline tickets are kept")
	integer(&c.ComplaintDays, "complaint-days", "BOT_COMPLAINT_DAYS", 10, "working days to answer a complaint (phản ánh, kiến nghị)")
	parsed := func(p flag.Value, name, env, usage string, msg func(v string, err error) error) {
		v := getenv(env)
		if err := p.Set(v); err != nil {
			envErrs = append(envErrs, msg(v, err))
		}
		fs.Var(p, name, usage+" ($"+env+")")
	}
	parsed(&c.Holidays, "holidays", "BOT_HOLIDAYS", "public holidays not counted as working days: YYYY-MM-DD, comma-separated",
		func(_ string, err error) error { return fmt.Errorf("BOT_HOLIDAYS: %v", err) })
	integer(&c.Partitions, "partitions", "BOT_PARTITIONS", 16, "conversation partitions (same on every instance)")
	integer(&c.Workers, "workers", "BOT_WORKERS", 0, "messages answered at once by this instance (0: CPUs-1, at least 1)")
	integer(&c.MaxText, "max-text", "BOT_MAX_TEXT", 2000, "longest inbound message, characters")
	integer(&c.Burst, "burst", "BOT_BURST", 8, "messages a conversation may send at once")
	integer(&c.BodyLimit, "body-limit", "BOT_BODY_LIMIT", 1<<20, "largest HTTP request body, bytes")
	dur(&c.RequestTimeout, "request-timeout", "BOT_REQUEST_TIMEOUT", 10*time.Second, "deadline of one HTTP request")
	dur(&c.ShutdownTimeout, "shutdown-timeout", "BOT_SHUTDOWN_TIMEOUT", 25*time.Second, "how long shutdown waits for work in flight")
	parsed(&c.TrustedProxies, "trusted-proxies", "BOT_TRUSTED_PROXIES", "proxies (addresses or CIDRs, comma-separated) whose X-Forwarded-For and X-Forwarded-Proto are believed",
		func(v string, err error) error { return fmt.Errorf("BOT_TRUSTED_PROXIES %q: %v", v, err) })
	str(&c.CookieSecure, "cookie-secure", "BOT_COOKIE_SECURE", "auto", "Secure sign-in cookies: auto (over HTTPS or when a trusted proxy says https), always or never")
	str(&c.MetricsToken, "metrics-token", "BOT_METRICS_TOKEN", "", "bearer token that GET /metrics requires on the main listener")
	str(&c.MetricsAddr, "metrics-addr", "BOT_METRICS_ADDR", "", "serve /metrics (no token) on this separate host:port, e.g. 127.0.0.1:9464")
	integer(&c.ClientRate, "client-rate", "BOT_CLIENT_RATE", 60, "web chat messages and /api/v1/ask questions a minute per client address")
	integer(&c.ClientSessions, "client-sessions", "BOT_CLIENT_SESSIONS", 30, "new web chat sessions per client address in ten minutes")
	integer(&c.WebMaxBacklog, "web-max-backlog", "BOT_WEB_MAX_BACKLOG", 1000, "inbound messages waiting above which the web chat answers 503 (webhooks are still taken)")
	integer(&c.MaxConns, "max-conns", "BOT_MAX_CONNS", 0, "HTTP connections held at once (0, and at most: three quarters of the descriptor limit)")
	integer(&c.MaxConnsPerClient, "max-conns-per-client", "BOT_MAX_CONNS_PER_CLIENT", 0, "HTTP connections per client address (0: a quarter of BOT_MAX_CONNS, 16 to 256)")
	str(&c.LogLevel, "log-level", "BOT_LOG_LEVEL", "info", "debug, info, warn or error")
	str(&c.LogFormat, "log-format", "BOT_LOG_FORMAT", "text", "text or json")
	rate := 20.0
	if s := getenv("BOT_RATE_PER_MINUTE"); s != "" {
		f, err := strconv.ParseFloat(s, 64)
		if err != nil {
			envErrs = append(envErrs, fmt.Errorf("BOT_RATE_PER_MINUTE=%q: not a number", s))
		}
		rate = f
	}
	fs.Float64Var(&c.RatePerMinute, "rate", rate, "messages a minute per conversation ($BOT_RATE_PER_MINUTE)")
	accessLog := false
	if s := getenv("BOT_ACCESS_LOG"); s != "" {
		b, err := strconv.ParseBool(s)
		if err != nil {
			envErrs = append(envErrs, fmt.Errorf("BOT_ACCESS_LOG=%q: not a boolean", s))
		}
		accessLog = b
	}
	fs.BoolVar(&c.AccessLog, "access-log", accessLog, "log every HTTP request at info ($BOT_ACCESS_LOG)")
	zaloButtons := false
	if s := getenv("ZALO_BUTTONS"); s != "" {
		b, err := strconv.ParseBool(s)
		if err != nil {
			envErrs = append(envErrs, fmt.Errorf("ZALO_BUTTONS=%q: not a boolean", s))
		}
		zaloButtons = b
	}
	fs.BoolVar(&c.ZaloButtons, "zalo-buttons", zaloButtons, "show options as Zalo oa.query.hide buttons too ($ZALO_BUTTONS)")
	zaloAck := false
	if s := getenv("ZALO_ACK_BAD_SIGNATURE"); s != "" {
		b, err := strconv.ParseBool(s)
		if err != nil {
			envErrs = append(envErrs, fmt.Errorf("ZALO_ACK_BAD_SIGNATURE=%q: not a boolean", s))
		}
		zaloAck = b
	}
	fs.BoolVar(&c.ZaloAckBadSig, "zalo-ack-bad-signature", zaloAck, "answer a Zalo webhook whose signature does not verify with 200 and drop it, instead of 401 (only while registering the webhook; see doc/channels.md) ($ZALO_ACK_BAD_SIGNATURE)")
	acceptOnly := false
	if s := getenv("BOT_ACCEPT_ONLY"); s != "" {
		b, err := strconv.ParseBool(s)
		if err != nil {
			envErrs = append(envErrs, fmt.Errorf("BOT_ACCEPT_ONLY=%q: not a boolean", s))
		}
		acceptOnly = b
	}
	fs.BoolVar(&c.AcceptOnly, "accept-only", acceptOnly, "accept and store messages but run no workers or senders here ($BOT_ACCEPT_ONLY)")
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), `botd: the citizen help service (web chat, Zalo OA, Messenger, hotline console, editors' admin) in one binary.

usage: botd [flags]          serve (every flag is also an environment variable, shown as ($NAME); a flag wins)
       botd healthcheck [URL] exit 0 when the local server is ready (for container health checks)

Without configuration it embeds NATS (JetStream) and a bleve index under ./data and serves the
bundled guides on :8080. README.md has the table of settings and a first-hour walkthrough.

flags:
`)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return c, fmt.Errorf("%w: %w", errUsage, flag.ErrHelp)
		}
		return c, errUsage
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("config: unexpected argument %q", fs.Arg(0))
	}
	if len(envErrs) > 0 {
		return c, fmt.Errorf("config: %w", errors.Join(envErrs...))
	}
	return c, nil
}

// Validate checks the whole configuration at once and reports every problem.
func (c Config) Validate() error {
	var errs []error
	bad := func(format string, a ...any) { errs = append(errs, fmt.Errorf(format, a...)) }
	if _, _, err := net.SplitHostPort(c.Addr); err != nil {
		bad("BOT_ADDR %q: want host:port, e.g. :8080", c.Addr)
	}
	if c.DataDir == "" {
		bad("BOT_DATA_DIR is empty")
	}
	if c.NATSURL != "" {
		for _, u := range strings.Split(c.NATSURL, ",") {
			p, err := url.Parse(strings.TrimSpace(u))
			if err != nil || p.Host == "" || !oneOf(p.Scheme, "nats", "tls", "ws", "wss") {
				bad("NATS_URL %q: want nats://host:port (comma-separated for a cluster)", redactURL(u))
			}
		}
		if c.NATSListen != "" {
			bad("BOT_NATS_LISTEN is for the embedded server; it cannot be used with NATS_URL")
		}
	}
	if c.NATSListen != "" {
		if _, _, err := net.SplitHostPort(c.NATSListen); err != nil {
			bad("BOT_NATS_LISTEN %q: want host:port, e.g. 127.0.0.1:4222", c.NATSListen)
		}
	}
	if c.ComplaintDays < 1 || c.ComplaintDays > 60 {
		bad("BOT_COMPLAINT_DAYS %d: want 1 to 60 working days", c.ComplaintDays)
	}
	if c.Retention < 24*time.Hour {
		bad("BOT_RETENTION %s: want at least 24h", c.Retention)
	}
	if c.NATSReplicas < 1 || c.NATSReplicas > 5 {
		bad("BOT_NATS_REPLICAS %d: want 1 to 5", c.NATSReplicas)
	}
	if c.MeiliURL != "" && !httpURL(c.MeiliURL) {
		bad("MEILI_URL %q: want an http(s) URL", redactURL(c.MeiliURL))
	}
	if c.MeiliKey != "" && c.MeiliURL == "" {
		bad("MEILI_KEY is set but MEILI_URL is not")
	}
	if !httpURL(c.FBGraphURL) {
		bad("FB_GRAPH_URL %q: want an http(s) URL", redactURL(c.FBGraphURL))
	}
	if c.FBAppSecret != "" {
		if c.FBVerifyToken == "" {
			bad("FB_VERIFY_TOKEN is required when FB_APP_SECRET is set (webhook handshake)")
		}
		if c.FBPageToken == "" {
			bad("FB_PAGE_TOKEN is required when FB_APP_SECRET is set (sending replies)")
		}
	}
	if !httpURL(c.ZaloAPIURL) {
		bad("ZALO_API_URL %q: want an http(s) URL", redactURL(c.ZaloAPIURL))
	}
	if !httpURL(c.ZaloOAuthURL) {
		bad("ZALO_OAUTH_URL %q: want an http(s) URL", redactURL(c.ZaloOAuthURL))
	}
	if c.ZaloOASecret != "" {
		if c.ZaloAppID == "" {
			bad("ZALO_APP_ID is required when ZALO_OA_SECRET is set (webhook signature)")
		}
		if c.ZaloAccessToken == "" && c.ZaloRefreshToken == "" {
			bad("ZALO_ACCESS_TOKEN or ZALO_REFRESH_TOKEN is required when ZALO_OA_SECRET is set (sending replies)")
		}
		if c.ZaloRefreshToken != "" && c.ZaloAppSecret == "" {
			bad("ZALO_APP_SECRET is required with ZALO_REFRESH_TOKEN (token refresh)")
		}
	}
	for _, f := range []struct{ env, path string }{{"BOT_STAFF_FILE", c.StaffFile}, {"BOT_EDITOR_FILE", c.EditorFile}, {"BOT_CATALOG", c.Catalog}} {
		if f.path == "" {
			continue
		}
		if st, err := os.Stat(f.path); err != nil {
			bad("%s %q: %v", f.env, f.path, errors.Unwrap(err))
		} else if st.IsDir() {
			bad("%s %q: is a directory, want a file", f.env, f.path)
		}
	}
	if c.GuidesDir != "" {
		if st, err := os.Stat(c.GuidesDir); err != nil || !st.IsDir() {
			bad("BOT_GUIDES %q: not a directory", c.GuidesDir)
		}
	}
	if c.Partitions < 1 || c.Partitions > 1024 {
		bad("BOT_PARTITIONS %d: want 1 to 1024", c.Partitions)
	}
	if c.Workers < 0 || c.Workers > 1024 {
		bad("BOT_WORKERS %d: want 0 (one per CPU) to 1024", c.Workers)
	}
	if c.MaxText < 1 || c.MaxText > 100000 {
		bad("BOT_MAX_TEXT %d: want 1 to 100000", c.MaxText)
	}
	if c.RatePerMinute <= 0 {
		bad("BOT_RATE_PER_MINUTE %v: want a positive number", c.RatePerMinute)
	}
	if c.Burst < 1 {
		bad("BOT_BURST %d: want at least 1", c.Burst)
	}
	if c.BodyLimit < 1024 {
		bad("BOT_BODY_LIMIT %d: want at least 1024 bytes", c.BodyLimit)
	}
	if c.RequestTimeout <= 0 {
		bad("BOT_REQUEST_TIMEOUT %v: want a positive duration", c.RequestTimeout)
	}
	if _, err := webauth.ParseSecureMode(c.CookieSecure); err != nil {
		bad("BOT_COOKIE_SECURE %q: want auto, always or never", c.CookieSecure)
	}
	if c.MetricsToken != "" && len(c.MetricsToken) < 16 {
		bad("BOT_METRICS_TOKEN: want at least 16 characters")
	}
	if c.MetricsAddr != "" {
		if _, _, err := net.SplitHostPort(c.MetricsAddr); err != nil {
			bad("BOT_METRICS_ADDR %q: want host:port, e.g. 127.0.0.1:9464", c.MetricsAddr)
		}
	}
	if c.ClientRate < 1 {
		bad("BOT_CLIENT_RATE %d: want at least 1", c.ClientRate)
	}
	if c.ClientSessions < 1 {
		bad("BOT_CLIENT_SESSIONS %d: want at least 1", c.ClientSessions)
	}
	if c.WebMaxBacklog < 1 {
		bad("BOT_WEB_MAX_BACKLOG %d: want at least 1", c.WebMaxBacklog)
	}
	if c.MaxConns < 0 || (c.MaxConns > 0 && c.MaxConns < 16) {
		bad("BOT_MAX_CONNS %d: want 0 (from the descriptor limit) or at least 16", c.MaxConns)
	}
	if c.MaxConnsPerClient < 0 {
		bad("BOT_MAX_CONNS_PER_CLIENT %d: want 0 (automatic) or more", c.MaxConnsPerClient)
	}
	if c.ShutdownTimeout <= 0 {
		bad("BOT_SHUTDOWN_TIMEOUT %v: want a positive duration", c.ShutdownTimeout)
	}
	if _, err := parseLevel(c.LogLevel); err != nil {
		bad("BOT_LOG_LEVEL %q: want debug, info, warn or error", c.LogLevel)
	}
	if !oneOf(c.LogFormat, "text", "json") {
		bad("BOT_LOG_FORMAT %q: want text or json", c.LogFormat)
	}
	if len(errs) > 0 {
		return fmt.Errorf("config: %w", errors.Join(errs...))
	}
	return nil
}

// LogValue is the redacted configuration dump logged at start: secrets show
// as "set" or "unset", URLs lose their user info.
func (c Config) LogValue() slog.Value {
	secret := func(s string) string {
		if s == "" {
			return "unset"
		}
		return "set"
	}
	return slog.GroupValue(
		slog.String("addr", c.Addr),
		slog.String("data_dir", c.DataDir),
		slog.String("nats_url", redactURL(c.NATSURL)),
		slog.String("nats_listen", c.NATSListen),
		slog.Int("nats_replicas", c.NATSReplicas),
		slog.String("meili_url", redactURL(c.MeiliURL)),
		slog.String("meili_key", secret(c.MeiliKey)),
		slog.String("fb_app_secret", secret(c.FBAppSecret)),
		slog.String("fb_verify_token", secret(c.FBVerifyToken)),
		slog.String("fb_page_token", secret(c.FBPageToken)),
		slog.String("fb_graph_url", redactURL(c.FBGraphURL)),
		slog.String("zalo_app_id", c.ZaloAppID),
		slog.String("zalo_app_secret", secret(c.ZaloAppSecret)),
		slog.String("zalo_oa_secret", secret(c.ZaloOASecret)),
		slog.String("zalo_access_token", secret(c.ZaloAccessToken)),
		slog.String("zalo_refresh_token", secret(c.ZaloRefreshToken)),
		slog.String("zalo_api_url", redactURL(c.ZaloAPIURL)),
		slog.String("zalo_oauth_url", redactURL(c.ZaloOAuthURL)),
		slog.String("staff_file", c.StaffFile),
		slog.String("editor_file", c.EditorFile),
		slog.String("catalog", c.Catalog),
		slog.String("guides", c.GuidesDir),
		slog.String("zalo_site_verification", c.ZaloSiteVerify),
		slog.Bool("zalo_buttons", c.ZaloButtons),
		slog.Bool("zalo_ack_bad_signature", c.ZaloAckBadSig),
		slog.String("hotline_hours", c.HotlineHours.Spec),
		slog.String("hotline_phone", c.HotlinePhone),
		slog.String("canned_file", c.CannedFile),
		slog.Duration("retention", c.Retention),
		slog.Int("complaint_days", c.ComplaintDays),
		slog.String("holidays", c.Holidays.Spec),
		slog.Int("partitions", c.Partitions),
		slog.Int("workers", c.EffectiveWorkers()),
		slog.Bool("accept_only", c.AcceptOnly),
		slog.Int("max_text", c.MaxText),
		slog.Float64("rate_per_minute", c.RatePerMinute),
		slog.Int("burst", c.Burst),
		slog.Int("body_limit", c.BodyLimit),
		slog.Duration("request_timeout", c.RequestTimeout),
		slog.Duration("shutdown_timeout", c.ShutdownTimeout),
		slog.String("log_level", c.LogLevel),
		slog.String("log_format", c.LogFormat),
		slog.Bool("access_log", c.AccessLog),
		slog.String("trusted_proxies", c.TrustedProxies.Spec),
		slog.String("cookie_secure", c.CookieSecure),
		slog.String("metrics_token", secret(c.MetricsToken)),
		slog.String("metrics_addr", c.MetricsAddr),
		slog.Int("client_rate", c.ClientRate),
		slog.Int("client_sessions", c.ClientSessions),
		slog.Int("web_max_backlog", c.WebMaxBacklog),
		slog.Int("max_conns", c.MaxConns),
		slog.Int("max_conns_per_client", c.MaxConnsPerClient),
	)
}

// EffectiveWorkers is BOT_WORKERS, or the pipeline's default (CPUs - 1, at
// least 1) when it is 0.
func (c Config) EffectiveWorkers() int {
	if c.Workers > 0 {
		return c.Workers
	}
	return pipeline.DefaultConfig().Workers
}

func oneOf(s string, set ...string) bool {
	for _, v := range set {
		if s == v {
			return true
		}
	}
	return false
}

func httpURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}

// redactURL drops user info (passwords, tokens) from URLs, comma-separated too.
func redactURL(s string) string {
	parts := strings.Split(s, ",")
	for i, p := range parts {
		u, err := url.Parse(strings.TrimSpace(p))
		if err != nil {
			parts[i] = "(unparsable)"
			continue
		}
		if u.User != nil {
			u.User = url.User("redacted")
		}
		u.RawQuery = ""
		parts[i] = u.String()
	}
	return strings.Join(parts, ",")
}

func parseLevel(s string) (slog.Level, error) {
	var l slog.Level
	err := l.UnmarshalText([]byte(s))
	return l, err
}

// Hours is the hotline's staff hours as configured (BOT_HOTLINE_HOURS,
// -hotline-hours): parsed once, when read (a flag.Value), so an error is
// reported with the other configuration errors and the hotline gets the
// parsed hours. The zero value is the hotline's default hours.
type Hours struct {
	Spec  string        // as configured, for the log
	Hours hotline.Hours // parsed
}

// String implements flag.Value.
func (h *Hours) String() string { return h.Spec }

// Set implements flag.Value.
func (h *Hours) Set(s string) error {
	hs, err := hotline.ParseHours(s)
	if err != nil {
		return err
	}
	*h = Hours{Spec: s, Hours: hs}
	return nil
}

// Holidays is the public holidays as configured (BOT_HOLIDAYS, -holidays):
// parsed once, when read (a flag.Value), so an error is reported with the
// other configuration errors and the complaints desk gets the parsed days.
// The zero value is no holidays.
type Holidays struct {
	Spec string          // as configured, for the log
	Days map[string]bool // parsed (complaint.Calendar's Holidays)
}

// String implements flag.Value.
func (h *Holidays) String() string { return h.Spec }

// Set implements flag.Value.
func (h *Holidays) Set(s string) error {
	days, err := complaint.ParseHolidays(s)
	if err != nil {
		return err
	}
	*h = Holidays{Spec: s, Days: days}
	return nil
}

// Proxies is the trusted reverse proxies as configured
// (BOT_TRUSTED_PROXIES, -trusted-proxies): parsed once, when read (a
// flag.Value), like Holidays. The zero value trusts no proxy.
type Proxies struct {
	Spec    string              // as configured, for the log
	Proxies *clientaddr.Proxies // parsed; nil trusts none
}

// String implements flag.Value.
func (p *Proxies) String() string { return p.Spec }

// Set implements flag.Value.
func (p *Proxies) Set(s string) error {
	ps, err := clientaddr.ParseProxies(s)
	if err != nil {
		return err
	}
	*p = Proxies{Spec: s, Proxies: ps}
	return nil
}
