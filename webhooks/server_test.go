package webhooks_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gofiber/fiber/v2"
	"github.com/prometheus/client_golang/prometheus"

	"botdvc/bot"
	"botdvc/webhooks"
)

type mountFunc func(fiber.Router)

func (f mountFunc) Mount(r fiber.Router) { f(r) }

func newServer(t *testing.T, ready error) *webhooks.Server {
	t.Helper()
	s := webhooks.NewServer(nil, webhooks.ServerConfig{
		BodyLimit:    4096,
		Registry:     prometheus.NewRegistry(),
		MetricsToken: "metrics-token",
		Ready:        []webhooks.Check{{Name: "nats", Check: func(context.Context) error { return ready }}},
	})
	s.Mount(mountFunc(func(r fiber.Router) {
		r.Post("/echo", func(c *fiber.Ctx) error {
			var v map[string]any
			if err := webhooks.DecodeJSON(c, &v); err != nil {
				return err
			}
			return c.JSON(v)
		})
		r.Get("/panic", func(*fiber.Ctx) error { panic("boom") })
		r.Get("/deadline", func(c *fiber.Ctx) error {
			if _, ok := c.UserContext().Deadline(); !ok {
				return errors.New("no deadline")
			}
			return c.SendString("ok")
		})
	}))
	return s
}

func do(t *testing.T, s *webhooks.Server, req *http.Request) (int, map[string]any, http.Header) {
	t.Helper()
	resp, err := s.App.Test(req, -1)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var v map[string]any
	_ = json.Unmarshal(b, &v)
	return resp.StatusCode, v, resp.Header
}

func TestServerErrors(t *testing.T) {
	s := newServer(t, nil)
	post := func(body []byte, ct string) *http.Request {
		r := httptest.NewRequest("POST", "/echo", bytes.NewReader(body))
		if ct != "" {
			r.Header.Set("Content-Type", ct)
		}
		return r
	}
	for _, tc := range []struct {
		name     string
		req      *http.Request
		code     int
		contains string
	}{
		{"good", post([]byte(`{"a":1}`), "application/json"), 200, ""},
		{"bad json", post([]byte(`{"a":`), "application/json"), 400, "invalid JSON"},
		{"invalid utf-8", post([]byte("{\"a\":\"\xff\"}"), "application/json"), 400, "UTF-8"},
		{"empty", post(nil, "application/json"), 400, "empty body"},
		{"wrong type", post([]byte(`a=1`), "application/x-www-form-urlencoded"), 415, "application/json"},
		{"panic", httptest.NewRequest("GET", "/panic", nil), 500, "internal error"},
		{"unknown route", httptest.NewRequest("GET", "/nope", nil), 404, ""},
		{"deadline set", httptest.NewRequest("GET", "/deadline", nil), 200, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, body, h := do(t, s, tc.req)
			if code != tc.code {
				t.Fatalf("status %d, want %d (body %v)", code, tc.code, body)
			}
			if code >= 400 {
				msg, _ := body["error"].(string)
				if msg == "" || !strings.Contains(msg, tc.contains) {
					t.Errorf("error %q, want JSON error containing %q", msg, tc.contains)
				}
			}
			if h.Get(webhooks.HeaderRequestID) == "" {
				t.Errorf("no request id")
			}
		})
	}
}

// The body limit is enforced by the HTTP server itself, so this test goes
// over a real socket.
func TestBodyLimit(t *testing.T) {
	s := newServer(t, nil)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = s.Serve(ln) }()
	t.Cleanup(func() { _ = s.Shutdown(context.Background()) })
	resp, err := http.Post("http://"+ln.Addr().String()+"/echo", "application/json", bytes.NewReader(bytes.Repeat([]byte("a"), 10000)))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var v map[string]string
	if resp.StatusCode != 413 || json.Unmarshal(b, &v) != nil || v["error"] == "" {
		t.Errorf("status %d body %s, want 413 with a JSON error", resp.StatusCode, b)
	}
}

func TestHealthReady(t *testing.T) {
	code, body, _ := do(t, newServer(t, nil), httptest.NewRequest("GET", "/healthz", nil))
	if code != 200 || body["status"] != "ok" {
		t.Errorf("healthz %d %v", code, body)
	}
	code, body, _ = do(t, newServer(t, nil), httptest.NewRequest("GET", "/readyz", nil))
	if code != 200 || body["status"] != "ready" {
		t.Errorf("readyz %d %v", code, body)
	}
	code, body, _ = do(t, newServer(t, errors.New("nats disconnected")), httptest.NewRequest("GET", "/readyz", nil))
	checks, _ := body["checks"].(map[string]any)
	if code != 503 || checks["nats"] != "nats disconnected" {
		t.Errorf("readyz down: %d %v", code, body)
	}
}

