package pipeline

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"botdvc/bot"
	"botdvc/internal/natstest"
	"botdvc/webhooks"
	"botdvc/webhooks/webchat"
)

// MustStartServer starts an embedded nats-server with JetStream in a temp dir.
func MustStartServer(tb testing.TB) *server.Server {
	tb.Helper()
	ns, err := StartEmbedded(EmbedOptions{StoreDir: tb.TempDir()})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { ns.Shutdown(); ns.WaitForShutdown() })
	return ns
}

// MustConnect opens an in-process connection and its JetStream context.
func MustConnect(tb testing.TB, ns *server.Server) (*nats.Conn, jetstream.JetStream) {
	tb.Helper()
	nc, err := ConnectEmbedded(ns)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(nc.Close)
	js, err := jetstream.New(nc)
	if err != nil {
		tb.Fatal(err)
	}
	return nc, js
}

// testConfig is fast to retry and redeliver.
func testConfig() Config {
	return Config{
		Partitions: 4, AckWait: time.Second, MaxDeliver: 3, SendAttempts: 3,
		MaxBackoff: 20 * time.Millisecond, FetchWait: 200 * time.Millisecond,
		RatePerMinute: 6000, Burst: 1000,
		Channels: []bot.Channel{bot.Web, bot.Zalo, bot.Messenger},
	}
}

func mustReconcile(tb testing.TB, js jetstream.JetStream, c Config) {
	tb.Helper()
	if err := Reconcile(context.Background(), js, Declare(c)); err != nil {
		tb.Fatal(err)
	}
}

// recorder is a bot.Sender that records what it was asked to send.
type recorder struct {
	mu   sync.Mutex
	sent []bot.Outbound
	fail func(o bot.Outbound, attempt int) error // nil: always succeeds
	hits map[string]int
}

func (r *recorder) Send(_ context.Context, o bot.Outbound) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.hits == nil {
		r.hits = map[string]int{}
	}
	r.hits[o.ID]++
	if r.fail != nil {
		if err := r.fail(o, r.hits[o.ID]); err != nil {
			return err
		}
	}
	r.sent = append(r.sent, o)
	return nil
}

func (r *recorder) all() []bot.Outbound {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]bot.Outbound(nil), r.sent...)
}

// checkFor polls f until it returns nil or total elapses (see natstest).
func checkFor(tb testing.TB, total, every time.Duration, f func() error) {
	tb.Helper()
	natstest.CheckFor(tb, total, every, f)
}

func echo(_ context.Context, m bot.Message) (bot.Reply, error) {
	return bot.Reply{Action: bot.ActionAnswer, Text: "re: " + m.Text}, nil
}

func msg(user, id, text string) bot.Message {
	return bot.Message{ID: id, Channel: bot.Web, UserID: user, Kind: bot.KindText, Text: text}
}

func startPipeline(tb testing.TB, js jetstream.JetStream, h bot.HandlerFunc, c Config, s bot.Sender) *Pipeline {
	tb.Helper()
	p := New(js, h, nil, c)
	if s != nil {
		p.Senders[bot.Web] = s
	}
	if err := p.Start(context.Background()); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = p.Stop(context.Background()) })
	return p
}

func TestAcceptAnswerSend(t *testing.T) {
	ns := MustStartServer(t)
	_, js := MustConnect(t, ns)
	c := testConfig()
	mustReconcile(t, js, c)
	rec := &recorder{}
	p := startPipeline(t, js, echo, c, rec)
	if err := p.Accept(context.Background(), msg("user-1", "m1", "xin chào")); err != nil {
		t.Fatal(err)
	}
	checkFor(t, 5*time.Second, 10*time.Millisecond, func() error {
		if n := len(rec.all()); n != 1 {
			return fmt.Errorf("sent %d replies, want 1", n)
		}
		return nil
	})
	o := rec.all()[0]
	if o.Reply.Text != "re: xin chào" || o.UserID != "user-1" || o.InReplyTo != "m1" || o.ID != dedupID(msg("user-1", "m1", ""))+":r" {
		t.Errorf("got outbound %+v", o)
	}
}

