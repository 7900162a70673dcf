package webauth

import (
	"context"
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

	"botdvc/internal/clientaddr"
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
	auth := New(mustAccounts(t, "lan", "đúng"), NewMemoryStore(), Config{Site: "test", Secure: SecureAlways, Now: func() time.Time { return *now }}, nil)
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
	// Backing off now, even with the right password, on both the API and
	// the form: 1 s after the 5th failure, 2 s after the 6th, 4 s…
	if code, _, resp := do(t, app, basic(httptest.NewRequest("GET", "/api/x", nil), "lan", "đúng")); code != 429 || resp.Header.Get("Retry-After") != "1" {
		t.Fatalf("after 5 failures: %d Retry-After %q, want 429 with Retry-After 1", code, resp.Header.Get("Retry-After"))
	}
	if code, _, _ := do(t, app, form("POST", "/login", url.Values{"user": {"lan"}, "password": {"đúng"}})); code != 429 {
		t.Fatalf("form after 5 failures: %d, want 429", code)
	}
	now = now.Add(1100 * time.Millisecond)
	if code, _, _ := do(t, app, basic(httptest.NewRequest("GET", "/api/x", nil), "lan", "sai")); code != 401 {
		t.Fatalf("6th wrong password after the wait: %d, want 401", code)
	}
	if code, _, resp := do(t, app, basic(httptest.NewRequest("GET", "/api/x", nil), "lan", "đúng")); code != 429 || resp.Header.Get("Retry-After") != "2" {
		t.Fatalf("after 6 failures: %d Retry-After %q, want 429 with 2", code, resp.Header.Get("Retry-After"))
	}
	now = now.Add(2100 * time.Millisecond)
	if code, _, _ := do(t, app, basic(httptest.NewRequest("GET", "/api/x", nil), "lan", "đúng")); code != 200 {
		t.Fatalf("after the back-off: %d, want 200", code)
	}
	// The success reset the counter.
	if code, _, _ := do(t, app, basic(httptest.NewRequest("GET", "/api/x", nil), "lan", "sai")); code != 401 {
		t.Fatalf("after a success: %d, want 401 (no back-off)", code)
	}
}

// A session is valid only on the site that made it, only while its account
// is in the accounts file with the same password, and until revoked.
func TestSessionBoundToSiteAndAccount(t *testing.T) {
	now := time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	store := NewMemoryStore() // one store for both sites: the worst case
	staff := New(mustAccounts(t, "lan", "đúng", "hoa", "đúng"), store, Config{Site: "hotline", Now: clock}, nil)
	editors := New(mustAccounts(t, "lan", "khác"), store, Config{Site: "admin", CookieName: "botdvc_admin", Now: clock}, nil)
	mk := func(a *Auth) *fiber.App {
		app := fiber.New()
		app.Post("/login", func(c *fiber.Ctx) error {
			if err := a.SignIn(c, c.FormValue("user"), c.FormValue("password")); err != nil {
				return c.SendStatus(fiber.StatusUnauthorized)
			}
			return c.SendStatus(fiber.StatusNoContent)
		})
		app.Get("/api/x", a.RequireAPI(), func(c *fiber.Ctx) error { return c.SendString(Account(c)) })
		app.Post("/api/everywhere", a.RequireAPI(), func(c *fiber.Ctx) error { return a.SignOutEverywhere(c) })
		return app
	}
	staffApp, editorApp := mk(staff), mk(editors)
	login := func(app *fiber.App, user, pass string) string {
		_, _, resp := do(t, app, form("POST", "/login", url.Values{"user": {user}, "password": {pass}}))
		for _, c := range resp.Cookies() {
			return c.Value
		}
		t.Fatalf("no cookie for %s", user)
		return ""
	}
	get := func(app *fiber.App, name, value string) int {
		r := httptest.NewRequest("GET", "/api/x", nil)
		r.AddCookie(&http.Cookie{Name: name, Value: value})
		code, _, _ := do(t, app, r)
		return code
	}
	lanStaff := login(staffApp, "lan", "đúng")
	if code := get(staffApp, "botdvc_session", lanStaff); code != 200 {
		t.Fatalf("own site: %d", code)
	}
	if code := get(editorApp, "botdvc_admin", lanStaff); code != 401 {
		t.Errorf("staff session on the editors' site (same account name): %d, want 401", code)
	}
	// Password changed: the old session ends.
	staff.SetAccounts(mustAccounts(t, "lan", "mới", "hoa", "đúng"))
	if code := get(staffApp, "botdvc_session", lanStaff); code != 401 {
		t.Errorf("after a password change: %d, want 401", code)
	}
	// Account removed: its session ends.
	hoa := login(staffApp, "hoa", "đúng")
	staff.SetAccounts(mustAccounts(t, "lan", "mới"))
	if code := get(staffApp, "botdvc_session", hoa); code != 401 {
		t.Errorf("after removal: %d, want 401", code)
	}
	// Revoked: every session of the account ends, later ones work.
	a1, a2 := login(staffApp, "lan", "mới"), login(staffApp, "lan", "mới")
	now = now.Add(time.Second)
	r := httptest.NewRequest("POST", "/api/everywhere", nil)
	r.AddCookie(&http.Cookie{Name: "botdvc_session", Value: a1})
	r.Header.Set("X-CSRF-Token", "x")
	if code, _, _ := do(t, staffApp, r); code != 403 {
		t.Fatalf("revoke without CSRF: %d", code)
	}
	if err := staff.Revoke(context.Background(), "lan"); err != nil {
		t.Fatal(err)
	}
	for _, v := range []string{a1, a2} {
		if code := get(staffApp, "botdvc_session", v); code != 401 {
			t.Errorf("after revocation: %d, want 401", code)
		}
	}
	now = now.Add(time.Second)
	if code := get(staffApp, "botdvc_session", login(staffApp, "lan", "mới")); code != 200 {
		t.Errorf("new session after revocation: %d", code)
	}
}

