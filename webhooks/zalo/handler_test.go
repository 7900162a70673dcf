package zalo

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"
	dto "github.com/prometheus/client_model/go"

	"botdvc/bot"
	"botdvc/webhooks"
)

// recordingInbox is an in-memory webhooks.Inbox that drops duplicates by
// channel and id, as the JetStream inbox does with Nats-Msg-Id.
type recordingInbox struct {
	mu   sync.Mutex
	seen map[string]bool
	got  []bot.Message
	err  error
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
	if key := string(m.Channel) + ":" + m.ID; !r.seen[key] {
		r.seen[key] = true
		r.got = append(r.got, m)
	}
	return nil
}

func (r *recordingInbox) messages() []bot.Message {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]bot.Message(nil), r.got...)
}

var _ webhooks.Inbox = (*recordingInbox)(nil)

// fakeTracker records what the handler tells it.
type fakeTracker struct {
	own     map[string]bool
	inbound []string
}

func (f *fakeTracker) Own(_ context.Context, _, msgID string) bool { return f.own[msgID] }
func (f *fakeTracker) NoteInbound(userID string, _ time.Time) {
	f.inbound = append(f.inbound, userID)
}

// testCfg accepts the test vectors' timestamps (2023) for what they test;
// TestTimestampWindow checks the default window.
var testCfg = Config{AppID: vectorAppID, OASecret: vectorSecret, MaxAge: 20 * 365 * 24 * time.Hour}

