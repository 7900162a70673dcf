package messenger

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"botdvc/bot"
)

// fakeGraph is a Graph API Send endpoint that follows Meta's documented
// shapes (../shared/spec/channels.md B5 Send API, B7 error body
// {"error":{"message","type","code","error_subcode","fbtrace_id"}}): POST
// /me/messages?access_token=..., JSON body, success
// {"recipient_id","message_id"}. fail queues answers for the next calls.
type fakeGraph struct {
	t     testing.TB
	token string

	mu        sync.Mutex
	requests  []sendRequest                            // every well-formed request, in order
	delivered []sendRequest                            // message requests answered 200
	fail      []fakeAnswer                             // answers for the next calls, in order
	failOn    func(n int, req sendRequest) *fakeAnswer // answer for call n (1-based), nil for success
}

type fakeAnswer struct {
	status        int
	code, subcode int
	header        map[string]string
}

func newFakeGraph(t testing.TB) (*fakeGraph, *httptest.Server) {
	f := &fakeGraph{t: t, token: "PAGE_TOKEN"}
	srv := httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(srv.Close)
	return f, srv
}

func (f *fakeGraph) graphError(w http.ResponseWriter, status, code, sub int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	fmt.Fprintf(w, `{"error":{"message":%q,"type":"OAuthException","code":%d,"error_subcode":%d,"fbtrace_id":"AbCdEf"}}`, msg, code, sub)
}

func (f *fakeGraph) serve(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost || r.URL.Path != "/v25.0/me/messages" {
		f.graphError(w, 400, 100, 0, "Unknown path components")
		return
	}
	if r.URL.Query().Get("access_token") != f.token {
		f.graphError(w, 400, 190, 0, "Invalid OAuth access token.")
		return
	}
	if ct := r.Header.Get("Content-Type"); ct != "application/json" {
		f.graphError(w, 400, 100, 0, "content type "+ct)
		return
	}
	var req sendRequest
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		f.graphError(w, 400, 100, 0, "Invalid parameter")
		return
	}
	// Documented constraints: recipient required; sender_action only
	// without message; messaging_type required with a message; text < 2000;
	// quick replies <= 13, title <= 20, payload <= 1000.
	bad := req.Recipient.ID == "" ||
		(req.SenderAction != "" && (req.Message != nil || req.MessagingType != "")) ||
		(req.Message != nil && req.MessagingType == "") ||
		(req.MessagingType == "MESSAGE_TAG" && req.Tag == "")
	// A message is text or an attachment; a button template (Meta's
	// "Button template") has text up to 640 characters and 1-3 buttons, a
	// URL button ("URL button") type web_url, a url and a title of at most
	// 20 characters.
	if m := req.Message; m != nil {
		bad = bad || (m.Text == "") == (m.Attachment == nil) || utf16Len(m.Text) >= 2000 || len(m.QuickReplies) > 13 || len(m.Metadata) >= 1000
		if a := m.Attachment; a != nil {
			p := a.Payload
			bad = bad || a.Type != "template" || p.TemplateType != "button" || p.Text == "" || len([]rune(p.Text)) > 640 ||
				len(p.Buttons) < 1 || len(p.Buttons) > 3
			for _, b := range p.Buttons {
				bad = bad || b.Type != "web_url" || b.URL == "" || b.Title == "" || len([]rune(b.Title)) > 20
			}
		}
		for _, q := range m.QuickReplies {
			bad = bad || q.ContentType != "text" || len([]rune(q.Title)) > 20 || len([]rune(q.Payload)) > 1000
		}
	}
	if bad {
		f.graphError(w, 400, 100, 0, "(#100) Invalid parameter")
		return
	}
	f.mu.Lock()
	f.requests = append(f.requests, req)
	var ans *fakeAnswer
	if len(f.fail) > 0 {
		ans = &f.fail[0]
		f.fail = f.fail[1:]
	} else if f.failOn != nil {
		ans = f.failOn(len(f.requests), req)
	}
	if ans == nil && req.Message != nil {
		f.delivered = append(f.delivered, req)
	}
	n := len(f.requests)
	f.mu.Unlock()
	if ans != nil {
		for k, v := range ans.header {
			w.Header().Set(k, v)
		}
		if ans.code == 0 {
			w.WriteHeader(ans.status)
			io.WriteString(w, "upstream failure")
			return
		}
		f.graphError(w, ans.status, ans.code, ans.subcode, "error")
		return
	}
	w.Header().Set("Content-Type", "application/json")
	fmt.Fprintf(w, `{"recipient_id":%q,"message_id":"m_%d"}`, req.Recipient.ID, n)
}

