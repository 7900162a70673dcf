package zalo

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"botdvc/bot"
)

// fakeZalo is the Zalo OA OpenAPI and OAuth v4 server as channels.md
// documents them:
//   - A6: POST /v3.0/oa/message/cs, header access_token, JSON
//     {"recipient":{"user_id"},"message":{"text",...}}; answers HTTP 200 with
//     {"error":0,"message":"Success","data":{"message_id","user_id","quota":{"quota_type"}}}
//     or {"error":<negative code>,"message":...}; a missing access token is
//     -216 "Access token is invalid".
//   - A8: POST /v4/oa/access_token, form refresh_token, app_id,
//     grant_type=refresh_token, header secret_key (a missing header gives
//     HTTP 404 "empty api"); answers the tokens at the top level with
//     expires_in as a string; refresh tokens are single use.
type fakeZalo struct {
	t         testing.TB
	appID     string
	appSecret string
	store     TokenStore // checked when a new access token is first used: it must already be stored

	mu        sync.Mutex
	access    map[string]bool // valid access tokens
	refresh   map[string]bool // unused refresh tokens
	issued    int
	refreshes int
	sent      []csRequest // delivered messages
	calls     int         // CS calls
	fail      []string    // answer bodies (or "HTTP 500") for the next CS calls
	failOn    func(req csRequest) string
	slowOAuth time.Duration
}

func newFakeZalo(t testing.TB, store TokenStore) (*fakeZalo, *httptest.Server) {
	f := &fakeZalo{t: t, appID: "app-1", appSecret: "app-secret", store: store,
		access: map[string]bool{}, refresh: map[string]bool{"RT0": true}}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v3.0/oa/message/cs", f.cs)
	mux.HandleFunc("POST /v4/oa/access_token", f.oauth)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return f, srv
}

func (f *fakeZalo) cs(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls++
	tok := r.Header.Get("access_token")
	if !f.access[tok] {
		fmt.Fprint(w, `{"error":-216,"message":"Access token is invalid"}`)
		return
	}
	if ct := r.Header.Get("Content-Type"); ct != "application/json" {
		fmt.Fprint(w, `{"error":-201,"message":"content type is invalid"}`)
		return
	}
	var req csRequest
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil || req.Recipient.UserID == "" || req.Message.Text == "" ||
		len([]rune(req.Message.Text)) > 2000 {
		fmt.Fprint(w, `{"error":-201,"message":"message is invalid"}`)
		return
	}
	if a := req.Message.Attachment; a != nil {
		if a.Type != "template" || len(a.Payload.Buttons) > 5 {
			fmt.Fprint(w, `{"error":-201,"message":"attachment is invalid"}`)
			return
		}
		for _, b := range a.Payload.Buttons {
			if b.Type != "oa.query.hide" || len([]rune(b.Payload)) > 1000 || len([]rune(b.Title)) > 100 {
				fmt.Fprint(w, `{"error":-201,"message":"buttons is invalid"}`)
				return
			}
		}
	}
	if f.store != nil { // the token in use must be the stored one (persisted before use)
		if st, err := f.store.Load(context.Background()); err == nil && st.AccessToken != tok && tok != "AT0" {
			f.t.Errorf("access token used before it was stored")
		}
	}
	answer := ""
	if len(f.fail) > 0 {
		answer, f.fail = f.fail[0], f.fail[1:]
	} else if f.failOn != nil {
		answer = f.failOn(req)
	}
	switch {
	case answer == "HTTP 500":
		w.WriteHeader(500)
		fmt.Fprint(w, `{"error":-1,"message":"internal error"}`)
		return
	case answer != "":
		fmt.Fprint(w, answer)
		return
	}
	f.sent = append(f.sent, req)
	fmt.Fprintf(w, `{"error":0,"message":"Success","data":{"message_id":"msg%02d","user_id":%q,"quota":{"quota_type":"reply","remain":%d,"total":8}}}`,
		len(f.sent), req.Recipient.UserID, 8-len(f.sent))
}

