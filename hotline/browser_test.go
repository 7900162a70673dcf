package hotline

import (
	"context"
	"flag"
	"fmt"
	"net"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"botdvc/bot"
	"botdvc/internal/browsertest"
	"botdvc/webauth"
)

var updateScreenshots = flag.Bool("update", false, "write the console screenshots to ../doc")

// screenshot writes doc/<name> when the test runs with -update.
func screenshot(t *testing.T, c *browsertest.Browser, name string) {
	t.Helper()
	if *updateScreenshots {
		c.Screenshot(t, filepath.Join("..", "doc", name))
	}
}

// TestBrowserConsole drives the console in headless Chromium over the
// DevTools protocol: sign in, see a ticket appear live (no reload), open it,
// claim, insert a canned reply and send it, see the citizen's answer arrive
// live, close with hand-back. Run with -update to refresh the screenshots
// in doc/.
func TestBrowserConsole(t *testing.T) {
	c := browsertest.Start(t)
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

	c.MustEval(t, fmt.Sprintf("location.href = %q", base+"/hotline/"))
	c.WaitJS(t, "the login page", `location.pathname === "/hotline/login" && document.readyState === "complete"`)
	c.MustEval(t, `document.getElementById("user").value = "lan";
		document.getElementById("password").value = "mật khẩu 1";
		document.getElementById("signin").click()`)
	c.WaitJS(t, "the queue with a live connection", `location.pathname === "/hotline/" && !!document.getElementById("queue") &&
		document.getElementById("live-state").classList.contains("on")`)
	c.MustEval(t, `window.__sameDocument = true`)

	// A hand-off arrives: it must appear without a reload.
	live := escalation("live", bot.Zalo, "citizen-live", time.Now())
	live.Question = "Cho em hỏi làm căn cước cho con dưới 14 tuổi cần giấy tờ gì ạ?"
	r, err := e.q.Escalate(ctx, live)
	if err != nil {
		t.Fatal(err)
	}
	c.WaitJS(t, "the new ticket in the queue", fmt.Sprintf(`!!document.querySelector('tr[data-ticket=%q]') && window.__sameDocument === true`, r.TicketID))
	screenshot(t, c, "hotline-console.png")

	c.MustEval(t, fmt.Sprintf(`document.querySelector('tr[data-ticket=%q] a').click()`, r.TicketID))
	c.WaitJS(t, "the ticket page", fmt.Sprintf(`location.pathname === "/hotline/t/%s" && document.readyState === "complete" && !!document.getElementById("claim")`, r.TicketID))
	c.MustEval(t, `document.getElementById("claim").click()`)
	c.WaitJS(t, "the claim", `location.search.includes("ok=claim") && document.readyState === "complete"`)
	if tk, _ := e.q.Get(ctx, r.TicketID); tk.Assignee != "lan" {
		t.Fatalf("after claim in the browser: assignee %q", tk.Assignee)
	}

	// The citizen writes again: the conversation updates live.
	c.WaitJS(t, "live connection on the ticket page", `document.getElementById("live-state").classList.contains("on")`)
	h := bot.Chain(func(context.Context, bot.Message) (bot.Reply, error) {
		return bot.Reply{Action: bot.ActionAnswer}, nil
	}, e.q.Middleware())
	if rep, err := h(ctx, bot.Message{ID: "z2", Channel: bot.Zalo, UserID: "citizen-live", Kind: bot.KindText,
		Text: "Con em 10 tuổi, đã có mã định danh rồi ạ", Time: time.Now()}); err != nil || rep.Action != bot.ActionSilent {
		t.Fatalf("middleware: %+v %v", rep, err)
	}
	c.WaitJS(t, "the citizen's new message", `document.getElementById("conversation").textContent.includes("đã có mã định danh")`)

	// Canned reply, edited, sent.
	c.MustEval(t, `const s = document.getElementById("canned"); s.selectedIndex = 1; s.dispatchEvent(new Event("change"));
		document.getElementById("reply-text").value += " Anh/chị mang giấy khai sinh của cháu đến bộ phận một cửa của phường.";`)
	screenshot(t, c, "hotline-ticket.png")
	c.MustEval(t, `document.getElementById("send").click()`)
	c.WaitJS(t, "the reply", `location.search.includes("ok=reply") && document.readyState === "complete"`)
	out := e.out.all()
	if len(out) != 1 || out[0].Staff != "lan" || out[0].Channel != bot.Zalo || out[0].UserID != "citizen-live" ||
		!strings.HasPrefix(out[0].Reply.Text, "Chào anh/chị, em là cán bộ tổng đài") || !strings.Contains(out[0].Reply.Text, "giấy khai sinh của cháu") {
		t.Fatalf("outbox after the browser reply: %+v", out)
	}

	c.MustEval(t, `document.getElementById("resolution").value = "Đã hướng dẫn hồ sơ cấp căn cước cho trẻ dưới 14 tuổi.";
		document.getElementById("close-guide").value = "cap-can-cuoc";
		document.getElementById("close").click()`)
	c.WaitJS(t, "back on the queue after close", `location.pathname === "/hotline/" && location.search.includes("ok=close") && document.readyState === "complete"`)
	if v := c.MustEval(t, fmt.Sprintf(`!!document.querySelector('tr[data-ticket=%q]')`, r.TicketID)); v != false {
		t.Error("closed ticket still in the queue")
	}
	tk, _ := e.q.Get(ctx, r.TicketID)
	if tk.Status != StatusClosed || !tk.Handback || tk.GuideID != "cap-can-cuoc" || tk.ClosedBy != "lan" {
		t.Fatalf("after close in the browser: %+v", tk)
	}
}
