package main

import (
	"context"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"golang.org/x/crypto/bcrypt"

	"botdvc/news"
)

// followers counts the follower records in JetStream.
func followers(t *testing.T, m *Main) int {
	t.Helper()
	js, err := jetstream.New(m.NATS)
	if err != nil {
		t.Fatal(err)
	}
	kv, err := js.KeyValue(context.Background(), news.BucketFollowers)
	if err != nil {
		t.Fatal(err)
	}
	keys, err := kv.ListKeys(context.Background())
	if err != nil {
		return 0
	}
	n := 0
	for range keys.Keys() {
		n++
	}
	return n
}

// editorRequest sends an editors' API request with HTTP Basic credentials
// (none when user is "") and returns the status and body.
func editorRequest(t *testing.T, method, url, user, pass, body string) (int, string, http.Header) {
	t.Helper()
	req, _ := http.NewRequest(method, url, strings.NewReader(body))
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if user != "" {
		req.SetBasicAuth(user, pass)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), resp.Header
}

func getText(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, readAll(resp)
}

// TestAnnouncementsEndToEnd runs the whole binary: a Messenger citizen asks
// about a procedure and says "theo dõi"; posting an announcement without
// credentials is refused; an editor posts one about that procedure through
// the API; the follower, inside Messenger's 24-hour window, receives it at
// the fake Graph API (messaging_type UPDATE, ../shared/spec/channels.md B5, B6);
// an answer about the procedure carries its title; /tin-moi and the Atom
// feed show it; PUT and DELETE change and withdraw it.
func TestAnnouncementsEndToEnd(t *testing.T) {
	g := &graphFake{}
	graph := httptest.NewServer(g)
	defer graph.Close()
	dir := t.TempDir()
	hash, err := bcrypt.GenerateFromPassword([]byte("mật khẩu"), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	pw := filepath.Join(dir, "htpasswd")
	if err := os.WriteFile(pw, []byte("bientap:"+string(hash)+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	m := MustRunMain(t, filepath.Join(dir, "data"), map[string]string{
		"FB_APP_SECRET": "app-secret", "FB_VERIFY_TOKEN": "verify-me", "FB_PAGE_TOKEN": "PAGE_TOKEN",
		"FB_GRAPH_URL": graph.URL + "/v25.0", "BOT_EDITOR_FILE": pw,
	})
	base := m.URL()
	// byOutbound returns the text of every message sent for the outbound
	// ids starting with prefix (a reply may be split into pieces), and the sends.
	byOutbound := func(prefix string) (string, []graphSend) {
		var text []string
		var sends []graphSend
		for _, s := range g.sent() {
			if s.Message == nil || !strings.HasPrefix(s.Message.Metadata, "botdvc:"+prefix) {
				continue
			}
			sends = append(sends, s)
			text = append(text, s.Message.Text)
			if a := s.Message.Attachment; a != nil {
				text = append(text, a.Payload.Text)
			}
		}
		return strings.Join(text, "\n"), sends
	}
	say := func(mid, text string) string {
		t.Helper()
		body := messengerBody("PSID-FOLLOWER", mid, text)
		if code := postSigned(t, base+"/webhooks/facebook", "X-Hub-Signature-256", fbSign("app-secret", body), body); code != 200 {
			t.Fatalf("webhook: %d", code)
		}
		waitFor(t, 20*time.Second, func() bool { _, s := byOutbound("messenger:" + mid + ":r"); return len(s) > 0 })
		time.Sleep(200 * time.Millisecond) // any further pieces
		txt, _ := byOutbound("messenger:" + mid + ":r")
		return txt
	}
	if r := say("m_news_1", "cấp đổi thẻ căn cước cần giấy tờ gì"); !strings.Contains(r, "Cấp đổi thẻ căn cước") {
		t.Fatalf("first answer: %q", r)
	}
	if r := say("m_news_2", "theo dõi"); !strings.Contains(r, "Bạn đã đăng ký theo dõi thủ tục “Cấp đổi thẻ căn cước”") {
		t.Fatalf("follow reply: %q", r)
	}

	// A second follower wrote 25 hours ago: outside Messenger's 24-hour
	// window (their messages reach us late here, so that the window is
	// already closed; the replies to them are refused by the Messenger
	// client, as the platform would).
	late := func(mid, text string, at time.Time) {
		t.Helper()
		body := fmt.Sprintf(`{"object":"page","entry":[{"id":"PAGE1","time":%d,"messaging":[{"sender":{"id":"PSID-LATE"},"recipient":{"id":"PAGE1"},"timestamp":%d,"message":{"mid":%q,"text":%q}}]}]}`,
			at.UnixMilli(), at.UnixMilli(), mid, text)
		if code := postSigned(t, base+"/webhooks/facebook", "X-Hub-Signature-256", fbSign("app-secret", body), body); code != 200 {
			t.Fatalf("webhook: %d", code)
		}
	}
	then := time.Now().Add(-25 * time.Hour)
	late("m_late_1", "cấp đổi thẻ căn cước cần giấy tờ gì", then)
	late("m_late_2", "theo dõi", then.Add(time.Minute))
	waitFor(t, 20*time.Second, func() bool { return followers(t, m) == 2 })

	api := base + "/api/v1/announcements"
	post := `{"title":"Lệ phí đổi thẻ căn cước đến hết 2026","body":"Đến hết 31/12/2026 lệ phí cấp đổi thẻ căn cước chỉ thu 50%.\n\nXem chi tiết tại Công an cấp xã.","guides":["cap-doi-the-can-cuoc"],"until":"2026-12-31"}`
	if code, _, h := editorRequest(t, "POST", api, "", "", post); code != 401 || h.Get("WWW-Authenticate") == "" {
		t.Fatalf("without credentials: %d", code)
	}
	if code, _, _ := editorRequest(t, "POST", api, "bientap", "sai", post); code != 401 {
		t.Fatalf("wrong password: %d", code)
	}
	if code, body, _ := editorRequest(t, "POST", api, "bientap", "mật khẩu", `{"title":"x","body":"y","guides":["khong-co-thu-tuc-nay"]}`); code != 422 || !strings.Contains(body, `"field":"guides"`) {
		t.Fatalf("unknown guide: %d %s", code, body)
	}
	if code, body, _ := editorRequest(t, "POST", api, "bientap", "mật khẩu", `{"title":`); code != 400 {
		t.Fatalf("malformed: %d %s", code, body)
	}
	code, body, h := editorRequest(t, "POST", api, "bientap", "mật khẩu", post)
	var created struct{ ID string }
	if code != 201 || json.Unmarshal([]byte(body), &created) != nil || created.ID == "" || h.Get("Location") != "/api/v1/announcements/"+created.ID {
		t.Fatalf("create: %d %s", code, body)
	}
	const title = "Lệ phí đổi thẻ căn cước đến hết 2026"

	// The follower is inside the 24-hour window: it arrives as an UPDATE
	// (a message that answers nothing they just sent).
	waitFor(t, 20*time.Second, func() bool { _, s := byOutbound("news:" + created.ID + ":"); return len(s) > 0 })
	time.Sleep(300 * time.Millisecond)
	pushed, sends := byOutbound("news:" + created.ID + ":")
	if sends[0].Recipient.ID != "PSID-FOLLOWER" || sends[0].MessagingType != "UPDATE" || sends[0].Tag != "" ||
		!strings.Contains(pushed, title) || !strings.Contains(pushed, "chỉ thu 50%") || strings.Count(pushed, title) != 1 {
		t.Errorf("pushed (%d sends, %s): %q", len(sends), sends[0].MessagingType, pushed)
	}

	// The late follower got nothing yet; their next message brings it, once.
	for _, s := range g.sent() {
		if s.Recipient.ID == "PSID-LATE" {
			t.Fatalf("sent to a follower outside the window: %+v", s.Message)
		}
	}
	body = messengerBody("PSID-LATE", "m_late_3", "đăng ký khai sinh cho con cần gì")
	if code := postSigned(t, base+"/webhooks/facebook", "X-Hub-Signature-256", fbSign("app-secret", body), body); code != 200 {
		t.Fatalf("webhook: %d", code)
	}
	waitFor(t, 20*time.Second, func() bool { _, s := byOutbound("messenger:m_late_3:r"); return len(s) > 0 })
	time.Sleep(300 * time.Millisecond)
	if r, _ := byOutbound("messenger:m_late_3:r"); strings.Count(r, "chỉ thu 50%") != 1 || !strings.Contains(r, "Bản tin về thủ tục bạn theo dõi") {
		t.Errorf("next message of the late follower: %q", r)
	}
	body = messengerBody("PSID-LATE", "m_late_4", "cảm ơn")
	postSigned(t, base+"/webhooks/facebook", "X-Hub-Signature-256", fbSign("app-secret", body), body)
	waitFor(t, 20*time.Second, func() bool { _, s := byOutbound("messenger:m_late_4:r"); return len(s) > 0 })
	if r, _ := byOutbound("messenger:m_late_4:r"); strings.Contains(r, "chỉ thu 50%") {
		t.Errorf("delivered twice: %q", r)
	}

	// Answers about the guide carry its title; the tap reads it.
	var ask struct {
		GuideID string `json:"guide_id"`
		Text    string `json:"text"`
		Options []struct{ Label, Payload string }
	}
	if code := postJSON(t, base+"/api/v1/ask", `{"text":"đổi căn cước khi đủ 25 tuổi làm thế nào"}`, &ask); code != 200 {
		t.Fatalf("ask: %d", code)
	}
	if ask.GuideID != "cap-doi-the-can-cuoc" || !strings.Contains(ask.Text, "Bản tin: “"+title+"”") {
		t.Errorf("answer %s lacks the announcement:\n%s", ask.GuideID, ask.Text)
	}
	if code := postJSON(t, base+"/api/v1/ask", `{"text":"đăng ký khai sinh cho con"}`, &ask); code != 200 || strings.Contains(ask.Text, title) {
		t.Errorf("announcement on another guide's answer:\n%s", ask.Text)
	}
	if code := postJSON(t, base+"/api/v1/ask", `{"text":"tin mới"}`, &ask); code != 200 || !strings.Contains(ask.Text, title) {
		t.Errorf("tin mới:\n%s", ask.Text)
	}

	// Public page and feed.
	if code, page := getText(t, base+"/tin-moi"); code != 200 || !strings.Contains(page, title) || !strings.Contains(page, "chỉ thu 50%.</p>") || !strings.Contains(page, "Cấp đổi thẻ căn cước</a>") {
		t.Errorf("/tin-moi: %d\n%s", code, page)
	}
	if code, page := getText(t, base+"/tin-moi/"+created.ID); code != 200 || !strings.Contains(page, "đến hết 31/12/2026") {
		t.Errorf("/tin-moi/%s: %d", created.ID, code)
	}
	resp, err := http.Get(base + "/tin-moi.atom")
	if err != nil {
		t.Fatal(err)
	}
	var feed struct {
		Title   string `xml:"title"`
		Entries []struct {
			Title string `xml:"title"`
			ID    string `xml:"id"`
			Link  struct {
				Href string `xml:"href,attr"`
			} `xml:"link"`
		} `xml:"entry"`
	}
	ct := resp.Header.Get("Content-Type")
	if err := xml.NewDecoder(resp.Body).Decode(&feed); err != nil {
		t.Fatalf("feed: %v", err)
	}
	resp.Body.Close()
	if !strings.HasPrefix(ct, "application/atom+xml") || len(feed.Entries) != 1 || feed.Entries[0].Title != title ||
		feed.Entries[0].Link.Href != base+"/tin-moi/"+created.ID {
		t.Errorf("feed (%s): %+v", ct, feed)
	}

	// GET, PUT, DELETE by id.
	one := api + "/" + created.ID
	if code, body, _ := editorRequest(t, "GET", one, "", "", ""); code != 401 {
		t.Errorf("GET without credentials: %d %s", code, body)
	}
	if code, body, _ := editorRequest(t, "GET", one, "bientap", "mật khẩu", ""); code != 200 || !strings.Contains(body, `"author":"bientap"`) {
		t.Errorf("GET: %d %s", code, body)
	}
	put := strings.Replace(post, "đến hết 2026", "(đã sửa)", 1)
	if code, body, _ := editorRequest(t, "PUT", one, "bientap", "mật khẩu", put); code != 200 || !strings.Contains(body, "(đã sửa)") {
		t.Errorf("PUT: %d %s", code, body)
	}
	if _, page := getText(t, base+"/tin-moi"); !strings.Contains(page, "Lệ phí đổi thẻ căn cước (đã sửa)") {
		t.Error("/tin-moi does not show the change")
	}
	if code, _, _ := editorRequest(t, "DELETE", one, "", "", ""); code != 401 {
		t.Errorf("DELETE without credentials: %d", code)
	}
	if code, body, _ := editorRequest(t, "DELETE", one, "bientap", "mật khẩu", ""); code != 200 {
		t.Errorf("DELETE: %d %s", code, body)
	}
	if code, _, _ := editorRequest(t, "GET", one, "bientap", "mật khẩu", ""); code != 404 {
		t.Errorf("GET after DELETE: %d", code)
	}
	if _, page := getText(t, base+"/tin-moi"); strings.Contains(page, "Lệ phí đổi thẻ") {
		t.Error("/tin-moi still shows a deleted announcement")
	}
}