func (f *fakeZalo) oauth(w http.ResponseWriter, r *http.Request) {
	if r.Header.Get("secret_key") != f.appSecret {
		w.WriteHeader(404)
		fmt.Fprint(w, "empty api")
		return
	}
	if f.slowOAuth > 0 {
		time.Sleep(f.slowOAuth)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.refreshes++
	w.Header().Set("Content-Type", "application/json")
	if r.Header.Get("Content-Type") != "application/x-www-form-urlencoded" || r.ParseForm() != nil ||
		r.PostForm.Get("grant_type") != "refresh_token" || r.PostForm.Get("app_id") != f.appID {
		fmt.Fprint(w, `{"error":-14001,"error_name":"Invalid parameter","error_reason":"","ref_doc":""}`)
		return
	}
	rt := r.PostForm.Get("refresh_token")
	if !f.refresh[rt] {
		fmt.Fprint(w, `{"error":-14014,"error_name":"Invalid refresh token","error_reason":"Refresh token is invalid or expired","ref_doc":""}`)
		return
	}
	delete(f.refresh, rt) // single use
	f.issued++
	at, nrt := fmt.Sprintf("AT%d", f.issued), fmt.Sprintf("RT%d", f.issued)
	f.access[at], f.refresh[nrt] = true, true
	fmt.Fprintf(w, `{"access_token":%q,"refresh_token":%q,"expires_in":"90000"}`, at, nrt)
}

func (f *fakeZalo) snapshot() (sent []csRequest, calls, refreshes int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]csRequest(nil), f.sent...), f.calls, f.refreshes
}

var now0 = time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)

func newTestClient(t testing.TB, srv *httptest.Server, store TokenStore, cfg Config) *Client {
	cfg.AppID, cfg.AppSecret = "app-1", "app-secret"
	if cfg.AccessToken == "" {
		cfg.AccessToken, cfg.RefreshToken = "AT0", "RT0"
	}
	cfg.APIURL, cfg.OAuthURL = srv.URL, srv.URL // a bare host, as cmd/botd passes it: the token path is added
	c := NewClient(cfg, store)
	c.Now = func() time.Time { return now0 }
	c.Tokens().Now = c.Now
	return c
}

func out(text string) bot.Outbound {
	return bot.Outbound{ID: "o-" + text, Channel: bot.Zalo, UserID: "2468458835296197922", LastUser: now0.Add(-time.Hour), Reply: bot.Reply{Text: text}}
}

func TestSendDelivered(t *testing.T) {
	f, srv := newFakeZalo(t, nil)
	f.access["AT0"] = true
	c := newTestClient(t, srv, &MemTokens{}, Config{})
	o := out("Bạn cần làm thủ tục nào?\n1. Cấp CCCD")
	o.Reply.Options = []bot.Option{{Label: "Cấp CCCD", Payload: "G:cccd"}, {Label: "Đăng ký thường trú", Payload: "G:tt"}}
	o.Reply.Links = []bot.Link{{Title: "Cổng DVC", URL: "https://dichvucong.gov.vn"}}
	if err := c.Send(context.Background(), o); err != nil {
		t.Fatal(err)
	}
	sent, _, refreshes := f.snapshot()
	if len(sent) != 1 || refreshes != 0 {
		t.Fatalf("%d messages, %d refreshes", len(sent), refreshes)
	}
	want := "Bạn cần làm thủ tục nào?\n1. Cấp CCCD\n2. Đăng ký thường trú\n\nCổng DVC: https://dichvucong.gov.vn"
	if s := sent[0]; s.Recipient.UserID != "2468458835296197922" || s.Message.Text != want || s.Message.Attachment != nil {
		t.Fatalf("sent %+v\nwant text %q and no buttons (Config.Buttons off)", s, want)
	}
	// The id Zalo returned marks the echo as ours; the window counts the reply.
	if !c.Own(context.Background(), "x", "msg01") || c.Own(context.Background(), "x", "msg99") {
		t.Fatal("Own does not match the returned message id")
	}
	w, ok := c.Window(o.UserID)
	if !ok || w.Sent != 1 || w.FreeLeft != 7 || w.Quota != "reply" || !w.FreeUntil.Equal(o.LastUser.Add(48*time.Hour)) {
		t.Fatalf("window = %+v", w)
	}
}

