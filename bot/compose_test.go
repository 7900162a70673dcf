package bot_test

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"
	"unicode/utf8"

	"botdvc/bot"
	"botdvc/knowledge"
	"botdvc/knowledge/bleveindex"
	"botdvc/knowledge/catalog"
	"botdvc/knowledge/guides"
)

// taps numbers the taps' message ids.
var taps atomic.Int64

var tapAspects = []bot.Aspect{bot.AspectDocuments, bot.AspectFee, bot.AspectDuration, bot.AspectPlace,
	bot.AspectOnline, bot.AspectSteps, bot.AspectEligibility}

// tap sends an option's payload as a channel delivers a tap (on the web
// chat, where chat.say talks too), each with a message id of its own.
func tap(t *testing.T, e *bot.Engine, user, label, payload string) bot.Reply {
	t.Helper()
	r, err := handler(e, nil)(context.Background(), bot.Message{ID: fmt.Sprint("tap", taps.Add(1)), Channel: bot.Web, UserID: user,
		Kind: bot.KindPayload, Text: label, Payload: payload})
	if err != nil {
		t.Fatalf("tap %s: %v", payload, err)
	}
	return r
}

// checkAspectTaps taps every aspect of every guide: each answers that
// aspect, leads with it, clips nothing, says no label twice, and offers 3 to
// 13 options of at most 20 characters; a long one is offered in pieces
// ("Xem tiếp") that together show every item of the guide.
func checkAspectTaps(t *testing.T, e *bot.Engine, gs []knowledge.Guide) {
	for _, g := range gs {
		for _, a := range tapAspects {
			source := flatten(fmt.Sprintf("%+v", g))
			payload := bot.PayloadAspect + string(a) + ":" + g.ID
			user := g.ID + "-" + string(a)
			r := tap(t, e, user, "x", payload)
			if r.Action != bot.ActionAnswer || r.GuideID != g.ID || r.Aspect != a {
				t.Fatalf("%s: %s %s %s", payload, r.Action, r.GuideID, r.Aspect)
			}
			text := r.Text
			for page := 0; ; page++ {
				where := fmt.Sprintf("%s (page %d)", payload, page+1)
				if !strings.HasPrefix(r.Text, g.Title) {
					t.Errorf("%s does not begin with the procedure's name:\n%s", where, r.Text)
				}
				// Catalogue records sometimes hold "…" or "X: X…" themselves;
				// only what the composition adds counts.
				if strings.Contains(r.Text, "…") && !strings.Contains(source, "…") {
					t.Errorf("%s clips:\n%s", where, r.Text)
				}
				if l := repeatedLabel(r.Text); l != "" && !strings.Contains(source, flatten(l)) {
					t.Errorf("%s says a label twice: %s", where, l)
				}
				if n := len(r.Options); n < minOptions || n > maxOptions {
					t.Errorf("%s has %d options", where, n)
				}
				more := ""
				for _, o := range r.Options {
					if utf8.RuneCountInString(o.Label) > maxOptionRunes {
						t.Errorf("%s: option %q over 20 characters", where, o.Label)
					}
					if o.Payload == bot.PayloadAspect+string(a)+":"+g.ID {
						t.Errorf("%s offers the aspect it shows", where)
					}
					if strings.HasPrefix(o.Payload, bot.PayloadMore) {
						more = o.Payload
					}
				}
				if more == "" {
					break
				}
				if page > 50 {
					t.Fatalf("%s: more than 50 pages", payload)
				}
				r = tap(t, e, user, "Xem tiếp", more)
				text += "\n" + r.Text
			}
			var items []string
			switch a {
			case bot.AspectDocuments:
				items = g.Documents
			case bot.AspectSteps:
				items = g.Steps
			}
			flat := strings.Join(strings.Fields(text), " ")
			for _, it := range items {
				for i, line := range strings.Split(it, "\n") {
					if i == 0 { // items lose a leading number or bullet (catalogue steps)
						line = reItemNumber.ReplaceAllString(strings.TrimSpace(line), "")
					}
					if tail := strings.Join(strings.Fields(line), " "); !strings.Contains(flat, tail) {
						t.Errorf("%s never shows %q of item %q", payload, tail, it)
					}
				}
			}
		}
	}
}

// reItemNumber is the numbering an item may carry, which the answer replaces.
var reItemNumber = regexp.MustCompile(`^(?:(?:[Bb]ước\s*)?\d{1,2}\s*[.):]\s*|[-•+*]\s+)`)

