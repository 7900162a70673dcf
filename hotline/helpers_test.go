package hotline

import (
	"botdvc/internal/natstest"
	"botdvc/webhooks/channels"

	"context"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go/jetstream"
	"golang.org/x/crypto/bcrypt"

	"botdvc/bot"
	"botdvc/webauth"
)

// MustRunNATS starts an embedded nats-server with JetStream storing under
// dir, reachable only in process.
func MustRunNATS(tb testing.TB, dir string) *server.Server { return natstest.Run(tb, dir) }

// MustConnect returns a JetStream handle on ns, closed at the end of the test.
func MustConnect(tb testing.TB, ns *server.Server) jetstream.JetStream {
	_, js := natstest.Connect(tb, ns)
	natstest.Declare(tb, js, Streams(Config{}), Buckets(Config{})...) // as cmd/botd's reconcile pass does
	return js
}

// outbox records what the hotline hands to the outbound stream (the
// pipeline's Enqueue is the real one; its contract is just this method).
type outbox struct {
	mu  sync.Mutex
	got []bot.Outbound
}

func (o *outbox) Enqueue(_ context.Context, m bot.Outbound) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.got = append(o.got, m)
	return nil
}

func (o *outbox) all() []bot.Outbound {
	o.mu.Lock()
	defer o.mu.Unlock()
	return append([]bot.Outbound(nil), o.got...)
}

// fakeClock is a settable Now.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// A Tuesday, 9:00 in Hà Nội: staff on duty.
var tuesdayMorning = time.Date(2026, 11, 24, 9, 0, 0, 0, hanoi)

type env struct {
	ns    *server.Server
	js    jetstream.JetStream
	q     *Queue
	out   *outbox
	clock *fakeClock
	dir   string
}

// MustOpenQueue starts NATS in a temp dir and a Queue on it.
func MustOpenQueue(tb testing.TB) *env {
	tb.Helper()
	dir := tb.TempDir()
	e := &env{dir: dir, out: &outbox{}, clock: &fakeClock{t: tuesdayMorning}}
	e.ns = MustRunNATS(tb, dir)
	tb.Cleanup(e.ns.Shutdown)
	e.js = MustConnect(tb, e.ns)
	e.q = e.open(tb)
	return e
}

func (e *env) open(tb testing.TB) *Queue {
	tb.Helper()
	q, err := New(e.js, e.out, Config{Now: e.clock.Now, Channels: channels.Registry(nil)}, slog.New(slog.DiscardHandler))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { q.Close() })
	return q
}

func escalation(id string, ch bot.Channel, user string, at time.Time) bot.Escalation {
	return bot.Escalation{ID: string(ch) + ":" + id, Category: bot.CategoryUnanswered, Reason: "two_fallbacks",
		Channel: ch, UserID: user, Conversation: string(ch) + ":" + user,
		Question:   "cho hỏi làm lại căn cước bị mất ở đâu, sđt em 0912345678",
		Candidates: []bot.Candidate{{GuideID: "cap-lai-can-cuoc", Title: "Cấp lại thẻ căn cước", Score: 0.41}},
		Transcript: []bot.Turn{{From: bot.FromCitizen, Text: "alo", At: at}, {From: bot.FromBot, Text: "Dạ, em có thể giúp gì ạ?", At: at}},
		LastUser:   at, Created: at}
}

// staff accounts: lan and hoa, password "mật khẩu 1" and "mật khẩu 2".
func mustStaff(tb testing.TB) webauth.Accounts {
	tb.Helper()
	var lines []string
	for _, p := range [][2]string{{"lan", "mật khẩu 1"}, {"hoa", "mật khẩu 2"}} {
		l, err := webauth.HashLine(p[0], p[1], bcrypt.MinCost)
		if err != nil {
			tb.Fatal(err)
		}
		lines = append(lines, l)
	}
	a, err := webauth.ParseHtpasswd(strings.NewReader(strings.Join(lines, "\n")))
	if err != nil {
		tb.Fatal(err)
	}
	return a
}

// MustApp builds a real Fiber app with the console mounted.
func (e *env) MustApp(tb testing.TB, cfg webauth.Config) *fiber.App {
	tb.Helper()
	if cfg.Now == nil {
		cfg.Now = e.clock.Now
	}
	kv, err := e.q.js.CreateOrUpdateKeyValue(context.Background(), webauth.Buckets(1, 0, "hotline")[0])
	if err != nil {
		tb.Fatal(err)
	}
	if cfg.Site == "" {
		cfg.Site = "hotline"
	}
	auth := webauth.New(mustStaff(tb), webauth.NewKVStore(kv), cfg, nil)
	app := fiber.New(fiber.Config{DisableStartupMessage: true})
	e.q.Console(auth).Mount(app)
	return app
}

func basicAuth(r *http.Request, user, pass string) *http.Request {
	r.SetBasicAuth(user, pass)
	return r
}

// checkFor polls f until it returns nil or total passes (see natstest).
func checkFor(tb testing.TB, total, every time.Duration, f func() error) {
	tb.Helper()
	natstest.CheckFor(tb, total, every, f)
}