// An answer's options (other aspects, feedback) are not in its text, though
// their labels may be ("Lệ phí: …"): they are added as numbered lines after
// it, numbered as the engine counts them, so that a typed "2" picks the
// second; the official page follows as a text link (no verified link button).
func TestSendAnswerOptionsNumbered(t *testing.T) {
	f, srv := newFakeZalo(t, nil)
	f.access["AT0"] = true
	c := newTestClient(t, srv, &MemTokens{}, Config{})
	o := out("Cấp đổi thẻ căn cước – nơi nộp hồ sơ:\nCông an cấp xã.\n\nLệ phí: 25.000 đồng.")
	o.Reply.Options = []bot.Option{{Label: "Lệ phí", Payload: "aspect:fee:x"}, {Label: "Thời hạn giải quyết", Payload: "aspect:duration:x"},
		{Label: "Hữu ích", Payload: "feedback:up"}, {Label: "Chưa hữu ích", Payload: "feedback:down"}}
	o.Reply.Links = []bot.Link{{Title: "Xem trang chính thức", URL: "https://dichvucong.gov.vn/p/x"}}
	if err := c.Send(context.Background(), o); err != nil {
		t.Fatal(err)
	}
	sent, _, _ := f.snapshot()
	want := "Cấp đổi thẻ căn cước – nơi nộp hồ sơ:\nCông an cấp xã.\n\nLệ phí: 25.000 đồng.\n\nNhắn số để chọn:\n" +
		"1. Lệ phí\n2. Thời hạn giải quyết\n3. Hữu ích\n4. Chưa hữu ích\n\nXem trang chính thức: https://dichvucong.gov.vn/p/x"
	if len(sent) != 1 || sent[0].Message.Text != want {
		t.Fatalf("sent %q\nwant %q", sent[0].Message.Text, want)
	}
}

func TestSendButtons(t *testing.T) {
	f, srv := newFakeZalo(t, nil)
	f.access["AT0"] = true
	c := newTestClient(t, srv, &MemTokens{}, Config{Buttons: true})
	o := out("Chọn một:")
	for i := 1; i <= 7; i++ {
		o.Reply.Options = append(o.Reply.Options, bot.Option{Label: fmt.Sprintf("Lựa chọn %d", i), Payload: fmt.Sprintf("P%d", i)})
	}
	if err := c.Send(context.Background(), o); err != nil {
		t.Fatal(err)
	}
	sent, _, _ := f.snapshot()
	a := sent[0].Message.Attachment
	if a == nil || len(a.Payload.Buttons) != 5 {
		t.Fatalf("attachment = %+v, want 5 buttons", a)
	}
	if b := a.Payload.Buttons[0]; b != (csButton{Title: "Lựa chọn 1", Type: "oa.query.hide", Payload: "#btn:P1"}) {
		t.Fatalf("button 0 = %+v", b)
	}
	if !strings.Contains(sent[0].Message.Text, "7. Lựa chọn 7") {
		t.Fatalf("options not numbered in the text: %q", sent[0].Message.Text)
	}
	// If Zalo refuses buttons on /message/cs (unverified, D2), the text
	// goes alone and buttons stay off.
	f.mu.Lock()
	f.failOn = func(req csRequest) string {
		if req.Message.Attachment != nil {
			return `{"error":-201,"message":"attachment is invalid"}`
		}
		return ""
	}
	f.mu.Unlock()
	if err := c.Send(context.Background(), out("Lần hai")); err != nil {
		t.Fatal(err)
	}
	o.ID = "again"
	if err := c.Send(context.Background(), o); err != nil {
		t.Fatal(err)
	}
	sent, _, _ = f.snapshot()
	if len(sent) != 3 || sent[2].Message.Attachment != nil || !c.buttonsOff.Load() {
		t.Fatalf("fallback: %d sent, last %+v", len(sent), sent[len(sent)-1].Message)
	}
}