// The same platform message accepted twice (a redelivered webhook) is
// answered once, both while the first is still queued and after it was
// answered and acked.
func TestDuplicateMessageOneReply(t *testing.T) {
	ns := MustStartServer(t)
	_, js := MustConnect(t, ns)
	c := testConfig()
	mustReconcile(t, js, c)
	rec := &recorder{}
	p := New(js, echo, nil, c)
	p.Senders[bot.Web] = rec
	ctx := context.Background()
	m := msg("user-dup", "mid-42", "cấp lại căn cước")
	for i := 0; i < 2; i++ { // before workers run: both in the stream's window
		if err := p.Accept(ctx, m); err != nil {
			t.Fatal(err)
		}
	}
	if err := p.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = p.Stop(ctx) })
	checkFor(t, 5*time.Second, 10*time.Millisecond, func() error {
		if n := len(rec.all()); n != 1 {
			return fmt.Errorf("sent %d, want 1", n)
		}
		return nil
	})
	// After the message was answered and acked.
	if err := p.Accept(ctx, m); err != nil {
		t.Fatal(err)
	}
	// A different message of the same user is answered: it also flushes the
	// partition, so a wrongly accepted duplicate would have been sent before it.
	if err := p.Accept(ctx, msg("user-dup", "mid-43", "còn gì nữa")); err != nil {
		t.Fatal(err)
	}
	checkFor(t, 5*time.Second, 10*time.Millisecond, func() error {
		if n := len(rec.all()); n < 2 {
			return fmt.Errorf("sent %d, want 2", n)
		}
		return nil
	})
	sent := rec.all()
	if len(sent) != 2 || sent[0].InReplyTo != "mid-42" || sent[1].InReplyTo != "mid-43" {
		t.Fatalf("sent %d replies: %+v", len(sent), sent)
	}
}

// Messages of one conversation are answered and sent in order, with two
// instances sharing the work.
func TestOrderPerConversation(t *testing.T) {
	ns := MustStartServer(t)
	_, js1 := MustConnect(t, ns)
	_, js2 := MustConnect(t, ns)
	c := testConfig()
	mustReconcile(t, js1, c)
	rec := &recorder{}
	slow := func(ctx context.Context, m bot.Message) (bot.Reply, error) {
		n, _ := strconv.Atoi(m.ID)
		time.Sleep(time.Duration(n%3) * time.Millisecond) // uneven work
		return echo(ctx, m)
	}
	p1 := startPipeline(t, js1, slow, c, rec)
	startPipeline(t, js2, slow, c, rec)
	const users, per = 3, 15
	for i := 0; i < per; i++ {
		for u := 0; u < users; u++ {
			if err := p1.Accept(context.Background(), msg("u"+strconv.Itoa(u), strconv.Itoa(u*100+i), "q")); err != nil {
				t.Fatal(err)
			}
		}
	}
	checkFor(t, 10*time.Second, 20*time.Millisecond, func() error {
		if n := len(rec.all()); n != users*per {
			return fmt.Errorf("sent %d, want %d", n, users*per)
		}
		return nil
	})
	last := map[string]int{}
	for _, o := range rec.all() {
		n, _ := strconv.Atoi(o.InReplyTo)
		if prev, ok := last[o.UserID]; ok && n < prev {
			t.Errorf("user %s: reply to %d sent after reply to %d", o.UserID, n, prev)
		}
		last[o.UserID] = n
	}
}

