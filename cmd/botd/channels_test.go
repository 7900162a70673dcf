package main

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// graphFake is the Messenger Send API as Meta documents it
// (../shared/spec/channels.md B5 and B7): POST {base}/me/messages with
// ?access_token=, a JSON body {recipient:{id}, messaging_type, message:{text,
// quick_replies}} or {recipient, sender_action}; success
// {"recipient_id","message_id"}; errors {"error":{"message","type","code",
// "error_subcode","fbtrace_id"}}. failFirst answers the first message
// request with HTTP 500 (Meta's transient server error).
type graphFake struct {
	delay     time.Duration // time the Send API takes to answer a message request
	mu        sync.Mutex
	failFirst bool
	calls     int
	messages  []graphSend
}

type graphSend struct {
	Recipient struct {
		ID string `json:"id"`
	} `json:"recipient"`
	MessagingType string `json:"messaging_type"`
	Tag           string `json:"tag"`
	SenderAction  string `json:"sender_action"`
	Message       *struct {
		Text       string    `json:"text"`
		Attachment *struct { // a button template (Meta's "Button template"): text and URL buttons
			Payload struct {
				Text    string `json:"text"`
				Buttons []struct {
					Type, URL, Title string
				} `json:"buttons"`
			} `json:"payload"`
		} `json:"attachment"`
		Metadata     string `json:"metadata"` // "botdvc:" + outbound id
		QuickReplies []struct {
			ContentType string `json:"content_type"`
			Title       string `json:"title"`
			Payload     string `json:"payload"`
		} `json:"quick_replies"`
	} `json:"message"`
}

func (g *graphFake) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	if r.Method != http.MethodPost || r.URL.Path != "/v25.0/me/messages" {
		w.WriteHeader(400)
		fmt.Fprint(w, `{"error":{"message":"Unknown path components","type":"OAuthException","code":2500,"fbtrace_id":"x"}}`)
		return
	}
	if r.URL.Query().Get("access_token") != "PAGE_TOKEN" {
		w.WriteHeader(400)
		fmt.Fprint(w, `{"error":{"message":"Invalid OAuth access token.","type":"OAuthException","code":190,"fbtrace_id":"x"}}`)
		return
	}
	var s graphSend
	if err := json.NewDecoder(r.Body).Decode(&s); err != nil || s.Recipient.ID == "" {
		w.WriteHeader(400)
		fmt.Fprint(w, `{"error":{"message":"(#100) Invalid parameter","type":"OAuthException","code":100,"fbtrace_id":"x"}}`)
		return
	}
	if s.Message != nil && g.delay > 0 {
		time.Sleep(g.delay)
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if s.Message == nil { // sender_action: typing_on, mark_seen
		fmt.Fprintf(w, `{"recipient_id":%q}`, s.Recipient.ID)
		return
	}
	g.calls++
	if g.failFirst && g.calls == 1 {
		w.WriteHeader(500)
		fmt.Fprint(w, `{"error":{"message":"An unexpected error has occurred. Please retry your request later.","type":"OAuthException","code":2,"is_transient":true,"fbtrace_id":"x"}}`)
		return
	}
	g.messages = append(g.messages, s)
	fmt.Fprintf(w, `{"recipient_id":%q,"message_id":"m_%d"}`, s.Recipient.ID, len(g.messages))
}

func (g *graphFake) sent() []graphSend {
	g.mu.Lock()
	defer g.mu.Unlock()
	return append([]graphSend(nil), g.messages...)
}

func messengerBody(psid, mid, text string) string {
	now := time.Now().UnixMilli()
	return fmt.Sprintf(`{"object":"page","entry":[{"id":"PAGE1","time":%d,"messaging":[{"sender":{"id":%q},"recipient":{"id":"PAGE1"},"timestamp":%d,"message":{"mid":%q,"text":%q}}]}]}`,
		now, psid, now, mid, text)
}

func postSigned(t *testing.T, url, header, sig, body string) int {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(header, sig)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

func fbSign(secret, body string) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(body))
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}