// A -201 that is not about the buttons (a bad user id) does not turn the
// buttons off: the text alone fails too.
func TestSendButtonsBadUser(t *testing.T) {
	f, srv := newFakeZalo(t, nil)
	f.access["AT0"] = true
	f.failOn = func(csRequest) string { return `{"error":-201,"message":"user_id is invalid"}` }
	c := newTestClient(t, srv, &MemTokens{}, Config{Buttons: true})
	o := out("Chọn:")
	o.Reply.Options = []bot.Option{{Label: "A", Payload: "a"}}
	if err := c.Send(context.Background(), o); !errors.Is(err, ErrRejected) {
		t.Fatalf("err = %v, want ErrRejected", err)
	}
	if _, calls, _ := f.snapshot(); calls != 2 || c.buttonsOff.Load() {
		t.Fatalf("%d calls, buttons off %v; want 2 calls and buttons still on", calls, c.buttonsOff.Load())
	}
}

func TestSendSplit(t *testing.T) {
	f, srv := newFakeZalo(t, nil)
	f.access["AT0"] = true
	c := newTestClient(t, srv, &MemTokens{}, Config{})
	para := strings.TrimSpace(strings.Repeat("Nộp hồ sơ tại bộ phận một cửa của phường. ", 22))
	text := strings.Join([]string{para, para, para, para}, "\n\n")
	if err := c.Send(context.Background(), out(text)); err != nil {
		t.Fatal(err)
	}
	sent, _, _ := f.snapshot()
	var parts []string
	for _, s := range sent {
		parts = append(parts, s.Message.Text)
	}
	if len(sent) != 2 || strings.Join(parts, "\n\n") != text {
		t.Fatalf("%d pieces; joined equal: %v", len(sent), strings.Join(parts, "\n\n") == text)
	}
}

// TestSendRetry500 models the caller's retry of a transient error: a 500
// then a 200 deliver one message.
func TestSendRetry500(t *testing.T) {
	f, srv := newFakeZalo(t, nil)
	f.access["AT0"] = true
	f.fail = []string{"HTTP 500"}
	c := newTestClient(t, srv, &MemTokens{}, Config{})
	o := out("Xin chào")
	if err := c.Send(context.Background(), o); err == nil || errors.Is(err, bot.ErrUndeliverable) {
		t.Fatalf("first send: %v, want transient", err)
	}
	if err := c.Send(context.Background(), o); err != nil {
		t.Fatal(err)
	}
	sent, calls, _ := f.snapshot()
	if len(sent) != 1 || calls != 2 || sent[0].Message.Text != "Xin chào" {
		t.Fatalf("%d delivered in %d calls", len(sent), calls)
	}
}

// TestSendExpiredToken: the configured access token is expired (-216);
// the client refreshes once through OAuth, stores the new single-use
// refresh token before using the new access token, and delivers.
func TestSendExpiredToken(t *testing.T) {
	store := &MemTokens{}
	f, srv := newFakeZalo(t, store) // AT0 is not valid
	c := newTestClient(t, srv, store, Config{})
	if err := c.Send(context.Background(), out("Chào bạn")); err != nil {
		t.Fatal(err)
	}
	sent, calls, refreshes := f.snapshot()
	if len(sent) != 1 || calls != 2 || refreshes != 1 {
		t.Fatalf("%d delivered, %d calls, %d refreshes; want 1, 2, 1", len(sent), calls, refreshes)
	}
	st, err := store.Load(context.Background())
	if err != nil || st.AccessToken != "AT1" || st.RefreshToken != "RT1" || !st.Expires.Equal(now0.Add(25*time.Hour)) {
		t.Fatalf("stored %+v, %v", st, err)
	}
	// A restart with the same configuration keeps the stored tokens (RT0
	// is spent) instead of re-seeding.
	c2 := newTestClient(t, srv, store, Config{})
	if err := c2.Send(context.Background(), out("Lần nữa")); err != nil {
		t.Fatal(err)
	}
	if _, _, refreshes := f.snapshot(); refreshes != 1 {
		t.Fatalf("%d refreshes after restart, want still 1", refreshes)
	}
}