func newApp(t testing.TB, cfg Config, inbox webhooks.Inbox, tr Tracker) *fiber.App {
	t.Helper()
	app := fiber.New()
	h := NewHandler(cfg, inbox, nil)
	if tr != nil {
		h.Tracker = tr
	}
	h.Mount(app)
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

func post(body, sig string) *http.Request {
	req := httptest.NewRequest(http.MethodPost, Path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if sig != "" {
		req.Header.Set("X-ZEvent-Signature", sig)
	}
	return req
}

func signed(body string) *http.Request {
	return post(body, Sign([]byte(body), vectorAppID, vectorSecret))
}

func TestReceiveVector(t *testing.T) {
	inbox, tr := &recordingInbox{}, &fakeTracker{}
	app := newApp(t, testCfg, inbox, tr)
	if status, body := do(t, app, post(vectorBody, vectorSig)); status != 200 {
		t.Fatalf("got %d %q", status, body)
	}
	want := bot.Message{ID: "cb31dff1c39642cc1b83", Channel: bot.Zalo, UserID: "246845883529197922", Kind: bot.KindText,
		Text: "Xin chào", Time: time.UnixMilli(1699003881354).UTC()}
	got := inbox.messages()
	if len(got) != 1 || !reflect.DeepEqual(got[0], want) {
		t.Fatalf("inbox = %+v\nwant %+v", got, want)
	}
	if len(tr.inbound) != 1 || tr.inbound[0] != "246845883529197922" {
		t.Fatalf("tracker not told of the inbound message: %v", tr.inbound)
	}
	// Zalo redelivers: one message stays.
	if status, _ := do(t, app, post(vectorBody, vectorSig)); status != 200 || len(inbox.messages()) != 1 {
		t.Fatalf("duplicate: status %d, %d messages", status, len(inbox.messages()))
	}
}

// Event shapes follow channels.md A5 (A5.1 text and button taps, A5.2
// attachments with both location forms, A5.3 follow, A5.4 chat now, A5.5
// received/seen with msg_id and msg_ids, A5.6 echoes).
func TestReceiveEvents(t *testing.T) {
	ms := func(v int64) time.Time { return time.UnixMilli(v).UTC() }
	tests := []struct {
		name string
		body string
		want *bot.Message
	}{
		{"button tap", `{"app_id":"1234567890123456789","event_name":"user_send_text","timestamp":"1699003881400","sender":{"id":"246845883529197922"},"recipient":{"id":"388613280878808645"},"message":{"text":"#btn:GUIDE:cccd","msg_id":"m2"}}`,
			&bot.Message{ID: "m2", Channel: bot.Zalo, UserID: "246845883529197922", Kind: bot.KindPayload, Payload: "GUIDE:cccd", Time: ms(1699003881400)}},
		{"image", `{"app_id":"1234567890123456789","sender":{"id":"u1"},"recipient":{"id":"oa"},"event_name":"user_send_image","message":{"msg_id":"m3","attachments":[{"type":"image","payload":{"url":"https://x","thumbnail":"https://y"}}]},"timestamp":"1677721200000"}`,
			&bot.Message{ID: "m3", Channel: bot.Zalo, UserID: "u1", Kind: bot.KindAttachment, Time: ms(1677721200000),
				Attachments: []bot.Attachment{{Type: "image", URL: "https://x"}}}},
		{"file with caption", `{"app_id":"1","sender":{"id":"u1"},"recipient":{"id":"oa"},"event_name":"user_send_file","message":{"msg_id":"m4","text":"hồ sơ","attachments":[{"type":"file","payload":{"url":"https://x","name":"a.pdf","size":"1024000"}}]},"timestamp":"1677721200001"}`,
			&bot.Message{ID: "m4", Channel: bot.Zalo, UserID: "u1", Kind: bot.KindAttachment, Text: "hồ sơ", Time: ms(1677721200001),
				Attachments: []bot.Attachment{{Type: "file", URL: "https://x", Name: "a.pdf"}}}},
		{"location as attachment (CW)", `{"app_id":"1","sender":{"id":"u1"},"recipient":{"id":"oa"},"event_name":"user_send_location","message":{"msg_id":"m5","attachments":[{"type":"location","payload":{"coordinates":{"latitude":"21.02","longitude":"105.85"}}}]},"timestamp":"1677721200002"}`,
			&bot.Message{ID: "m5", Channel: bot.Zalo, UserID: "u1", Kind: bot.KindAttachment, Time: ms(1677721200002)}},
		{"location in message (HND)", `{"app_id":"1","sender":{"id":"u1"},"recipient":{"id":"oa"},"event_name":"user_send_location","message":{"msg_id":"m6","location":{"latitude":21.02,"longitude":105.85}},"timestamp":"1677721200003"}`,
			&bot.Message{ID: "m6", Channel: bot.Zalo, UserID: "u1", Kind: bot.KindAttachment, Time: ms(1677721200003)}},
		{"sticker", `{"app_id":"1","sender":{"id":"u1"},"recipient":{"id":"oa"},"event_name":"user_send_sticker","message":{"msg_id":"m7","attachments":[{"type":"sticker","payload":{"id":"abc","url":"https://x"}}]},"timestamp":"1677721200004"}`,
			&bot.Message{ID: "m7", Channel: bot.Zalo, UserID: "u1", Kind: bot.KindAttachment, Time: ms(1677721200004)}},
		{"follow", `{"app_id":"1234567890","follower":{"id":"user_id_123456"},"oa_id":"oa_id_789012","event_name":"follow","timestamp":"1677721200000","user_id_by_app":"979122185046046317"}`,
			&bot.Message{ID: "follow:user_id_123456:1677721200000", Channel: bot.Zalo, UserID: "user_id_123456", Kind: bot.KindFollow, Time: ms(1677721200000)}},
		{"chat now", `{"app_id":"1","oa_id":"oa","user_id":"8123456789012345678","user_id_by_app":"9","event_name":"user_click_chatnow","timestamp":"1677721200005"}`,
			&bot.Message{ID: "chatnow:8123456789012345678:1677721200005", Channel: bot.Zalo, UserID: "8123456789012345678", Kind: bot.KindFollow, Time: ms(1677721200005)}},
		{"OA admin reply (echo not ours)", `{"app_id":"1","event_name":"oa_send_text","timestamp":"1677721200006","sender":{"id":"oa"},"recipient":{"id":"u1"},"message":{"text":"Cán bộ trả lời","msg_id":"admin1"}}`,
			&bot.Message{ID: "admin1", Channel: bot.Zalo, UserID: "u1", Kind: bot.KindAgentEcho, Text: "Cán bộ trả lời", Time: ms(1677721200006)}},
		{"own echo", `{"app_id":"1","event_name":"oa_send_text","timestamp":"1677721200007","sender":{"id":"oa"},"recipient":{"id":"u1"},"message":{"text":"bot","msg_id":"ours1"}}`, nil},
		{"unfollow", `{"app_id":"1","follower":{"id":"u1"},"oa_id":"oa","event_name":"unfollow","timestamp":"1677721200008"}`, nil},
		{"received (msg_id)", `{"app_id":"1","event_name":"user_received_message","timestamp":"1677721200009","sender":{"id":"oa"},"recipient":{"id":"u1"},"message":{"msg_id":"ours1"}}`, nil},
		{"seen (msg_ids)", `{"app_id":"1","event_name":"user_seen_message","timestamp":"1677721200010","sender":{"id":"oa"},"recipient":{"id":"u1"},"message":{"msg_ids":["ours1","ours2"]}}`, nil},
		{"reaction", `{"app_id":"1","event_name":"user_reacted_message","timestamp":"1677721200011","sender":{"id":"u1"},"recipient":{"id":"oa"},"message":{"react_icon":"/-heart","msg_id":"ours1"}}`, nil},
		{"anonymous", `{"app_id":"1","event_name":"anonymous_send_text","timestamp":"1677721200012","sender":{"id":"a"},"recipient":{"id":"oa"},"message":{"text":"x","msg_id":"a1"}}`, nil},
		{"unknown event", `{"app_id":"1","event_name":"shop_has_order","timestamp":"1677721200013"}`, nil},
		{"no timestamp", `{"app_id":"1","event_name":"user_send_text","sender":{"id":"u1"},"message":{"text":"x","msg_id":"m9"}}`, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			inbox := &recordingInbox{}
			app := newApp(t, testCfg, inbox, &fakeTracker{own: map[string]bool{"ours1": true}})
			if status, body := do(t, app, signed(tc.body)); status != 200 {
				t.Fatalf("got %d %q", status, body)
			}
			got := inbox.messages()
			if tc.want == nil {
				if len(got) != 0 {
					t.Fatalf("inbox got %+v, want nothing", got)
				}
				return
			}
			if len(got) != 1 || !reflect.DeepEqual(got[0], *tc.want) {
				t.Fatalf("inbox = %+v\nwant %+v", got, *tc.want)
			}
		})
	}
}

func TestSeenIDsBothForms(t *testing.T) {
	for body, want := range map[string]string{
		`{"event_name":"user_seen_message","timestamp":"1","message":{"msg_ids":["a","b"]}}`:   "a,b",
		`{"event_name":"user_seen_message","timestamp":"1","message":{"msg_id":"a"}}`:          "a",
		`{"event_name":"user_received_message","timestamp":"1","message":{"msg_id":"a"}}`:      "a",
		`{"event_name":"user_received_message","timestamp":"1","message":{"msg_ids":[7,"b"]}}`: "7,b",
	} {
		ts, _ := bodyTimestamp([]byte(body))
		p, err := parse([]byte(body), ts)
		if err != nil || strings.Join(p.Seen, ",") != want {
			t.Errorf("%s: seen %v err %v, want %s", body, p.Seen, err, want)
		}
	}
}

func TestEchoWithoutTracker(t *testing.T) {
	inbox := &recordingInbox{}
	app := newApp(t, testCfg, inbox, nil)
	body := `{"app_id":"1","event_name":"oa_send_text","timestamp":"1677721200006","sender":{"id":"oa"},"recipient":{"id":"u1"},"message":{"text":"x","msg_id":"e1"}}`
	if status, _ := do(t, app, signed(body)); status != 200 || len(inbox.messages()) != 0 {
		t.Fatalf("status %d, %d messages; with no tracker echoes are ignored", status, len(inbox.messages()))
	}
}

func TestReceiveRefusals(t *testing.T) {
	big := `{"timestamp":"1","pad":"` + strings.Repeat("x", 100) + `"}`
	tests := []struct {
		name   string
		cfg    Config
		req    *http.Request
		status int
		body   string
	}{
		{"bad signature", testCfg, post(vectorBody, "mac="+hmacHex(vectorBody, vectorSecret)), 401, "bad signature"},
		{"no signature", testCfg, post(vectorBody, ""), 401, "bad signature"},
		{"re-serialised", testCfg, post(reserialised, vectorSig), 401, "bad signature"},
		{"bad signature acked", Config{AppID: vectorAppID, OASecret: vectorSecret, AckBadSignature: true}, post(vectorBody, "mac=00"), 200, "OK"},
		{"not JSON", testCfg, post(`event_name=follow`, "mac=00"), 400, "malformed webhook body: invalid JSON at byte 1"},
		{"truncated", testCfg, post(`{"timestamp":"1",`, "mac=00"), 400, "malformed webhook body: body is empty or truncated"},
		{"wrong type, signed", testCfg, signed(`{"timestamp":"1","event_name":"user_send_text","message":"x"}`), 400, `malformed webhook body: field "message" has the wrong type (byte 60)`},
		{"trailing data, signed", testCfg, signed(`{"timestamp":"1"} {}`), 400, "malformed webhook body: trailing data after the JSON object"},
		{"too large", Config{AppID: vectorAppID, OASecret: vectorSecret, MaxBody: 64}, signed(big), 413, "body too large"},
		{"channel off", Config{AppID: vectorAppID}, post(vectorBody, vectorSig), 404, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			inbox := &recordingInbox{}
			status, body := do(t, newApp(t, tc.cfg, inbox, nil), tc.req)
			if status != tc.status || (tc.body != "" && body != tc.body) {
				t.Fatalf("got %d %q, want %d %q", status, body, tc.status, tc.body)
			}
			if n := len(inbox.messages()); n != 0 {
				t.Fatalf("inbox got %d messages, want none", n)
			}
		})
	}
}