// The worker side dies after the message was accepted (the webhook was
// answered) and before the inbound message was acked; after restart the
// reply is delivered exactly once. The crash points cover the whole window:
// inside the handler, after the reply was stored but not sent, and after the
// reply was sent (and the send acked) — the last one also with the NATS
// server restarted from its store, which must remember the reply's id.
func TestCrashBeforeReplyDeliveredOnce(t *testing.T) {
	for _, tc := range []struct {
		name          string
		crash         string // "handler", "stored" or "sent"
		restartServer bool
	}{
		{"during handler", "handler", false},
		{"after reply stored, before ack", "stored", false},
		{"after reply sent, before ack", "sent", false},
		{"after reply sent, before ack, server restarted", "sent", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			store := t.TempDir()
			ns, err := StartEmbedded(EmbedOptions{StoreDir: store})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { ns.Shutdown() })
			ncIn, err := ConnectEmbedded(ns)
			if err != nil {
				t.Fatal(err)
			}
			jsIn, _ := jetstream.New(ncIn)
			c := testConfig()
			mustReconcile(t, jsIn, c)
			rec := &recorder{}
			// The webhook, over HTTP: the web chat answers 202 once JetStream
			// stored the message.
			ncChat, err := ConnectEmbedded(ns)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(ncChat.Close)
			front := webhooks.NewServer(nil, webhooks.ServerConfig{})
			front.Mount(webchat.NewHandler(New(jsIn, nil, nil, c), ncChat, jsIn, nil))
			postChat(t, front, citizen, "wamid-1", "đăng ký khai sinh")

			// First worker instance, on its own connection: it dies.
			ncW, err := ConnectEmbedded(ns)
			if err != nil {
				t.Fatal(err)
			}
			jsW, _ := jetstream.New(ncW)
			reached := make(chan struct{})
			killed := make(chan struct{})
			var once sync.Once
			h := echo
			if tc.crash == "handler" {
				h = func(ctx context.Context, m bot.Message) (bot.Reply, error) {
					once.Do(func() { close(reached) })
					select { // hangs until the process "dies"
					case <-ctx.Done():
					case <-killed:
					}
					return bot.Reply{}, errors.New("killed")
				}
			}
			w1 := New(jsW, h, nil, c)
			if tc.crash == "sent" {
				w1.Senders[bot.Web] = rec
			}
			if tc.crash != "handler" {
				w1.afterReply = func(m bot.Message) error {
					if tc.crash == "sent" {
						waitSent(t, jsW, c, m)
					}
					once.Do(func() { close(reached) })
					return errors.New("killed")
				}
			}
			if err := w1.Start(context.Background()); err != nil {
				t.Fatal(err)
			}
			select {
			case <-reached:
			case <-time.After(10 * time.Second):
				t.Fatal("worker never reached the crash point")
			}
			ncW.Close() // the process dies: no ack, no nak
			close(killed)
			_ = w1.Stop(context.Background())
			if n := len(rec.all()); tc.crash == "sent" && n != 1 || tc.crash != "sent" && n != 0 {
				t.Fatalf("%d replies sent before the crash", n)
			}

			jsR := jsIn
			if tc.restartServer {
				ncIn.Close()
				ns.Shutdown()
				ns.WaitForShutdown()
				ns, err = StartEmbedded(EmbedOptions{StoreDir: store})
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { ns.Shutdown() })
				_, jsR = MustConnect(t, ns)
				mustReconcile(t, jsR, c) // as botd does at start
			} else {
				t.Cleanup(ncIn.Close)
			}
			// Restart the worker side.
			restarted := startPipeline(t, jsR, echo, c, rec)
			// Push one more message through the same conversation: it is sent
			// after any copy of the first reply could have been.
			if err := restarted.Accept(context.Background(), msg(citizen, "wamid-2", "cảm ơn")); err != nil {
				t.Fatal(err)
			}
			checkFor(t, 15*time.Second, 20*time.Millisecond, func() error {
				for _, o := range rec.all() {
					if o.InReplyTo == "wamid-2" {
						return nil
					}
				}
				return fmt.Errorf("second reply not sent")
			})
			var n int
			for _, o := range rec.all() {
				if o.InReplyTo == "wamid-1" {
					n++
				}
			}
			if n != 1 {
				t.Fatalf("reply to wamid-1 sent %d times, want exactly once", n)
			}
		})
	}
}

// citizen is the web chat session of the crash test.
const citizen = "citizen-session-000001"

// postChat posts one web chat message and wants 202 (stored in JetStream).
func postChat(t *testing.T, s *webhooks.Server, session, id, text string) {
	t.Helper()
	req := httptest.NewRequest("POST", "/api/v1/chat", strings.NewReader(`{"session":"`+session+`","id":"`+id+`","text":"`+text+`"}`))
	req.Header.Set("Content-Type", "application/json")
	resp, err := s.App.Test(req, -1)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 202 {
		t.Fatalf("POST /api/v1/chat: %d, want 202", resp.StatusCode)
	}
}

