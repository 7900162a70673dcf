package webauth

import (
	"encoding/base64"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"
	"golang.org/x/crypto/bcrypt"
)

func mustAccounts(tb testing.TB, pairs ...string) Accounts {
	tb.Helper()
	var lines []string
	for i := 0; i < len(pairs); i += 2 {
		l, err := HashLine(pairs[i], pairs[i+1], bcrypt.MinCost)
		if err != nil {
			tb.Fatal(err)
		}
		lines = append(lines, l)
	}
	a, err := ParseHtpasswd(strings.NewReader(strings.Join(lines, "\n")))
	if err != nil {
		tb.Fatal(err)
	}
	return a
}

func TestParseHtpasswd(t *testing.T) {
	// A line shaped as htpasswd -B writes it ($2y$ prefix, cost 05); the hash is well-formed, not of a known password.
	good := "lan:$2y$05$hY3z4Xl8yIu4m0V5Gz3vUe7l3m0pWQ2y0pQ0oJkF6c1Gk5o9n8b2W\n"
	tests := []struct {
		name, in, wantErr string
	}{
		{"empty", "", ""},
		{"comment and blank", "# staff\n\n", ""},
		{"md5 refused", "lan:$apr1$abc$def\n", "line 1: account \"lan\": not a bcrypt hash"},
		{"no colon", "# c\nlan\n", "line 2: no ':'"},
		{"empty name", ":$2y$05$x\n", "line 1: empty account name"},
		{"malformed bcrypt", "lan:$2y$xx\n", "line 1: account \"lan\": malformed bcrypt hash"},
		{"duplicate", good + good, "line 2: account \"lan\" listed twice"},
		{"plain", "lan:secret\n", "not a bcrypt hash"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseHtpasswd(strings.NewReader(tt.in))
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("err = %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !errors.Is(err, ErrBadFile) {
				t.Fatalf("err = %v, want containing %q and wrapping ErrBadFile", err, tt.wantErr)
			}
		})
	}
}

func TestVerify(t *testing.T) {
	a := mustAccounts(t, "lan", "mật khẩu")
	if !a.Verify("lan", "mật khẩu") {
		t.Error("right password refused")
	}
	if a.Verify("lan", "mat khau") || a.Verify("hoa", "mật khẩu") {
		t.Error("wrong password or account accepted")
	}
}

func FuzzParseHtpasswd(f *testing.F) {
	f.Add("lan:$2y$05$hY3z4Xl8yIu4m0V5Gz3vUe7l3m0pWQ2y0pQ0oJkF6c1Gk5o9n8b2W\n")
	f.Add("# x\n:\n")
	f.Add("a:$2a$99$\n")
	f.Add("a:b:c\n\x00")
	f.Fuzz(func(t *testing.T, s string) {
		a, err := ParseHtpasswd(strings.NewReader(s))
		if err != nil && !errors.Is(err, ErrBadFile) {
			t.Fatalf("error %v does not wrap ErrBadFile", err)
		}
		for name := range a {
			if name == "" {
				t.Fatal("empty account accepted")
			}
		}
	})
}

// newApp builds a real Fiber app with a page and an API behind Auth.
func newApp(t *testing.T, now *time.Time) (*fiber.App, *Auth) {
	t.Helper()
	auth := New(mustAccounts(t, "lan", "đúng"), NewMemoryStore(), Config{Now: func() time.Time { return *now }}, nil)
	app := fiber.New()
	app.Post("/login", func(c *fiber.Ctx) error {
		if err := auth.SignIn(c, c.FormValue("user"), c.FormValue("password")); err != nil {
			if errors.Is(err, ErrRateLimited) {
				return c.SendStatus(fiber.StatusTooManyRequests)
			}
			return c.SendStatus(fiber.StatusUnauthorized)
		}
		return c.SendStatus(fiber.StatusNoContent)
	})
	page := app.Group("/page", auth.RequirePage("/login"))
	page.Get("/", func(c *fiber.Ctx) error { return c.SendString(Account(c) + " " + CSRFToken(c)) })
	page.Post("/do", func(c *fiber.Ctx) error { return c.SendString("done") })
	page.Post("/logout", func(c *fiber.Ctx) error { return auth.SignOut(c) })
	api := app.Group("/api", auth.RequireAPI())
	api.Get("/x", func(c *fiber.Ctx) error { return c.SendString(Account(c)) })
	api.Post("/x", func(c *fiber.Ctx) error { return c.SendString("posted") })
	return app, auth
}

func do(t *testing.T, app *fiber.App, req *http.Request) (int, string, *http.Response) {
	t.Helper()
	resp, err := app.Test(req, -1)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), resp
}

