package bot_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"botdvc/bot"
	"botdvc/knowledge"
	"botdvc/knowledge/bleveindex"
)

// fixtureGuides is a small corpus with the shapes that matter: three guides
// that share a name (căn cước), a distinct one, and the dossier lookup guide.
func fixtureGuides() []knowledge.Guide {
	base := func(id, code, title string, aliases ...string) knowledge.Guide {
		return knowledge.Guide{
			ID: id, Code: code, Title: title, Aliases: aliases, Source: knowledge.SourceCurated,
			Online: knowledge.OnlineFull, Fee: "Lệ phí của " + title + ": 30.000 đồng.",
			Duration: "7 ngày làm việc.", Where: "Công an cấp xã hoặc trên VNeID.",
			Documents:   []string{"Tờ khai theo mẫu.", "Giấy tờ tùy thân."},
			Steps:       []string{"Chuẩn bị hồ sơ.", "Nộp hồ sơ.", "Nhận kết quả."},
			Eligibility: "Công dân Việt Nam.",
			SourceURL:   "https://dichvucong.gov.vn/p/" + id,
		}
	}
	gs := []knowledge.Guide{
		base("cap-the-can-cuoc-lan-dau", "1.014061", "Cấp thẻ căn cước lần đầu", "làm căn cước lần đầu", "làm căn cước cho con"),
		base("cap-doi-the-can-cuoc", "1.014063", "Cấp đổi thẻ căn cước", "đổi căn cước", "đổi căn cước khi đủ 25 tuổi"),
		base("cap-lai-the-can-cuoc", "1.014064", "Cấp lại thẻ căn cước", "mất căn cước", "làm lại căn cước"),
		base("dang-ky-khai-sinh", "1.001193", "Đăng ký khai sinh", "làm giấy khai sinh", "khai sinh cho con"),
		base("tra-cuu-ho-so", "", "Tra cứu tình trạng, tiến độ giải quyết hồ sơ", "tra cứu hồ sơ", "hồ sơ đến đâu rồi", "kiểm tra hồ sơ đã nộp"),
	}
	gs[3].Fee = "Miễn lệ phí khi đăng ký đúng hạn."
	gs[3].Online = knowledge.OnlinePartial
	return gs
}

// MustOpenEngine builds an engine over a real in-memory bleve index.
func MustOpenEngine(tb testing.TB, gs []knowledge.Guide, sessions bot.SessionStore) *bot.Engine {
	tb.Helper()
	idx, err := bleveindex.Open("")
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = idx.Close() })
	if err := idx.Upsert(context.Background(), gs...); err != nil {
		tb.Fatal(err)
	}
	e := bot.NewEngine(idx, knowledge.NewLibrary(gs...), sessions)
	e.Now = func() time.Time { return time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC) }
	return e
}

// escalator is a consumer-side fake of bot.Escalator (the hotline package
// is the real one): it records escalations and returns a fixed receipt.
type escalator struct {
	got []bot.Escalation
	err error
}

func (f *escalator) Escalate(ctx context.Context, e bot.Escalation) (bot.Receipt, error) {
	if f.err != nil {
		return bot.Receipt{}, f.err
	}
	f.got = append(f.got, e)
	return bot.Receipt{TicketID: "T1", Position: 2, Open: true, Hours: "7:30–17:00"}, nil
}

type chat struct {
	t    *testing.T
	e    *bot.Engine
	user string
	n    int
}

func (c *chat) say(text string) bot.Reply {
	c.t.Helper()
	c.n++
	r, err := c.e.Answer(context.Background(), bot.Message{
		ID: strings.Repeat("m", c.n), Channel: bot.Web, UserID: c.user, Kind: bot.KindText, Text: text,
	})
	if err != nil {
		c.t.Fatalf("Answer(%q): %v", text, err)
	}
	return r
}

