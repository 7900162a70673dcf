package main

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"botdvc/complaint"
	"botdvc/dvhc"
	"botdvc/internal/browsertest"
)

// staffEnv writes an htpasswd file with a hotline account "lan" and an
// editor "bientap" and returns the environment that turns both consoles on.
func staffEnv(t *testing.T, dir string) map[string]string {
	t.Helper()
	line := func(user, pw string) string {
		h, err := bcrypt.GenerateFromPassword([]byte(pw), bcrypt.MinCost)
		if err != nil {
			t.Fatal(err)
		}
		return user + ":" + string(h) + "\n"
	}
	staff, editors := filepath.Join(dir, "staff.htpasswd"), filepath.Join(dir, "editors.htpasswd")
	if err := os.WriteFile(staff, []byte(line("lan", "mật khẩu tổng đài")), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(editors, []byte(line("bientap", "mật khẩu biên tập")), 0o600); err != nil {
		t.Fatal(err)
	}
	return map[string]string{"BOT_STAFF_FILE": staff, "BOT_EDITOR_FILE": editors}
}

// api calls a JSON route with HTTP Basic credentials (user "" for none).
func api(t *testing.T, method, url, user, pw, body string) (int, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if user != "" {
		req.SetBasicAuth(user, pw)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

// webChat talks to the web chat of the running binary: post a message,
// long-poll for replies.
type webChat struct {
	t       *testing.T
	base    string
	session string
	n       int
	cursor  uint64
}

type chatEvent struct {
	Seq   uint64 `json:"seq"`
	ID    string `json:"id"`
	Text  string `json:"text"`
	Staff bool   `json:"staff"`
}

// say posts text and returns the bot's reply to it.
func (w *webChat) say(text string) string {
	w.t.Helper()
	w.n++
	id := fmt.Sprintf("m%d", w.n)
	body, _ := json.Marshal(map[string]string{"session": w.session, "id": id, "text": text})
	if code := postJSON(w.t, w.base+"/api/v1/chat", string(body), nil); code != 202 {
		w.t.Fatalf("chat %q: %d", text, code)
	}
	// Reply ids are "web:<hash of the session>:<id>:r" (web ids are scoped by session).
	mine := func(e chatEvent) bool { return strings.HasPrefix(e.ID, "web:") && strings.HasSuffix(e.ID, ":"+id+":r") }
	for _, e := range w.wait(mine) {
		if mine(e) {
			return e.Text
		}
	}
	return ""
}

// wait polls until an event matches, and returns the events seen.
func (w *webChat) wait(match func(chatEvent) bool) []chatEvent {
	w.t.Helper()
	var seen []chatEvent
	deadline := time.Now().Add(60 * time.Second) // generous: the machine may be loaded
	for time.Now().Before(deadline) {
		var r struct {
			Messages []chatEvent `json:"messages"`
			Cursor   uint64      `json:"cursor"`
		}
		getJSON(w.t, fmt.Sprintf("%s/api/v1/chat/messages?wait=1&session=%s&after=%d", w.base, w.session, w.cursor), &r)
		w.cursor = r.Cursor
		seen = append(seen, r.Messages...)
		for _, e := range r.Messages {
			if match(e) {
				return seen
			}
		}
	}
	w.t.Fatalf("no matching web chat event; seen %+v", seen)
	return nil
}

func codeIn(t *testing.T, text string) string {
	t.Helper()
	code, valid, found := complaint.FindCode(text)
	if !found || !valid {
		t.Fatalf("no complaint code in %q", text)
	}
	return code
}

// TestComplaintsThroughTheBinary: a complaint told in the web chat and one
// through a signed Messenger webhook (with a photo) each get a code; staff
// see both, forward, answer; each citizen gets the answer on their channel
// and by code lookup; the public status has no personal data; a published
// one shows on /phan-anh anonymised; the monthly CSV counts them. Bad input
// and missing credentials are refused.
func TestComplaintsThroughTheBinary(t *testing.T) {
	g := &graphFake{}
	graph := httptest.NewServer(g)
	defer graph.Close()
	receipt := []byte("\xff\xd8\xff\xe0 a photo of a receipt")
	files := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "image/jpeg")
		w.Write(receipt)
	}))
	defer files.Close()
	dir := t.TempDir()
	env := staffEnv(t, dir)
	for k, v := range map[string]string{"FB_APP_SECRET": "app-secret", "FB_VERIFY_TOKEN": "verify-me", "FB_PAGE_TOKEN": "PAGE_TOKEN",
		"FB_GRAPH_URL": graph.URL + "/v25.0"} {
		env[k] = v
	}
	m := MustRunMain(t, filepath.Join(dir, "data"), env)
	base := m.URL()
	const staff, staffPW = "lan", "mật khẩu tổng đài"

	// 1. Web chat: a complaint told in a conversation.
	w := &webChat{t: t, base: base, session: "complaint-web-0123456789"}
	r := w.say("Tôi muốn phản ánh cán bộ phường Cầu Giấy hẹn đi hẹn lại nhiều lần khi tôi làm căn cước cho con, hôm qua lại bảo thiếu giấy tờ. " + secretText)
	if !strings.Contains(r, "ghi lại phản ánh") || !strings.Contains(r, "kết thúc bằng 678") {
		t.Fatalf("intake start: %s", r)
	}
	if r = w.say("đồng ý"); !strings.Contains(r, "Mình đọc lại") || !strings.Contains(r, "phường Cầu Giấy") {
		t.Fatalf("read-back: %s", r)
	}
	webCode := codeIn(t, w.say("gửi"))

	// 2. Messenger: a complaint through signed webhooks, with a photo.
	fb := m.URL() + "/webhooks/facebook"
	now := time.Now().UnixMilli()
	post := func(mid, message string) {
		t.Helper()
		now++
		body := fmt.Sprintf(`{"object":"page","entry":[{"id":"PAGE1","time":%d,"messaging":[{"sender":{"id":"PSID-PA"},"recipient":{"id":"PAGE1"},"timestamp":%d,"message":%s}]}]}`, now, now, message)
		if code := postSigned(t, fb, "X-Hub-Signature-256", fbSign("app-secret", body), body); code != 200 {
			t.Fatalf("webhook: %d", code)
		}
	}
	text := func(mid, s string) { b, _ := json.Marshal(s); post(mid, fmt.Sprintf(`{"mid":%q,"text":%s}`, mid, b)) }
	lastTo := func(n int) string {
		t.Helper()
		waitFor(t, 60*time.Second, func() bool { return len(g.sent()) >= n })
		s := g.sent()[n-1]
		if s.Recipient.ID != "PSID-PA" || s.Message == nil {
			t.Fatalf("sent %+v", s)
		}
		return s.Message.Text
	}
	text("m_pa_1", "Tôi muốn phản ánh UBND phường Hồng Hà trả kết quả đăng ký khai sinh chậm 5 ngày so với giấy hẹn, tuần trước")
	if r := lastTo(1); !strings.Contains(r, "số điện thoại hoặc email") {
		t.Fatalf("messenger intake: %s", r)
	}
	post("m_pa_2", fmt.Sprintf(`{"mid":"m_pa_2","attachments":[{"type":"image","payload":{"url":%q}}]}`, files.URL+"/receipt.jpg"))
	if r := lastTo(2); !strings.Contains(r, "đã lưu 1 tệp") {
		t.Fatalf("attachment: %s", r)
	}
	text("m_pa_3", "bỏ qua")
	if r := lastTo(3); !strings.Contains(r, "Mình đọc lại") || !strings.Contains(r, "Tệp đính kèm: 1 tệp") {
		t.Fatalf("messenger read-back: %s", r)
	}
	text("m_pa_4", "gửi")
	fbCode := codeIn(t, lastTo(4))
	if fbCode == webCode {
		t.Fatal("two complaints, one code")
	}

	// 3. Staff: routes refuse without credentials; with them, both complaints.
	for _, path := range []string{"/api/v1/hotline/complaints", "/api/v1/hotline/complaints/" + webCode} {
		if code, b := api(t, "GET", base+path, "", "", ""); code != 401 {
			t.Errorf("GET %s without credentials: %d %s", path, code, b)
		}
	}
	if code, b := api(t, "POST", base+"/api/v1/hotline/complaints/"+webCode+"/reply", "", "", `{"text":"x"}`); code != 401 {
		t.Errorf("reply without credentials: %d %s", code, b)
	}
	// A complaint told in chat is a complaint, not a hotline ticket.
	if code, b := api(t, "GET", base+"/api/v1/hotline/tickets", staff, staffPW, ""); code != 200 || !bytes.Contains(b, []byte(`"tickets":[]`)) {
		t.Errorf("complaints opened hotline tickets: %d %s", code, b)
	}
	code, b := api(t, "GET", base+"/api/v1/hotline/complaints?status=received", staff, staffPW, "")
	var list struct {
		Complaints []complaint.Case `json:"complaints"`
	}
	if err := json.Unmarshal(b, &list); code != 200 || err != nil || len(list.Complaints) != 2 {
		t.Fatalf("staff list: %d %s", code, b)
	}
	code, b = api(t, "GET", base+"/api/v1/hotline/complaints/"+webCode, staff, staffPW, "")
	var wc complaint.Case
	if err := json.Unmarshal(b, &wc); code != 200 || err != nil || wc.Contact != "0912345678" || !wc.Consent ||
		wc.ProcedureID != "cap-the-can-cuoc-lan-dau" || strings.Contains(wc.Text, "0912345678") || bytes.Contains(b, []byte(w.session)) {
		t.Fatalf("staff view of the web complaint: %d %s", code, b)
	}
	code, b = api(t, "GET", base+"/api/v1/hotline/complaints/"+fbCode, staff, staffPW, "")
	var fc complaint.Case
	if err := json.Unmarshal(b, &fc); code != 200 || err != nil || len(fc.Files) != 1 || fc.Files[0].Object == "" || fc.Consent || bytes.Contains(b, []byte("PSID-PA")) {
		t.Fatalf("staff view of the Messenger complaint: %d %s", code, b)
	}
	if code, b := api(t, "GET", base+"/api/v1/hotline/complaints/"+fbCode+"/files/0", staff, staffPW, ""); code != 200 || !bytes.Equal(b, receipt) {
		t.Errorf("attachment: %d %q", code, b)
	}

	// 4. Forward, answer: each citizen gets the answer on their channel.
	if code, b := api(t, "POST", base+"/api/v1/hotline/complaints/"+webCode+"/status", staff, staffPW, `{"status":"forwarded","agency":"UBND phường Cầu Giấy"}`); code != 200 {
		t.Fatalf("forward: %d %s", code, b)
	}
	const webAnswer = "UBND phường Cầu Giấy đã làm việc với cán bộ tiếp nhận, xin lỗi bạn và hẹn trả thẻ căn cước vào ngày làm việc tiếp theo."
	if code, b := api(t, "POST", base+"/api/v1/hotline/complaints/"+webCode+"/reply", staff, staffPW, `{"text":"`+webAnswer+`"}`); code != 200 {
		t.Fatalf("reply: %d %s", code, b)
	}
	const fbAnswer = "UBND phường Hồng Hà đã trả kết quả đăng ký khai sinh và nhắc nhở bộ phận một cửa về thời hạn."
	if code, b := api(t, "POST", base+"/api/v1/hotline/complaints/"+fbCode+"/reply", staff, staffPW, `{"text":"`+fbAnswer+`"}`); code != 200 {
		t.Fatalf("reply: %d %s", code, b)
	}
	w.wait(func(e chatEvent) bool { return e.Staff && strings.Contains(e.Text, webAnswer) })
	if r := lastTo(5); !strings.Contains(r, fbAnswer) {
		t.Fatalf("messenger answer: %s", r)
	}
	if s := g.sent()[4]; s.MessagingType != "RESPONSE" || len(s.Message.QuickReplies) != 2 {
		t.Errorf("messenger answer envelope: %+v", s)
	}

	// 5. By code lookup, in the chat that filed it; the public status has no personal data.
	if r := w.say("tra cứu phản ánh " + webCode); !strings.Contains(r, webAnswer) || !strings.Contains(r, "đã trả lời") {
		t.Errorf("lookup in chat: %s", r)
	}
	text("m_pa_5", "tra cứu phản ánh "+strings.ToLower(fbCode))
	if r := lastTo(6); !strings.Contains(r, fbAnswer) {
		t.Errorf("lookup on Messenger: %s", r)
	}
	code, b = api(t, "GET", base+"/api/v1/complaints/"+webCode, "", "", "")
	if code != 200 || !bytes.Contains(b, []byte(`"status":"answered"`)) {
		t.Fatalf("public status: %d %s", code, b)
	}
	for _, private := range []string{"0912345678", "hẹn đi hẹn lại", webAnswer, w.session, "contact"} {
		if bytes.Contains(b, []byte(private)) {
			t.Errorf("public status shows %q: %s", private, b)
		}
	}

	// 6. Publish: on /phan-anh, anonymised.
	if code, b := api(t, "POST", base+"/api/v1/hotline/complaints/"+webCode+"/publish", staff, staffPW, ""); code != 200 {
		t.Fatalf("publish: %d %s", code, b)
	}
	resp, err := http.Get(base + "/phan-anh?q=can+cuoc")
	if err != nil {
		t.Fatal(err)
	}
	page := readAll(resp)
	if resp.StatusCode != 200 || !strings.Contains(page, webCode) || !strings.Contains(page, "xin lỗi bạn") || !strings.Contains(page, "hẹn đi hẹn lại") {
		t.Fatalf("/phan-anh: %d\n%s", resp.StatusCode, page)
	}
	for _, private := range []string{"0912345678", w.session, fbCode} {
		if strings.Contains(page, private) {
			t.Errorf("/phan-anh shows %q", private)
		}
	}

	// 7. The monthly CSV counts them.
	month := time.Now().In(complaint.Hanoi).Format("2006-01")
	code, b = api(t, "GET", base+"/api/v1/reports/monthly?month="+month+"&format=csv", "bientap", "mật khẩu biên tập", "")
	if code != 200 {
		t.Fatalf("monthly: %d %s", code, b)
	}
	rows, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(b, []byte("\ufeff")))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, row := range rows {
		got[row[0]+"/"+row[1]+"/"+row[2]] = row[3]
	}
	for k, want := range map[string]string{"complaints/received/": "2", "complaints/answered/": "2", "complaints/by_status/answered": "2",
		"complaints/by_channel/web": "1", "complaints/by_channel/messenger": "1", "complaints/on_time_rate/": "1.000", "complaints/published/": "1",
		"complaints/by_procedure/cap-the-can-cuoc-lan-dau": "1", "complaints/by_procedure/dang-ky-khai-sinh": "1"} {
		if got[k] != want {
			t.Errorf("monthly CSV %s = %q, want %s", k, got[k], want)
		}
	}
	if code, _ := api(t, "GET", base+"/api/v1/reports/monthly?month="+month+"&format=csv", "", "", ""); code != 401 {
		t.Errorf("monthly without credentials: %d", code)
	}
	if code, b := api(t, "GET", base+"/api/v1/reports/monthly?month=2026-13", "bientap", "mật khẩu biên tập", ""); code != 400 {
		t.Errorf("bad month: %d %s", code, b)
	}

	// 8. The public API refuses an empty complaint with a clear message.
	code, b = api(t, "POST", base+"/api/v1/complaints", "", "", `{"text":"  ","place":"phường Cầu Giấy"}`)
	if code != 400 || !bytes.Contains(b, []byte(`\"text\" is required`)) {
		t.Errorf("empty complaint: %d %s", code, b)
	}
}

