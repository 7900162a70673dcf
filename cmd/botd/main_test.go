package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"botdvc/bot"
	"botdvc/hotline"
)

// MustRunMain runs the whole program on a free port with a temp data dir and
// the default configuration otherwise (embedded NATS, bundled corpus).
func MustRunMain(tb testing.TB, dataDir string, env map[string]string) *Main {
	tb.Helper()
	return mustRunMainWith(tb, dataDir, env, nil)
}

// mustRunMainWith is MustRunMain with set called on the Main before Run
// (a test's stand-in channel, a handler).
func mustRunMainWith(tb testing.TB, dataDir string, env map[string]string, set func(*Main)) *Main {
	tb.Helper()
	if env == nil {
		env = map[string]string{}
	}
	if _, ok := env["BOT_METRICS_TOKEN"]; !ok {
		env["BOT_METRICS_TOKEN"] = testMetricsToken
	}
	cfg, err := LoadConfig([]string{"-addr", "127.0.0.1:0", "-data-dir", dataDir}, func(k string) string { return env[k] }, io.Discard)
	if err != nil {
		tb.Fatal(err)
	}
	if err := cfg.Validate(); err != nil {
		tb.Fatal(err)
	}
	m := NewMain(cfg)
	if set != nil {
		set(m)
	}
	var logs bytes.Buffer
	m.Logger = slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	if err := m.Run(context.Background()); err != nil {
		_ = m.Close()
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		if err := m.Close(); err != nil {
			tb.Error(err)
		}
		// Privacy: the logs never carry what citizens typed.
		if strings.Contains(logs.String(), secretText) {
			tb.Errorf("logs contain message text")
		}
	})
	return m
}

// testMetricsToken is the BOT_METRICS_TOKEN MustRunMain sets (GET /metrics
// needs it as a bearer token).
const testMetricsToken = "test-metrics-token-0123456789"

// suffixCount counts the replies whose id ends in suffix (web reply ids
// carry a hash of the session: "web:<hash>:<id>:r").
func suffixCount(seen map[string]int, suffix string) int {
	n := 0
	for id, k := range seen {
		if strings.HasSuffix(id, suffix) {
			n += k
		}
	}
	return n
}

const secretText = "số điện thoại của tôi là 0912345678"

func getJSON(tb testing.TB, url string, v any) int {
	tb.Helper()
	resp, err := http.Get(url)
	if err != nil {
		tb.Fatal(err)
	}
	defer resp.Body.Close()
	if v != nil {
		if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
			tb.Fatalf("GET %s: %v", url, err)
		}
	}
	return resp.StatusCode
}

func postJSON(tb testing.TB, url, body string, v any) int {
	tb.Helper()
	resp, err := http.Post(url, "application/json", strings.NewReader(body))
	if err != nil {
		tb.Fatal(err)
	}
	defer resp.Body.Close()
	if v != nil {
		_ = json.NewDecoder(resp.Body).Decode(v)
	}
	return resp.StatusCode
}

type pollResult struct {
	Messages []chatTurn `json:"messages"`
	Cursor   uint64     `json:"cursor"`
}

type chatTurn struct {
	Seq  uint64 `json:"seq"`
	ID   string `json:"id"`
	From string `json:"from"` // citizen, bot, staff
	Text string `json:"text"`
}

// replies are the bot's and staff turns among p's.
func (p pollResult) replies() []chatTurn {
	var out []chatTurn
	for _, m := range p.Messages {
		if m.From != "citizen" {
			out = append(out, m)
		}
	}
	return out
}