func (f *fakeGraph) snapshot() (reqs, delivered []sendRequest) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]sendRequest(nil), f.requests...), append([]sendRequest(nil), f.delivered...)
}

var now0 = time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)

func testClient(srv *httptest.Server) *Client {
	c := NewClient(Config{PageToken: "PAGE_TOKEN", GraphURL: srv.URL + "/v25.0", RatePerSecond: 1e6})
	c.Now = func() time.Time { return now0 }
	return c
}

func TestSendDelivered(t *testing.T) {
	f, srv := newFakeGraph(t)
	c := testClient(srv)
	var opts []bot.Option
	for i := 1; i <= 15; i++ {
		opts = append(opts, bot.Option{Label: fmt.Sprintf("%d. Đăng ký thường trú cho con", i), Payload: fmt.Sprintf("G:%d", i)})
	}
	opts = append(opts, bot.Option{Label: "quá dài", Payload: strings.Repeat("x", 1001)})
	o := bot.Outbound{ID: "out-1", Channel: bot.Messenger, UserID: "PSID1", LastUser: now0.Add(-time.Hour),
		Reply: bot.Reply{Text: "Bạn hỏi thủ tục nào?", Options: opts,
			Links: []bot.Link{{Title: "Cổng DVC", URL: "https://dichvucong.gov.vn"}}}}
	if err := c.Send(context.Background(), o); err != nil {
		t.Fatalf("Send: %v", err)
	}
	reqs, delivered := f.snapshot()
	if len(reqs) != 3 || len(delivered) != 1 {
		t.Fatalf("got %d requests, %d messages; want mark_seen, typing_on, 1 message", len(reqs), len(delivered))
	}
	for i, a := range []string{ActionMarkSeen, ActionTypingOn} {
		if r := reqs[i]; r.SenderAction != a || r.Message != nil || r.Recipient.ID != "PSID1" {
			t.Errorf("request %d = %+v, want sender_action %s alone", i, r, a)
		}
	}
	m := delivered[0]
	if m.Recipient.ID != "PSID1" || m.MessagingType != "RESPONSE" || m.Tag != "" || m.SenderAction != "" {
		t.Errorf("envelope = %+v", m)
	}
	// The link is a URL button on the text (a button template).
	want := &outAttachment{Type: "template", Payload: outTemplateBody{TemplateType: "button", Text: "Bạn hỏi thủ tục nào?",
		Buttons: []outButton{{Type: "web_url", URL: "https://dichvucong.gov.vn", Title: "Cổng DVC"}}}}
	if a := m.Message.Attachment; m.Message.Text != "" || a == nil || a.Type != want.Type || a.Payload.Text != want.Payload.Text ||
		len(a.Payload.Buttons) != 1 || a.Payload.Buttons[0] != want.Payload.Buttons[0] {
		t.Errorf("message = %+v, want the text in a button template with the link", m.Message)
	}
	if m.Message.Metadata != "botdvc:out-1" {
		t.Errorf("metadata = %q", m.Message.Metadata)
	}
	qr := m.Message.QuickReplies
	if len(qr) != 13 {
		t.Fatalf("%d quick replies, want 13", len(qr))
	}
	if qr[0] != (outQuick{ContentType: "text", Title: "1. Đăng ký thường t…", Payload: "G:1"}) {
		t.Errorf("quick reply 0 = %+v", qr[0])
	}
	if qr[12].Payload != "G:13" {
		t.Errorf("quick reply 12 = %+v", qr[12])
	}
}