func TestReceiveInboxErrors(t *testing.T) {
	inbox := &recordingInbox{err: errors.New("jetstream down")}
	if status, _ := do(t, newApp(t, testCfg, inbox, nil), post(vectorBody, vectorSig)); status != 503 {
		t.Fatalf("status %d, want 503 so Zalo redelivers", status)
	}
	inbox = &recordingInbox{err: bot.ErrRefused}
	if status, _ := do(t, newApp(t, testCfg, inbox, nil), post(vectorBody, vectorSig)); status != 200 {
		t.Fatalf("refused by policy: status %d, want 200", status)
	}
}

// Signed events whose timestamp is far from the clock (a replayed request,
// or nonsense) are refused with 200 and counted; the default window is
// 12 hours back and 1 hour ahead (regression for issue 12).
func TestTimestampWindow(t *testing.T) {
	now := time.UnixMilli(1699003881354).UTC() // the vector's time
	for _, tc := range []struct {
		name string
		at   string
		want bool
	}{
		{"now", "1699003881354", true},
		{"11 hours old (a late redelivery)", fmt.Sprint(now.Add(-11 * time.Hour).UnixMilli()), true},
		{"13 hours old", fmt.Sprint(now.Add(-13 * time.Hour).UnixMilli()), false},
		{"400 days old", fmt.Sprint(now.Add(-400 * 24 * time.Hour).UnixMilli()), false},
		{"zero", "0", false},
		{"year 5138", "99999999999999", false},
		{"2 hours ahead", fmt.Sprint(now.Add(2 * time.Hour).UnixMilli()), false},
		{"seconds, not milliseconds", fmt.Sprint(now.Unix()), true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			inbox := &recordingInbox{}
			app := fiber.New()
			h := NewHandler(Config{AppID: vectorAppID, OASecret: vectorSecret}, inbox, nil)
			h.Now = func() time.Time { return now }
			h.Mount(app)
			body := strings.Replace(vectorBody, `"1699003881354"`, `"`+tc.at+`"`, 1)
			if status, _ := do(t, app, signed(body)); status != 200 {
				t.Fatalf("status %d, want 200", status)
			}
			if got := len(inbox.messages()) == 1; got != tc.want {
				t.Errorf("accepted = %v, want %v", got, tc.want)
			}
			var m dto.Metric
			_ = h.m.rejected.WithLabelValues("stale").Write(&m)
			if counted := m.GetCounter().GetValue() == 1; counted == tc.want {
				t.Errorf("counted as stale = %v", counted)
			}
		})
	}
}