func TestConversation(t *testing.T) {
	sessions := bot.NewMemorySessions(time.Hour)
	e := MustOpenEngine(t, fixtureGuides(), sessions)
	esc := &escalator{}
	e.Escalator = esc
	c := &chat{t: t, e: e, user: "u1"}

	r := c.say("căn cước")
	if r.Action != bot.ActionClarify || len(r.Options) < 2 || len(r.Options) > 5 {
		t.Fatalf("căn cước: %s with %d options, want clarify with 2-5", r.Action, len(r.Options))
	}
	for i, o := range r.Options {
		if !strings.Contains(r.Text, o.Label) || !strings.HasPrefix(o.Payload, bot.PayloadGuide) {
			t.Errorf("option %d %+v not numbered in text or bad payload", i+1, o)
		}
	}
	picked := strings.TrimPrefix(r.Options[1].Payload, bot.PayloadGuide)

	r = c.say("2")
	if r.Action != bot.ActionAnswer || r.GuideID != picked {
		t.Fatalf("pick 2: %s %s, want answer %s", r.Action, r.GuideID, picked)
	}
	if !strings.Contains(r.Text, "Mã thủ tục: "+r.Code) || len(r.Links) != 1 || r.Links[0].URL != "https://dichvucong.gov.vn/p/"+picked {
		t.Errorf("answer lacks code or link button: %+v\n%s", r.Links, r.Text)
	}
	if strings.Contains(r.Text, "https://") {
		t.Errorf("the official page is a link button, not text:\n%s", r.Text)
	}

	r = c.say("còn lệ phí thì sao?")
	if r.Action != bot.ActionAnswer || r.GuideID != picked || r.Aspect != bot.AspectFee {
		t.Fatalf("follow-up fee: %s %s %s, want answer %s fee", r.Action, r.GuideID, r.Aspect, picked)
	}
	if lead, _, _ := strings.Cut(r.Text, "\n\n"); !strings.Contains(strings.ToLower(lead), "lệ phí") || !strings.Contains(lead, "đồng") {
		t.Errorf("fee answer does not lead with the fee:\n%s", r.Text)
	}

	r = c.say("lam online duoc khong")
	if r.GuideID != picked || r.Aspect != bot.AspectOnline {
		t.Fatalf("follow-up online: %s %s, want %s online", r.GuideID, r.Aspect, picked)
	}

	r = c.say("cho tôi gặp tổng đài viên, sđt 0912345678")
	if r.Action != bot.ActionHandoff || r.Handoff == nil || r.Handoff.Category != bot.CategoryPerson {
		t.Fatalf("person: %+v", r)
	}
	if len(esc.got) != 1 {
		t.Fatalf("escalations = %d, want 1", len(esc.got))
	}
	got := esc.got[0]
	if strings.Contains(got.Question, "0912345678") {
		t.Errorf("escalation question not redacted: %q", got.Question)
	}
	for _, turn := range got.Transcript {
		if strings.Contains(turn.Text, "0912345678") {
			t.Errorf("transcript not redacted: %q", turn.Text)
		}
	}
	if !strings.Contains(r.Text, "vị trí số 2") {
		t.Errorf("handoff text lacks the queue position:\n%s", r.Text)
	}
	s, _ := sessions.Load(context.Background(), "web:u1")
	if s.Ticket != "T1" || s.LastGuide != picked {
		t.Errorf("session = ticket %q last %q", s.Ticket, s.LastGuide)
	}
}

func TestFreshSessionHasNoContext(t *testing.T) {
	e := MustOpenEngine(t, fixtureGuides(), bot.NewMemorySessions(time.Hour))
	c := &chat{t: t, e: e, user: "u1"}
	c.say("làm giấy khai sinh cho con")
	r := (&chat{t: t, e: e, user: "u2"}).say("còn lệ phí thì sao?")
	if r.Action == bot.ActionAnswer {
		t.Fatalf("a new conversation answered a follow-up with %s", r.GuideID)
	}
	if r := c.say("còn lệ phí thì sao?"); r.GuideID != "dang-ky-khai-sinh" || r.Aspect != bot.AspectFee {
		t.Fatalf("same conversation follow-up: %s %s", r.GuideID, r.Aspect)
	}
}

func TestFallbackThenHandoff(t *testing.T) {
	e := MustOpenEngine(t, fixtureGuides(), bot.NewMemorySessions(time.Hour))
	c := &chat{t: t, e: e, user: "u1"}
	r := c.say("Hôm nay thời tiết Hà Nội thế nào")
	if r.Action != bot.ActionFallback || !strings.Contains(r.Text, e.Hotline) {
		t.Fatalf("first off-topic: %s\n%s", r.Action, r.Text)
	}
	r = c.say("kể chuyện cười đi")
	if r.Action != bot.ActionHandoff || r.Handoff.Category != bot.CategoryUnanswered {
		t.Fatalf("second failure: %s %+v, want handoff unanswered", r.Action, r.Handoff)
	}
	if r.Text == "" {
		t.Error("handoff without text")
	}
}

func TestIntents(t *testing.T) {
	e := MustOpenEngine(t, fixtureGuides(), bot.NewMemorySessions(time.Hour))
	tests := []struct {
		text     string
		action   bot.Action
		category string
	}{
		{"Xin chào", bot.ActionGreeting, ""},
		{"cảm ơn bạn nhiều", bot.ActionGreeting, ""},
		{"Tôi muốn phản ánh việc cán bộ hẹn đi hẹn lại nhiều lần", bot.ActionHandoff, bot.CategoryComplaint},
		{"Gặp nhân viên hỗ trợ", bot.ActionHandoff, bot.CategoryPerson},
	}
	for i, tt := range tests {
		r := (&chat{t: t, e: e, user: "i" + strings.Repeat("x", i)}).say(tt.text)
		if r.Action != tt.action || (tt.category != "" && (r.Handoff == nil || r.Handoff.Category != tt.category)) {
			t.Errorf("%q: %s %+v, want %s %s", tt.text, r.Action, r.Handoff, tt.action, tt.category)
		}
	}
}

