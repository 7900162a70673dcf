package messenger

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"

	"botdvc/bot"
	"botdvc/webhooks"
)

// recordingInbox is an in-memory webhooks.Inbox that records what it got
// and drops duplicates by channel and id, as the JetStream inbox does with
// Nats-Msg-Id.
type recordingInbox struct {
	mu   sync.Mutex
	seen map[string]bool
	got  []bot.Message
	err  error // returned by Accept when set
}

func (r *recordingInbox) Accept(_ context.Context, m bot.Message) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.err != nil {
		return r.err
	}
	if r.seen == nil {
		r.seen = map[string]bool{}
	}
	key := string(m.Channel) + ":" + m.ID
	if r.seen[key] {
		return nil
	}
	r.seen[key] = true
	r.got = append(r.got, m)
	return nil
}

func (r *recordingInbox) messages() []bot.Message {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]bot.Message(nil), r.got...)
}

var _ webhooks.Inbox = (*recordingInbox)(nil)

func testApp(t testing.TB, cfg Config, inbox webhooks.Inbox) *fiber.App {
	t.Helper()
	app := fiber.New()
	NewHandler(cfg, inbox, nil).Mount(app)
	return app
}

func do(t testing.TB, app *fiber.App, req *http.Request) (int, string) {
	t.Helper()
	resp, err := app.Test(req, -1)
	if err != nil {
		t.Fatalf("app.Test: %v", err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func signedPost(body, secret string) *http.Request {
	req := httptest.NewRequest(http.MethodPost, Path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Hub-Signature-256", Sign([]byte(body), secret))
	return req
}

func TestHandshake(t *testing.T) {
	app := testApp(t, Config{AppSecret: "s", VerifyToken: "verify-me"}, &recordingInbox{})
	tests := []struct {
		name, query string
		status      int
		body        string
	}{
		{"ok", "hub.mode=subscribe&hub.verify_token=verify-me&hub.challenge=1158201444", 200, "1158201444"},
		{"wrong token", "hub.mode=subscribe&hub.verify_token=nope&hub.challenge=1158201444", 403, "verification failed"},
		{"wrong mode", "hub.mode=unsubscribe&hub.verify_token=verify-me&hub.challenge=1", 403, "verification failed"},
		{"no token", "hub.mode=subscribe&hub.challenge=1", 403, "verification failed"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			status, body := do(t, app, httptest.NewRequest(http.MethodGet, Path+"?"+tc.query, nil))
			if status != tc.status || body != tc.body {
				t.Fatalf("got %d %q, want %d %q", status, body, tc.status, tc.body)
			}
		})
	}
}

func TestReceiveVector(t *testing.T) {
	inbox := &recordingInbox{}
	app := testApp(t, Config{AppSecret: vectorSecret}, inbox)
	req := httptest.NewRequest(http.MethodPost, Path, strings.NewReader(vectorBody))
	req.Header.Set("X-Hub-Signature-256", vectorSig)
	if status, body := do(t, app, req); status != 200 || body != "EVENT_RECEIVED" {
		t.Fatalf("got %d %q", status, body)
	}
	got := inbox.messages()
	if len(got) != 1 {
		t.Fatalf("inbox got %d messages, want 1", len(got))
	}
	want := bot.Message{ID: "mid.1457764197618:41d102a3e1ae206a38", Channel: bot.Messenger, UserID: "PSID",
		Kind: bot.KindText, Text: "café / héllo", Time: time.UnixMilli(1458692752478).UTC()}
	if !reflect.DeepEqual(got[0], want) {
		t.Fatalf("message = %+v\nwant      %+v", got[0], want)
	}
	// Redelivery of the same body: the inbox drops it, the platform gets 200.
	req = httptest.NewRequest(http.MethodPost, Path, strings.NewReader(vectorBody))
	req.Header.Set("X-Hub-Signature-256", vectorSig)
	if status, _ := do(t, app, req); status != 200 || len(inbox.messages()) != 1 {
		t.Fatalf("duplicate: status %d, %d messages", status, len(inbox.messages()))
	}
}

func TestReceiveRefusals(t *testing.T) {
	const secret = "s3cret"
	tests := []struct {
		name   string
		req    func() *http.Request
		cfg    Config
		status int
		body   string
	}{
		{"bad signature", func() *http.Request { return signedPost(vectorBody, "wrong") }, Config{AppSecret: secret}, 401, "bad signature"},
		{"no signature", func() *http.Request {
			return httptest.NewRequest(http.MethodPost, Path, strings.NewReader(vectorBody))
		}, Config{AppSecret: secret}, 401, "bad signature"},
		{"re-serialised body", func() *http.Request {
			req := httptest.NewRequest(http.MethodPost, Path, strings.NewReader(reserialised))
			req.Header.Set("X-Hub-Signature-256", vectorSig)
			return req
		}, Config{AppSecret: vectorSecret}, 401, "bad signature"},
		{"malformed JSON", func() *http.Request { return signedPost(`{"object":"page","entry":[{`, secret) }, Config{AppSecret: secret}, 400, "malformed webhook body: body is empty or truncated"},
		{"syntax error", func() *http.Request { return signedPost(`{"object":"page",}`, secret) }, Config{AppSecret: secret}, 400, "malformed webhook body: invalid JSON at byte 18"},
		{"wrong type", func() *http.Request { return signedPost(`{"object":"page","entry":{}}`, secret) }, Config{AppSecret: secret}, 400, `malformed webhook body: field "entry" has the wrong type (byte 26)`},
		{"trailing data", func() *http.Request { return signedPost(`{"object":"page"} {}`, secret) }, Config{AppSecret: secret}, 400, "malformed webhook body: trailing data after the JSON object"},
		{"too large", func() *http.Request {
			return signedPost(`{"object":"page","entry":[]}`+strings.Repeat(" ", 100), secret)
		}, Config{AppSecret: secret, MaxBody: 64}, 413, "body too large"},
		{"channel off", func() *http.Request { return signedPost(vectorBody, "") }, Config{}, 404, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			inbox := &recordingInbox{}
			status, body := do(t, testApp(t, tc.cfg, inbox), tc.req())
			if status != tc.status || (tc.body != "" && body != tc.body) {
				t.Fatalf("got %d %q, want %d %q", status, body, tc.status, tc.body)
			}
			if n := len(inbox.messages()); n != 0 {
				t.Fatalf("inbox got %d messages, want none", n)
			}
		})
	}
}

// batchBody has two entries with events of every kind, out of time order.
// Shapes follow channels.md B4 (messages, quick replies, postbacks, echoes,
// deliveries, reads, standby).
const batchBody = `{"object":"page","entry":[
{"id":"682498171943165","time":1502905976963,"messaging":[
 {"sender":{"id":"1254459154682919"},"recipient":{"id":"682498171943165"},"timestamp":1502905976377,
  "message":{"quick_reply":{"payload":"GUIDE:cccd"},"mid":"m_qr","text":"Làm CCCD"}},
 {"sender":{"id":"1254459154682919"},"recipient":{"id":"682498171943165"},"timestamp":1502905976100,
  "message":{"mid":"m_text","text":"dk thuong tru can gi"}},
 {"sender":{"id":"1254459154682919"},"recipient":{"id":"682498171943165"},"timestamp":1502905976500,
  "message":{"mid":"m_img","attachments":[{"type":"image","payload":{"url":"https://x/y.png"}}]}},
 {"sender":{"id":"682498171943165"},"recipient":{"id":"1254459154682919"},"timestamp":1502905976600,
  "message":{"is_echo":true,"app_id":1517776481860111,"metadata":"botdvc:out-1","mid":"m_own","text":"trả lời của bot"}},
 {"sender":{"id":"682498171943165"},"recipient":{"id":"1254459154682919"},"timestamp":1502905976700,
  "message":{"is_echo":true,"app_id":263902037430900,"mid":"m_admin","text":"Chào bạn, tôi là cán bộ"}},
 {"sender":{"id":"1254459154682919"},"recipient":{"id":"682498171943165"},"delivery":{"mids":["m_own"],"watermark":1458668856253}},
 {"sender":{"id":"1254459154682919"},"recipient":{"id":"682498171943165"},"timestamp":1458668856463,"read":{"watermark":1458668856253}},
 {"sender":{"id":"1254459154682919"},"recipient":{"id":"682498171943165"},"timestamp":1458668856463,"reaction":{"reaction":"love","emoji":"❤","action":"react","mid":"m_own"}},
 {"sender":{"id":"1254459154682919"},"recipient":{"id":"682498171943165"},"timestamp":1458668856463,"pass_thread_control":{"new_owner_app_id":"1"}}
]},
{"id":"682498171943165","time":1502905977000,"messaging":[
 {"sender":{"id":"99887766554433221"},"recipient":{"id":"682498171943165"},"timestamp":1502905970000,
  "postback":{"title":"Bắt đầu","payload":"GET_STARTED","mid":"m_pb1"}},
 {"sender":{"id":99887766554433221123},"recipient":{"id":"682498171943165"},"timestamp":1502905971000,
  "postback":{"title":"Hỏi thủ tục","payload":"MENU_ASK"}}
],"standby":[
 {"sender":{"id":"5"},"recipient":{"id":"682498171943165"},"timestamp":1502905971000,"message":{"mid":"m_sb","text":"x"}}
]}]}`

func TestReceiveBatch(t *testing.T) {
	inbox := &recordingInbox{}
	app := testApp(t, Config{AppSecret: "s"}, inbox)
	if status, body := do(t, app, signedPost(batchBody, "s")); status != 200 {
		t.Fatalf("got %d %q", status, body)
	}
	ms := func(v int64) time.Time { return time.UnixMilli(v).UTC() }
	want := []bot.Message{
		{ID: "m_pb1", Channel: bot.Messenger, UserID: "99887766554433221", Kind: bot.KindFollow, Text: "Bắt đầu", Payload: "GET_STARTED", Time: ms(1502905970000)},
		{ID: "pb:99887766554433221123:1502905971000", Channel: bot.Messenger, UserID: "99887766554433221123", Kind: bot.KindPayload, Text: "Hỏi thủ tục", Payload: "MENU_ASK", Time: ms(1502905971000)},
		{ID: "m_text", Channel: bot.Messenger, UserID: "1254459154682919", Kind: bot.KindText, Text: "dk thuong tru can gi", Time: ms(1502905976100)},
		{ID: "m_qr", Channel: bot.Messenger, UserID: "1254459154682919", Kind: bot.KindPayload, Text: "Làm CCCD", Payload: "GUIDE:cccd", Time: ms(1502905976377)},
		{ID: "m_img", Channel: bot.Messenger, UserID: "1254459154682919", Kind: bot.KindAttachment, Time: ms(1502905976500),
			Attachments: []bot.Attachment{{Type: "image", URL: "https://x/y.png"}}},
		{ID: "m_admin", Channel: bot.Messenger, UserID: "1254459154682919", Kind: bot.KindAgentEcho, Text: "Chào bạn, tôi là cán bộ", Time: ms(1502905976700)},
	}
	got := inbox.messages()
	if len(got) != len(want) {
		t.Fatalf("inbox got %d messages, want %d: %+v", len(got), len(want), got)
	}
	for i := range want {
		if !reflect.DeepEqual(got[i], want[i]) {
			t.Errorf("message %d = %+v\nwant        %+v", i, got[i], want[i])
		}
	}
}

func TestReceiveOwnEchoByAppID(t *testing.T) {
	body := `{"object":"page","entry":[{"id":"P","time":1,"messaging":[{"sender":{"id":"P"},"recipient":{"id":"U"},"timestamp":2,"message":{"is_echo":true,"app_id":1517776481860111,"mid":"m1","text":"hi"}}]}]}`
	inbox := &recordingInbox{}
	app := testApp(t, Config{AppSecret: "s", AppID: "1517776481860111"}, inbox)
	if status, _ := do(t, app, signedPost(body, "s")); status != 200 || len(inbox.messages()) != 0 {
		t.Fatalf("status %d, messages %+v", status, inbox.messages())
	}
}

func TestReceiveIgnoredShapes(t *testing.T) {
	for name, body := range map[string]string{
		// App Dashboard test shape (channels.md B3 note).
		"dashboard test": `{"field":"messaging_postbacks","value":{"sender":{"user_ref":"u"},"recipient":{"id":"1"},"timestamp":"1527459824","postback":{"title":"t","payload":"p","mid":"m"}}}`,
		"other object":   `{"object":"instagram","entry":[{"id":"1","time":1,"messaging":[{"sender":{"id":"2"},"recipient":{"id":"1"},"timestamp":1,"message":{"mid":"m","text":"x"}}]}]}`,
		"empty entry":    `{"object":"page","entry":[]}`,
	} {
		t.Run(name, func(t *testing.T) {
			inbox := &recordingInbox{}
			if status, _ := do(t, testApp(t, Config{AppSecret: "s"}, inbox), signedPost(body, "s")); status != 200 {
				t.Fatalf("status %d, want 200", status)
			}
			if n := len(inbox.messages()); n != 0 {
				t.Fatalf("inbox got %d messages", n)
			}
		})
	}
}

func TestReceiveInboxErrors(t *testing.T) {
	inbox := &recordingInbox{err: errors.New("jetstream down")}
	if status, _ := do(t, testApp(t, Config{AppSecret: "s"}, inbox), signedPost(batchBody, "s")); status != 503 {
		t.Fatalf("inbox failure: status %d, want 503 so Meta redelivers", status)
	}
	inbox = &recordingInbox{err: bot.ErrRefused}
	if status, _ := do(t, testApp(t, Config{AppSecret: "s"}, inbox), signedPost(batchBody, "s")); status != 200 {
		t.Fatalf("refused by policy: status %d, want 200", status)
	}
}