func TestSendWindow(t *testing.T) {
	tests := []struct {
		name       string
		age        time.Duration
		staff      string
		wantType   string
		wantTag    string
		wantClosed bool
	}{
		{"bot inside 24h", 23 * time.Hour, "", "RESPONSE", "", false},
		{"staff inside 24h", 2 * time.Hour, "lan", "RESPONSE", "", false},
		{"staff after 24h", 30 * time.Hour, "lan", "MESSAGE_TAG", "HUMAN_AGENT", false},
		{"staff at 6 days", 6 * 24 * time.Hour, "lan", "MESSAGE_TAG", "HUMAN_AGENT", false},
		{"bot after 24h", 25 * time.Hour, "", "", "", true},
		{"staff after 7 days", 7*24*time.Hour + time.Minute, "lan", "", "", true},
		{"proactive inside 24h", 23 * time.Hour, "", "UPDATE", "", false},
		{"proactive after 24h", 25 * time.Hour, "", "", "", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f, srv := newFakeGraph(t)
			c := testClient(srv)
			c.SenderActions = false
			err := c.Send(context.Background(), bot.Outbound{ID: "o", UserID: "U", Staff: tc.staff,
				Proactive: strings.HasPrefix(tc.name, "proactive"), LastUser: now0.Add(-tc.age), Reply: bot.Reply{Text: "Chào bạn"}})
			reqs, _ := f.snapshot()
			if tc.wantClosed {
				if !errors.Is(err, ErrWindowClosed) || !errors.Is(err, bot.ErrUndeliverable) || len(reqs) != 0 {
					t.Fatalf("err = %v, %d requests; want ErrWindowClosed and no request", err, len(reqs))
				}
				return
			}
			if err != nil || len(reqs) != 1 {
				t.Fatalf("err = %v, %d requests", err, len(reqs))
			}
			if reqs[0].MessagingType != tc.wantType || reqs[0].Tag != tc.wantTag {
				t.Fatalf("messaging_type %q tag %q, want %q %q", reqs[0].MessagingType, reqs[0].Tag, tc.wantType, tc.wantTag)
			}
		})
	}
}

// A last piece longer than a button template takes (640 characters) goes
// as text; the official page follows as a button template of its own, which
// carries the quick replies (they go on the last message).
func TestSendLinkButtonAfterLongText(t *testing.T) {
	f, srv := newFakeGraph(t)
	c := testClient(srv)
	text := strings.TrimSpace(strings.Repeat("Hồ sơ gồm tờ khai và bản sao giấy tờ tùy thân. ", 20)) // 940 characters
	err := c.Send(context.Background(), bot.Outbound{ID: "l", UserID: "U", LastUser: now0,
		Reply: bot.Reply{Text: text, Options: []bot.Option{{Label: "Lệ phí", Payload: "aspect:fee:x"}},
			Links: []bot.Link{{Title: "Xem trang chính thức", URL: "https://dichvucong.gov.vn/p/x"}}}})
	if err != nil {
		t.Fatal(err)
	}
	_, delivered := f.snapshot()
	if len(delivered) != 2 {
		t.Fatalf("%d messages, want the text then the link", len(delivered))
	}
	first, second := delivered[0].Message, delivered[1].Message
	if first.Text != text || first.Attachment != nil || len(first.QuickReplies) != 0 {
		t.Errorf("first = %+v, want the text alone", first)
	}
	if a := second.Attachment; a == nil || len(a.Payload.Buttons) != 1 || a.Payload.Buttons[0].URL != "https://dichvucong.gov.vn/p/x" ||
		a.Payload.Buttons[0].Title != "Xem trang chính thức" || len(second.QuickReplies) != 1 {
		t.Errorf("second = %+v, want the link button and the quick replies", second)
	}
}

