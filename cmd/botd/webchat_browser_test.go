package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"botdvc/internal/browsertest"
	"botdvc/internal/natstest"
)

// chatPage drives the web chat page in a browser.
type chatPage struct {
	t *testing.T
	b *browsertest.Browser
}

// bots counts the bot and staff messages on the page.
func (p chatPage) bots() int {
	n, _ := p.b.MustEval(p.t, `document.querySelectorAll("#log .msg.bot").length`).(float64)
	return int(n)
}

// last is the text of the last bot or staff message.
func (p chatPage) last() string {
	s, _ := p.b.MustEval(p.t, `(function(){var m=document.querySelectorAll("#log .msg.bot");return m.length?m[m.length-1].textContent:""})()`).(string)
	return s
}

// wait polls a condition in the page for up to 45 seconds (the first
// answer of a fresh service on a loaded machine can take a while).
func (p chatPage) wait(what, expr string) {
	p.t.Helper()
	natstest.CheckFor(p.t, 45*time.Second, 100*time.Millisecond, func() error {
		if v, err := p.b.Eval(expr); err != nil || v != true {
			return fmt.Errorf("waiting for %s (%v)", what, err)
		}
		return nil
	})
}

// waitReply waits for a bot or staff message after the first n that holds want.
func (p chatPage) waitReply(n int, what, want string) {
	p.t.Helper()
	p.wait(what, fmt.Sprintf(`(function(){var m=document.querySelectorAll("#log .msg.bot");
		for(var i=%d;i<m.length;i++){if(m[i].textContent.indexOf(%q)>=0)return true}return false})()`, n, want))
}

// ask types a question and sends it, and waits for the reply holding want.
func (p chatPage) ask(q, want string) {
	p.t.Helper()
	n := p.bots()
	p.b.MustEval(p.t, fmt.Sprintf(`document.getElementById("t").value=%q;document.getElementById("f").requestSubmit();true`, q))
	p.waitReply(n, "the reply to "+q, want)
}

// tap taps the option of the last reply whose payload starts with prefix,
// and waits for the reply holding want.
func (p chatPage) tap(prefix, want string) {
	p.t.Helper()
	n := p.bots()
	ok := p.b.MustEval(p.t, fmt.Sprintf(`(function(){var b=document.querySelectorAll(%q);
		if(!b.length)return false;b[b.length-1].click();return true})()`, `#log button[data-payload^="`+prefix+`"]`))
	if ok != true {
		p.t.Fatalf("no option %s* on the page", prefix)
	}
	p.waitReply(n, "the reply to the tap on "+prefix, want)
}

