package hotline

import (
	"bufio"
	"context"
	"encoding/base64"
	"encoding/json"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"botdvc/bot"
	"botdvc/webauth"
)

var updateScreenshots = flag.Bool("update", false, "write the console screenshots to ../doc")

// chromiumPath is Debian's chromium, or $CHROMIUM.
func chromiumPath() string {
	if p := os.Getenv("CHROMIUM"); p != "" {
		return p
	}
	return "/usr/bin/chromium"
}

// MustStartChromium starts headless Chromium with remote debugging on a
// free port and returns a CDP client attached to its page. The process is
// killed when the test ends.
func MustStartChromium(t *testing.T) *cdp {
	t.Helper()
	bin := chromiumPath()
	if _, err := os.Stat(bin); err != nil {
		t.Skipf("browser test skipped: no Chromium at %s (install Debian's chromium package, or set CHROMIUM)", bin)
	}
	// Not t.TempDir: Chromium's helpers may still write for a moment after
	// the kill, so the profile is removed with retries below.
	profile, err := os.MkdirTemp("", "hotline-chromium-")
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
		"--no-first-run", "--no-default-browser-check", "--remote-debugging-port=0", "--remote-debugging-address=127.0.0.1",
		"--user-data-dir="+profile, "--window-size=1280,900", "--lang=vi", "about:blank")
	// Its own process group, so that the renderers and helpers it forks end with it.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) // the group we started
		cmd.Wait()
		for range 50 {
			if os.RemoveAll(profile) == nil {
				return
			}
			time.Sleep(100 * time.Millisecond)
		}
	})
	found := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			if _, after, ok := strings.Cut(sc.Text(), "DevTools listening on "); ok {
				found <- after
			}
		}
	}()
	var browserWS string
	select {
	case browserWS = <-found:
	case <-time.After(30 * time.Second):
		t.Fatal("chromium did not print its DevTools address")
	}
	host := strings.Split(strings.TrimPrefix(browserWS, "ws://"), "/")[0]
	var pageWS string
	checkFor(t, 10*time.Second, 100*time.Millisecond, func() error {
		resp, err := http.Get("http://" + host + "/json/list")
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		var targets []struct{ Type, WebSocketDebuggerURL string }
		if err := json.NewDecoder(resp.Body).Decode(&targets); err != nil {
			return err
		}
		for _, tg := range targets {
			if tg.Type == "page" {
				pageWS = tg.WebSocketDebuggerURL
				return nil
			}
		}
		return fmt.Errorf("no page target yet")
	})
	ws, err := wsDial(pageWS)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ws.c.Close() })
	c := &cdp{ws: ws}
	if err := c.call("Emulation.setDeviceMetricsOverride", map[string]any{"width": 1280, "height": 860, "deviceScaleFactor": 1, "mobile": false}, nil); err != nil {
		t.Fatal(err)
	}
	return c
}

// waitJS polls a JavaScript condition in the page until it is true.
func waitJS(t *testing.T, c *cdp, what, expr string) {
	t.Helper()
	checkFor(t, 15*time.Second, 100*time.Millisecond, func() error {
		v, err := c.eval(expr)
		if err != nil {
			return err
		}
		if v != true {
			url, _ := c.eval("location.href")
			return fmt.Errorf("waiting for %s (at %v)", what, url)
		}
		return nil
	})
}

func mustEval(t *testing.T, c *cdp, expr string) any {
	t.Helper()
	v, err := c.eval(expr)
	if err != nil {
		t.Fatalf("%s: %v", expr, err)
	}
	return v
}