func form(method, path string, v url.Values) *http.Request {
	r := httptest.NewRequest(method, path, strings.NewReader(v.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return r
}

func basic(r *http.Request, user, pass string) *http.Request {
	r.Header.Set("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte(user+":"+pass)))
	return r
}

func TestSessionCSRFLogout(t *testing.T) {
	now := time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)
	app, _ := newApp(t, &now)

	if code, _, _ := do(t, app, httptest.NewRequest("GET", "/page/", nil)); code != fiber.StatusSeeOther {
		t.Fatalf("page without session: %d, want 303", code)
	}
	code, _, resp := do(t, app, form("POST", "/login", url.Values{"user": {"lan"}, "password": {"đúng"}}))
	if code != fiber.StatusNoContent {
		t.Fatalf("login: %d", code)
	}
	var cookie *http.Cookie
	for _, c := range resp.Cookies() {
		cookie = c
	}
	if cookie == nil || !cookie.HttpOnly || !cookie.Secure || cookie.SameSite != http.SameSiteStrictMode {
		t.Fatalf("cookie = %+v, want HttpOnly, Secure, SameSite=Strict", cookie)
	}
	get := httptest.NewRequest("GET", "/page/", nil)
	get.AddCookie(cookie)
	code, body, _ := do(t, app, get)
	if code != 200 || !strings.HasPrefix(body, "lan ") {
		t.Fatalf("page with session: %d %q", code, body)
	}
	csrf := strings.TrimPrefix(body, "lan ")

	post := form("POST", "/page/do", url.Values{})
	post.AddCookie(cookie)
	if code, _, _ := do(t, app, post); code != fiber.StatusForbidden {
		t.Errorf("post without csrf: %d, want 403", code)
	}
	post = form("POST", "/page/do", url.Values{"_csrf": {csrf}})
	post.AddCookie(cookie)
	if code, body, _ := do(t, app, post); code != 200 || body != "done" {
		t.Errorf("post with csrf: %d %q", code, body)
	}
	// API with the cookie: GET fine, POST needs the header.
	apiPost := httptest.NewRequest("POST", "/api/x", nil)
	apiPost.AddCookie(cookie)
	if code, _, _ := do(t, app, apiPost); code != fiber.StatusForbidden {
		t.Errorf("api post with cookie, no csrf header: %d, want 403", code)
	}
	apiPost = httptest.NewRequest("POST", "/api/x", nil)
	apiPost.AddCookie(cookie)
	apiPost.Header.Set("X-CSRF-Token", csrf)
	if code, _, _ := do(t, app, apiPost); code != 200 {
		t.Errorf("api post with cookie and csrf header: %d", code)
	}

	out := form("POST", "/page/logout", url.Values{"_csrf": {csrf}})
	out.AddCookie(cookie)
	if code, _, _ := do(t, app, out); code != 200 {
		t.Fatalf("logout: %d", code)
	}
	get = httptest.NewRequest("GET", "/page/", nil)
	get.AddCookie(cookie)
	if code, _, _ := do(t, app, get); code != fiber.StatusSeeOther {
		t.Errorf("page after logout: %d, want 303", code)
	}

	// Expiry.
	_, _, resp = do(t, app, form("POST", "/login", url.Values{"user": {"lan"}, "password": {"đúng"}}))
	cookie = resp.Cookies()[0]
	now = now.Add(13 * time.Hour)
	get = httptest.NewRequest("GET", "/page/", nil)
	get.AddCookie(cookie)
	if code, _, _ := do(t, app, get); code != fiber.StatusSeeOther {
		t.Errorf("page after expiry: %d, want 303", code)
	}
}

func TestBasicAndRateLimit(t *testing.T) {
	now := time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)
	app, _ := newApp(t, &now)
	if code, _, resp := do(t, app, httptest.NewRequest("GET", "/api/x", nil)); code != 401 || resp.Header.Get("WWW-Authenticate") == "" {
		t.Fatalf("api without credentials: %d", code)
	}
	if code, body, _ := do(t, app, basic(httptest.NewRequest("GET", "/api/x", nil), "lan", "đúng")); code != 200 || body != "lan" {
		t.Fatalf("basic: %d %q", code, body)
	}
	for i := 0; i < 5; i++ {
		if code, _, _ := do(t, app, basic(httptest.NewRequest("GET", "/api/x", nil), "lan", "sai")); code != 401 {
			t.Fatalf("wrong password #%d: %d, want 401", i+1, code)
		}
	}
	// Locked out now, even with the right password, on both the API and the form.
	if code, _, resp := do(t, app, basic(httptest.NewRequest("GET", "/api/x", nil), "lan", "đúng")); code != 429 || resp.Header.Get("Retry-After") == "" {
		t.Fatalf("after 5 failures: %d, want 429 with Retry-After", code)
	}
	if code, _, _ := do(t, app, form("POST", "/login", url.Values{"user": {"lan"}, "password": {"đúng"}})); code != 429 {
		t.Fatalf("form after 5 failures: %d, want 429", code)
	}
	now = now.Add(16 * time.Minute)
	if code, _, _ := do(t, app, basic(httptest.NewRequest("GET", "/api/x", nil), "lan", "đúng")); code != 200 {
		t.Fatalf("after the window: %d, want 200", code)
	}
}