// waitSent waits until the sender consumer of m's conversation acked its reply.
func waitSent(t *testing.T, js jetstream.JetStream, c Config, m bot.Message) {
	name := senderName(m.Channel, Partition(m.Conversation(), c.Partitions))
	checkFor(t, 10*time.Second, 10*time.Millisecond, func() error {
		cons, err := js.Consumer(context.Background(), OutboundStream, name)
		if err != nil {
			return err
		}
		info := cons.CachedInfo()
		if info.AckFloor.Stream < 1 || info.NumAckPending != 0 {
			return fmt.Errorf("reply not acked by the sender yet: %+v", info.AckFloor)
		}
		return nil
	})
}

func deadMessages(t *testing.T, js jetstream.JetStream) []*jetstream.RawStreamMsg {
	t.Helper()
	ctx := context.Background()
	s, err := js.Stream(ctx, DeadStream)
	if err != nil {
		t.Fatal(err)
	}
	info, err := s.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var out []*jetstream.RawStreamMsg
	for seq := info.State.FirstSeq; seq <= info.State.LastSeq && info.State.Msgs > 0; seq++ {
		m, err := s.GetMsg(ctx, seq)
		if err == nil {
			out = append(out, m)
		}
	}
	return out
}

// A message whose handler keeps failing is parked with the reason after
// MaxDeliver deliveries, and the citizen is told; later messages of the same
// conversation are answered.
func TestFailingMessageParked(t *testing.T) {
	ns := MustStartServer(t)
	_, js := MustConnect(t, ns)
	c := testConfig()
	mustReconcile(t, js, c)
	rec := &recorder{}
	var calls atomic.Int32
	h := func(ctx context.Context, m bot.Message) (bot.Reply, error) {
		if m.ID == "poison" {
			calls.Add(1)
			return bot.Reply{}, errors.New("engine exploded")
		}
		return echo(ctx, m)
	}
	p := startPipeline(t, js, h, c, rec)
	ctx := context.Background()
	for _, id := range []string{"poison", "fine"} {
		if err := p.Accept(ctx, msg("same-user", id, "x")); err != nil {
			t.Fatal(err)
		}
	}
	checkFor(t, 10*time.Second, 20*time.Millisecond, func() error {
		if n := len(rec.all()); n != 2 {
			return fmt.Errorf("sent %d, want 2 (failure notice, answer)", n)
		}
		return nil
	})
	sent := rec.all()
	if sent[0].Reply.Text != NoticeFailed || sent[1].InReplyTo != "fine" {
		t.Errorf("sent %+v", sent)
	}
	if got := calls.Load(); got != int32(c.MaxDeliver) {
		t.Errorf("handler called %d times, want %d", got, c.MaxDeliver)
	}
	dead := deadMessages(t, js)
	if len(dead) != 1 {
		t.Fatalf("%d dead letters, want 1", len(dead))
	}
	if r := dead[0].Header.Get(HeaderReason); !strings.Contains(r, "engine exploded") {
		t.Errorf("reason %q", r)
	}
	if dead[0].Subject != deadInbound || dead[0].Header.Get(HeaderDeliveries) != "3" {
		t.Errorf("dead letter %s %v", dead[0].Subject, dead[0].Header)
	}
}

// A handler that panics is treated as a failure, not a dead worker.
func TestHandlerPanicParked(t *testing.T) {
	ns := MustStartServer(t)
	_, js := MustConnect(t, ns)
	c := testConfig()
	mustReconcile(t, js, c)
	rec := &recorder{}
	p := startPipeline(t, js, func(context.Context, bot.Message) (bot.Reply, error) { panic("boom") }, c, rec)
	if err := p.Accept(context.Background(), msg("u", "p1", "x")); err != nil {
		t.Fatal(err)
	}
	checkFor(t, 10*time.Second, 20*time.Millisecond, func() error {
		if len(deadMessages(t, js)) != 1 {
			return errors.New("not parked yet")
		}
		return nil
	})
	if r := deadMessages(t, js)[0].Header.Get(HeaderReason); !strings.Contains(r, "panic") {
		t.Errorf("reason %q", r)
	}
}