func TestMetrics(t *testing.T) {
	s := newServer(t, nil)
	req := httptest.NewRequest("POST", "/echo", strings.NewReader(`{}`))
	req.Header.Set("Content-Type", "application/json")
	do(t, s, req)
	do(t, s, httptest.NewRequest("GET", "/healthz", nil))
	if resp, _ := s.App.Test(httptest.NewRequest("GET", "/metrics", nil), -1); resp.StatusCode != 403 {
		t.Errorf("metrics without the token: %d, want 403", resp.StatusCode)
	}
	mreq := httptest.NewRequest("GET", "/metrics", nil)
	mreq.Header.Set("Authorization", "Bearer metrics-token")
	resp, err := s.App.Test(mreq, -1)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	// The POST label survives later requests (regression: Fiber reuses the
	// buffer behind c.Method(), which turned "POST" into "POS").
	if !strings.Contains(string(b), `bot_http_requests_total{method="GET",route="/healthz",status="200"} 1`) ||
		!strings.Contains(string(b), `bot_http_requests_total{method="POST",route="/echo",status="200"} 1`) {
		t.Errorf("metrics:\n%s", b)
	}
}

func TestAsk(t *testing.T) {
	var got bot.Message
	h := func(_ context.Context, m bot.Message) (bot.Reply, error) {
		got = m
		return bot.Reply{Action: bot.ActionAnswer, Text: "Mang căn cước.", GuideID: "dang-ky-khai-sinh", Code: "1.001193",
			Aspect: bot.AspectDocuments, Confidence: 0.9, Candidates: []bot.Candidate{{GuideID: "dang-ky-khai-sinh", Code: "1.001193", Title: "Đăng ký khai sinh", Score: 3}}}, nil
	}
	s := newServer(t, nil)
	s.Mount(webhooks.NewAsk(h))
	req := httptest.NewRequest("POST", "/api/v1/ask", strings.NewReader(`{"text":" khai sinh cần gì ","session":"s1"}`))
	req.Header.Set("Content-Type", "application/json")
	resp, err := s.App.Test(req, -1)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("status %d: %s", resp.StatusCode, b)
	}
	want := `{"query":"khai sinh cần gì","action":"answer","guide_id":"dang-ky-khai-sinh","code":"1.001193","aspect":"documents","confidence":0.9,"candidates":[{"guide_id":"dang-ky-khai-sinh","code":"1.001193","title":"Đăng ký khai sinh","score":3}],"text":"Mang căn cước.","options":[],"links":[]}`
	if string(b) != want {
		t.Errorf("got  %s\nwant %s", b, want)
	}
	if got.Text != "khai sinh cần gì" || got.UserID != "ask:s1" || got.Channel != bot.Web {
		t.Errorf("handler got %+v", got)
	}
	for body, code := range map[string]int{`{"text":""}`: 400, `{"text":` + `"` + strings.Repeat("a", 2001) + `"}`: 413, `[1]`: 400} {
		req := httptest.NewRequest("POST", "/api/v1/ask", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		if c, _, _ := do(t, s, req); c != code {
			t.Errorf("%.20s: status %d, want %d", body, c, code)
		}
	}
	// BOT_MAX_TEXT holds here too (issue 17: the ask route took 2000
	// characters whatever it said).
	short := newServer(t, nil)
	a := webhooks.NewAsk(h)
	a.MaxText = 10
	short.Mount(a)
	for body, code := range map[string]int{`{"text":"khai sinh"}`: 200, `{"text":"khai sinh cần gì"}`: 413} {
		req := httptest.NewRequest("POST", "/api/v1/ask", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		if c, b, _ := do(t, short, req); c != code || (code == 413 && !strings.Contains(fmt.Sprint(b), "longer than 10 characters")) {
			t.Errorf("MaxText 10, %s: status %d %s, want %d", body, c, b, code)
		}
	}
}

// FuzzDecodeJSON: any body gets 200 or a 4xx JSON error, never a panic or 5xx.
func FuzzDecodeJSON(f *testing.F) {
	for _, seed := range []string{`{"text":"xin chào"}`, `{`, "\xff", `[]`, `null`, `{"text":1}`, ``, `{"a":"\u0000"}`} {
		f.Add([]byte(seed))
	}
	s := webhooks.NewServer(nil, webhooks.ServerConfig{BodyLimit: 1 << 16})
	s.Mount(webhooks.NewAsk(func(context.Context, bot.Message) (bot.Reply, error) {
		return bot.Reply{Action: bot.ActionFallback}, nil
	}))
	f.Fuzz(func(t *testing.T, body []byte) {
		req := httptest.NewRequest("POST", "/api/v1/ask", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		resp, err := s.App.Test(req, -1)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode >= 500 {
			t.Fatalf("status %d for %q: %s", resp.StatusCode, body, b)
		}
		if resp.StatusCode >= 400 && !json.Valid(b) {
			t.Fatalf("non-JSON error %q", b)
		}
	})
}

// Without BOT_METRICS_TOKEN /metrics is refused on the main listener,
// whatever Authorization is sent (regression for issue 12: it was public).
func TestMetricsWithoutToken(t *testing.T) {
	s := webhooks.NewServer(nil, webhooks.ServerConfig{Registry: prometheus.NewRegistry()})
	for _, auth := range []string{"", "Bearer ", "Bearer x"} {
		req := httptest.NewRequest("GET", "/metrics", nil)
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		resp, err := s.App.Test(req, -1)
		if err != nil {
			t.Fatal(err)
		}
		if resp.StatusCode != 403 {
			t.Errorf("Authorization %q: %d, want 403", auth, resp.StatusCode)
		}
	}
}
