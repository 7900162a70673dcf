package webchat_test

import (
	"bufio"
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"botdvc/bot"
	"botdvc/pipeline"
	"botdvc/webhooks"
	"botdvc/webhooks/webchat"
)

// env is a real embedded NATS, the real pipeline with an echo handler, the
// web chat on a real HTTP server.
type env struct {
	url  string
	chat *webchat.Handler
	p    *pipeline.Pipeline
}

func echo(_ context.Context, m bot.Message) (bot.Reply, error) {
	if m.Kind == bot.KindFollow {
		return bot.Reply{Action: bot.ActionGreeting, Text: "Xin chào!"}, nil
	}
	r := bot.Reply{Action: bot.ActionAnswer, Text: "Bạn hỏi: " + m.Text}
	if m.Kind == bot.KindPayload {
		r.Text = "payload " + m.Payload
	}
	if m.Text == "options" {
		r = bot.Reply{Action: bot.ActionClarify, Text: "Bạn hỏi về thủ tục nào?", Options: []bot.Option{{Label: "Khai sinh", Payload: "g:dang-ky-khai-sinh"}},
			Links: []bot.Link{{Title: "Cổng DVC", URL: "https://dichvucong.gov.vn"}}}
	}
	return r, nil
}

func mustEnv(t *testing.T, pc pipeline.Config) *env {
	t.Helper()
	pc.Channels = []bot.Channel{bot.Web}
	ns, err := pipeline.StartEmbedded(pipeline.EmbedOptions{StoreDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ns.Shutdown(); ns.WaitForShutdown() })
	nc, err := pipeline.ConnectEmbedded(ns)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	js, _ := jetstream.New(nc)
	topo := pipeline.Declare(pc)
	topo.Streams = append(topo.Streams, webchat.StreamConfig(1))
	if err := pipeline.Reconcile(context.Background(), js, topo); err != nil {
		t.Fatal(err)
	}
	p := pipeline.New(js, echo, nil, pc)
	p.Senders[bot.Web] = webchat.NewSender(js)
	if err := p.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = p.Stop(context.Background()) })
	chat := webchat.NewHandler(p, nc, js, nil)
	chat.Heartbeat = 200 * time.Millisecond
	chat.PollWait = 5 * time.Second
	srv := webhooks.NewServer(nil, webhooks.ServerConfig{})
	srv.Mount(chat)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = chat.Close(); _ = srv.Shutdown(context.Background()) })
	return &env{url: "http://" + ln.Addr().String(), chat: chat, p: p}
}