// TestConcurrentSendsOneRefresh: many sends hit the expired token at once;
// one refresh serves them all.
func TestConcurrentSendsOneRefresh(t *testing.T) {
	store := &MemTokens{}
	f, srv := newFakeZalo(t, store)
	f.slowOAuth = 20 * time.Millisecond
	c := newTestClient(t, srv, store, Config{})
	var wg sync.WaitGroup
	errs := make(chan error, 10)
	for i := range 10 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			o := out(fmt.Sprintf("tin %d", i))
			o.UserID = fmt.Sprintf("user%d", i)
			errs <- c.Send(context.Background(), o)
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	sent, _, refreshes := f.snapshot()
	if len(sent) != 10 || refreshes != 1 {
		t.Fatalf("%d delivered, %d refreshes; want 10 and 1", len(sent), refreshes)
	}
}

func TestProactiveRefresh(t *testing.T) {
	store := &MemTokens{}
	f, srv := newFakeZalo(t, store)
	f.access["AT0"] = true
	c := newTestClient(t, srv, store, Config{})
	// Stored tokens expiring in 5 hours: inside the 6-hour margin.
	if _, err := store.Save(context.Background(), Tokens{AccessToken: "AT0", RefreshToken: "RT0", Expires: now0.Add(5 * time.Hour), Seed: seedOf("RT0")}); err != nil {
		t.Fatal(err)
	}
	if err := c.Send(context.Background(), out("x")); err != nil {
		t.Fatal(err)
	}
	if _, calls, refreshes := f.snapshot(); calls != 1 || refreshes != 1 {
		t.Fatalf("%d calls, %d refreshes; want the refresh before the one call", calls, refreshes)
	}
	if cur := c.Tokens().Current(); cur.AccessToken != "AT1" {
		t.Fatalf("token in use %q", cur.AccessToken)
	}
}

func TestRefreshFailsAlerts(t *testing.T) {
	store := &MemTokens{}
	f, srv := newFakeZalo(t, store)
	f.mu.Lock()
	f.refresh = map[string]bool{} // RT0 already spent or expired
	f.mu.Unlock()
	c := newTestClient(t, srv, store, Config{})
	err := c.Send(context.Background(), out("x"))
	if !errors.Is(err, ErrNeedsReauth) || !errors.Is(err, bot.ErrUndeliverable) {
		t.Fatalf("err = %v, want ErrNeedsReauth", err)
	}
	if strings.Contains(err.Error(), "RT0") || strings.Contains(err.Error(), "app-secret") {
		t.Fatalf("error leaks a secret: %v", err)
	}
	if v := gauge(c.tokens.m.refreshFailed); v != 1 {
		t.Fatalf("refresh-failed gauge = %v, want 1", v)
	}
	// Wrong app secret: the OAuth endpoint answers 404 "empty api" (A6).
	f2, srv2 := newFakeZalo(t, nil)
	f2.appSecret = "other"
	c2 := newTestClient(t, srv2, &MemTokens{}, Config{})
	if err := c2.Send(context.Background(), out("x")); !errors.Is(err, ErrNeedsReauth) {
		t.Fatalf("wrong secret: %v", err)
	}
}