// TestMessengerEndToEnd runs the whole binary: a signed Messenger webhook
// goes in, the engine's reply comes out at a fake Graph API, checked field
// by field; the same delivery again produces no second reply; a 500 from
// the Graph API is retried and the reply is delivered once.
func TestMessengerEndToEnd(t *testing.T) {
	g := &graphFake{failFirst: true}
	graph := httptest.NewServer(g)
	defer graph.Close()
	m := MustRunMain(t, t.TempDir(), map[string]string{
		"FB_APP_SECRET": "app-secret", "FB_VERIFY_TOKEN": "verify-me", "FB_PAGE_TOKEN": "PAGE_TOKEN",
		"FB_GRAPH_URL": graph.URL + "/v25.0",
	})
	url := m.URL() + "/webhooks/facebook"

	// Verification handshake.
	resp, err := http.Get(url + "?hub.mode=subscribe&hub.verify_token=verify-me&hub.challenge=1158201444")
	if err != nil {
		t.Fatal(err)
	}
	if got := readAll(resp); resp.StatusCode != 200 || got != "1158201444" {
		t.Fatalf("verification: %d %q", resp.StatusCode, got)
	}

	body := messengerBody("PSID-42", "m_e2e_1", "làm lại căn cước bị mất ở đâu")
	if code := postSigned(t, url, "X-Hub-Signature-256", fbSign("wrong-secret", body), body); code != 401 {
		t.Fatalf("bad signature: %d, want 401", code)
	}
	if code := postSigned(t, url, "X-Hub-Signature-256", fbSign("app-secret", body), body); code != 200 {
		t.Fatalf("webhook: %d, want 200", code)
	}
	// Meta redelivers the same event: it is accepted and dropped.
	if code := postSigned(t, url, "X-Hub-Signature-256", fbSign("app-secret", body), body); code != 200 {
		t.Fatalf("redelivery: %d, want 200", code)
	}
	waitFor(t, 15*time.Second, func() bool { return len(g.sent()) >= 1 })
	time.Sleep(500 * time.Millisecond) // a duplicate reply would arrive in this time
	sent := g.sent()
	if len(sent) != 1 {
		t.Fatalf("delivered %d replies, want exactly 1 (one message, one redelivery, one 500)", len(sent))
	}
	s := sent[0]
	if s.Recipient.ID != "PSID-42" || s.MessagingType != "RESPONSE" || s.Tag != "" {
		t.Errorf("envelope: recipient %q type %q tag %q", s.Recipient.ID, s.MessagingType, s.Tag)
	}
	// The answer fits a button template: its text, the official page as a
	// URL button, the other aspects and the feedback taps as quick replies.
	a := s.Message.Attachment
	if a == nil || !strings.Contains(a.Payload.Text, "Cấp lại thẻ căn cước") || len(a.Payload.Buttons) != 1 ||
		a.Payload.Buttons[0].Type != "web_url" || !strings.HasPrefix(a.Payload.Buttons[0].URL, "https://dichvucong.gov.vn/") {
		t.Errorf("reply does not name the procedure with its link as a button: %+v", s.Message)
	} else if n := len([]rune(a.Payload.Text)); n > 640 {
		t.Errorf("button template text of %d characters, Messenger's limit is 640", n)
	}
	if qr := s.Message.QuickReplies; len(qr) < 3 || qr[len(qr)-1].Payload != "feedback:down" {
		t.Errorf("quick replies = %+v, want the aspects and the feedback taps", qr)
	}
	g.mu.Lock()
	calls := g.calls
	g.mu.Unlock()
	if calls != 2 {
		t.Errorf("Send API message calls = %d, want 2 (the 500, then the delivery)", calls)
	}
}

// zaloFake is the Zalo OA OpenAPI v3 and OAuth v4 as documented
// (../shared/spec/channels.md A6 and A8): POST /v3.0/oa/message/cs with an
// access_token header, answering {"error":0,"message":"Success","data":{...}}
// or {"error":-216,"message":"Access token is invalid"} (always HTTP 200);
// POST /v4/oa/access_token with header secret_key and form refresh_token,
// app_id, grant_type=refresh_token, answering new tokens with expires_in as
// a string; refresh tokens are single use.
type zaloFake struct {
	mu        sync.Mutex
	access    string
	refresh   string
	refreshes int
	texts     []string
	users     []string
}

func (z *zaloFake) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	z.mu.Lock()
	defer z.mu.Unlock()
	switch r.URL.Path {
	case "/v4/oa/access_token":
		if r.Header.Get("secret_key") != "zalo-app-secret" {
			w.WriteHeader(404)
			fmt.Fprint(w, "empty api")
			return
		}
		_ = r.ParseForm()
		if r.PostForm.Get("grant_type") != "refresh_token" || r.PostForm.Get("app_id") != "zalo-app" || r.PostForm.Get("refresh_token") != z.refresh {
			fmt.Fprint(w, `{"error":-14014,"error_name":"Invalid refresh token","error_reason":"Refresh token is invalid or expired","ref_doc":""}`)
			return
		}
		z.refreshes++
		z.access, z.refresh = fmt.Sprintf("AT-new-%d", z.refreshes), fmt.Sprintf("RT-new-%d", z.refreshes)
		fmt.Fprintf(w, `{"access_token":%q,"refresh_token":%q,"expires_in":"90000"}`, z.access, z.refresh)
	case "/v3.0/oa/message/cs":
		if r.Header.Get("access_token") != z.access {
			fmt.Fprint(w, `{"error":-216,"message":"Access token is invalid"}`)
			return
		}
		var req struct {
			Recipient struct {
				UserID string `json:"user_id"`
			} `json:"recipient"`
			Message struct {
				Text string `json:"text"`
			} `json:"message"`
		}
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil || req.Recipient.UserID == "" || req.Message.Text == "" {
			fmt.Fprint(w, `{"error":-201,"message":"message is invalid"}`)
			return
		}
		z.texts = append(z.texts, req.Message.Text)
		z.users = append(z.users, req.Recipient.UserID)
		fmt.Fprintf(w, `{"error":0,"message":"Success","data":{"message_id":"msg%d","user_id":%q}}`, len(z.texts), req.Recipient.UserID)
	default:
		w.WriteHeader(404)
		fmt.Fprint(w, "empty api")
	}
}