func TestSendLongTextSplit(t *testing.T) {
	f, srv := newFakeGraph(t)
	c := testClient(srv)
	para := strings.TrimSpace(strings.Repeat("Hồ sơ gồm tờ khai và bản sao giấy tờ tùy thân. ", 18))
	text := strings.Join([]string{para, para, para, para, para}, "\n\n")
	err := c.Send(context.Background(), bot.Outbound{ID: "long", UserID: "U", LastUser: now0,
		Reply: bot.Reply{Text: text, Options: []bot.Option{{Label: "Có", Payload: "yes"}}}})
	if err != nil {
		t.Fatal(err)
	}
	_, delivered := f.snapshot()
	if len(delivered) < 3 {
		t.Fatalf("%d messages, want the text split in at least 3", len(delivered))
	}
	var parts []string
	for i, d := range delivered {
		parts = append(parts, d.Message.Text)
		if hasQR := len(d.Message.QuickReplies) > 0; hasQR != (i == len(delivered)-1) {
			t.Errorf("message %d quick replies = %v; only the last one carries them", i, d.Message.QuickReplies)
		}
	}
	if strings.Join(parts, "\n\n") != text {
		t.Error("pieces joined at paragraph breaks do not give back the text")
	}
}

// TestSendRetry500 models the caller's retry (the outbound worker retries
// a transient error with backoff): a 500 then a 200 delivers one message.
func TestSendRetry500(t *testing.T) {
	f, srv := newFakeGraph(t)
	c := testClient(srv)
	c.SenderActions = false
	f.fail = []fakeAnswer{{status: 500}}
	o := bot.Outbound{ID: "r1", UserID: "U", LastUser: now0, Reply: bot.Reply{Text: "Xin chào"}}
	err := c.Send(context.Background(), o)
	if err == nil || errors.Is(err, bot.ErrUndeliverable) {
		t.Fatalf("first send err = %v, want a transient error", err)
	}
	if err := c.Send(context.Background(), o); err != nil {
		t.Fatalf("retry: %v", err)
	}
	reqs, delivered := f.snapshot()
	if len(reqs) != 2 || len(delivered) != 1 || delivered[0].Message.Text != "Xin chào" {
		t.Fatalf("%d requests, delivered %+v", len(reqs), delivered)
	}
}

// TestSendRetryResumes: a transient failure on the second piece of a split
// reply; the retry sends only the pieces not yet delivered.
func TestSendRetryResumes(t *testing.T) {
	f, srv := newFakeGraph(t)
	c := testClient(srv)
	c.SenderActions = false
	para := strings.Repeat("Một câu khá dài về thủ tục hành chính. ", 40)
	o := bot.Outbound{ID: "r2", UserID: "U", LastUser: now0, Reply: bot.Reply{Text: para + "\n\n" + para}}
	want := render(o.Reply)
	if len(want) != 2 {
		t.Fatalf("fixture renders to %d pieces, want 2", len(want))
	}
	// Piece 1 answered 200, piece 2 with Meta's "unexpected error, please
	// retry" (code 2), once.
	f.failOn = func(n int, req sendRequest) *fakeAnswer {
		if n == 2 {
			return &fakeAnswer{status: 500, code: 2}
		}
		return nil
	}
	if err := c.Send(context.Background(), o); err == nil || errors.Is(err, bot.ErrUndeliverable) {
		t.Fatalf("err = %v, want transient", err)
	}
	if err := c.Send(context.Background(), o); err != nil {
		t.Fatalf("retry: %v", err)
	}
	_, delivered := f.snapshot()
	if len(delivered) != 2 || delivered[0].Message.Text != want[0].Text || delivered[1].Message.Text != want[1].Text {
		t.Fatalf("delivered %d messages, want each piece once", len(delivered))
	}
}

func TestSendErrors(t *testing.T) {
	tests := []struct {
		name          string
		ans           fakeAnswer
		undeliverable error // nil: transient
	}{
		{"token invalid 190", fakeAnswer{status: 400, code: 190}, ErrNeedsReauth},
		{"outside window 10/2018278", fakeAnswer{status: 400, code: 10, subcode: 2018278}, ErrWindowClosed},
		{"user unavailable 551", fakeAnswer{status: 400, code: 551, subcode: 1545041}, ErrRejected},
		{"invalid parameter 100", fakeAnswer{status: 400, code: 100}, ErrRejected},
		{"rate limit 613", fakeAnswer{status: 400, code: 613}, nil},
		{"app limit 4", fakeAnswer{status: 400, code: 4}, nil},
		{"unexpected 2", fakeAnswer{status: 500, code: 2}, nil},
		{"bad gateway", fakeAnswer{status: 502}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f, srv := newFakeGraph(t)
			c := testClient(srv)
			c.SenderActions = false
			f.fail = []fakeAnswer{tc.ans}
			err := c.Send(context.Background(), bot.Outbound{ID: "e", UserID: "U", LastUser: now0, Reply: bot.Reply{Text: "x"}})
			if err == nil {
				t.Fatal("no error")
			}
			if strings.Contains(err.Error(), "PAGE_TOKEN") {
				t.Fatalf("error leaks the token: %v", err)
			}
			if tc.undeliverable != nil {
				if !errors.Is(err, tc.undeliverable) || !errors.Is(err, bot.ErrUndeliverable) {
					t.Fatalf("err = %v, want %v", err, tc.undeliverable)
				}
			} else if errors.Is(err, bot.ErrUndeliverable) {
				t.Fatalf("err = %v, want transient", err)
			}
		})
	}
}

