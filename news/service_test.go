package news

import (
	"botdvc/webhooks/channels"
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"botdvc/bot"
	"botdvc/internal/natstest"
	"botdvc/pipeline"
)

// clock is a settable test clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time          { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Set(t time.Time)         { c.mu.Lock(); c.t = t; c.mu.Unlock() }
func (c *clock) Advance(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

var guideTitles = map[string]string{
	"cap-doi-the-can-cuoc": "Cấp đổi thẻ căn cước",
	"dang-ky-thuong-tru":   "Đăng ký thường trú",
	"dang-ky-khai-sinh":    "Đăng ký khai sinh",
}

func guideOf(id string) (string, bool) { t, ok := guideTitles[id]; return t, ok }

// declareNews reconciles the buckets the service needs on js.
func declareNews(tb testing.TB, js jetstream.JetStream) {
	tb.Helper()
	t := pipeline.Topology{}
	t.AddBuckets(Buckets()...)
	t.AddStreams(Streams()...)
	if err := pipeline.Reconcile(context.Background(), js, t); err != nil {
		tb.Fatal(err)
	}
}

func mustOpen(tb testing.TB, js jetstream.JetStream, c *clock, sessions bot.SessionStore) *Service {
	tb.Helper()
	s, err := Open(context.Background(), js, Config{Guides: guideOf, Sessions: sessions, Now: c.Now, Channels: channels.Registry(nil)})
	if err != nil {
		tb.Fatal(err)
	}
	return s
}

// recordingOutbox keeps what the service enqueued, dropping repeated ids as
// the outbound stream's dedup does.
type recordingOutbox struct {
	mu  sync.Mutex
	out []bot.Outbound
	ids map[string]bool
}

func (r *recordingOutbox) Enqueue(_ context.Context, o bot.Outbound) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.ids == nil {
		r.ids = map[string]bool{}
	}
	if !r.ids[o.ID] {
		r.ids[o.ID] = true
		r.out = append(r.out, o)
	}
	return nil
}

func (r *recordingOutbox) to(user string) []bot.Outbound {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []bot.Outbound
	for _, o := range r.out {
		if o.UserID == user {
			out = append(out, o)
		}
	}
	return out
}

// engine stands in for the answer engine: it answers about the guide whose
// title words the question holds, and records it in the session as the
// engine does.
func engine(sessions bot.SessionStore) bot.HandlerFunc {
	return func(ctx context.Context, m bot.Message) (bot.Reply, error) {
		text := strings.ToLower(m.Text)
		if m.Kind == bot.KindPayload {
			text = strings.TrimPrefix(m.Payload, bot.PayloadGuide)
		}
		for id, title := range guideTitles {
			if strings.Contains(text, strings.ToLower(title)) || text == id {
				s, _ := sessions.Load(ctx, m.Conversation())
				s.LastGuide = id
				_ = sessions.Save(ctx, m.Conversation(), s)
				return bot.Reply{Action: bot.ActionAnswer, GuideID: id, Text: title + ": các bước..."}, nil
			}
		}
		return bot.Reply{Action: bot.ActionFallback, Text: "Xin lỗi, mình chưa tìm được thủ tục."}, nil
	}
}

func msg(text string) bot.Message {
	return bot.Message{ID: "m1", Channel: bot.Messenger, UserID: "PSID-1", Kind: bot.KindText, Text: text}
}

type citizen struct {
	t    *testing.T
	h    bot.HandlerFunc
	ch   bot.Channel
	user string
	c    *clock
	n    int
}

func (z *citizen) say(text string) bot.Reply {
	z.t.Helper()
	z.n++
	m := bot.Message{ID: fmt.Sprintf("%s-%d", z.user, z.n), Channel: z.ch, UserID: z.user, Kind: bot.KindText, Text: text, Time: z.c.Now()}
	r, err := z.h(context.Background(), m)
	if err != nil {
		z.t.Fatalf("%q: %v", text, err)
	}
	return r
}

func (z *citizen) again() bot.Reply { // the same message delivered again (a worker died)
	z.t.Helper()
	z.n--
	return z.say("")
}