// The CSRF token counts in the form body or the header, never the query.
func TestCSRFNotFromQuery(t *testing.T) {
	now := time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)
	app, _ := newApp(t, &now)
	_, _, resp := do(t, app, form("POST", "/login", url.Values{"user": {"lan"}, "password": {"đúng"}}))
	cookie := resp.Cookies()[0]
	get := httptest.NewRequest("GET", "/page/", nil)
	get.AddCookie(cookie)
	_, body, _ := do(t, app, get)
	csrf := strings.TrimPrefix(body, "lan ")
	post := form("POST", "/page/do?_csrf="+url.QueryEscape(csrf), url.Values{})
	post.AddCookie(cookie)
	if code, _, _ := do(t, app, post); code != fiber.StatusForbidden {
		t.Errorf("token in the query string: %d, want 403", code)
	}
	cross := form("POST", "/page/do", url.Values{"_csrf": {csrf}})
	cross.AddCookie(cookie)
	cross.Header.Set("Sec-Fetch-Site", "cross-site")
	if code, _, _ := do(t, app, cross); code != fiber.StatusForbidden {
		t.Errorf("cross-site post with the token: %d, want 403", code)
	}
}

// BOT_COOKIE_SECURE: auto marks the cookie Secure only over HTTPS as a
// trusted proxy reports it; always and never do what they say.
func TestCookieSecureModes(t *testing.T) {
	proxies, _ := clientaddr.ParseProxies("0.0.0.0") // app.Test's peer
	for _, tc := range []struct {
		mode  string
		proto string
		want  bool
	}{
		{"auto", "", false}, {"auto", "https", true}, {"auto", "http", false},
		{"always", "", true}, {"never", "https", false},
	} {
		mode, err := ParseSecureMode(tc.mode)
		if err != nil {
			t.Fatal(err)
		}
		auth := New(mustAccounts(t, "lan", "đúng"), NewMemoryStore(), Config{Secure: mode}, nil)
		app := fiber.New()
		app.Use(proxies.Middleware())
		app.Post("/login", func(c *fiber.Ctx) error { return auth.SignIn(c, "lan", "đúng") })
		r := form("POST", "/login", nil)
		if tc.proto != "" {
			r.Header.Set("X-Forwarded-Proto", tc.proto)
		}
		_, _, resp := do(t, app, r)
		if len(resp.Cookies()) != 1 || resp.Cookies()[0].Secure != tc.want {
			t.Errorf("%s with X-Forwarded-Proto %q: cookies %v, want Secure=%v", tc.mode, tc.proto, resp.Cookies(), tc.want)
		}
	}
	if _, err := ParseSecureMode("sometimes"); err == nil {
		t.Error("bad mode accepted")
	}
}

// An unknown account costs the same bcrypt work as a known one: the decoy
// hash has the accounts' own cost (htpasswd -B makes cost 5).
func TestDecoyCost(t *testing.T) {
	var lines []string
	for _, u := range []string{"a", "b", "c"} {
		l, _ := HashLine(u, "x", 5)
		lines = append(lines, l)
	}
	a, _ := ParseHtpasswd(strings.NewReader(strings.Join(lines, "\n")))
	if c := a.cost(); c != 5 {
		t.Fatalf("cost %d, want 5", c)
	}
	if c, _ := bcrypt.Cost(decoy(a.cost())); c != 5 {
		t.Errorf("decoy cost %d, want 5", c)
	}
	if c := (Accounts{}).cost(); c != bcrypt.DefaultCost {
		t.Errorf("no accounts: cost %d", c)
	}
}