func TestSendReauthStops(t *testing.T) {
	f, srv := newFakeGraph(t)
	c := testClient(srv)
	c.SenderActions = false
	f.token = "ROTATED" // the Page token in the config is no longer valid
	o := bot.Outbound{ID: "a", UserID: "U", LastUser: now0, Reply: bot.Reply{Text: "x"}}
	if err := c.Send(context.Background(), o); !errors.Is(err, ErrNeedsReauth) {
		t.Fatalf("err = %v", err)
	}
	if !c.NeedsReauth() {
		t.Fatal("NeedsReauth false after 190")
	}
	if err := c.Send(context.Background(), o); !errors.Is(err, ErrNeedsReauth) {
		t.Fatalf("second send err = %v", err)
	}
	if reqs, _ := f.snapshot(); len(reqs) != 0 {
		t.Fatalf("%d requests reached Graph; the rejected token must not be retried", len(reqs))
	}
}

func TestSendRateLimitPause(t *testing.T) {
	f, srv := newFakeGraph(t)
	c := testClient(srv)
	c.SenderActions = false
	now := now0
	c.Now = func() time.Time { return now }
	f.fail = []fakeAnswer{{status: 400, code: 613, header: map[string]string{
		"X-Business-Use-Case-Usage": `{"682498171943165":[{"type":"messenger","call_count":100,"estimated_time_to_regain_access":2}]}`}}}
	o := bot.Outbound{ID: "p", UserID: "U", LastUser: now0, Reply: bot.Reply{Text: "x"}}
	if err := c.Send(context.Background(), o); err == nil || errors.Is(err, bot.ErrUndeliverable) {
		t.Fatalf("err = %v, want transient", err)
	}
	now = now0.Add(time.Minute) // Meta said 2 minutes
	if err := c.Send(context.Background(), o); err == nil {
		t.Fatal("sent while paused")
	}
	if reqs, _ := f.snapshot(); len(reqs) != 1 {
		t.Fatalf("%d requests during the pause, want 1", len(reqs))
	}
	now = now0.Add(3 * time.Minute)
	if err := c.Send(context.Background(), o); err != nil {
		t.Fatalf("after the pause: %v", err)
	}
}

// TestSendFromResumesAnotherInstancesReply: a fresh client (another
// instance) told that one piece went out sends only the second, and
// reports each piece it delivered.
func TestSendFromResumesAnotherInstancesReply(t *testing.T) {
	f, srv := newFakeGraph(t)
	c := testClient(srv)
	para := strings.Repeat("Một câu khá dài về thủ tục hành chính. ", 40)
	o := bot.Outbound{ID: "r3", UserID: "U", LastUser: now0, Reply: bot.Reply{Text: para + "\n\n" + para}}
	want := render(o.Reply)
	var got []int
	if err := c.SendFrom(context.Background(), o, 1, func(n int) { got = append(got, n) }); err != nil {
		t.Fatal(err)
	}
	_, delivered := f.snapshot()
	if len(delivered) != 1 || delivered[0].Message.Text != want[1].Text {
		t.Fatalf("delivered %d messages, want only the second piece", len(delivered))
	}
	if fmt.Sprint(got) != "[2]" {
		t.Errorf("delivered callbacks %v, want [2]", got)
	}
}