// Transient send errors are retried; ErrUndeliverable is parked at once
// with the reason; a sender that never succeeds is parked after SendAttempts.
func TestSenderRetryAndPark(t *testing.T) {
	ns := MustStartServer(t)
	_, js := MustConnect(t, ns)
	c := testConfig()
	mustReconcile(t, js, c)
	rec := &recorder{fail: func(o bot.Outbound, attempt int) error {
		switch o.InReplyTo {
		case "flaky":
			if attempt < 3 {
				return errors.New("503 from platform")
			}
		case "blocked":
			return fmt.Errorf("user blocked the OA: %w", bot.ErrUndeliverable)
		case "down":
			return errors.New("connection refused")
		}
		return nil
	}}
	p := startPipeline(t, js, echo, c, rec)
	for i, id := range []string{"flaky", "blocked", "down"} {
		if err := p.Accept(context.Background(), msg("user"+strconv.Itoa(i), id, "x")); err != nil {
			t.Fatal(err)
		}
	}
	checkFor(t, 10*time.Second, 20*time.Millisecond, func() error {
		if n := len(deadMessages(t, js)); n != 2 {
			return fmt.Errorf("%d parked, want 2", n)
		}
		if n := len(rec.all()); n != 1 {
			return fmt.Errorf("%d sent, want 1", n)
		}
		return nil
	})
	rec.mu.Lock()
	hits := rec.hits
	rec.mu.Unlock()
	rid := func(i int, id string) string { return dedupID(msg("user"+strconv.Itoa(i), id, "")) + ":r" }
	if hits[rid(0, "flaky")] != 3 || hits[rid(1, "blocked")] != 1 || hits[rid(2, "down")] != c.SendAttempts {
		t.Errorf("send attempts %v", hits)
	}
	reasons := map[string]string{}
	for _, d := range deadMessages(t, js) {
		reasons[d.Header.Get(nats.MsgIdHdr)] = d.Header.Get(HeaderReason)
	}
	if r := reasons["dead:"+rid(1, "blocked")]; !strings.HasPrefix(r, "undeliverable: ") {
		t.Errorf("blocked reason %q", r)
	}
	if r := reasons["dead:"+rid(2, "down")]; !strings.HasPrefix(r, "gave up after 3 attempts") {
		t.Errorf("down reason %q", r)
	}
}

// One flooding conversation is refused politely (told once a minute) while
// others go through; oversized text is refused with its own notice.
func TestLimits(t *testing.T) {
	ns := MustStartServer(t)
	_, js := MustConnect(t, ns)
	c := testConfig()
	c.RatePerMinute, c.Burst, c.MaxText = 120, 2, 10 // 2 messages per second
	mustReconcile(t, js, c)
	p := New(js, echo, nil, c)
	ctx := context.Background()
	var refusals []*bot.RefusedError
	for i := 0; i < 5; i++ {
		err := p.Accept(ctx, msg("flood", "f"+strconv.Itoa(i), "hỏi"))
		var re *bot.RefusedError
		switch {
		case err == nil:
		case errors.As(err, &re) && errors.Is(err, bot.ErrRefused) && errors.Is(err, ErrRateLimited):
			refusals = append(refusals, re)
		default:
			t.Fatalf("message %d: %v", i, err)
		}
	}
	if len(refusals) != 3 || refusals[0].Notice != NoticeRate {
		t.Fatalf("refusals %+v", refusals)
	}
	if err := p.Accept(ctx, msg("calm", "c1", "hỏi")); err != nil {
		t.Errorf("other conversation refused: %v", err)
	}
	err := p.Accept(ctx, msg("long", "l1", strings.Repeat("á", 11)))
	var re *bot.RefusedError
	if !errors.As(err, &re) || re.Reason != "size" || !errors.Is(err, ErrTooLong) {
		t.Errorf("long message: %v", err)
	}
	if err := p.Accept(ctx, msg("long", "l2", strings.Repeat("á", 10))); err != nil {
		t.Errorf("10 characters (20 bytes) refused: %v", err)
	}
	// Once the window has passed the flooding conversation may write again.
	time.Sleep(1100 * time.Millisecond)
	if err := p.Accept(ctx, msg("flood", "f9", "hỏi")); err != nil {
		t.Errorf("after the window: %v", err)
	}
	// Notices: one for the flood (not three), one for the long message.
	rec := &recorder{}
	p.Senders[bot.Web] = rec
	if err := p.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = p.Stop(ctx) })
	checkFor(t, 5*time.Second, 20*time.Millisecond, func() error {
		if n := len(rec.all()); n != 7 { // answers to f0, f1, c1, l2, f9 and two notices
			return fmt.Errorf("sent %d", n)
		}
		return nil
	})
	notices := map[string]int{}
	for _, o := range rec.all() {
		if strings.HasSuffix(o.ID, ":refused") {
			notices[o.UserID]++
		}
	}
	if notices["flood"] != 1 || notices["long"] != 1 || len(notices) != 2 {
		t.Errorf("notices %v", notices)
	}
}