func TestDossierStatus(t *testing.T) {
	e := MustOpenEngine(t, fixtureGuides(), bot.NewMemorySessions(time.Hour))
	c := &chat{t: t, e: e, user: "u1"}
	r := c.say("hồ sơ H26.01-251125-0001 của tôi đến đâu rồi")
	if r.Action != bot.ActionAnswer || r.GuideID != "tra-cuu-ho-so" || !strings.Contains(r.Text, "H26.01-251125-0001") {
		t.Fatalf("status: %s %s\n%s", r.Action, r.GuideID, r.Text)
	}
	r = c.say("kiểm tra giúp tôi với")
	if r.Action != bot.ActionHandoff || r.Handoff.Category != bot.CategoryStatus {
		t.Fatalf("insist: %s %+v, want handoff status", r.Action, r.Handoff)
	}
}

func TestOtherKinds(t *testing.T) {
	e := MustOpenEngine(t, fixtureGuides(), bot.NewMemorySessions(time.Hour))
	ctx := context.Background()
	r, err := e.Answer(ctx, bot.Message{Channel: bot.Zalo, UserID: "z", Kind: bot.KindFollow})
	if err != nil || r.Action != bot.ActionGreeting || len(r.Options) == 0 {
		t.Errorf("follow: %s %d options %v", r.Action, len(r.Options), err)
	}
	r, err = e.Answer(ctx, bot.Message{Channel: bot.Zalo, UserID: "z", Kind: bot.KindAttachment})
	if err != nil || r.Action != bot.ActionFallback || !strings.Contains(r.Text, "chữ") {
		t.Errorf("attachment: %s %q %v", r.Action, r.Text, err)
	}
	r, err = e.Answer(ctx, bot.Message{Channel: bot.Zalo, UserID: "z", Kind: bot.KindAgentEcho, Text: "chào anh"})
	if err != nil || r.Action != bot.ActionSilent {
		t.Errorf("agent echo: %s %v", r.Action, err)
	}
	r, err = e.Answer(ctx, bot.Message{Channel: bot.Zalo, UserID: "z", Kind: bot.KindPayload, Payload: bot.PayloadGuide + "dang-ky-khai-sinh"})
	if err != nil || r.Action != bot.ActionAnswer || r.GuideID != "dang-ky-khai-sinh" {
		t.Errorf("payload: %s %s %v", r.Action, r.GuideID, err)
	}
}

func TestEscalationFailure(t *testing.T) {
	e := MustOpenEngine(t, fixtureGuides(), bot.NewMemorySessions(time.Hour))
	boom := errors.New("queue down")
	e.Escalator = &escalator{err: boom}
	r, err := e.Answer(context.Background(), bot.Message{Channel: bot.Web, UserID: "u", Kind: bot.KindText, Text: "gặp tổng đài viên"})
	if !errors.Is(err, boom) {
		t.Fatalf("err = %v, want %v", err, boom)
	}
	if r.Action != bot.ActionHandoff || !strings.Contains(r.Text, e.Hotline) {
		t.Fatalf("reply on failure: %s %q", r.Action, r.Text)
	}
}

// brokenStore fails every call, as a KV store that is down would.
type brokenStore struct{}

func (brokenStore) Load(context.Context, string) (bot.Session, error) {
	return bot.Session{}, errors.New("kv down")
}
func (brokenStore) Save(context.Context, string, bot.Session) error { return errors.New("kv down") }

func TestSessionStoreFailure(t *testing.T) {
	e := MustOpenEngine(t, fixtureGuides(), brokenStore{})
	if _, err := e.Answer(context.Background(), bot.Message{Channel: bot.Web, UserID: "u", Kind: bot.KindText, Text: "khai sinh"}); err == nil {
		t.Fatal("no error when the session store fails")
	}
}

// FuzzAnswer feeds arbitrary text to the engine: it must not fail or panic,
// and must pick one of the contract's actions.
func FuzzAnswer(f *testing.F) {
	for _, s := range []string{"", "2", "căn cước", "còn lệ phí thì sao?", "H26.01-251125-0001", "\x00\xff", "gặp người thật", strings.Repeat("khai sinh ", 200)} {
		f.Add(s)
	}
	e := MustOpenEngine(f, fixtureGuides(), bot.NewMemorySessions(time.Hour))
	valid := map[bot.Action]bool{bot.ActionAnswer: true, bot.ActionClarify: true, bot.ActionHandoff: true, bot.ActionGreeting: true, bot.ActionFallback: true}
	f.Fuzz(func(t *testing.T, text string) {
		r, err := e.Answer(context.Background(), bot.Message{Channel: bot.Web, UserID: "fuzz", Kind: bot.KindText, Text: text})
		if err != nil {
			t.Fatalf("Answer(%q): %v", text, err)
		}
		if !valid[r.Action] || r.Text == "" {
			t.Fatalf("Answer(%q) = %s with text %q", text, r.Action, r.Text)
		}
	})
}
