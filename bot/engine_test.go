package bot_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"botdvc/bot"
	"botdvc/knowledge"
	"botdvc/knowledge/bleveindex"
	"botdvc/knowledge/catalog"
	"botdvc/knowledge/guides"
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
	storeOf.Store(e, sessions)
	return e
}

// storeOf is the session store each engine of MustOpenEngine reads, for
// the chains that save it (handler).
var storeOf sync.Map // *bot.Engine → bot.SessionStore

// handler is e as botd chains it for a conversation: behind bot.Remember
// (which saves the session the engine returns), with hand-offs filed with
// esc as the hotline's middleware files them (none when esc is nil).
func handler(e *bot.Engine, esc bot.Escalator) bot.HandlerFunc {
	store, _ := storeOf.Load(e)
	h := e.Answer
	if esc != nil {
		h = bot.Chain(h, filer(esc))
	}
	if store == nil { // an engine built elsewhere: no conversation kept
		return h
	}
	return bot.Chain(h, bot.Remember(store.(bot.SessionStore)))
}

// filer files the hand-offs of the chain behind it with esc, as
// hotline.Queue.Middleware does.
func filer(esc bot.Escalator) bot.Middleware {
	return func(next bot.HandlerFunc) bot.HandlerFunc {
		return func(ctx context.Context, m bot.Message) (bot.Reply, error) {
			r, err := next(ctx, m)
			if err != nil || r.Handoff == nil || r.Handoff.Escalation == nil {
				return r, err
			}
			rc, err := esc.Escalate(ctx, *r.Handoff.Escalation)
			if err != nil {
				return bot.Reply{}, err
			}
			r.Filed(rc, "")
			return r, nil
		}
	}
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

// chat is one citizen's conversation with e (behind bot.Remember, hand-offs
// filed with esc when set).
type chat struct {
	t    *testing.T
	e    *bot.Engine
	user string
	esc  bot.Escalator
	n    int
}

func (c *chat) say(text string) bot.Reply {
	c.t.Helper()
	c.n++
	r, err := handler(c.e, c.esc)(context.Background(), bot.Message{
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
	c := &chat{t: t, e: e, user: "u1", esc: esc}

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
	if r.Action != bot.ActionFallback || !strings.Contains(r.Text, e.HotlinePhone) {
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

// TestAnswerDecidesOnly: Answer writes nothing. A request for a person
// comes back as a hand-off carrying the escalation to file (its id the
// message's) and the conversation's new state; the store is untouched, so
// the same message answered again gets the same reply.
func TestAnswerDecidesOnly(t *testing.T) {
	sessions := bot.NewMemorySessions(time.Hour)
	e := MustOpenEngine(t, fixtureGuides(), sessions)
	e.HotlinePhone = "1900 0000"
	m := bot.Message{ID: "m1", Channel: bot.Web, UserID: "u", Kind: bot.KindText, Text: "gặp tổng đài viên"}
	r, err := e.Answer(context.Background(), m)
	if err != nil {
		t.Fatal(err)
	}
	if r.Action != bot.ActionHandoff || r.Handoff.Escalation == nil || r.Handoff.Escalation.ID != "web:m1" {
		t.Fatalf("hand-off: %s %+v", r.Action, r.Handoff)
	}
	if r.Session == nil || len(r.Session.Transcript) != 2 || !strings.Contains(r.Text, e.HotlinePhone) {
		t.Fatalf("new state %+v, text %q", r.Session, r.Text)
	}
	if s, _ := sessions.Load(context.Background(), m.Conversation()); len(s.Transcript) != 0 {
		t.Fatalf("Answer wrote the session: %+v", s)
	}
	again, err := e.Answer(context.Background(), m)
	if err != nil || again.Text != r.Text || again.Action != r.Action || again.Handoff.Escalation.ID != r.Handoff.Escalation.ID {
		t.Fatalf("the same message again: %s %q %v", again.Action, again.Text, err)
	}
}

// TestHandoffSurvivesEscalationFailure (issue 17): the second fallback in a
// row hands off; when filing it fails the error goes back (the pipeline
// retries) and the session stays as it was, so the retry hands off again
// and files the ticket. Before, Answer saved the session (fails reset)
// before returning the error and the retry gave a plain fallback.
func TestHandoffSurvivesEscalationFailure(t *testing.T) {
	e := MustOpenEngine(t, fixtureGuides(), bot.NewMemorySessions(time.Hour))
	ok := &escalator{}
	c := &chat{t: t, e: e, user: "u", esc: ok}
	if r := c.say("Hôm nay thời tiết Hà Nội thế nào"); r.Action != bot.ActionFallback {
		t.Fatalf("first off-topic: %s", r.Action)
	}
	m := bot.Message{ID: "m2", Channel: bot.Web, UserID: "u", Kind: bot.KindText, Text: "kể chuyện cười đi"}
	boom := errors.New("queue down")
	if _, err := handler(e, &escalator{err: boom})(context.Background(), m); !errors.Is(err, boom) {
		t.Fatalf("err = %v, want %v", err, boom)
	}
	r, err := handler(e, ok)(context.Background(), m) // the pipeline's retry
	if err != nil || r.Action != bot.ActionHandoff || len(ok.got) != 1 || !strings.Contains(r.Text, "vị trí số 2") {
		t.Fatalf("retry: %s %q %v, %d filed", r.Action, r.Text, err, len(ok.got))
	}
}

// TestRedeliveredMessage (issue 17): a message handled before (the same
// id: a redelivery) gets the reply it got and changes nothing: an
// off-topic message redelivered is not a second fallback in a row.
func TestRedeliveredMessage(t *testing.T) {
	e := MustOpenEngine(t, fixtureGuides(), bot.NewMemorySessions(time.Hour))
	esc := &escalator{}
	m := bot.Message{ID: "m1", Channel: bot.Web, UserID: "u", Kind: bot.KindText, Text: "Hôm nay thời tiết Hà Nội thế nào"}
	first, err := handler(e, esc)(context.Background(), m)
	if err != nil || first.Action != bot.ActionFallback {
		t.Fatalf("first: %s %v", first.Action, err)
	}
	again, err := handler(e, esc)(context.Background(), m)
	if err != nil || again.Action != first.Action || again.Text != first.Text || len(esc.got) != 0 {
		t.Fatalf("redelivered: %s %q %v, %d filed; first %s %q", again.Action, again.Text, err, len(esc.got), first.Action, first.Text)
	}
	m.ID, m.Text = "m2", "kể chuyện cười đi"
	if r, err := handler(e, esc)(context.Background(), m); err != nil || r.Action != bot.ActionHandoff || len(esc.got) != 1 {
		t.Fatalf("next off-topic: %s %v, %d filed", r.Action, err, len(esc.got))
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

// withCatalogue returns the bundled guides and the same merged with the
// national catalogue of ../shared/data; it skips when the catalogue is not
// there.
func withCatalogue(tb testing.TB) (curated, all []knowledge.Guide) {
	tb.Helper()
	curated, err := guides.Load()
	if err != nil {
		tb.Fatal(err)
	}
	cat, _, err := catalog.ReadFile("../../shared/data/dvcqg-procedures.jsonl.gz", nil)
	if err != nil {
		tb.Skipf("catalogue: %v", err)
	}
	return curated, knowledge.Merge(curated, cat)
}