func TestSendErrorCodes(t *testing.T) {
	tests := []struct {
		answer string
		want   error // nil: transient
	}{
		{`{"error":-230,"message":"User has not interacted with the OA in the past 7 days"}`, ErrWindowClosed},
		{`{"error":-232,"message":"User has no interaction or the last interaction expired"}`, ErrWindowClosed},
		{`{"error":-213,"message":"User has not followed OA"}`, ErrWindowClosed},
		{`{"error":-217,"message":"User blocked OA invitation"}`, ErrWindowClosed},
		{`{"error":-201,"message":"user_id is invalid"}`, ErrRejected},
		{`{"error":-224,"message":"OA must buy a service package"}`, ErrRejected},
		{`{"error":-240,"message":"MessageV2 API has been shut down"}`, ErrRejected},
		{`{"error":-32,"message":"Your application reached limit call api"}`, nil},
		{`{"error":-100,"message":"attachment_id expired"}`, nil},
		{"HTTP 500", nil},
	}
	for _, tc := range tests {
		t.Run(tc.answer, func(t *testing.T) {
			f, srv := newFakeZalo(t, nil)
			f.access["AT0"] = true
			f.fail = []string{tc.answer}
			c := newTestClient(t, srv, &MemTokens{}, Config{})
			err := c.Send(context.Background(), out("x"))
			if err == nil {
				t.Fatal("no error")
			}
			if tc.want != nil && (!errors.Is(err, tc.want) || !errors.Is(err, bot.ErrUndeliverable)) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
			if tc.want == nil && errors.Is(err, bot.ErrUndeliverable) {
				t.Fatalf("err = %v, want transient", err)
			}
			if strings.Contains(err.Error(), "AT0") {
				t.Fatalf("error leaks the token: %v", err)
			}
		})
	}
}

func TestRateLimitBackoff(t *testing.T) {
	f, srv := newFakeZalo(t, nil)
	f.access["AT0"] = true
	f.fail = []string{`{"error":-32,"message":"Your application reached limit call api"}`}
	c := newTestClient(t, srv, &MemTokens{}, Config{})
	now := now0
	c.Now = func() time.Time { return now }
	if err := c.Send(context.Background(), out("x")); err == nil {
		t.Fatal("no error on -32")
	}
	now = now0.Add(10 * time.Second) // back-off is 15 to 30 s
	if err := c.Send(context.Background(), out("x")); err == nil {
		t.Fatal("sent during back-off")
	}
	if _, calls, _ := f.snapshot(); calls != 1 {
		t.Fatalf("%d calls during back-off, want 1", calls)
	}
	now = now0.Add(31 * time.Second)
	if err := c.Send(context.Background(), out("x")); err != nil {
		t.Fatalf("after back-off: %v", err)
	}
}

func TestWindowPolicy(t *testing.T) {
	f, srv := newFakeZalo(t, nil)
	f.access["AT0"] = true
	c := newTestClient(t, srv, &MemTokens{}, Config{FreeOnly: true})
	ctx := context.Background()
	o := out("x")
	o.LastUser = now0.Add(-8 * 24 * time.Hour)
	if err := c.Send(ctx, o); !errors.Is(err, ErrWindowClosed) {
		t.Fatalf("after 7 days: %v", err)
	}
	// Free window: 8 replies, then refused with FreeOnly.
	c.NoteInbound("u9", now0.Add(-time.Hour))
	for i := range 8 {
		if err := c.Send(ctx, bot.Outbound{ID: fmt.Sprint(i), UserID: "u9", Reply: bot.Reply{Text: "ok"}}); err != nil {
			t.Fatalf("reply %d: %v", i+1, err)
		}
	}
	if w, _ := c.Window("u9"); w.Sent != 8 || w.FreeLeft != 0 {
		t.Fatalf("window = %+v", w)
	}
	if err := c.Send(ctx, bot.Outbound{ID: "9", UserID: "u9", Reply: bot.Reply{Text: "ok"}}); !errors.Is(err, ErrWindowClosed) {
		t.Fatalf("9th reply: %v", err)
	}
	// The citizen writes again: the quota resets.
	c.NoteInbound("u9", now0)
	if w, _ := c.Window("u9"); w.Sent != 0 || w.FreeLeft != 8 {
		t.Fatalf("after a new message: %+v", w)
	}
	if _, calls, _ := f.snapshot(); calls != 8 {
		t.Fatalf("%d calls, want 8", calls)
	}
}

