package hotline

import (
	"botdvc/webhooks/channels"
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

	"github.com/prometheus/client_golang/prometheus"

	"botdvc/bot"
	"botdvc/webauth"
)

func TestEscalateCreatesExactlyOneTicket(t *testing.T) {
	e := MustOpenQueue(t)
	ctx := context.Background()
	esc := escalation("m1", bot.Messenger, "psid-1", e.clock.Now())

	// The same hand-off, twice in a row and twice concurrently.
	r1, err := e.q.Escalate(ctx, esc)
	if err != nil {
		t.Fatal(err)
	}
	r2, err := e.q.Escalate(ctx, esc)
	if err != nil {
		t.Fatal(err)
	}
	if r1.TicketID != r2.TicketID || r1.Position != 1 || !r1.Open || r1.Hours == "" {
		t.Fatalf("receipts %+v and %+v: want the same ticket, position 1, open, with hours", r1, r2)
	}
	esc2 := escalation("m2", bot.Zalo, "zalo-2", e.clock.Now().Add(time.Minute))
	var wg sync.WaitGroup
	ids := make([]string, 4)
	for i := range ids {
		wg.Go(func() {
			r, err := e.q.Escalate(ctx, esc2)
			if err != nil {
				t.Error(err)
			}
			ids[i] = r.TicketID
		})
	}
	wg.Wait()
	for _, id := range ids[1:] {
		if id != ids[0] {
			t.Fatalf("concurrent hand-offs of one id gave tickets %v", ids)
		}
	}
	all, err := e.q.List(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 2 {
		t.Fatalf("got %d tickets, want 2", len(all))
	}
	// The hand-off stream holds each hand-off once (Nats-Msg-Id dedup).
	st, err := e.js.Stream(ctx, StreamEscalations)
	if err != nil {
		t.Fatal(err)
	}
	info, err := st.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if info.State.Msgs != 2 {
		t.Errorf("stream has %d messages, want 2", info.State.Msgs)
	}

	tk, err := e.q.Get(ctx, r1.TicketID)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(tk.Question, "0912345678") || !strings.Contains(tk.Question, "[số điện thoại]") {
		t.Errorf("question not redacted: %q", tk.Question)
	}
	if tk.Status != StatusOpen || tk.Channel != bot.Messenger || len(tk.Candidates) != 1 || len(tk.Transcript) != 3 {
		t.Errorf("ticket = %+v", tk)
	}
	if want := esc.LastUser.Add(24 * time.Hour); !tk.Window.Standard.Equal(want) || !tk.Window.Final.Equal(esc.LastUser.Add(7*24*time.Hour)) {
		t.Errorf("messenger window = %+v", tk.Window)
	}
	if r, _ := e.q.Escalate(ctx, esc2); r.Position != 2 {
		t.Errorf("second ticket position %d, want 2", r.Position)
	}
	z, _ := e.q.Get(ctx, ids[0])
	if !z.Window.Standard.Equal(esc2.LastUser.Add(48 * time.Hour)) {
		t.Errorf("zalo window = %+v, want 48 h", z.Window)
	}

	// A new hand-off of a conversation that already has a ticket joins it.
	esc3 := escalation("m3", bot.Messenger, "psid-1", e.clock.Now().Add(2*time.Minute))
	esc3.Question = "em hỏi thêm: có cần ảnh không?"
	r3, err := e.q.Escalate(ctx, esc3)
	if err != nil || r3.TicketID != r1.TicketID {
		t.Fatalf("same conversation: %v %+v, want ticket %s", err, r3, r1.TicketID)
	}
}

func TestEscalateInvalid(t *testing.T) {
	e := MustOpenQueue(t)
	_, err := e.q.Escalate(context.Background(), bot.Escalation{Channel: bot.Zalo})
	if !errors.Is(err, ErrInvalid) {
		t.Fatalf("err = %v, want ErrInvalid", err)
	}
}

func TestReceiptOutsideHours(t *testing.T) {
	e := MustOpenQueue(t)
	e.clock.t = time.Date(2026, 11, 28, 20, 0, 0, 0, hanoi) // Saturday evening
	r, err := e.q.Escalate(context.Background(), escalation("m1", bot.Zalo, "u", e.clock.Now()))
	if err != nil {
		t.Fatal(err)
	}
	if r.Open || !r.NextOpen.Equal(time.Date(2026, 11, 30, 7, 30, 0, 0, hanoi)) {
		t.Fatalf("receipt %+v: want closed, back Monday 7:30", r)
	}
	text := ReceiptText(r)
	for _, want := range []string{"ngoài giờ làm việc", "7:30 thứ Hai, ngày 30/11", "người tiếp theo"} {
		if !strings.Contains(text, want) {
			t.Errorf("ReceiptText = %q, missing %q", text, want)
		}
	}
}

func apiDo(t *testing.T, e *env, app interface {
	Test(*http.Request, ...int) (*http.Response, error)
}, method, path, user, pass, body string) (int, string) {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	r := httptest.NewRequest(method, path, rd)
	if body != "" {
		r.Header.Set("Content-Type", "application/json")
	}
	if user != "" {
		r.SetBasicAuth(user, pass)
	}
	resp, err := app.Test(r, -1)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestConcurrentClaimsOneWins(t *testing.T) {
	e := MustOpenQueue(t)
	app := e.MustApp(t, webauth.Config{})
	ctx := context.Background()
	for i := range 5 {
		r, err := e.q.Escalate(ctx, escalation(fmt.Sprint("c", i), bot.Messenger, fmt.Sprint("p", i), e.clock.Now()))
		if err != nil {
			t.Fatal(err)
		}
		codes := make([]int, 2)
		var wg sync.WaitGroup
		for j, who := range [][2]string{{"lan", "mật khẩu 1"}, {"hoa", "mật khẩu 2"}} {
			wg.Go(func() {
				codes[j], _ = apiDo(t, e, app, "POST", "/api/v1/hotline/tickets/"+r.TicketID+"/claim", who[0], who[1], "")
			})
		}
		wg.Wait()
		if !(codes[0] == 200 && codes[1] == 409 || codes[0] == 409 && codes[1] == 200) {
			t.Fatalf("ticket %d: claim codes %v, want one 200 and one 409", i, codes)
		}
		tk, _ := e.q.Get(ctx, r.TicketID)
		winner := "lan"
		if codes[1] == 200 {
			winner = "hoa"
		}
		if tk.Assignee != winner || tk.Status != StatusClaimed {
			t.Fatalf("ticket held by %q (%s), want %q", tk.Assignee, tk.Status, winner)
		}
	}
}

func TestStaffReplyReachesOutbox(t *testing.T) {
	e := MustOpenQueue(t)
	app := e.MustApp(t, webauth.Config{})
	ctx := context.Background()
	lastUser := e.clock.Now().Add(-30 * time.Hour) // past Messenger's 24 h: the adapter must use HUMAN_AGENT
	r, err := e.q.Escalate(ctx, escalation("m1", bot.Messenger, "psid-9", lastUser))
	if err != nil {
		t.Fatal(err)
	}
	base := "/api/v1/hotline/tickets/" + r.TicketID
	code, body := apiDo(t, e, app, "POST", base+"/reply", "lan", "mật khẩu 1", `{"text":"Chào anh/chị, anh/chị mang căn cước đến bộ phận một cửa của phường."}`)
	if code != 200 {
		t.Fatalf("reply: %d %s", code, body)
	}
	got := e.out.all()
	if len(got) != 1 {
		t.Fatalf("outbox has %d messages, want 1", len(got))
	}
	o := got[0]
	if o.Channel != bot.Messenger || o.UserID != "psid-9" || o.Staff != "lan" || !o.LastUser.Equal(lastUser) ||
		o.Reply.Text != "Chào anh/chị, anh/chị mang căn cước đến bộ phận một cửa của phường." || o.ID == "" || o.Created.IsZero() {
		t.Fatalf("outbound = %+v", o)
	}
	if strings.Contains(body, "psid-9") {
		t.Errorf("API answer shows the platform user id: %s", body)
	}
	// A second reply gets a different id (the outbound stream deduplicates by id).
	if code, _ := apiDo(t, e, app, "POST", base+"/reply", "lan", "mật khẩu 1", `{"text":"Anh/chị cần thêm gì không ạ?"}`); code != 200 {
		t.Fatal(code)
	}
	if got := e.out.all(); len(got) != 2 || got[1].ID == got[0].ID {
		t.Fatalf("second reply: %+v", got)
	}
	// The other staff member may not reply to lan's ticket.
	if code, _ := apiDo(t, e, app, "POST", base+"/reply", "hoa", "mật khẩu 2", `{"text":"x"}`); code != 409 {
		t.Errorf("reply to someone else's ticket: %d, want 409", code)
	}
	if code, _ := apiDo(t, e, app, "POST", base+"/reply", "lan", "mật khẩu 1", `{"text":"  "}`); code != 400 {
		t.Errorf("empty reply: %d, want 400", code)
	}
	if code, _ := apiDo(t, e, app, "POST", base+"/reply", "lan", "mật khẩu 1", `{"text":`); code != 400 {
		t.Errorf("malformed JSON: %d, want 400", code)
	}
	tk, _ := e.q.Get(ctx, r.TicketID)
	if tk.FirstReply.IsZero() || tk.Transcript[len(tk.Transcript)-1].Staff != "lan" {
		t.Errorf("reply not recorded: %+v", tk)
	}
	// After 7 days the platform refuses: so do we.
	e.clock.Add(7 * 24 * time.Hour)
	if code, _ := apiDo(t, e, app, "POST", base+"/reply", "lan", "mật khẩu 1", `{"text":"muộn"}`); code != 422 {
		t.Errorf("reply after the final window: %d, want 422", code)
	}
	if n := len(e.out.all()); n != 2 {
		t.Errorf("outbox has %d messages after a refused reply, want 2", n)
	}
}

func TestAPINoteCloseGetList(t *testing.T) {
	e := MustOpenQueue(t)
	app := e.MustApp(t, webauth.Config{})
	ctx := context.Background()
	r, _ := e.q.Escalate(ctx, escalation("m1", bot.Zalo, "z1", e.clock.Now()))
	base := "/api/v1/hotline/tickets/" + r.TicketID
	lan := [2]string{"lan", "mật khẩu 1"}
	for _, c := range []struct {
		method, path, body string
		want               int
	}{
		{"GET", "/api/v1/hotline/tickets?status=open", "", 200},
		{"GET", "/api/v1/hotline/tickets?status=bogus", "", 400},
		{"POST", base + "/note", `{"text":"người dân đã gọi điện 0987654321"}`, 200},
		{"POST", base + "/close", `{"resolution":""}`, 400},
		{"POST", base + "/close", `{"resolution":"Đã hướng dẫn nộp trực tuyến","handback":true,"guide_id":"cap-lai-can-cuoc"}`, 200},
		{"POST", base + "/close", `{"resolution":"lần nữa"}`, 409},
		{"POST", base + "/link", `{"guide_id":"Bad Id!"}`, 400},
		{"POST", base + "/frobnicate", `{}`, 404},
		{"GET", "/api/v1/hotline/tickets/HLAAAAAAAAAA", "", 404},
		{"GET", "/api/v1/hotline/tickets/../../x", "", 404},
		{"GET", "/api/v1/hotline/summary?days=7", "", 200},
		{"GET", "/api/v1/hotline/summary?days=x", "", 400},
		{"GET", "/api/v1/hotline/resolutions", "", 200},
	} {
		if code, body := apiDo(t, e, app, c.method, c.path, lan[0], lan[1], c.body); code != c.want {
			t.Errorf("%s %s: %d %s, want %d", c.method, c.path, code, body, c.want)
		}
	}
	code, body := apiDo(t, e, app, "GET", base, lan[0], lan[1], "")
	var tk Ticket
	if err := json.Unmarshal([]byte(body), &tk); err != nil || code != 200 {
		t.Fatalf("get: %d %v", code, err)
	}
	if tk.Status != StatusClosed || !tk.Handback || tk.GuideID != "cap-lai-can-cuoc" || len(tk.Notes) != 1 ||
		strings.Contains(tk.Notes[0].Text, "0987654321") || len(tk.Transcript) == 0 {
		t.Fatalf("ticket after close = %+v", tk)
	}
	res, err := e.q.Resolutions(ctx, e.clock.Now().Add(-time.Hour))
	if err != nil || len(res) != 1 || res[0].GuideID != "cap-lai-can-cuoc" || res[0].Resolution != "Đã hướng dẫn nộp trực tuyến" {
		t.Fatalf("resolutions = %+v, %v", res, err)
	}
	_, body = apiDo(t, e, app, "GET", "/api/v1/hotline/tickets?status=closed", lan[0], lan[1], "")
	var list struct{ Tickets []Ticket }
	if err := json.Unmarshal([]byte(body), &list); err != nil || len(list.Tickets) != 1 {
		t.Fatalf("closed list: %s", body)
	}
}

// engine stands for bot.Engine.Answer: it answers everything and counts calls.
type engine struct{ calls int }

func (en *engine) answer(_ context.Context, m bot.Message) (bot.Reply, error) {
	en.calls++
	return bot.Reply{Action: bot.ActionAnswer, Text: "câu trả lời của trợ lý"}, nil
}

func TestMiddlewareSilentWhileOpenAnswersAfterHandback(t *testing.T) {
	e := MustOpenQueue(t)
	ctx := context.Background()
	en := &engine{}
	h := bot.Chain(en.answer, e.q.Middleware())
	msg := func(id, text string) bot.Message {
		return bot.Message{ID: id, Channel: bot.Messenger, UserID: "psid-5", Kind: bot.KindText, Text: text, Time: e.clock.Now()}
	}
	mustReply := func(m bot.Message, want bot.Action) bot.Reply {
		t.Helper()
		r, err := h(ctx, m)
		if err != nil {
			t.Fatal(err)
		}
		if r.Action != want {
			t.Fatalf("message %q: action %q, want %q", m.Text, r.Action, want)
		}
		return r
	}

	withPeople := func(want bool) {
		t.Helper()
		if got, err := e.q.WithPeople(ctx, msg("", "").Conversation()); err != nil || got != want {
			t.Fatalf("WithPeople = %v, %v; want %v", got, err, want)
		}
	}
	mustReply(msg("a", "xin chào"), bot.ActionAnswer)
	withPeople(false)
	r, err := e.q.Escalate(ctx, escalation("b", bot.Messenger, "psid-5", e.clock.Now()))
	if err != nil {
		t.Fatal(err)
	}
	withPeople(true)
	// Open ticket: silent, and the message joins the ticket (once, even if redelivered).
	e.clock.Add(time.Minute)
	mustReply(msg("c", "em cần gấp, số em 0912345678"), bot.ActionSilent)
	mustReply(msg("c", "em cần gấp, số em 0912345678"), bot.ActionSilent)
	if en.calls != 1 {
		t.Fatalf("engine called %d times, want 1", en.calls)
	}
	tk, _ := e.q.Get(ctx, r.TicketID)
	last := tk.Transcript[len(tk.Transcript)-1]
	if last.Text != "em cần gấp, số em [số điện thoại]" || last.MsgID != "c" || !tk.LastUser.Equal(e.clock.Now()) {
		t.Fatalf("last turn %+v, last user %v", last, tk.LastUser)
	}
	n := len(tk.Transcript)
	if tk2, _ := e.q.Get(ctx, r.TicketID); len(tk2.Transcript) != n {
		t.Fatal("redelivered message added twice")
	}

	// Close without hand-back: a follow-up reopens the ticket, still silent.
	if _, err := e.q.Claim(ctx, r.TicketID, "lan"); err != nil {
		t.Fatal(err)
	}
	if _, err := e.q.CloseTicket(ctx, r.TicketID, "lan", CloseRequest{Resolution: "đã trả lời"}); err != nil {
		t.Fatal(err)
	}
	mustReply(msg("d", "à em quên hỏi, lệ phí bao nhiêu?"), bot.ActionSilent)
	tk, _ = e.q.Get(ctx, r.TicketID)
	if tk.Status != StatusOpen || tk.Reopened != 1 || tk.Assignee != "" {
		t.Fatalf("after follow-up: status %s, reopened %d, assignee %q", tk.Status, tk.Reopened, tk.Assignee)
	}

	// Close with hand-back: the citizen is asked to rate, the rating is
	// taken, then the bot answers again.
	if _, err := e.q.CloseTicket(ctx, r.TicketID, "hoa", CloseRequest{Resolution: "lệ phí 0 đồng", Handback: true}); err != nil {
		t.Fatal(err)
	}
	withPeople(false)
	out := e.out.all()
	if len(out) == 0 || len(out[len(out)-1].Reply.Options) != 5 || out[len(out)-1].Staff != "" {
		t.Fatalf("rating question = %+v", out)
	}
	rr := mustReply(msg("e", "5 sao, cán bộ nhiệt tình"), bot.ActionAnswer)
	if !strings.Contains(rr.Text, "Cảm ơn") || en.calls != 1 {
		t.Fatalf("rating reply %q, engine calls %d", rr.Text, en.calls)
	}
	tk, _ = e.q.Get(ctx, r.TicketID)
	if tk.Rating != 5 || tk.RatingNote != "cán bộ nhiệt tình" {
		t.Fatalf("rating %d %q", tk.Rating, tk.RatingNote)
	}
	mustReply(msg("f", "làm hộ chiếu ở đâu"), bot.ActionAnswer)
	if en.calls != 2 {
		t.Fatalf("engine calls %d, want 2", en.calls)
	}
	s, err := e.q.Summarize(ctx, e.clock.Now().Add(-time.Hour))
	if err != nil || s.Ratings[4] != 1 || s.RatingAverage != 5 || s.Created != 1 || s.Closed != 1 {
		t.Fatalf("summary %+v %v", s, err)
	}
}

func TestMiddlewareHoldExpires(t *testing.T) {
	e := MustOpenQueue(t)
	ctx := context.Background()
	en := &engine{}
	h := bot.Chain(en.answer, e.q.Middleware())
	r, _ := e.q.Escalate(ctx, escalation("b", bot.Zalo, "z5", e.clock.Now()))
	if _, err := e.q.CloseTicket(ctx, r.TicketID, "lan", CloseRequest{Resolution: "xong"}); err != nil {
		t.Fatal(err)
	}
	e.clock.Add(25 * time.Hour)
	rep, err := h(ctx, bot.Message{ID: "x", Channel: bot.Zalo, UserID: "z5", Kind: bot.KindText, Text: "không phải đánh giá", Time: e.clock.Now()})
	if err != nil || rep.Action != bot.ActionAnswer || en.calls != 1 {
		t.Fatalf("after the hold: %+v %v calls %d", rep, err, en.calls)
	}
}

func TestAgentEchoTakesConversation(t *testing.T) {
	e := MustOpenQueue(t)
	ctx := context.Background()
	en := &engine{}
	h := bot.Chain(en.answer, e.q.Middleware())
	echo := bot.Message{ID: "mid.1", Channel: bot.Messenger, UserID: "psid-7", Kind: bot.KindAgentEcho, Text: "Chào bạn, mình là admin trang", Time: e.clock.Now()}
	for range 2 { // a redelivered echo changes nothing
		if r, err := h(ctx, echo); err != nil || r.Action != bot.ActionSilent {
			t.Fatalf("echo: %+v %v", r, err)
		}
	}
	if r, _ := h(ctx, bot.Message{ID: "mid.2", Channel: bot.Messenger, UserID: "psid-7", Kind: bot.KindText, Text: "dạ", Time: e.clock.Now()}); r.Action != bot.ActionSilent {
		t.Fatalf("citizen after echo: %q, want silent", r.Action)
	}
	if en.calls != 0 {
		t.Fatal("engine answered a conversation taken from the page inbox")
	}
	ts, _ := e.q.List(ctx, StatusClaimed)
	if len(ts) != 1 || ts[0].Assignee != PageInbox || len(ts[0].Transcript) != 2 {
		t.Fatalf("tickets = %+v", ts)
	}
	// Console staff may take over from the page inbox.
	if tk, err := e.q.Claim(ctx, ts[0].ID, "lan"); err != nil || tk.Assignee != "lan" {
		t.Fatalf("take over: %+v %v", tk, err)
	}
}

func TestRestartKeepsTickets(t *testing.T) {
	e := MustOpenQueue(t)
	ctx := context.Background()
	r, err := e.q.Escalate(ctx, escalation("m1", bot.Zalo, "z1", e.clock.Now()))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.q.Claim(ctx, r.TicketID, "lan"); err != nil {
		t.Fatal(err)
	}
	e.q.Close()
	e.ns.Shutdown()
	e.ns.WaitForShutdown()

	ns := MustRunNATS(t, e.dir)
	t.Cleanup(ns.Shutdown)
	e.js = MustConnect(t, ns)
	q := e.open(t)
	tk, err := q.Get(ctx, r.TicketID)
	if err != nil || tk.Assignee != "lan" || tk.Status != StatusClaimed {
		t.Fatalf("after restart: %+v %v", tk, err)
	}
	// Still silent for that conversation, and the hand-off is still one ticket.
	rep, err := q.Middleware()(func(context.Context, bot.Message) (bot.Reply, error) {
		return bot.Reply{Action: bot.ActionAnswer}, nil
	})(ctx, bot.Message{ID: "n", Channel: bot.Zalo, UserID: "z1", Kind: bot.KindText, Text: "còn đó không ạ"})
	if err != nil || rep.Action != bot.ActionSilent {
		t.Fatalf("after restart: %+v %v", rep, err)
	}
	if r2, _ := q.Escalate(ctx, escalation("m1", bot.Zalo, "z1", e.clock.Now())); r2.TicketID != r.TicketID {
		t.Fatal("same hand-off after restart made a new ticket")
	}
	if all, _ := q.List(ctx, ""); len(all) != 1 {
		t.Fatalf("%d tickets after restart, want 1", len(all))
	}
}

func TestTwoInstancesShareEvents(t *testing.T) {
	e := MustOpenQueue(t)
	q2 := e.open(t) // a second botd instance on the same NATS
	ch, stop := q2.Subscribe()
	defer stop()
	r, err := e.q.Escalate(context.Background(), escalation("m1", bot.Web, "w1", e.clock.Now()))
	if err != nil {
		t.Fatal(err)
	}
	select {
	case ev := <-ch:
		if ev.TicketID != r.TicketID || ev.Status != StatusOpen {
			t.Fatalf("event %+v", ev)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the other instance saw no event")
	}
	if _, err := q2.Claim(context.Background(), r.TicketID, "lan"); err != nil {
		t.Fatal(err)
	}
	if _, err := e.q.Claim(context.Background(), r.TicketID, "hoa"); !errors.Is(err, ErrClaimed) {
		t.Fatalf("claim on the other instance: %v, want ErrClaimed", err)
	}
}

func TestMetrics(t *testing.T) {
	dir := t.TempDir()
	ns := MustRunNATS(t, dir)
	t.Cleanup(ns.Shutdown)
	js := MustConnect(t, ns)
	clk := &fakeClock{t: tuesdayMorning}
	reg := prometheus.NewRegistry()
	q, err := New(js, &outbox{}, Config{Now: clk.Now, Registry: reg, Channels: channels.Registry(nil)}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer q.Close()
	ctx := context.Background()
	r1, _ := q.Escalate(ctx, escalation("a", bot.Messenger, "p1", clk.Now().Add(-25*time.Hour)))
	q.Escalate(ctx, escalation("b", bot.Zalo, "z1", clk.Now()))
	clk.Add(10 * time.Minute)
	q.Claim(ctx, r1.TicketID, "lan")
	q.Reply(ctx, r1.TicketID, "lan", "xin chào")
	q.Rate(ctx, r1.TicketID, 4, "")
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]float64{}
	for _, mf := range mfs {
		for _, m := range mf.GetMetric() {
			key := mf.GetName()
			for _, l := range m.GetLabel() {
				key += "," + l.GetName() + "=" + l.GetValue()
			}
			switch {
			case m.Gauge != nil:
				got[key] = m.GetGauge().GetValue()
			case m.Counter != nil:
				got[key] = m.GetCounter().GetValue()
			case m.Histogram != nil:
				got[key] = float64(m.GetHistogram().GetSampleCount())
			}
		}
	}
	for k, want := range map[string]float64{
		"hotline_queue_length,status=open":                  1,
		"hotline_queue_length,status=claimed":               1,
		"hotline_oldest_waiting_seconds":                    600,
		"hotline_tickets_past_window,window=standard":       1,
		"hotline_tickets_past_window,window=final":          0,
		"hotline_time_to_claim_seconds":                     1,
		"hotline_time_to_first_reply_seconds":               1,
		"hotline_ratings_total,score=4":                     1,
		"hotline_tickets_created_total,category=unanswered": 2,
	} {
		if got[k] != want {
			t.Errorf("%s = %v, want %v", k, got[k], want)
		}
	}
}

func TestManyConcurrentClaimsOneWinner(t *testing.T) {
	e := MustOpenQueue(t)
	ctx := context.Background()
	r, _ := e.q.Escalate(ctx, escalation("m", bot.Zalo, "z", e.clock.Now()))
	var mu sync.Mutex
	winners, lost := 0, 0
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			_, err := e.q.Claim(ctx, r.TicketID, fmt.Sprint("staff", i))
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				winners++
			case errors.Is(err, ErrClaimed):
				lost++
			default:
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if winners != 1 || lost != 7 {
		t.Fatalf("%d winners, %d refused; want 1 and 7", winners, lost)
	}
}

func BenchmarkMiddlewareNoTicket(b *testing.B) {
	e := MustOpenQueue(b)
	h := bot.Chain(func(context.Context, bot.Message) (bot.Reply, error) { return bot.Reply{Action: bot.ActionAnswer}, nil }, e.q.Middleware())
	m := bot.Message{ID: "x", Channel: bot.Zalo, UserID: "z", Kind: bot.KindText, Text: "làm căn cước"}
	ctx := context.Background()
	for b.Loop() {
		if _, err := h(ctx, m); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkEscalateAndClaim(b *testing.B) {
	e := MustOpenQueue(b)
	ctx := context.Background()
	i := 0
	for b.Loop() {
		i++
		r, err := e.q.Escalate(ctx, escalation(fmt.Sprint("b", i), bot.Zalo, fmt.Sprint("u", i), e.clock.Now()))
		if err != nil {
			b.Fatal(err)
		}
		if _, err := e.q.Claim(ctx, r.TicketID, "lan"); err != nil {
			b.Fatal(err)
		}
	}
}

func TestConsoleShowsZaloFreeMessages(t *testing.T) {
	e := MustOpenQueue(t)
	e.q.cfg.Channels = channels.Registry(func(userID string) (int, bool) { return 5, userID == "zalo-user" })
	note := e.q.Console(nil).funcs()["windowNote"].(func(Ticket) string)
	now := e.clock.Now()
	tk := Ticket{Channel: bot.Zalo, UserID: "zalo-user", Window: e.q.cfg.Channels.Window(bot.Zalo, now)}
	if got := note(tk); !strings.Contains(got, "còn 5/8 tin tư vấn miễn phí") {
		t.Errorf("window note = %q", got)
	}
	tk.UserID = "someone-else" // unknown to this instance's sender
	if got := note(tk); !strings.Contains(got, "tối đa 8 tin") {
		t.Errorf("window note without a count = %q", got)
	}
}

// handoff stands for bot.Engine.Answer deciding a hand-off: it files
// nothing itself, it returns the escalation with the reply.
func handoff(esc bot.Escalation) bot.HandlerFunc {
	return func(_ context.Context, m bot.Message) (bot.Reply, error) {
		s := bot.Session{}
		s.AddTurn(bot.Turn{From: bot.FromCitizen, Text: m.Text})
		s.AddTurn(bot.Turn{From: bot.FromBot, Text: "tạm"})
		return bot.Reply{Action: bot.ActionHandoff, Text: "tạm", Session: &s,
			Handoff: &bot.Handoff{Category: esc.Category, Reason: esc.Reason, Escalation: &esc}}, nil
	}
}

// TestMiddlewareFilesHandoffs: the middleware files the hand-off the engine
// decided and tells the citizen their place (with the city's phone); the
// new session names the ticket and keeps that text. When filing fails the
// chain fails (the pipeline retries), with no reply to send.
func TestMiddlewareFilesHandoffs(t *testing.T) {
	e := MustOpenQueue(t)
	ctx := context.Background()
	e.q.cfg.Phone = "1900 0000"
	m := bot.Message{ID: "h1", Channel: bot.Zalo, UserID: "z-file", Kind: bot.KindText, Text: "kể chuyện cười đi", Time: e.clock.Now()}
	r, err := bot.Chain(handoff(escalation("h1", bot.Zalo, "z-file", e.clock.Now())), e.q.Middleware())(ctx, m)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(r.Text, "vị trí số 1") || !strings.Contains(r.Text, "1900 0000") {
		t.Errorf("filed hand-off text: %q", r.Text)
	}
	tk, err := e.q.Get(ctx, r.Session.Ticket)
	if err != nil || tk.EscalationID != "zalo:h1" {
		t.Fatalf("ticket %q: %+v %v", r.Session.Ticket, tk, err)
	}
	if last := r.Session.Transcript[len(r.Session.Transcript)-1]; last.Text != r.Text {
		t.Errorf("the session keeps %q, the citizen got %q", last.Text, r.Text)
	}

	if err := e.js.DeleteKeyValue(ctx, BucketTickets); err != nil {
		t.Fatal(err)
	}
	m2 := bot.Message{ID: "h2", Channel: bot.Zalo, UserID: "z-down", Kind: bot.KindText, Text: "gặp tổng đài viên", Time: e.clock.Now()}
	r, err = bot.Chain(handoff(escalation("h2", bot.Zalo, "z-down", e.clock.Now())), e.q.Middleware())(ctx, m2)
	if err == nil || r.Text != "" || r.Session != nil {
		t.Fatalf("filing failed, yet: %+v %v", r, err)
	}
}
