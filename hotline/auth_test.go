package hotline

import (
	"bufio"
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"botdvc/bot"
	"botdvc/webauth"
)

// routes lists every route of the console and API (with a real ticket id).
func routes(id string) [][2]string {
	return [][2]string{
		{"GET", "/hotline/"}, {"GET", "/hotline"}, {"GET", "/hotline/queue"}, {"GET", "/hotline/console.js"},
		{"GET", "/hotline/events"}, {"POST", "/hotline/logout"}, {"GET", "/hotline/t/" + id},
		{"GET", "/hotline/t/" + id + "/live"}, {"POST", "/hotline/t/" + id + "/claim"},
		{"POST", "/hotline/t/" + id + "/reply"}, {"POST", "/hotline/t/" + id + "/note"},
		{"POST", "/hotline/t/" + id + "/close"}, {"POST", "/hotline/t/" + id + "/link"},
		{"GET", "/hotline/nonexistent"},
		{"GET", "/api/v1/hotline/tickets"}, {"GET", "/api/v1/hotline/tickets?status=open"},
		{"GET", "/api/v1/hotline/tickets/" + id}, {"POST", "/api/v1/hotline/tickets/" + id + "/claim"},
		{"POST", "/api/v1/hotline/tickets/" + id + "/reply"}, {"POST", "/api/v1/hotline/tickets/" + id + "/note"},
		{"POST", "/api/v1/hotline/tickets/" + id + "/close"}, {"POST", "/api/v1/hotline/tickets/" + id + "/link"},
		{"GET", "/api/v1/hotline/events"}, {"GET", "/api/v1/hotline/summary"}, {"GET", "/api/v1/hotline/resolutions"},
		{"GET", "/api/v1/hotline/nonexistent"},
	}
}

func TestNoRouteAnswersWithoutCredentials(t *testing.T) {
	e := MustOpenQueue(t)
	app := e.MustApp(t, webauth.Config{})
	r, _ := e.q.Escalate(context.Background(), escalation("m1", bot.Zalo, "z1", e.clock.Now()))
	for _, rt := range routes(r.TicketID) {
		for _, cred := range []string{"none", "wrong", "garbage"} {
			req := httptest.NewRequest(rt[0], rt[1], strings.NewReader(`{"text":"x","resolution":"x"}`))
			switch cred {
			case "wrong":
				req.SetBasicAuth("lan", "sai mật khẩu")
			case "garbage":
				req.Header.Set("Cookie", "botdvc_session=forged")
			}
			resp, err := app.Test(req, 5000)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			api := strings.HasPrefix(rt[1], "/api/")
			ok := resp.StatusCode == 401 || resp.StatusCode == 429 ||
				(!api && (resp.StatusCode == 303 && resp.Header.Get("Location") == "/hotline/login"))
			if !ok || strings.Contains(string(body), r.TicketID) {
				t.Errorf("%s %s with %s credentials: %d %q", rt[0], rt[1], cred, resp.StatusCode, body)
			}
		}
	}
	tk, _ := e.q.Get(context.Background(), r.TicketID)
	if tk.Status != StatusOpen || len(tk.Notes) != 0 || len(e.out.all()) != 0 {
		t.Fatal("an unauthenticated request changed the ticket")
	}
	// The login page itself answers.
	resp, _ := app.Test(httptest.NewRequest("GET", "/hotline/login", nil))
	if resp.StatusCode != 200 {
		t.Fatalf("login page: %d", resp.StatusCode)
	}
}