func (e *env) post(t *testing.T, body string) (int, map[string]any) {
	t.Helper()
	resp, err := http.Post(e.url+"/api/v1/chat", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var v map[string]any
	b, _ := io.ReadAll(resp.Body)
	_ = json.Unmarshal(b, &v)
	return resp.StatusCode, v
}

const session = "test-session-0123456789"

func TestChatSSE(t *testing.T) {
	e := mustEnv(t, pipeline.Config{Partitions: 2, FetchWait: 200 * time.Millisecond})
	sreq, _ := http.NewRequest("GET", e.url+"/api/v1/chat/events", nil)
	sreq.Header.Set(webchat.HeaderSession, session) // never in the URL
	resp, err := http.DefaultClient.Do(sreq)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/event-stream") {
		t.Fatalf("content type %q", ct)
	}
	events := make(chan webchat.Event, 10)
	go func() {
		sc := bufio.NewScanner(resp.Body)
		for sc.Scan() {
			if d, ok := strings.CutPrefix(sc.Text(), "data: "); ok {
				var ev webchat.Event
				if json.Unmarshal([]byte(d), &ev) == nil {
					events <- ev
				}
			}
		}
		close(events)
	}()
	for _, body := range []string{
		`{"session":"` + session + `","id":"m1","text":"làm căn cước"}`,
		`{"session":"` + session + `","id":"m2","text":"options"}`,
		`{"session":"` + session + `","id":"m3","text":"Khai sinh","payload":"g:dang-ky-khai-sinh"}`,
	} {
		if code, v := e.post(t, body); code != 202 || v["session"] != session {
			t.Fatalf("post: %d %v", code, v)
		}
	}
	// The stream carries the conversation: each citizen message, kept
	// once accepted, and the replies.
	var got, citizen []webchat.Event
	timeout := time.After(10 * time.Second)
	for len(got) < 3 || len(citizen) < 3 {
		select {
		case ev, ok := <-events:
			if !ok {
				t.Fatal("stream closed")
			}
			if ev.From == webchat.FromCitizen {
				citizen = append(citizen, ev)
			} else {
				got = append(got, ev)
			}
		case <-timeout:
			t.Fatalf("got %d replies, %d citizen turns", len(got), len(citizen))
		}
	}
	if citizen[0].ID != "m1" || citizen[0].Text != "làm căn cước" || citizen[2].Text != "Khai sinh" {
		t.Errorf("citizen turns %+v", citizen)
	}
	if got[0].From != webchat.FromBot || got[0].ReplyTo != "m1" {
		t.Errorf("reply %+v does not say what it answers", got[0])
	}
	if got[0].Text != "Bạn hỏi: làm căn cước" || got[0].Seq == 0 {
		t.Errorf("first event %+v", got[0])
	}
	if len(got[1].Options) != 1 || got[1].Options[0].Payload != "g:dang-ky-khai-sinh" || got[1].Links[0].URL != "https://dichvucong.gov.vn" {
		t.Errorf("options event %+v", got[1])
	}
	if got[2].Text != "payload g:dang-ky-khai-sinh" {
		t.Errorf("payload event %+v", got[2])
	}
	if !(got[0].Seq < got[1].Seq && got[1].Seq < got[2].Seq) {
		t.Errorf("sequences out of order: %d %d %d", got[0].Seq, got[1].Seq, got[2].Seq)
	}

	// A reconnect with Last-Event-ID resumes after it: with the turn that
	// was stored next.
	last, next := got[1].Seq, uint64(0)
	for _, ev := range append(got, citizen...) {
		if ev.Seq > last && (next == 0 || ev.Seq < next) {
			next = ev.Seq
		}
	}
	req, _ := http.NewRequest("GET", e.url+"/api/v1/chat/events", nil)
	req.Header.Set(webchat.HeaderSession, session)
	req.Header.Set("Last-Event-ID", fmt.Sprint(last))
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	resp2, err := http.DefaultClient.Do(req.WithContext(ctx))
	if err != nil {
		t.Fatal(err)
	}
	defer resp2.Body.Close()
	sc := bufio.NewScanner(resp2.Body)
	for sc.Scan() {
		if d, ok := strings.CutPrefix(sc.Text(), "data: "); ok {
			var ev webchat.Event
			_ = json.Unmarshal([]byte(d), &ev)
			if ev.Seq != next {
				t.Errorf("resumed at %d, want %d", ev.Seq, next)
			}
			break
		}
	}
}

// poll is one GET /api/v1/chat/messages answer.
type poll struct {
	Messages []webchat.Event `json:"messages"`
	Cursor   uint64          `json:"cursor"`
}

func (e *env) get(t *testing.T, query string) poll {
	t.Helper()
	resp, err := http.Get(e.url + "/api/v1/chat/messages?" + query)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var v poll
	if resp.StatusCode != 200 || json.NewDecoder(resp.Body).Decode(&v) != nil {
		t.Fatalf("GET messages?%s: %d", query, resp.StatusCode)
	}
	return v
}

func TestChatPolling(t *testing.T) {
	e := mustEnv(t, pipeline.Config{Partitions: 2, FetchWait: 200 * time.Millisecond})
	if code, _ := e.post(t, `{"session":"`+session+`","text":"hello"}`); code != 202 {
		t.Fatal(code)
	}
	// Long polls from the start until both turns came: the citizen's and
	// the reply, in the order they were stored (the reply can be first: the
	// citizen's turn is kept after the accept).
	var v poll
	var all []webchat.Event
	for len(all) < 2 {
		v = e.get(t, fmt.Sprintf("wait=1&session=%s&after=%d", session, v.Cursor))
		if len(v.Messages) == 0 {
			t.Fatal("long poll ended without a message")
		}
		all = append(all, v.Messages...)
	}
	texts := map[string]string{}
	for _, ev := range all {
		texts[ev.From] = ev.Text
	}
	if len(all) != 2 || texts[webchat.FromCitizen] != "hello" || texts[webchat.FromBot] != "Bạn hỏi: hello" || v.Cursor != max(all[0].Seq, all[1].Seq) {
		t.Fatalf("poll %+v", all)
	}
	var err error
	var resp *http.Response
	resp, err = http.Get(fmt.Sprintf("%s/api/v1/chat/messages?session=%s&after=%d", e.url, session, v.Cursor))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(b), `"messages":[]`) {
		t.Errorf("after cursor: %s", b)
	}
}