// TestWebChatInBrowser uses the web chat of the whole binary in headless
// Chromium at a phone's size (420×860), as a citizen would: the greeting
// comes from the server; a documents question is answered with the list and
// chips; tapping the fee chip answers the fee; a short question asks back;
// a pick and a follow-up; a "not helpful" tap, counted in the editors'
// summary; a hand-off and a staff reply; then a reload restores the whole
// conversation from the server (GET /api/v1/chat/messages), greeting
// included. Run with -update to refresh the screenshots in doc/.
func TestWebChatInBrowser(t *testing.T) {
	b := browsertest.Start(t)
	b.SetViewport(t, 420, 860, true)
	dir := t.TempDir()
	hash, err := bcrypt.GenerateFromPassword([]byte("mật khẩu"), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	pw := filepath.Join(dir, "htpasswd")
	if err := os.WriteFile(pw, []byte("lan:"+string(hash)+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	// The scenario sends a dozen messages within seconds, more than a
	// conversation's burst (BOT_BURST, 8) lets a citizen send at once.
	m := MustRunMain(t, filepath.Join(dir, "data"), map[string]string{"BOT_STAFF_FILE": pw, "BOT_EDITOR_FILE": pw, "BOT_BURST": "20"})
	p := chatPage{t: t, b: b}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("the page shows:\n%v", b.MustEval(t, `document.getElementById("log").innerText`))
		}
	})

	b.MustEval(t, fmt.Sprintf("location.href = %q", m.URL()+"/"))
	p.waitReply(0, "the greeting", "Xin chào")

	p.ask("làm căn cước lần đầu cho con cần giấy tờ gì", "giấy tờ cần chuẩn bị")
	if s := p.last(); !strings.Contains(s, "cho con bạn") || !strings.Contains(s, "Xem trang chính thức") {
		t.Errorf("documents answer: %q", s)
	}
	shot(t, b, "webchat-documents.png")

	// Tapping an aspect chip answers that aspect (checked on the words, not
	// the guide's figures, which editors change).
	p.tap("aspect:fee:", "phí")
	if s := p.last(); !strings.HasPrefix(s, "Cấp thẻ căn cước lần đầu cho con bạn") || !strings.Contains(strings.ToLower(s), "lệ phí") {
		t.Errorf("fee chip answered %q", s)
	}
	shot(t, b, "webchat-fee.png")
	p.tap("feedback:down", "Bạn cần thông tin gì khác?")

	p.ask("căn cước", "Bạn hỏi về thủ tục nào?")
	shot(t, b, "webchat-clarify.png")
	p.tap("guide:cap-doi-the-can-cuoc", "Cấp đổi thẻ căn cước")
	p.ask("còn lệ phí thì sao?", "phí")
	if s := p.last(); !strings.HasPrefix(s, "Cấp đổi thẻ căn cước") {
		t.Errorf("follow-up answered %q", s)
	}
	shot(t, b, "webchat-followup.png")

	// A letter the engine is not sure enough of is asked back ("is it
	// this one?") or answered; either way the case it tells of (a passport
	// reported lost, then found: khôi phục) is what the citizen gets.
	p.ask("Tháng trước em làm mất hộ chiếu, đã báo mất rồi. Giờ tìm lại được thì có dùng lại được không ạ?", "hộ chiếu")
	if strings.HasPrefix(p.last(), "Có phải bạn hỏi") {
		shot(t, b, "webchat-confirm.png")
		p.ask("đúng", "Đã báo mất hộ chiếu")
	}
	if s := p.last(); !strings.Contains(s, "Đã báo mất hộ chiếu") || !strings.Contains(s, "1.010384") {
		t.Errorf("the found passport's case: %q", s)
	}
	shot(t, b, "webchat-case.png")

	p.ask("cho tôi gặp tổng đài viên", "tổng đài viên")
	// Staff answer from the console API; the reply reaches the page.
	var list struct {
		Tickets []struct {
			ID           string `json:"id"`
			Conversation string `json:"conversation"`
		} `json:"tickets"`
	}
	if code := getBasic(t, m.URL()+"/api/v1/hotline/tickets", &list); code != 200 || len(list.Tickets) != 1 {
		t.Fatalf("tickets: %d %+v", code, list)
	}
	id := list.Tickets[0].ID
	n := p.bots()
	for _, step := range []struct{ action, body string }{
		{"claim", ""},
		{"reply", `{"text":"Chào bạn, mình là Lan ở tổng đài. Lệ phí đổi thẻ căn cước hiện là 25.000 đồng; bạn cần hỏi thêm gì không?"}`},
	} {
		if code := postBasic(t, m.URL()+"/api/v1/hotline/tickets/"+id+"/"+step.action, step.body); code != 200 {
			t.Fatalf("%s: %d", step.action, code)
		}
	}
	p.waitReply(n, "the staff reply", "mình là Lan")
	shot(t, b, "webchat-handoff.png")

	// Reload: the page restores the whole conversation from the server.
	before := b.MustEval(t, `document.getElementById("log").innerText`).(string)
	count := b.MustEval(t, `document.querySelectorAll("#log .msg").length`).(float64)
	b.MustEval(t, `window.beforeReload = true; location.reload(); true`)
	p.wait("the restored conversation", fmt.Sprintf(`!window.beforeReload && document.readyState === "complete" &&
		!!document.getElementById("log") && document.querySelectorAll("#log .msg").length >= %d`, int(count)))
	time.Sleep(300 * time.Millisecond) // a turn too many would show by now
	after := b.MustEval(t, `document.getElementById("log").innerText`).(string)
	if before != after {
		t.Fatalf("after a reload the page shows\n%s\nbefore it showed\n%s", after, before)
	}
	// The page shows the last reply; scrolled up, the conversation is there
	// from its greeting.
	b.MustEval(t, `document.getElementById("log").scrollTop = 0; true`)
	shot(t, b, "webchat-reload.png")

	session, _ := b.MustEval(t, `localStorage.getItem("chat.session")`).(string)
	var h struct {
		Messages []struct{ From, Text string } `json:"messages"`
	}
	resp, err := http.Get(m.URL() + "/api/v1/chat/messages?session=" + session)
	if err != nil {
		t.Fatal(err)
	}
	err = json.NewDecoder(resp.Body).Decode(&h)
	resp.Body.Close()
	if err != nil || len(h.Messages) != int(count) {
		t.Fatalf("history: %d turns (%v), the page shows %d", len(h.Messages), err, int(count))
	}
	if first := h.Messages[0]; first.From != "bot" || !strings.HasPrefix(first.Text, "Xin chào") {
		t.Errorf("history starts with %+v, want the greeting", first)
	}
	froms := map[string]int{}
	for _, e := range h.Messages {
		froms[e.From]++
	}
	if froms["citizen"] < 5 || froms["bot"] < 5 || froms["staff"] != 1 {
		t.Errorf("history turns by author: %v", froms)
	}

	// The "not helpful" tap is in the editors' summary.
	var sum struct {
		Feedback struct{ Up, Down int } `json:"feedback"`
	}
	if code := getBasic(t, m.URL()+"/api/v1/reports/summary?days=1", &sum); code != 200 || sum.Feedback.Down != 1 {
		t.Errorf("summary: %d, feedback %+v; want one down", code, sum.Feedback)
	}
}

// postBasic POSTs JSON with the staff account's HTTP Basic credentials.
func postBasic(t *testing.T, url, body string) int {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.SetBasicAuth("lan", "mật khẩu")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}