func TestCRUDAndTwoInstances(t *testing.T) {
	js := natstest.JetStream(t)
	declareNews(t, js)
	c := &clock{t: testNow}
	a := mustOpen(t, js, c, nil)
	b := mustOpen(t, js, c, nil)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() { _ = b.Run(ctx) }()
	b.SetOutbox(&recordingOutbox{})

	ann, err := a.Create(context.Background(), Input{Title: "Đổi căn cước giảm 50% lệ phí", Body: "Từ 01/12...", Guides: []string{"cap-doi-the-can-cuoc"}}, "bientap")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(ann.ID, "bt-20261203-") || ann.Author != "bientap" {
		t.Errorf("announcement %+v", ann)
	}
	if _, err := a.Create(context.Background(), Input{Title: "x", Body: "y", Guides: []string{"khong-co"}}, "b"); !errorsAsValidation(err) {
		t.Errorf("unknown guide accepted: %v", err)
	}
	// The other instance sees it within a second (its watch).
	waitFor(t, func() bool { return len(b.Current(c.Now())) == 1 })
	upd, err := a.Update(context.Background(), ann.ID, Input{Title: "Đổi căn cước: lệ phí 25.000 đồng", Body: "Đến hết 2026"}, "bientap2")
	if err != nil {
		t.Fatal(err)
	}
	if !upd.From.Equal(ann.From) || !upd.Created.Equal(ann.Created) || upd.Author != "bientap2" {
		t.Errorf("update lost the start or creation: %+v", upd)
	}
	waitFor(t, func() bool { cur := b.Current(c.Now()); return len(cur) == 1 && cur[0].Title == upd.Title })
	if _, err := a.Update(context.Background(), "bt-khong-co", Input{Title: "x", Body: "y"}, "b"); !errors.Is(err, ErrNotFound) {
		t.Errorf("update of a missing one: %v", err)
	}
	if err := a.Delete(context.Background(), ann.ID); err != nil {
		t.Fatal(err)
	}
	waitFor(t, func() bool { return len(b.Current(c.Now())) == 0 })
	if _, err := a.Get(context.Background(), ann.ID); !errors.Is(err, ErrNotFound) {
		t.Errorf("get after delete: %v", err)
	}
	if _, err := a.Get(context.Background(), "../../etc"); !errors.Is(err, ErrNotFound) {
		t.Errorf("bad id: %v", err)
	}
}

func errorsAsValidation(err error) bool {
	var ve *ValidationError
	return errors.As(err, &ve)
}