// flatten drops bullets and runs of white space, to compare text across
// line layouts.
func flatten(s string) string {
	return strings.Join(strings.Fields(strings.NewReplacer("\\n", " ", "- ", " ").Replace(s)), " ")
}

func TestAspectTapsBundled(t *testing.T) {
	gs, err := guides.Load()
	if err != nil {
		t.Fatal(err)
	}
	checkAspectTaps(t, MustOpenEngine(t, gs, bot.NewMemorySessions(time.Hour)), gs)
}

// TestAspectTapsCatalogue does the same for 300 records of the national
// catalogue (their fee and time come from the channels, their steps are
// long). Taps need no search, so only the library holds them.
func TestAspectTapsCatalogue(t *testing.T) {
	if testing.Short() {
		t.Skip("reads the national catalogue")
	}
	cat, _, err := catalog.ReadFile("../../shared/data/dvcqg-procedures.jsonl.gz", nil)
	if err != nil {
		t.Skipf("catalogue: %v", err)
	}
	var sample []knowledge.Guide
	for i := 0; i < len(cat); i += len(cat)/300 + 1 {
		sample = append(sample, cat[i])
	}
	idx, err := bleveindex.Open("")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = idx.Close() })
	e := bot.NewEngine(idx, knowledge.NewLibrary(sample...), bot.NewMemorySessions(time.Hour))
	checkAspectTaps(t, e, sample)
}

func TestAnswerSpeaksOfWhomItIsAbout(t *testing.T) {
	e := MustOpenEngine(t, fixtureGuides(), bot.NewMemorySessions(time.Hour))
	for q, want := range map[string]string{
		"làm giấy khai sinh cho con":                       "Đăng ký khai sinh cho con bạn",
		"lam giay khai sinh cho con o dau":                 "Đăng ký khai sinh cho con bạn",
		"con tôi 3 tuổi đăng ký khai sinh muộn được không": "Đăng ký khai sinh cho con bạn",
		"làm giấy khai sinh ở đâu":                         "Đăng ký khai sinh –",
	} {
		r := (&chat{t: t, e: e, user: q}).say(q)
		if r.GuideID != "dang-ky-khai-sinh" || !strings.HasPrefix(r.Text, want) {
			t.Errorf("%q: %s\n%s", q, r.GuideID, r.Text)
		}
	}
	// A follow-up keeps whom the conversation is about.
	c := &chat{t: t, e: e, user: "follow"}
	c.say("làm giấy khai sinh cho bé")
	if r := c.say("còn lệ phí thì sao?"); !strings.HasPrefix(r.Text, "Đăng ký khai sinh cho con bạn") {
		t.Errorf("follow-up forgot the child:\n%s", r.Text)
	}
}

func TestTypedNumberPicksAnOption(t *testing.T) {
	e := MustOpenEngine(t, fixtureGuides(), bot.NewMemorySessions(time.Hour))
	c := &chat{t: t, e: e, user: "n"}
	r := c.say("làm giấy khai sinh cho con cần giấy tờ gì")
	if r.Aspect != bot.AspectDocuments || len(r.Options) < 2 {
		t.Fatalf("first answer: %s with %d options", r.Aspect, len(r.Options))
	}
	want := r.Options[1]
	a, _, _ := strings.Cut(strings.TrimPrefix(want.Payload, bot.PayloadAspect), ":")
	if r := c.say("2"); r.Action != bot.ActionAnswer || string(r.Aspect) != a {
		t.Fatalf("typed 2 after %v: %s %s", want, r.Action, r.Aspect)
	}
}