// The limit counts a message once however often it is redelivered, is
// shared by every instance on the same JetStream, and web message ids are
// scoped by session (regressions for issue 12).
func TestLimitsSharedAndDedupFirst(t *testing.T) {
	ns := MustStartServer(t)
	_, js1 := MustConnect(t, ns)
	_, js2 := MustConnect(t, ns)
	c := testConfig()
	c.RatePerMinute, c.Burst = 8, 8 // 8 a minute
	mustReconcile(t, js1, c)
	a, b := New(js1, echo, nil, c), New(js2, echo, nil, c)
	ctx := context.Background()
	// One message delivered 20 times: never refused.
	for i := range 20 {
		if err := []*Pipeline{a, b}[i%2].Accept(ctx, msg("redelivered", "m1", "hỏi")); err != nil {
			t.Fatalf("redelivery %d: %v", i+1, err)
		}
	}
	// 16 messages of one conversation over two instances: 8 in all.
	accepted := 0
	for i := range 16 {
		err := []*Pipeline{a, b}[i%2].Accept(ctx, msg("busy", "b"+strconv.Itoa(i), "hỏi"))
		if err == nil {
			accepted++
		} else if !errors.Is(err, ErrRateLimited) {
			t.Fatal(err)
		}
	}
	if accepted != 8 {
		t.Errorf("two instances accepted %d of 16, want 8 (the burst) in all", accepted)
	}
	// Web ids are the browser's: two sessions may both send "1".
	for _, s := range []string{"session-a", "session-b"} {
		if err := a.Accept(ctx, msg(s, "1", "hỏi")); err != nil {
			t.Fatal(err)
		}
	}
	rec := &recorder{}
	a.Senders[bot.Web] = rec
	if err := a.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = a.Stop(ctx) })
	checkFor(t, 5*time.Second, 20*time.Millisecond, func() error {
		users := map[string]int{}
		for _, o := range rec.all() {
			users[o.UserID]++
		}
		if users["session-a"] != 1 || users["session-b"] != 1 || users["redelivered"] != 1 {
			return fmt.Errorf("replies by user %v", users)
		}
		return nil
	})
	for _, o := range rec.all() {
		if strings.HasSuffix(o.ID, ":refused") && o.UserID == "redelivered" {
			t.Error("a redelivered message was refused")
		}
	}
}

func TestAcceptInvalid(t *testing.T) {
	ns := MustStartServer(t)
	_, js := MustConnect(t, ns)
	c := testConfig()
	mustReconcile(t, js, c)
	p := New(js, echo, nil, c)
	for name, m := range map[string]bot.Message{
		"no id":        {Channel: bot.Web, UserID: "u", Kind: bot.KindText, Text: "x"},
		"no user":      {ID: "1", Channel: bot.Web, Kind: bot.KindText, Text: "x"},
		"invalid utf8": {ID: "1", Channel: bot.Web, UserID: "u", Kind: bot.KindText, Text: "a\xffb"},
	} {
		if err := p.Accept(context.Background(), m); !errors.Is(err, ErrInvalid) {
			t.Errorf("%s: got %v, want ErrInvalid", name, err)
		}
	}
	if err := p.Enqueue(context.Background(), bot.Outbound{Channel: bot.CLI, UserID: "u"}); !errors.Is(err, ErrInvalid) {
		t.Errorf("enqueue to cli: %v", err)
	}
}