func screenshot(t *testing.T, c *cdp, name string) {
	t.Helper()
	if !*updateScreenshots {
		return
	}
	var r struct{ Data string }
	if err := c.call("Page.captureScreenshot", map[string]any{"format": "png"}, &r); err != nil {
		t.Fatal(err)
	}
	b, err := base64.StdEncoding.DecodeString(r.Data)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join("..", "doc", name), b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestBrowserConsole drives the console in headless Chromium over the
// DevTools protocol: sign in, see a ticket appear live (no reload), open it,
// claim, insert a canned reply and send it, see the citizen's answer arrive
// live, close with hand-back. Run with -update to refresh the screenshots
// in doc/.
func TestBrowserConsole(t *testing.T) {
	c := MustStartChromium(t)
	e := MustOpenQueue(t)
	now := time.Now()
	e.clock.t = now
	app := e.MustApp(t, webauth.Config{Now: time.Now})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go app.Listener(ln)
	t.Cleanup(func() { e.q.Close(); app.ShutdownWithTimeout(5 * time.Second) })
	// localhost is a secure context for Chromium, so the Secure cookie is kept over plain http.
	base := fmt.Sprintf("http://localhost:%d", ln.Addr().(*net.TCPAddr).Port)
	ctx := context.Background()

	// Some tickets already waiting, with reply windows in different states.
	seed := []struct {
		ch       bot.Channel
		cat, q   string
		lastUser time.Duration
		claim    string
	}{
		{bot.Messenger, bot.CategoryUnanswered, "Em muốn đổi tên trên giấy khai sinh cho con thì nộp ở phường hay ở thành phố ạ?", 23*time.Hour + 15*time.Minute, ""},
		{bot.Zalo, bot.CategoryStatus, "Hồ sơ đăng ký thường trú mã H26.01-251120-0042 đến đâu rồi ạ?", 50 * time.Hour, ""},
		{bot.Web, bot.CategoryComplaint, "Tôi nộp hồ sơ trực tuyến 3 tuần chưa có kết quả, không ai trả lời điện thoại.", 40 * time.Minute, ""},
		{bot.Messenger, bot.CategoryPerson, "cho em gặp cán bộ hướng dẫn cấp đổi giấy phép lái xe", 3 * time.Hour, "hoa"},
	}
	for i, s := range seed {
		esc := escalation(fmt.Sprint("seed", i), s.ch, fmt.Sprint("user", i), now.Add(-s.lastUser))
		esc.Category, esc.Question, esc.Created = s.cat, s.q, now.Add(-s.lastUser+time.Minute)
		r, err := e.q.Escalate(ctx, esc)
		if err != nil {
			t.Fatal(err)
		}
		if s.claim != "" {
			e.q.Claim(ctx, r.TicketID, s.claim)
		}
	}

	mustEval(t, c, fmt.Sprintf("location.href = %q", base+"/hotline/"))
	waitJS(t, c, "the login page", `location.pathname === "/hotline/login" && document.readyState === "complete"`)
	mustEval(t, c, `document.getElementById("user").value = "lan";
		document.getElementById("password").value = "mật khẩu 1";
		document.getElementById("signin").click()`)
	waitJS(t, c, "the queue with a live connection", `location.pathname === "/hotline/" && !!document.getElementById("queue") &&
		document.getElementById("live-state").classList.contains("on")`)
	mustEval(t, c, `window.__sameDocument = true`)

	// A hand-off arrives: it must appear without a reload.
	live := escalation("live", bot.Zalo, "citizen-live", time.Now())
	live.Question = "Cho em hỏi làm căn cước cho con dưới 14 tuổi cần giấy tờ gì ạ?"
	r, err := e.q.Escalate(ctx, live)
	if err != nil {
		t.Fatal(err)
	}
	waitJS(t, c, "the new ticket in the queue", fmt.Sprintf(`!!document.querySelector('tr[data-ticket=%q]') && window.__sameDocument === true`, r.TicketID))
	screenshot(t, c, "hotline-console.png")

	mustEval(t, c, fmt.Sprintf(`document.querySelector('tr[data-ticket=%q] a').click()`, r.TicketID))
	waitJS(t, c, "the ticket page", fmt.Sprintf(`location.pathname === "/hotline/t/%s" && document.readyState === "complete" && !!document.getElementById("claim")`, r.TicketID))
	mustEval(t, c, `document.getElementById("claim").click()`)
	waitJS(t, c, "the claim", `location.search.includes("ok=claim") && document.readyState === "complete"`)
	if tk, _ := e.q.Get(ctx, r.TicketID); tk.Assignee != "lan" {
		t.Fatalf("after claim in the browser: assignee %q", tk.Assignee)
	}

	// The citizen writes again: the conversation updates live.
	waitJS(t, c, "live connection on the ticket page", `document.getElementById("live-state").classList.contains("on")`)
	h := bot.Chain(func(context.Context, bot.Message) (bot.Reply, error) {
		return bot.Reply{Action: bot.ActionAnswer}, nil
	}, e.q.Middleware())
	if rep, err := h(ctx, bot.Message{ID: "z2", Channel: bot.Zalo, UserID: "citizen-live", Kind: bot.KindText,
		Text: "Con em 10 tuổi, đã có mã định danh rồi ạ", Time: time.Now()}); err != nil || rep.Action != bot.ActionSilent {
		t.Fatalf("middleware: %+v %v", rep, err)
	}
	waitJS(t, c, "the citizen's new message", `document.getElementById("conversation").textContent.includes("đã có mã định danh")`)

	// Canned reply, edited, sent.
	mustEval(t, c, `const s = document.getElementById("canned"); s.selectedIndex = 1; s.dispatchEvent(new Event("change"));
		document.getElementById("reply-text").value += " Anh/chị mang giấy khai sinh của cháu đến bộ phận một cửa của phường.";`)
	screenshot(t, c, "hotline-ticket.png")
	mustEval(t, c, `document.getElementById("send").click()`)
	waitJS(t, c, "the reply", `location.search.includes("ok=reply") && document.readyState === "complete"`)
	out := e.out.all()
	if len(out) != 1 || out[0].Staff != "lan" || out[0].Channel != bot.Zalo || out[0].UserID != "citizen-live" ||
		!strings.HasPrefix(out[0].Reply.Text, "Chào anh/chị, em là cán bộ tổng đài") || !strings.Contains(out[0].Reply.Text, "giấy khai sinh của cháu") {
		t.Fatalf("outbox after the browser reply: %+v", out)
	}

	mustEval(t, c, `document.getElementById("resolution").value = "Đã hướng dẫn hồ sơ cấp căn cước cho trẻ dưới 14 tuổi.";
		document.getElementById("close-guide").value = "cap-can-cuoc";
		document.getElementById("close").click()`)
	waitJS(t, c, "back on the queue after close", `location.pathname === "/hotline/" && location.search.includes("ok=close") && document.readyState === "complete"`)
	if v := mustEval(t, c, fmt.Sprintf(`!!document.querySelector('tr[data-ticket=%q]')`, r.TicketID)); v != false {
		t.Error("closed ticket still in the queue")
	}
	tk, _ := e.q.Get(ctx, r.TicketID)
	if tk.Status != StatusClosed || !tk.Handback || tk.GuideID != "cap-can-cuoc" || tk.ClosedBy != "lan" {
		t.Fatalf("after close in the browser: %+v", tk)
	}
}