func TestFeedbackTaps(t *testing.T) {
	e := MustOpenEngine(t, fixtureGuides(), bot.NewMemorySessions(time.Hour))
	c := &chat{t: t, e: e, user: "f"}
	if r := c.say("đăng ký khai sinh cần giấy tờ gì, sđt 0912345678"); r.Action != bot.ActionAnswer {
		t.Fatalf("question: %s", r.Action)
	}

	r := tap(t, e, "f", "Chưa hữu ích", bot.PayloadFeedbackDown)
	if r.Feedback == nil || r.Feedback.Vote != bot.VoteDown || r.Feedback.GuideID != "dang-ky-khai-sinh" ||
		!strings.Contains(r.Feedback.Question, "đăng ký khai sinh cần giấy tờ gì") {
		t.Fatalf("down: %+v", r.Feedback)
	}
	if strings.Contains(r.Feedback.Question, "0912345678") {
		t.Errorf("feedback question not redacted: %q", r.Feedback.Question)
	}
	if !strings.Contains(r.Text, "Bạn cần thông tin gì khác?") || len(r.Options) < 3 {
		t.Errorf("a down asks what else, with options: %q %v", r.Text, r.Options)
	}
	for _, o := range r.Options {
		if o.Payload == bot.PayloadPerson {
			t.Errorf("a first down offers a person already: %v", r.Options)
		}
	}
	// The same answer tapped again is not counted twice.
	if r := tap(t, e, "f", "Chưa hữu ích", bot.PayloadFeedbackDown); r.Feedback != nil {
		t.Errorf("second tap on the same answer counted: %+v", r.Feedback)
	}
	// A new answer, and a second down in a row: a person is offered.
	c.say("còn lệ phí thì sao?")
	r = tap(t, e, "f", "Chưa hữu ích", bot.PayloadFeedbackDown)
	if r.Feedback == nil || r.Feedback.Vote != bot.VoteDown || len(r.Options) == 0 || r.Options[0].Payload != bot.PayloadPerson {
		t.Fatalf("second down: %+v %v", r.Feedback, r.Options)
	}
	if r.Action == bot.ActionHandoff {
		t.Error("a second down hands off without asking")
	}
	// Up resets the count.
	c.say("nộp ở đâu")
	if r := tap(t, e, "f", "Hữu ích", bot.PayloadFeedbackUp); r.Feedback == nil || r.Feedback.Vote != bot.VoteUp {
		t.Fatalf("up: %+v", r.Feedback)
	}
	c.say("mất bao lâu")
	if r := tap(t, e, "f", "Chưa hữu ích", bot.PayloadFeedbackDown); len(r.Options) > 0 && r.Options[0].Payload == bot.PayloadPerson {
		t.Errorf("a down after an up offers a person: %v", r.Options)
	}
}

func TestMalformedTapsAreHarmless(t *testing.T) {
	e := MustOpenEngine(t, fixtureGuides(), bot.NewMemorySessions(time.Hour))
	for _, p := range []string{"aspect:", "aspect:fee", "aspect:fee:", "aspect:nope:dang-ky-khai-sinh",
		"aspect:fee:no-such-guide", "more:steps:dang-ky-khai-sinh", "more:steps:dang-ky-khai-sinh:-1",
		"more:steps:dang-ky-khai-sinh:99999", "more:steps::3", "feedback:sideways"} {
		r := tap(t, e, "m-"+p, "x", p)
		if r.Action == "" || r.Text == "" {
			t.Errorf("%q: empty reply %+v", p, r)
		}
	}
	// A "more" past the end starts the list again rather than failing.
	if r := tap(t, e, "m", "x", "more:steps:dang-ky-khai-sinh:50"); r.Action != bot.ActionAnswer || r.Aspect != bot.AspectSteps {
		t.Errorf("more past the end: %s %s", r.Action, r.Aspect)
	}
}

// TestYesPicksTheOnlyOption: asked "is it this procedure?", a citizen who
// says yes gets it; "không phải" is no yes, and with two options a yes
// picks nothing.
func TestYesPicksTheOnlyOption(t *testing.T) {
	ctx := context.Background()
	sessions := bot.NewMemorySessions(time.Hour)
	e := MustOpenEngine(t, fixtureGuides(), sessions)
	key := bot.Message{Channel: bot.Web, UserID: "y"}.Conversation()
	pending := func(opts ...string) {
		t.Helper()
		if err := sessions.Save(ctx, key, bot.Session{Options: opts}); err != nil {
			t.Fatal(err)
		}
	}
	for _, yes := range []string{"đúng", "vâng ạ", "ừ đúng rồi", "Có", "ok nhé"} {
		pending(bot.PayloadGuide + "dang-ky-khai-sinh")
		c := &chat{t: t, e: e, user: "y"}
		if r := c.say(yes); r.Action != bot.ActionAnswer || r.GuideID != "dang-ky-khai-sinh" {
			t.Errorf("%q after one option: %s %s, want the option answered", yes, r.Action, r.GuideID)
		}
	}
	for _, no := range []string{"không phải", "phải không", "sai rồi"} {
		pending(bot.PayloadGuide + "dang-ky-khai-sinh")
		c := &chat{t: t, e: e, user: "y", n: 10}
		if r := c.say(no); r.Action == bot.ActionAnswer && r.GuideID == "dang-ky-khai-sinh" {
			t.Errorf("%q answered the option", no)
		}
	}
	pending(bot.PayloadGuide+"dang-ky-khai-sinh", bot.PayloadGuide+"dang-ky-ket-hon")
	c := &chat{t: t, e: e, user: "y", n: 20}
	if r := c.say("đúng"); r.Action == bot.ActionAnswer {
		t.Errorf("a yes to two options answered %s", r.GuideID)
	}
}