func TestWrongPasswordRateLimited(t *testing.T) {
	e := MustOpenQueue(t)
	app := e.MustApp(t, webauth.Config{})
	login := func(pass string) int {
		req := httptest.NewRequest("POST", "/hotline/login", strings.NewReader(url.Values{"user": {"lan"}, "password": {pass}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		resp, err := app.Test(req)
		if err != nil {
			t.Fatal(err)
		}
		return resp.StatusCode
	}
	for i := range 5 {
		if code := login("sai"); code != 401 {
			t.Fatalf("wrong password #%d: %d, want 401", i+1, code)
		}
	}
	if code := login("mật khẩu 1"); code != 429 {
		t.Fatalf("right password after 5 failures: %d, want 429", code)
	}
	// The API shares the counter.
	if code, _ := apiDo(t, e, app, "GET", "/api/v1/hotline/tickets", "lan", "mật khẩu 1", ""); code != 429 {
		t.Fatalf("API after 5 failures: %d, want 429", code)
	}
	// Another account from the same client is not locked.
	if code, _ := apiDo(t, e, app, "GET", "/api/v1/hotline/tickets", "hoa", "mật khẩu 2", ""); code != 200 {
		t.Fatalf("other account: %d, want 200", code)
	}
	e.clock.Add(16 * time.Minute)
	cross := httptest.NewRequest("POST", "/hotline/login", strings.NewReader(url.Values{"user": {"lan"}, "password": {"mật khẩu 1"}}.Encode()))
	cross.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	cross.Header.Set("Sec-Fetch-Site", "cross-site")
	if resp, _ := app.Test(cross); resp.StatusCode != 403 {
		t.Fatalf("cross-site sign-in: %d, want 403", resp.StatusCode)
	}
	if code := login("mật khẩu 1"); code != 303 {
		t.Fatalf("after the window: %d, want 303", code)
	}
}

// TestConsoleFormsNeedCSRF signs in with the form, then checks that a form
// post without the session's token is refused and with it goes through.
func TestConsoleFormsNeedCSRF(t *testing.T) {
	e := MustOpenQueue(t)
	app := e.MustApp(t, webauth.Config{})
	// A user id no random token on the page can contain by chance ("z1"
	// sometimes turned up inside the CSRF token).
	const userID = "zalo-user-id-7741"
	r, _ := e.q.Escalate(context.Background(), escalation("m1", bot.Zalo, userID, e.clock.Now()))
	req := httptest.NewRequest("POST", "/hotline/login", strings.NewReader(url.Values{"user": {"lan"}, "password": {"mật khẩu 1"}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, _ := app.Test(req)
	if resp.StatusCode != 303 || len(resp.Cookies()) != 1 {
		t.Fatalf("login: %d", resp.StatusCode)
	}
	cookie := resp.Cookies()[0]
	get := httptest.NewRequest("GET", "/hotline/t/"+r.TicketID, nil)
	get.AddCookie(cookie)
	resp, _ = app.Test(get)
	page, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 || !strings.Contains(string(page), r.TicketID) || !strings.Contains(string(page), "Nhận phiếu") {
		t.Fatalf("ticket page: %d", resp.StatusCode)
	}
	if strings.Contains(string(page), userID) {
		t.Error("ticket page shows the platform user id")
	}
	i := strings.Index(string(page), `name="_csrf" value="`)
	csrf := string(page)[i+len(`name="_csrf" value="`):]
	csrf = csrf[:strings.Index(csrf, `"`)]

	post := func(form url.Values) *http.Response {
		req := httptest.NewRequest("POST", "/hotline/t/"+r.TicketID+"/claim", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.AddCookie(cookie)
		resp, err := app.Test(req)
		if err != nil {
			t.Fatal(err)
		}
		return resp
	}
	if resp := post(url.Values{}); resp.StatusCode != 403 {
		t.Fatalf("claim without csrf: %d, want 403", resp.StatusCode)
	}
	if resp := post(url.Values{"_csrf": {csrf}}); resp.StatusCode != 303 || !strings.Contains(resp.Header.Get("Location"), "ok=claim") {
		t.Fatalf("claim with csrf: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	if tk, _ := e.q.Get(context.Background(), r.TicketID); tk.Assignee != "lan" {
		t.Fatalf("assignee %q", tk.Assignee)
	}
}

// TestEventsOverHTTP reads the SSE stream of a real server on a loopback port.
func TestEventsOverHTTP(t *testing.T) {
	e := MustOpenQueue(t)
	app := e.MustApp(t, webauth.Config{})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go app.Listener(ln)
	t.Cleanup(func() { e.q.Close(); app.ShutdownWithTimeout(5 * time.Second) })

	req, _ := http.NewRequest("GET", "http://"+ln.Addr().String()+"/api/v1/hotline/events", nil)
	req.SetBasicAuth("hoa", "mật khẩu 2")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream") {
		t.Fatalf("events: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	rd := bufio.NewReader(resp.Body)
	if line, _ := rd.ReadString('\n'); !strings.HasPrefix(line, "retry:") {
		t.Fatalf("first line %q", line)
	}
	r, _ := e.q.Escalate(context.Background(), escalation("m1", bot.Web, "w1", e.clock.Now()))
	got := make(chan string, 1)
	go func() {
		for {
			line, err := rd.ReadString('\n')
			if err != nil {
				close(got)
				return
			}
			if strings.HasPrefix(line, "data: ") {
				got <- line
				return
			}
		}
	}()
	select {
	case line := <-got:
		if !strings.Contains(line, r.TicketID) || !strings.Contains(line, `"status":"open"`) {
			t.Fatalf("event %q", line)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no event within 10 s")
	}
}