// waitReplies reads the web chat conversation until it holds n replies
// (or 30 seconds pass) and returns it.
func waitReplies(t *testing.T, base, session string, n int) pollResult {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		var p pollResult
		getJSON(t, base+"/api/v1/chat/messages?session="+session, &p)
		if len(p.replies()) >= n || time.Now().After(deadline) {
			return p
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestMainOverHTTP(t *testing.T) {
	dir := t.TempDir()
	m := MustRunMain(t, dir, nil)
	base := m.URL()

	var health map[string]any
	if code := getJSON(t, base+"/healthz", &health); code != 200 {
		t.Fatalf("healthz %d", code)
	}
	var ready map[string]any
	if code := getJSON(t, base+"/readyz", &ready); code != 200 || ready["status"] != "ready" || ready["checks"].(map[string]any)["index"] != "ok" {
		t.Fatalf("readyz %d %v", code, ready)
	}
	resp, err := http.Get(base + "/")
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !bytes.Contains(page, []byte("/api/v1/chat")) {
		t.Fatalf("page %d", resp.StatusCode)
	}

	// Web chat: post, then long-poll for the reply.
	const session = "e2e-session-0123456789"
	var accepted map[string]string
	if code := postJSON(t, base+"/api/v1/chat", `{"session":"`+session+`","id":"q1","text":"`+secretText+`"}`, &accepted); code != 202 {
		t.Fatalf("chat %d %v", code, accepted)
	}
	poll := waitReplies(t, base, session, 1)
	if r := poll.replies(); len(r) != 1 || !strings.HasSuffix(r[0].ID, ":q1:r") || r[0].Text == "" {
		t.Fatalf("reply %+v", poll)
	}
	// The conversation keeps the citizen's turn, redacted.
	if c := poll.Messages[0]; c.From != "citizen" || c.ID != "q1" || strings.Contains(c.Text, "0912") {
		t.Errorf("citizen turn %+v", c)
	}
	// The same message again (a retry) is not answered twice.
	if code := postJSON(t, base+"/api/v1/chat", `{"session":"`+session+`","id":"q1","text":"`+secretText+`"}`, nil); code != 202 {
		t.Fatalf("retry %d", code)
	}
	if code := postJSON(t, base+"/api/v1/chat", `{"session":"`+session+`","id":"q2","text":"cảm ơn"}`, nil); code != 202 {
		t.Fatalf("second %d", code)
	}
	poll = waitReplies(t, base, session, 2)
	if r := poll.replies(); len(r) != 2 || !strings.HasSuffix(r[1].ID, ":q2:r") || len(poll.Messages) != 4 {
		t.Errorf("after retry: %+v", poll.Messages)
	}

	// Ask: the contract object.
	var ask map[string]any
	if code := postJSON(t, base+"/api/v1/ask", `{"text":"đăng ký khai sinh cần giấy tờ gì","session":"s"}`, &ask); code != 200 {
		t.Fatalf("ask %d %v", code, ask)
	}
	for _, k := range []string{"query", "action", "guide_id", "code", "aspect", "confidence", "candidates", "text", "options"} {
		if _, ok := ask[k]; !ok {
			t.Errorf("ask result lacks %q: %v", k, ask)
		}
	}
	// The real engine over the bundled corpus and the bleve index under the data dir.
	if ask["action"] != "answer" || ask["guide_id"] == "" || ask["text"] == "" {
		t.Errorf("ask: %v", ask)
	}
	if code := postJSON(t, base+"/api/v1/ask", `{"text":`, nil); code != 400 {
		t.Errorf("bad ask: %d", code)
	}

	mreq, _ := http.NewRequest("GET", base+"/metrics", nil)
	mreq.Header.Set("Authorization", "Bearer "+testMetricsToken)
	resp, err = http.DefaultClient.Do(mreq)
	if err != nil {
		t.Fatal(err)
	}
	metrics, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, want := range []string{
		`bot_messages_in_total{channel="web",result="accepted"} 2`,
		`bot_messages_in_total{channel="web",result="duplicate"} 1`,
		`bot_messages_out_total{channel="web",result="sent"} 2`,
		`bot_stream_consumer_pending{stream="BOT_INBOUND"} 0`,
		`bot_http_requests_total{method="POST",route="/api/v1/chat",status="202"} 3`,
		"go_goroutines",
	} {
		if !bytes.Contains(metrics, []byte(want)) {
			t.Errorf("metrics lack %s", want)
		}
	}

	// The container health check.
	if code := healthcheck([]string{base + "/readyz"}, nil, io.Discard); code != 0 {
		t.Errorf("healthcheck exit code %d", code)
	}
	if code := healthcheck(nil, func(string) string { return "127.0.0.1:1" }, io.Discard); code != 1 {
		t.Errorf("healthcheck of a closed port: exit code %d", code)
	}

	// Restart on the same data dir: replies and dedup state survive.
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	m2 := MustRunMain(t, dir, nil)
	poll = pollResult{}
	getJSON(t, m2.URL()+"/api/v1/chat/messages?session="+session, &poll)
	if len(poll.replies()) != 2 || len(poll.Messages) != 4 {
		t.Errorf("after restart: %d turns, %d replies kept, want 4 and 2", len(poll.Messages), len(poll.replies()))
	}
	if code := postJSON(t, m2.URL()+"/api/v1/chat", `{"session":"`+session+`","id":"q1","text":"again"}`, nil); code != 202 {
		t.Fatal(code)
	}
	poll = pollResult{}
	time.Sleep(200 * time.Millisecond) // give a wrongly accepted duplicate time to be answered
	getJSON(t, m2.URL()+"/api/v1/chat/messages?session="+session, &poll)
	if len(poll.Messages) != 4 {
		t.Errorf("duplicate after restart answered or kept: %d turns", len(poll.Messages))
	}
}

func TestConfig(t *testing.T) {
	env := map[string]string{"BOT_ADDR": ":9000", "NATS_URL": "nats://user:pw@nats:4222", "FB_APP_SECRET": "s3cr3t", "FB_VERIFY_TOKEN": "v", "FB_PAGE_TOKEN": "tok", "MEILI_URL": "http://meili:7700", "MEILI_KEY": "mk"}
	c, err := LoadConfig([]string{"-addr", ":9100"}, func(k string) string { return env[k] }, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if c.Addr != ":9100" {
		t.Errorf("flag did not override env: %q", c.Addr)
	}
	if c.NATSURL != env["NATS_URL"] || c.FBGraphURL != DefaultFBGraphURL || c.Partitions != 16 {
		t.Errorf("config %+v", c)
	}
	// The hours are read once, parsed, into what the hotline takes.
	if h := c.HotlineHours; h.Spec != hotline.DefaultHoursSpec || h.Hours.String() != hotline.DefaultHours().String() {
		t.Errorf("hotline hours %q: %s", h.Spec, h.Hours)
	}
	if err := c.Validate(); err != nil {
		t.Errorf("valid config: %v", err)
	}
	var buf bytes.Buffer
	slog.New(slog.NewJSONHandler(&buf, nil)).Info("config", "config", c)
	for _, secret := range []string{"s3cr3t", "tok", "mk", "pw"} {
		if strings.Contains(buf.String(), `"`+secret+`"`) || strings.Contains(buf.String(), ":"+secret+"@") {
			t.Errorf("config dump shows secret %q: %s", secret, buf.String())
		}
	}
	if !strings.Contains(buf.String(), `"fb_app_secret":"set"`) || !strings.Contains(buf.String(), `"zalo_oa_secret":"unset"`) {
		t.Errorf("dump: %s", buf.String())
	}
}

// BOT_HOLIDAYS and BOT_TRUSTED_PROXIES are parsed once, when the
// configuration is read, into what the complaints desk and the front take;
// a flag wins over the environment.
func TestConfigParsedWhenRead(t *testing.T) {
	env := map[string]string{"BOT_HOLIDAYS": "2026-04-30, 2026-05-01 # Giải phóng miền Nam, Quốc tế Lao động", "BOT_TRUSTED_PROXIES": "10.0.0.0/8, ::1"}
	getenv := func(k string) string { return env[k] }
	c, err := LoadConfig(nil, getenv, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if d := c.Holidays.Days; len(d) != 2 || !d["2026-04-30"] || !d["2026-05-01"] || c.Holidays.Spec != env["BOT_HOLIDAYS"] {
		t.Errorf("holidays from the environment: %+v", c.Holidays)
	}
	if p := c.TrustedProxies.Proxies; !p.Trusted("10.1.2.3") || !p.Trusted("::1") || p.Trusted("127.0.0.1") || c.TrustedProxies.Spec != env["BOT_TRUSTED_PROXIES"] {
		t.Errorf("proxies from the environment: %+v", c.TrustedProxies)
	}
	if err := c.Validate(); err != nil {
		t.Errorf("valid config: %v", err)
	}
	c, err = LoadConfig([]string{"-holidays", "2026-09-02", "-trusted-proxies", "127.0.0.1"}, getenv, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if d := c.Holidays.Days; len(d) != 1 || !d["2026-09-02"] {
		t.Errorf("holidays from the flag: %+v", c.Holidays)
	}
	if p := c.TrustedProxies.Proxies; !p.Trusted("127.0.0.1") || p.Trusted("10.1.2.3") {
		t.Errorf("proxies from the flag: %+v", c.TrustedProxies)
	}
	c, err = LoadConfig(nil, func(string) string { return "" }, io.Discard)
	if err != nil || len(c.Holidays.Days) != 0 || c.TrustedProxies.Proxies == nil || !c.TrustedProxies.Proxies.Empty() {
		t.Errorf("defaults: %v %+v %+v", err, c.Holidays, c.TrustedProxies)
	}
}

// A bad BOT_HOLIDAYS or BOT_TRUSTED_PROXIES is reported when the
// configuration is read, with the message Validate gave before; a bad
// flag value is a usage error that names the flag.
func TestConfigBadParsedValues(t *testing.T) {
	for env, want := range map[string]string{
		"BOT_HOLIDAYS":        `BOT_HOLIDAYS: complaint.ParseHolidays: line 2: "2026-13-45" is not a date YYYY-MM-DD`,
		"BOT_TRUSTED_PROXIES": `BOT_TRUSTED_PROXIES "10.0.0.0/33": clientaddr: "10.0.0.0/33": not an address or CIDR prefix`,
	} {
		v := map[string]string{"BOT_HOLIDAYS": "2026-04-30\n2026-13-45", "BOT_TRUSTED_PROXIES": "10.0.0.0/33"}[env]
		if _, err := LoadConfig(nil, func(k string) string { return map[string]string{env: v}[k] }, io.Discard); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s=%q: got %v, want an error %s", env, v, err, want)
		}
	}
	for flagName, v := range map[string]string{"-holidays": "30/04/2026", "-trusted-proxies": "proxy.local"} {
		var usage bytes.Buffer
		if _, err := LoadConfig([]string{flagName, v}, func(string) string { return "" }, &usage); err != errUsage ||
			!strings.Contains(usage.String(), fmt.Sprintf("invalid value %q for flag %s", v, flagName)) {
			t.Errorf("bad %s: %v\n%s", flagName, err, usage.String())
		}
	}
}

func TestConfigErrors(t *testing.T) {
	for _, tc := range []struct {
		env  map[string]string
		args []string
		want string
	}{
		{env: map[string]string{"BOT_ADDR": "8080"}, want: "BOT_ADDR"},
		{env: map[string]string{"NATS_URL": "http://x"}, want: "NATS_URL"},
		{env: map[string]string{"FB_APP_SECRET": "x"}, want: "FB_PAGE_TOKEN is required"},
		{env: map[string]string{"ZALO_OA_SECRET": "x"}, want: "ZALO_APP_ID is required"},
		{env: map[string]string{"MEILI_KEY": "x"}, want: "MEILI_URL is not"},
		{env: map[string]string{"BOT_STAFF_FILE": "/does/not/exist"}, want: "BOT_STAFF_FILE"},
		{env: map[string]string{"BOT_PARTITIONS": "0"}, want: "BOT_PARTITIONS"},
		{env: map[string]string{"BOT_LOG_LEVEL": "loud"}, want: "BOT_LOG_LEVEL"},
		{args: []string{"-partitions", "5000"}, want: "BOT_PARTITIONS 5000"},
		{env: map[string]string{"BOT_HOTLINE_HOURS": "Mon 07:30-25:00"}, want: "BOT_HOTLINE_HOURS"},
	} {
		c, err := LoadConfig(tc.args, func(k string) string { return tc.env[k] }, io.Discard)
		if err == nil {
			err = c.Validate()
		}
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v %v: got %v, want an error about %s", tc.env, tc.args, err, tc.want)
		}
	}
	// Environment values of the wrong type are reported, not ignored.
	if _, err := LoadConfig(nil, func(k string) string {
		return map[string]string{"BOT_PARTITIONS": "many", "BOT_REQUEST_TIMEOUT": "10"}[k]
	}, io.Discard); err == nil || !strings.Contains(err.Error(), "BOT_PARTITIONS") || !strings.Contains(err.Error(), "BOT_REQUEST_TIMEOUT") {
		t.Errorf("bad env types: %v", err)
	}
	if _, err := LoadConfig([]string{"-nope"}, func(string) string { return "" }, io.Discard); err != errUsage {
		t.Errorf("unknown flag: %v", err)
	}
	var usage bytes.Buffer
	if _, err := LoadConfig([]string{"-hotline-hours", "Mon 07:30-25:00"}, func(string) string { return "" }, &usage); err != errUsage ||
		!strings.Contains(usage.String(), `invalid value "Mon 07:30-25:00" for flag -hotline-hours`) {
		t.Errorf("bad -hotline-hours: %v\n%s", err, usage.String())
	}
}

// With staff and editor files the hotline console and the admin pages are
// mounted, and the citizen routes under /api/v1 stay open.
func TestMainWithConsoles(t *testing.T) {
	dir := t.TempDir()
	hash, err := bcrypt.GenerateFromPassword([]byte("mật khẩu"), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	pw := filepath.Join(dir, "htpasswd")
	if err := os.WriteFile(pw, []byte("lan:"+string(hash)+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	m := MustRunMain(t, filepath.Join(dir, "data"), map[string]string{"BOT_STAFF_FILE": pw, "BOT_EDITOR_FILE": pw})
	for path, want := range map[string]int{"/hotline/login": 200, "/admin/login": 200, "/api/v1/hotline/tickets": 401, "/api/v1/guides": 401} {
		resp, err := http.Get(m.URL() + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Errorf("GET %s: %d, want %d", path, resp.StatusCode, want)
		}
	}
	if code := postJSON(t, m.URL()+"/api/v1/chat", `{"session":"console-session-0123456789","text":"xin chào"}`, nil); code != 202 {
		t.Errorf("chat with consoles mounted: %d", code)
	}
	if code := postJSON(t, m.URL()+"/api/v1/ask", `{"text":"xin chào"}`, nil); code != 200 {
		t.Errorf("ask with consoles mounted: %d", code)
	}
}

// Shutdown with messages in flight loses none: a slow handler is answering
// when Close runs; after a restart on the same data dir every accepted
// message has exactly one reply.
func TestShutdownLosesNothing(t *testing.T) {
	dir := t.TempDir()
	cfg, err := LoadConfig([]string{"-addr", "127.0.0.1:0", "-data-dir", dir}, func(string) string { return "" }, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	m := NewMain(cfg)
	m.Logger = slog.New(slog.DiscardHandler)
	started := make(chan struct{}, 10)
	m.Handler = func(ctx context.Context, msg bot.Message) (bot.Reply, error) {
		started <- struct{}{}
		time.Sleep(300 * time.Millisecond) // still working when Close runs
		return bot.Reply{Action: bot.ActionAnswer, Text: "chậm mà chắc"}, nil
	}
	if err := m.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	const session = "shutdown-session-0123456789"
	for i := 1; i <= 5; i++ {
		if code := postJSON(t, m.URL()+"/api/v1/chat", fmt.Sprintf(`{"session":%q,"id":"s%d","text":"câu %d"}`, session, i, i), nil); code != 202 {
			t.Fatalf("post %d: %d", i, code)
		}
	}
	<-started // a message is in the handler
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}

	// Restart with a fast handler of the same kind (the real engine would
	// hand this meaningless conversation to the hotline after two fallbacks,
	// and the hotline keeps the bot silent: not what this test is about).
	m2 := NewMain(cfg)
	m2.Logger = slog.New(slog.DiscardHandler)
	m2.Handler = func(ctx context.Context, msg bot.Message) (bot.Reply, error) {
		return bot.Reply{Action: bot.ActionAnswer, Text: "nhanh"}, nil
	}
	if err := m2.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = m2.Close() })
	deadline := time.Now().Add(60 * time.Second)
	var poll pollResult
	for time.Now().Before(deadline) {
		poll = pollResult{}
		getJSON(t, m2.URL()+"/api/v1/chat/messages?session="+session, &poll)
		if len(poll.replies()) >= 5 {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	seen := map[string]int{}
	for _, msg := range poll.replies() {
		seen[msg.ID]++
	}
	for i := 1; i <= 5; i++ {
		if id := fmt.Sprintf(":s%d:r", i); suffixCount(seen, id) != 1 {
			t.Errorf("%s: %d replies, want 1 (all: %v)", id, seen[id], seen)
		}
	}
}