// TestFAQLeads: the FAQ entry whose question the citizen asks leads the
// answer, even over an aspect the question names ("… làm lại ở đâu");
// read only from a weak cue ("… được không"), an aspect does not stop a
// FAQ entry from leading; a question no entry holds leads with its aspect.
func TestFAQLeads(t *testing.T) {
	gs := fixtureGuides()
	const answer = "Được làm lại khi thẻ hỏng, thẻ cũ nộp lại khi nhận thẻ mới."
	gs[2].FAQ = []knowledge.FAQ{{Q: "Thẻ căn cước bị gãy có làm lại được không?", A: answer}}
	gs[2].Eligibility = strings.Repeat("Công dân Việt Nam đã có thẻ căn cước bị mất hoặc hư hỏng. ", 8)
	gs[2].Where = strings.Repeat("Công an cấp xã nơi thường trú, tạm trú hoặc trên ứng dụng VNeID. ", 8)
	e := MustOpenEngine(t, gs, bot.NewMemorySessions(time.Hour))
	for i, tt := range []struct{ q, lead string }{
		{"thẻ căn cước bị gãy có làm lại được không", answer},
		{"thẻ căn cước bị gãy thì làm lại ở đâu", answer},
		{"điều kiện cấp lại thẻ căn cước", "đã có thẻ căn cước bị mất"},
	} {
		r := (&chat{t: t, e: e, user: fmt.Sprint("faq-leads-", i)}).say(tt.q)
		if r.Action != bot.ActionAnswer || r.GuideID != "cap-lai-the-can-cuoc" {
			t.Fatalf("%q: got %s %s", tt.q, r.Action, r.GuideID)
		}
		if lead, _, _ := strings.Cut(r.Text, "\n\n"); !strings.Contains(lead, tt.lead) {
			t.Errorf("%q: %q does not lead:\n%s", tt.q, tt.lead, r.Text)
		}
	}
}

// TestDomesticTitleAbroad: a guide whose title is done at home ("… trong
// nước") is not answered nor offered to a citizen who asks from abroad
// (an embassy is another procedure), unless one of its FAQ entries is
// that situation, which then answers.
func TestDomesticTitleAbroad(t *testing.T) {
	gs := append(fixtureGuides(), knowledge.Guide{
		ID: "cap-ho-chieu", Code: "1.001456", Title: "Cấp hộ chiếu phổ thông trong nước", Aliases: []string{"làm hộ chiếu"},
		Source: knowledge.SourceCurated, Where: "Phòng Quản lý xuất nhập cảnh Công an thành phố.", Fee: "200.000 đồng.",
		Documents: []string{"Tờ khai."}, Steps: []string{"Nộp hồ sơ."},
	})
	e := MustOpenEngine(t, gs, bot.NewMemorySessions(time.Hour))
	home := (&chat{t: t, e: e, user: "home"}).say("làm hộ chiếu cần giấy tờ gì")
	if home.Action != bot.ActionAnswer || home.GuideID != "cap-ho-chieu" {
		t.Fatalf("at home: %s %s", home.Action, home.GuideID)
	}
	abroad := (&chat{t: t, e: e, user: "abroad"}).say("tôi đang ở Hàn Quốc, làm hộ chiếu ở đại sứ quán cần giấy tờ gì")
	if abroad.GuideID == "cap-ho-chieu" || slices.ContainsFunc(abroad.Options, func(o bot.Option) bool { return o.Payload == bot.PayloadGuide+"cap-ho-chieu" }) {
		t.Errorf("abroad: %s %s %v", abroad.Action, abroad.GuideID, abroad.Options)
	}
	const entry = "Tại cơ quan đại diện Việt Nam ở nước ngoài nơi bạn đang ở."
	gs[len(gs)-1].FAQ = []knowledge.FAQ{{Q: "Đang ở nước ngoài thì làm hộ chiếu ở đâu?", A: entry}}
	e = MustOpenEngine(t, gs, bot.NewMemorySessions(time.Hour))
	r := (&chat{t: t, e: e, user: "faq"}).say("tôi đang ở nước ngoài, làm hộ chiếu ở đâu")
	if r.Action != bot.ActionAnswer || !strings.Contains(r.Text, entry) {
		t.Errorf("abroad with its FAQ entry: %s %s\n%s", r.Action, r.GuideID, r.Text)
	}
}