func waitFor(t *testing.T, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met within 5s")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestAnnouncementInAnswers: while current, an answer about one of its
// guides carries its title as one line with a way to read it; other
// answers, and the same answer before and after the period, do not.
func TestAnnouncementInAnswers(t *testing.T) {
	js := natstest.JetStream(t)
	declareNews(t, js)
	c := &clock{t: testNow}
	sessions := bot.NewMemorySessions(time.Hour)
	s := mustOpen(t, js, c, sessions)
	h := bot.Chain(engine(sessions), s.Middleware())
	ann, err := s.Create(context.Background(), Input{Title: "Lệ phí đổi căn cước giảm 50%", Body: "Từ 01/12/2026 đến hết 2026 chỉ thu 25.000 đồng.",
		Guides: []string{"cap-doi-the-can-cuoc"}, From: "2026-12-05", Until: "2026-12-31"}, "bientap")
	if err != nil {
		t.Fatal(err)
	}
	z := &citizen{t: t, h: h, ch: bot.Messenger, user: "PSID-A", c: c}
	if r := z.say("cấp đổi thẻ căn cước"); strings.Contains(r.Text, ann.Title) {
		t.Errorf("shown before it is current:\n%s", r.Text)
	}
	c.Set(time.Date(2026, 12, 5, 8, 0, 0, 0, hanoi))
	r := z.say("cấp đổi thẻ căn cước")
	if !strings.HasSuffix(r.Text, "Bản tin: “Lệ phí đổi căn cước giảm 50%” – bấm \"Đọc bản tin\" hoặc nhắn \"tin mới\" để đọc.") {
		t.Errorf("no announcement line:\n%s", r.Text)
	}
	last := r.Options[len(r.Options)-1]
	if last.Payload != PayloadRead+ann.ID {
		t.Fatalf("no read option: %+v", r.Options)
	}
	if r := z.say("đăng ký khai sinh"); strings.Contains(r.Text, "Bản tin") {
		t.Errorf("shown on another guide:\n%s", r.Text)
	}
	// Reading it: the tap and "tin mới".
	rd, err := h(context.Background(), bot.Message{ID: "tap", Channel: bot.Messenger, UserID: "PSID-A", Kind: bot.KindPayload, Payload: last.Payload})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(rd.Text, "chỉ thu 25.000 đồng") || !strings.Contains(rd.Text, "Cấp đổi thẻ căn cước") {
		t.Errorf("read:\n%s", rd.Text)
	}
	if l := z.say("tin mới"); !strings.Contains(l.Text, "1. Lệ phí đổi căn cước giảm 50% (từ 05/12/2026 đến hết 31/12/2026)") {
		t.Errorf("tin mới:\n%s", l.Text)
	}
	c.Set(time.Date(2027, 1, 1, 0, 0, 0, 0, hanoi))
	if r := z.say("cấp đổi thẻ căn cước"); strings.Contains(r.Text, "Bản tin") {
		t.Errorf("shown after it ended:\n%s", r.Text)
	}
	if l := z.say("tin mới"); !strings.Contains(l.Text, "Hiện chưa có bản tin") {
		t.Errorf("tin mới after the end:\n%s", l.Text)
	}
}

// TestFollowDelivery: followers inside their channel's free window get the
// announcement at once through the outbox; the others get it with the
// reply to their next message, once; nobody gets it twice; "hủy theo dõi"
// ends it and deletes the record.
func TestFollowDelivery(t *testing.T) {
	js := natstest.JetStream(t)
	declareNews(t, js)
	c := &clock{t: testNow}
	sessions := bot.NewMemorySessions(30 * 24 * time.Hour)
	s := mustOpen(t, js, c, sessions)
	out := &recordingOutbox{}
	s.SetOutbox(out)
	zaloFree := map[string]int{"Z-NOFREE": 0}
	s.cfg.Channels = channels.Registry(func(u string) (int, bool) { n, ok := zaloFree[u]; return n, ok })
	h := bot.Chain(engine(sessions), s.Middleware())

	// Who follows what, and when they last wrote.
	early := &citizen{t: t, h: h, ch: bot.Messenger, user: "FB-EARLY", c: c} // will be 25 h before: outside Messenger's 24 h
	early.say("cấp đổi thẻ căn cước")
	if r := early.say("theo dõi"); !strings.Contains(r.Text, "“Cấp đổi thẻ căn cước”") || !strings.Contains(r.Text, "24 giờ") {
		t.Fatalf("follow reply:\n%s", r.Text)
	}
	c.Advance(2 * time.Hour)
	fb := &citizen{t: t, h: h, ch: bot.Messenger, user: "FB-IN", c: c}
	fb.say("cấp đổi thẻ căn cước")
	fb.say("theo doi")
	zl := &citizen{t: t, h: h, ch: bot.Zalo, user: "Z-IN", c: c}
	zl.say("đăng ký nhận tin") // no answer yet: every announcement
	zn := &citizen{t: t, h: h, ch: bot.Zalo, user: "Z-NOFREE", c: c}
	zn.say("cấp đổi thẻ căn cước")
	zn.say("theo dõi")
	other := &citizen{t: t, h: h, ch: bot.Messenger, user: "FB-OTHER", c: c}
	other.say("đăng ký khai sinh")
	other.say("theo dõi")
	if r := other.say("theo dõi"); !strings.Contains(r.Text, "từ trước") {
		t.Errorf("second follow:\n%s", r.Text)
	}
	web := &citizen{t: t, h: h, ch: bot.Web, user: "web-session-0001", c: c}
	web.say("cấp đổi thẻ căn cước")
	web.say("theo dõi")

	c.Advance(23 * time.Hour) // early wrote 25 h ago, the others 23 h ago
	ann, err := s.Create(context.Background(), Input{Title: "Đổi căn cước: lệ phí mới", Body: "Từ nay lệ phí là 25.000 đồng.",
		Guides: []string{"cap-doi-the-can-cuoc"}}, "bientap")
	if err != nil {
		t.Fatal(err)
	}
	if err := s.DispatchDue(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := s.DispatchDue(context.Background()); err != nil { // a second pass (another instance) sends nothing more
		t.Fatal(err)
	}
	got := func(user string) int { return len(out.to(user)) }
	if got("FB-IN") != 1 || got("Z-IN") != 1 {
		t.Fatalf("in-window followers: FB-IN %d, Z-IN %d messages, want 1 each", got("FB-IN"), got("Z-IN"))
	}
	o := out.to("FB-IN")[0]
	if o.Channel != bot.Messenger || !strings.Contains(o.Reply.Text, ann.Title) || !strings.Contains(o.Reply.Text, "hủy theo dõi") || c.Now().Sub(o.LastUser) >= 24*time.Hour {
		t.Errorf("outbound %+v", o)
	}
	for _, u := range []string{"FB-EARLY", "Z-NOFREE", "FB-OTHER", "web-session-0001"} {
		if got(u) != 0 {
			t.Errorf("%s got %d messages outside its window or topic", u, got(u))
		}
	}
	// The next message brings it, once; a redelivery of that message
	// brings it again (same reply), the message after does not.
	r := early.say("cấp đổi thẻ căn cước")
	if strings.Count(r.Text, "Từ nay lệ phí là 25.000 đồng.") != 1 || !strings.Contains(r.Text, "Bản tin về thủ tục bạn theo dõi") {
		t.Fatalf("next message:\n%s", r.Text)
	}
	if strings.Contains(r.Text, "Bản tin: “") {
		t.Errorf("the title line repeats what was just delivered:\n%s", r.Text)
	}
	if r := early.again(); !strings.Contains(r.Text, "Từ nay lệ phí là 25.000 đồng.") {
		t.Errorf("redelivered message lost the announcement:\n%s", r.Text)
	}
	if r := early.say("đăng ký khai sinh"); strings.Contains(r.Text, "25.000") {
		t.Errorf("delivered twice:\n%s", r.Text)
	}
	if r := zn.say("cảm ơn"); !strings.Contains(r.Text, "Từ nay lệ phí là 25.000 đồng.") {
		t.Errorf("Zalo follower without free replies, next message:\n%s", r.Text)
	}
	if r := web.say("xin chào"); !strings.Contains(r.Text, "Từ nay lệ phí") {
		t.Errorf("web follower, next message:\n%s", r.Text)
	}
	if r := fb.say("cấp đổi thẻ căn cước"); strings.Contains(r.Text, "Bản tin về thủ tục bạn theo dõi") {
		t.Errorf("in-window follower got it twice:\n%s", r.Text)
	}
	if r := other.say("đăng ký khai sinh"); strings.Contains(r.Text, "25.000") {
		t.Errorf("follower of another guide got it:\n%s", r.Text)
	}
	// Unfollow deletes the record.
	if r := fb.say("hủy theo dõi"); !strings.Contains(r.Text, "Đã hủy theo dõi") {
		t.Errorf("unfollow:\n%s", r.Text)
	}
	if _, _, found, _ := s.follower(context.Background(), followerKey("messenger:FB-IN")); found {
		t.Error("record kept after unfollow")
	}
	if r := fb.say("hủy theo dõi"); !strings.Contains(r.Text, "chưa theo dõi") {
		t.Errorf("second unfollow:\n%s", r.Text)
	}
}

// TestScheduledAnnouncement: an announcement current from a later day is
// delivered when that day comes, not before.
func TestScheduledAnnouncement(t *testing.T) {
	js := natstest.JetStream(t)
	declareNews(t, js)
	c := &clock{t: testNow}
	sessions := bot.NewMemorySessions(time.Hour)
	s := mustOpen(t, js, c, sessions)
	out := &recordingOutbox{}
	s.SetOutbox(out)
	h := bot.Chain(engine(sessions), s.Middleware())
	z := &citizen{t: t, h: h, ch: bot.Web, user: "web-session-0002", c: c}
	z.say("đăng ký thường trú")
	z.say("theo dõi")
	if _, err := s.Create(context.Background(), Input{Title: "Mẫu CT01 mới", Body: "Áp dụng từ ngày mai.", Guides: []string{"dang-ky-thuong-tru"},
		From: c.Now().Add(10 * time.Minute).Format(time.RFC3339)}, "bientap"); err != nil {
		t.Fatal(err)
	}
	_ = s.DispatchDue(context.Background())
	if len(out.to("web-session-0002")) != 0 {
		t.Fatal("sent before it is current")
	}
	c.Advance(11 * time.Minute)
	_ = s.DispatchDue(context.Background())
	if n := len(out.to("web-session-0002")); n != 1 {
		t.Fatalf("%d messages once current, want 1", n)
	}
}

// TestWindows pins the window rule of each channel.
func TestWindows(t *testing.T) {
	s := &Service{cfg: Config{Margin: 5 * time.Minute}}
	now := testNow
	cases := []struct {
		ch   bot.Channel
		ago  time.Duration
		free int // -1: unknown
		want bool
	}{
		{bot.Messenger, 23 * time.Hour, -1, true},
		{bot.Messenger, 23*time.Hour + 56*time.Minute, -1, false}, // inside 24 h, but not by the margin
		{bot.Messenger, 25 * time.Hour, -1, false},
		{bot.Zalo, 47 * time.Hour, -1, true},
		{bot.Zalo, 47 * time.Hour, 0, false},
		{bot.Zalo, 47 * time.Hour, 3, true},
		{bot.Zalo, 49 * time.Hour, 3, false},
		{bot.Web, 30 * time.Minute, -1, true},
		{bot.Web, 2 * time.Hour, -1, false},
		{bot.CLI, time.Minute, -1, false},
	}
	for _, c := range cases {
		free := c.free
		s.cfg.Channels = channels.Registry(func(string) (int, bool) { return free, free >= 0 })
		if got := s.inWindow(Follower{Channel: c.ch, UserID: "u", LastUser: now.Add(-c.ago)}, now); got != c.want {
			t.Errorf("%s, %v ago, free %d: %v, want %v", c.ch, c.ago, c.free, got, c.want)
		}
	}
}