// TestProactiveOnlyFree: an announcement to a follower (Outbound.Proactive)
// goes only as a free consultation reply (A7: 8 within 48 hours of the
// citizen's last message), never billed, even without Config.FreeOnly.
func TestProactiveOnlyFree(t *testing.T) {
	f, srv := newFakeZalo(t, nil)
	f.access["AT0"] = true
	c := newTestClient(t, srv, &MemTokens{}, Config{})
	ctx := context.Background()
	send := func(id string, last time.Time) error {
		return c.Send(ctx, bot.Outbound{ID: id, UserID: "u7", Proactive: true, LastUser: last, Reply: bot.Reply{Text: "Bản tin"}})
	}
	if err := send("p0", time.Time{}); !errors.Is(err, ErrWindowClosed) {
		t.Fatalf("unknown last message: %v", err)
	}
	if err := send("p1", now0.Add(-49*time.Hour)); !errors.Is(err, ErrWindowClosed) {
		t.Fatalf("after 48 hours: %v", err)
	}
	if err := send("p2", now0.Add(-47*time.Hour)); err != nil {
		t.Fatalf("inside 48 hours: %v", err)
	}
	for i := range 7 {
		if err := c.Send(ctx, bot.Outbound{ID: fmt.Sprint("r", i), UserID: "u7", Reply: bot.Reply{Text: "ok"}}); err != nil {
			t.Fatal(err)
		}
	}
	if err := send("p3", now0.Add(-47*time.Hour)); !errors.Is(err, ErrWindowClosed) {
		t.Fatalf("9th message: %v", err)
	}
	if _, calls, _ := f.snapshot(); calls != 8 {
		t.Fatalf("%d calls, want 8", calls)
	}
}

func TestOwnWhileSending(t *testing.T) {
	f, srv := newFakeZalo(t, nil)
	f.access["AT0"] = true
	c := newTestClient(t, srv, &MemTokens{}, Config{})
	// The echo arrives before the API answers (channels.md A4, CW).
	var during bool
	f.failOn = func(req csRequest) string {
		during = c.Own(context.Background(), req.Recipient.UserID, "not-yet-known")
		return ""
	}
	if err := c.Send(context.Background(), out("x")); err != nil {
		t.Fatal(err)
	}
	if !during {
		t.Fatal("an echo during the send was not recognised as ours")
	}
	if c.Own(context.Background(), "2468458835296197922", "other") {
		t.Fatal("after the send, an unknown id is not ours")
	}
}

func gauge(g prometheus.Gauge) float64 {
	var m dto.Metric
	if err := g.Write(&m); err != nil {
		return -1
	}
	return m.GetGauge().GetValue()
}

// TestSendFromResumesAnotherInstancesReply: a fresh client (another
// instance) told that one piece went out sends only the rest, and reports
// each piece it delivered.
func TestSendFromResumesAnotherInstancesReply(t *testing.T) {
	f, srv := newFakeZalo(t, nil)
	f.access["AT0"] = true
	c := newTestClient(t, srv, &MemTokens{}, Config{})
	para := strings.TrimSpace(strings.Repeat("Nộp hồ sơ tại bộ phận một cửa của phường. ", 22))
	o := out(strings.Join([]string{para, para, para, para}, "\n\n"))
	want := render(o.Reply)
	var got []int
	if err := c.SendFrom(context.Background(), o, 1, func(n int) { got = append(got, n) }); err != nil {
		t.Fatal(err)
	}
	sent, _, _ := f.snapshot()
	if len(want) != 2 || len(sent) != 1 || sent[0].Message.Text != want[1].Text {
		t.Fatalf("%d pieces rendered, %d delivered; want only the second", len(want), len(sent))
	}
	if fmt.Sprint(got) != "[2]" {
		t.Errorf("delivered callbacks %v, want [2]", got)
	}
}