func TestSiteVerification(t *testing.T) {
	// Served even while the webhook is off (the domain is verified first).
	app := newApp(t, Config{SiteVerification: "AbC123_x"}, &recordingInbox{}, nil)
	status, body := do(t, app, httptest.NewRequest(http.MethodGet, "/zalo_verifierAbC123_x.html", nil))
	if status != 200 || !strings.Contains(body, `<meta name="zalo-platform-site-verification" content="AbC123_x" />`) {
		t.Fatalf("got %d %q", status, body)
	}
	if status, _ := do(t, app, httptest.NewRequest(http.MethodGet, "/zalo_verifierOTHER.html", nil)); status != 404 {
		t.Fatalf("other code: %d, want 404", status)
	}
	if status, _ := do(t, app, post(vectorBody, vectorSig)); status != 404 {
		t.Fatalf("webhook while off: %d, want 404", status)
	}
	// A code that could break out of the path or the attribute is not served.
	app = newApp(t, Config{SiteVerification: `x"/><script>`}, &recordingInbox{}, nil)
	if status, _ := do(t, app, httptest.NewRequest(http.MethodGet, `/zalo_verifierx%22/%3E%3Cscript%3E.html`, nil)); status != 404 {
		t.Fatalf("unsafe code served: %d", status)
	}
}