// TestComplaintOnTheChatPage drives the web chat page of the whole binary
// in headless Chromium: a complaint told in the chat (options tapped as
// buttons) gets its code; the page's form files another one, answered in
// the same chat. Run with -update to refresh doc/complaint-chat.png and
// doc/complaint-form.png.
func TestComplaintOnTheChatPage(t *testing.T) {
	b := browsertest.Start(t)
	m := MustRunMain(t, t.TempDir(), nil)
	base := strings.Replace(m.URL(), "127.0.0.1", "localhost", 1)
	b.MustEval(t, fmt.Sprintf("location.href = %q", base+"/"))
	b.WaitJS(t, "the chat page with the form button", `document.readyState === "complete" && !!document.getElementById("pa-open")`)
	say := func(text string) {
		b.MustEval(t, fmt.Sprintf(`document.getElementById("t").value = %q; document.getElementById("f").requestSubmit()`, text))
	}
	tap := func(label string) {
		b.MustEval(t, fmt.Sprintf(`[...document.querySelectorAll(".opts button")].reverse().find(x => x.textContent === %q).click()`, label))
	}
	bots := `[...document.querySelectorAll(".msg.bot")]`
	say("Tôi muốn phản ánh cán bộ phường Cầu Giấy hẹn đi hẹn lại nhiều lần khi tôi làm căn cước cho con, hôm qua")
	b.WaitJS(t, "the contact question", bots+`.some(d => d.textContent.includes("số điện thoại hoặc email"))`)
	tap("Không để lại")
	b.WaitJS(t, "the read-back", bots+`.some(d => d.textContent.includes("Mình đọc lại"))`)
	tap("Gửi phản ánh")
	b.WaitJS(t, "the code", bots+`.some(d => /Mã phản ánh: PA-\d{4}-\d{4}/.test(d.textContent))`)
	shot(t, b, "complaint-chat.png")

	b.MustEval(t, `document.getElementById("pa-open").click()`)
	b.WaitJS(t, "the form", `document.getElementById("pa-dlg").open === true`)
	b.MustEval(t, `document.getElementById("pa-send").click()`)
	b.WaitJS(t, "the empty-text refusal", `document.getElementById("pa-err").textContent.includes("nội dung")`)
	b.MustEval(t, `document.getElementById("pa-text").value = "Thủ tục đăng ký tạm trú trực tuyến yêu cầu tải lại giấy tờ đã có trong cơ sở dữ liệu dân cư, đề nghị bỏ yêu cầu này.";
		document.getElementById("pa-proc").value = "Đăng ký tạm trú";
		document.getElementById("pa-place").value = "phường Hoàng Mai";
		document.getElementById("pa-contact").value = "lan.nguyen@example.com";
		document.getElementById("pa-consent").checked = true;`)
	shot(t, b, "complaint-form.png")
	b.MustEval(t, `document.getElementById("pa-send").click()`)
	b.WaitJS(t, "the form's code in the chat", `document.getElementById("pa-dlg").open === false && `+bots+`.filter(d => /PA-\d{4}-\d{4}/.test(d.textContent)).length === 2`)
	text := b.MustEval(t, bots+`.map(d => d.textContent).join("\n")`).(string)
	code := codeIn(t, text[strings.LastIndex(text, "Đã gửi phản ánh của bạn"):])
	// Filed with the chat's session: a lookup in the chat knows it as this conversation's.
	say("tra cứu phản ánh " + code)
	b.WaitJS(t, "the lookup", bots+fmt.Sprintf(`.some(d => d.textContent.includes("Phản ánh %s, gửi ngày"))`, code))
}

// Complaints name their commune or ward with today's name: old names
// (before 1 July 2025) are normalised with the merger data.
func TestWardOf(t *testing.T) {
	units, err := dvhc.Load()
	if err != nil {
		t.Fatal(err)
	}
	ward := wardOf(units)
	for text, want := range map[string]string{
		"cán bộ phường Cầu Giấy hẹn đi hẹn lại":                "phường Cầu Giấy",
		"ở phường Dịch Vọng Hậu, tôi nộp hồ sơ từ tháng trước": "phường Dịch Vọng Hậu cũ, nay: phường Cầu Giấy, phường Nghĩa Đô",
		"phuong phuc xa": "phường Phúc Xá cũ, nay: phường Hồng Hà",
	} {
		got, ok := ward(text)
		if !ok || got != want {
			t.Errorf("wardOf(%q) = %q, %v; want %q", text, got, ok, want)
		}
	}
	if got, ok := ward("cán bộ thái độ không tốt"); ok {
		t.Errorf("no place named, got %q", got)
	}
}