// TestZaloEndToEnd: a signed Zalo event in, the reply out through the OA
// API; the configured access token has expired (-216), so the client
// refreshes it once through OAuth and delivers the message.
func TestZaloEndToEnd(t *testing.T) {
	// The service starts with ZALO_ACCESS_TOKEN=AT-expired, which the fake no longer accepts.
	z := &zaloFake{access: "AT-issued-later", refresh: "RT-1"}
	srv := httptest.NewServer(z)
	defer srv.Close()
	m := MustRunMain(t, t.TempDir(), map[string]string{
		"ZALO_APP_ID": "zalo-app", "ZALO_APP_SECRET": "zalo-app-secret", "ZALO_OA_SECRET": "oa-secret",
		"ZALO_ACCESS_TOKEN": "AT-expired", "ZALO_REFRESH_TOKEN": "RT-1",
		"ZALO_API_URL": srv.URL, "ZALO_OAUTH_URL": srv.URL, "ZALO_SITE_VERIFICATION": "Abc123Verify",
	})
	// Zalo's domain-ownership page, served from configuration.
	resp, err := http.Get(m.URL() + "/zalo_verifierAbc123Verify.html")
	if err != nil {
		t.Fatal(err)
	}
	if page := readAll(resp); resp.StatusCode != 200 || !strings.Contains(page, `<meta name="zalo-platform-site-verification" content="Abc123Verify"`) {
		t.Errorf("verification page: %d %q", resp.StatusCode, page)
	}
	ts := fmt.Sprint(time.Now().UnixMilli())
	body := `{"event_name":"user_send_text","app_id":"zalo-app","sender":{"id":"ZUSER-7"},"recipient":{"id":"OA1"},"message":{"text":"đăng kí khai sinh cho con cần giấy tờ gì","msg_id":"zmsg-e2e-1"},"timestamp":"` + ts + `","user_id_by_app":"979122185046046317"}`
	sum := sha256.Sum256([]byte("zalo-app" + body + ts + "oa-secret"))
	sig := "mac=" + hex.EncodeToString(sum[:])
	url := m.URL() + "/webhooks/zalo"
	hmacSig := func() string {
		h := hmac.New(sha256.New, []byte("oa-secret"))
		h.Write([]byte(body))
		return "mac=" + hex.EncodeToString(h.Sum(nil))
	}()
	if code := postSigned(t, url, "X-ZEvent-Signature", hmacSig, body); code != 401 {
		t.Fatalf("HMAC instead of SHA-256: %d, want 401", code)
	}
	if code := postSigned(t, url, "X-ZEvent-Signature", sig, body); code != 200 {
		t.Fatalf("webhook: %d, want 200", code)
	}
	if code := postSigned(t, url, "X-ZEvent-Signature", sig, body); code != 200 {
		t.Fatalf("redelivery: %d, want 200", code)
	}
	waitFor(t, 15*time.Second, func() bool { z.mu.Lock(); defer z.mu.Unlock(); return len(z.texts) >= 1 })
	time.Sleep(500 * time.Millisecond)
	z.mu.Lock()
	defer z.mu.Unlock()
	if len(z.texts) != 1 || z.users[0] != "ZUSER-7" {
		t.Fatalf("delivered %d messages to %v, want 1 to ZUSER-7", len(z.texts), z.users)
	}
	if z.refreshes != 1 {
		t.Errorf("token refreshes = %d, want exactly 1", z.refreshes)
	}
	if !strings.Contains(z.texts[0], "Đăng ký khai sinh") || !strings.Contains(z.texts[0], "1.001193") {
		t.Errorf("reply does not name the procedure and its code:\n%s", z.texts[0])
	}
}

func waitFor(t *testing.T, total time.Duration, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(total)
	for time.Now().Before(deadline) {
		if ok() {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatal("condition not met in time")
}

func readAll(resp *http.Response) string {
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}