func TestSessions(t *testing.T) {
	ns := MustStartServer(t)
	_, js := MustConnect(t, ns)
	mustReconcile(t, js, testConfig())
	ctx := context.Background()
	s, err := OpenSessions(ctx, js)
	if err != nil {
		t.Fatal(err)
	}
	got, err := s.Load(ctx, "zalo:123")
	if err != nil || got.LastGuide != "" || len(got.Transcript) != 0 {
		t.Fatalf("missing session: %+v, %v", got, err)
	}
	want := bot.Session{LastGuide: "dang-ky-khai-sinh", Fails: 1, Updated: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
	want.AddTurn(bot.Turn{From: bot.FromCitizen, Text: "gọi 0912345678"})
	if err := s.Save(ctx, "zalo:123", want); err != nil {
		t.Fatal(err)
	}
	got, err = s.Load(ctx, "zalo:123")
	if err != nil {
		t.Fatal(err)
	}
	if got.LastGuide != want.LastGuide || got.Fails != 1 || !got.Updated.Equal(want.Updated) || len(got.Transcript) != 1 || got.Transcript[0].Text != want.Transcript[0].Text {
		t.Errorf("got %+v, want %+v", got, want)
	}
	if other, _ := s.Load(ctx, "messenger:123"); other.LastGuide != "" {
		t.Errorf("sessions leak across channels")
	}
}

// Reconcile is idempotent and applies changed settings.
func TestReconcile(t *testing.T) {
	ns := MustStartServer(t)
	_, js := MustConnect(t, ns)
	c := testConfig()
	mustReconcile(t, js, c)
	mustReconcile(t, js, c)
	c.AckWait = 7 * time.Second
	mustReconcile(t, js, c)
	cons, err := js.Consumer(context.Background(), InboundStream, workerName(0))
	if err != nil {
		t.Fatal(err)
	}
	if got := cons.CachedInfo().Config.AckWait; got != 7*time.Second {
		t.Errorf("AckWait %v, want 7s", got)
	}
	s, err := js.Stream(context.Background(), InboundStream)
	if err != nil {
		t.Fatal(err)
	}
	if d := s.CachedInfo().Config.Duplicates; d < 24*time.Hour {
		t.Errorf("duplicate window %v, want at least 24h", d)
	}
}

func TestPartitionStable(t *testing.T) {
	// The partition function is a wire contract between instances.
	for key, want := range map[string]int{"web:abc": Partition("web:abc", 16)} {
		for i := 0; i < 3; i++ {
			if got := Partition(key, 16); got != want || got < 0 || got >= 16 {
				t.Fatalf("Partition(%q) = %d", key, got)
			}
		}
	}
	seen := map[int]bool{}
	for i := 0; i < 200; i++ {
		seen[Partition("zalo:"+strconv.Itoa(i), 16)] = true
	}
	if len(seen) != 16 {
		t.Errorf("200 conversations hit %d of 16 partitions", len(seen))
	}
}

func TestRedactPayload(t *testing.T) {
	in, _ := json.Marshal(bot.Message{ID: "m1", Channel: bot.Zalo, UserID: "6142494823123456789", Kind: bot.KindText,
		Text: "số của em 0912345678, cccd 001203004567"})
	var m bot.Message
	if err := json.Unmarshal(redactPayload(in), &m); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(m.Text, "0912345678") || strings.Contains(m.Text, "001203004567") || !strings.Contains(m.Text, "số của em") {
		t.Errorf("parked text = %q", m.Text)
	}
	if m.UserID != "6142494823123456789" || m.ID != "m1" || m.Channel != bot.Zalo {
		t.Errorf("ids changed: %+v", m)
	}
	out, _ := json.Marshal(bot.Outbound{ID: "o1", UserID: "u", Reply: bot.Reply{Text: "gọi 0912345678"}})
	var o bot.Outbound
	if err := json.Unmarshal(redactPayload(out), &o); err != nil || strings.Contains(o.Reply.Text, "0912345678") {
		t.Errorf("parked reply = %q, %v", o.Reply.Text, err)
	}
	if got := string(redactPayload([]byte("not json 0912345678"))); strings.Contains(got, "0912345678") {
		t.Errorf("unreadable payload kept verbatim: %s", got)
	}
}