func TestChatBadInput(t *testing.T) {
	e := mustEnv(t, pipeline.Config{Partitions: 1, MaxText: 20, Burst: 1, RatePerMinute: 1})
	for _, tc := range []struct {
		body string
		code int
	}{
		{`{"session":"short","text":"x"}`, 400},
		{`{"session":"` + session + `","text":"   "}`, 400},
		{`{"session":"` + session + `","id":"bad id!","text":"x"}`, 400},
		{`{"session":"` + session + `","text":"x"`, 400},
		{"{\"session\":\"" + session + "\",\"text\":\"\xff\"}", 400},
		{`{"session":"` + session + `","text":"` + strings.Repeat("ầ", 21) + `"}`, 413},
	} {
		if code, v := e.post(t, tc.body); code != tc.code || v["error"] == nil {
			t.Errorf("%.40q: %d %v, want %d with an error", tc.body, code, v, tc.code)
		}
	}
	// Rate: one message a minute, burst one.
	if code, v := e.post(t, `{"session":"`+session+`","text":"một"}`); code != 202 {
		t.Fatalf("%d %v", code, v)
	}
	code, v := e.post(t, `{"session":"`+session+`","text":"hai"}`)
	if code != 429 || v["notice"] != pipeline.NoticeRate {
		t.Errorf("flood: %d %v", code, v)
	}
	// No session: the server makes one.
	code, v = e.post(t, `{"text":"xin chào"}`)
	if s, _ := v["session"].(string); code != 202 || !webchat.ValidSession(s) {
		t.Errorf("new session: %d %v", code, v)
	}
	for _, bad := range []struct{ query, header string }{{"", "../../x"}, {"?session=" + session, ""}, {"", ""}} {
		req, _ := http.NewRequest("GET", e.url+"/api/v1/chat/events"+bad.query, nil)
		if bad.header != "" {
			req.Header.Set(webchat.HeaderSession, bad.header)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 400 {
			t.Errorf("events with session %+v: %d, want 400", bad, resp.StatusCode)
		}
	}
}

func TestPage(t *testing.T) {
	e := mustEnv(t, pipeline.Config{Partitions: 1})
	resp, err := http.Get(e.url + "/")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
		t.Fatalf("%d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	for _, want := range []string{`lang="vi"`, "/api/v1/chat", "X-Chat-Session", "Gửi", `name="viewport"`} {
		if !bytes.Contains(b, []byte(want)) {
			t.Errorf("page lacks %q", want)
		}
	}
}

// The sender refuses a malformed session as undeliverable (not retried).
func TestSenderUndeliverable(t *testing.T) {
	s := webchat.NewSender(nil)
	err := s.Send(context.Background(), bot.Outbound{ID: "x", Channel: bot.Web, UserID: "a.b"})
	if !errors.Is(err, bot.ErrUndeliverable) {
		t.Errorf("got %v", err)
	}
}

// TestHistory: the whole conversation from its start, greeting included:
// GET /api/v1/chat/messages without after gives every turn, each citizen
// message before the reply to it, the citizen's text redacted; "open" greets
// once per session.
func TestHistory(t *testing.T) {
	e := mustEnv(t, pipeline.Config{Partitions: 2, FetchWait: 200 * time.Millisecond})
	for _, body := range []string{
		`{"session":"` + session + `","event":"open"}`,
		`{"session":"` + session + `","event":"open"}`, // a second tab, a reload: no second greeting
		`{"session":"` + session + `","id":"q1","text":"làm căn cước, gọi tôi 0912345678"}`,
		`{"session":"` + session + `","id":"q2","text":"Khai sinh","payload":"g:dang-ky-khai-sinh"}`,
	} {
		if code, v := e.post(t, body); code != 202 {
			t.Fatalf("post %s: %d %v", body, code, v)
		}
	}
	var h poll
	deadline := time.Now().Add(10 * time.Second)
	for len(h.Messages) < 5 && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
		h = e.get(t, "session="+session)
	}
	var got []string
	for _, ev := range h.Messages {
		got = append(got, ev.From+": "+ev.Text)
	}
	want := []string{"bot: Xin chào!", "citizen: làm căn cước, gọi tôi [số điện thoại]", "bot: Bạn hỏi: làm căn cước, gọi tôi 0912345678",
		"citizen: Khai sinh", "bot: payload g:dang-ky-khai-sinh"}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("history:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if h.Cursor != slices.MaxFunc(h.Messages, func(a, b webchat.Event) int { return cmp.Compare(a.Seq, b.Seq) }).Seq {
		t.Errorf("cursor %d is not the last turn", h.Cursor)
	}
	// A retried POST (same id) is one turn.
	if code, _ := e.post(t, `{"session":"`+session+`","id":"q2","text":"Khai sinh","payload":"g:dang-ky-khai-sinh"}`); code != 202 {
		t.Fatal(code)
	}
	time.Sleep(300 * time.Millisecond)
	if n := len(e.get(t, "session="+session).Messages); n != 5 {
		t.Errorf("%d turns after a retried POST, want 5", n)
	}
	if v := e.get(t, "session=another-session-0123456789"); len(v.Messages) != 0 || v.Cursor != 0 {
		t.Errorf("unknown session: %+v", v)
	}
}
