package dvhc_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"botdvc/bot"
	"botdvc/dvhc"
	"botdvc/knowledge"
	"botdvc/knowledge/bleveindex"
	"botdvc/knowledge/guides"
)

var (
	engineOnce sync.Once
	engineIdx  *bleveindex.Index
	engineLib  *knowledge.Library
	engineErr  error
)

// newChat returns the lookup in front of a real engine over the bundled
// guides (in-memory bleve index), sharing one session store, as botd and
// botctl wire them.
func newChat(t *testing.T) (bot.HandlerFunc, *dvhc.Chat) {
	t.Helper()
	engineOnce.Do(func() {
		var gs []knowledge.Guide
		if gs, engineErr = guides.Load(); engineErr != nil {
			return
		}
		if engineIdx, engineErr = bleveindex.Open(""); engineErr != nil {
			return
		}
		engineErr = engineIdx.Upsert(context.Background(), gs...)
		engineLib = knowledge.NewLibrary(gs...)
	})
	if engineErr != nil {
		t.Fatal(engineErr)
	}
	dir, err := dvhc.Load()
	if err != nil {
		t.Fatal(err)
	}
	sessions := bot.NewMemorySessions(time.Hour)
	e := bot.NewEngine(engineIdx, engineLib, sessions)
	c := dvhc.NewChat(dir, sessions)
	return bot.Chain(e.Answer, bot.Remember(sessions), c.Middleware()), c
}

type convo struct {
	t    *testing.T
	h    bot.HandlerFunc
	user string
	n    int
}

func (c *convo) say(text string) bot.Reply {
	c.t.Helper()
	c.n++
	r, err := c.h(context.Background(), bot.Message{ID: strings.Repeat("m", c.n), Channel: bot.Web, UserID: c.user, Kind: bot.KindText, Text: text})
	if err != nil {
		c.t.Fatalf("%q: %v", text, err)
	}
	return r
}

func (c *convo) tap(payload string) bot.Reply {
	c.t.Helper()
	c.n++
	r, err := c.h(context.Background(), bot.Message{ID: strings.Repeat("p", c.n), Channel: bot.Web, UserID: c.user, Kind: bot.KindPayload, Payload: payload})
	if err != nil {
		c.t.Fatalf("%q: %v", payload, err)
	}
	return r
}

func wantAll(t *testing.T, r bot.Reply, parts ...string) {
	t.Helper()
	for _, p := range parts {
		if !strings.Contains(r.Text, p) {
			t.Errorf("reply lacks %q:\n%s", p, r.Text)
		}
	}
}

// TestMustShow covers the four ward questions: the new unit(s),
// every successor of a split unit, what it means for the citizen (papers,
// the rule, where to submit, how to check), and the reverse lookup.
func TestMustShow(t *testing.T) {
	h, _ := newChat(t)
	cases := []struct {
		q     string
		want  []string
		avoid []string
	}{
		{"phường Dịch Vọng Hậu cũ giờ thuộc phường nào",
			[]string{"phường Cầu Giấy", "phường Nghĩa Đô", "được chia vào 2 đơn vị mới"}, nil},
		{"phuong phuc xa bay gio la phuong nao", []string{"Phường Phúc Xá (cũ, Hà Nội) từ ngày 01/7/2025 thuộc phường Hồng Hà"}, nil},
		{"xã Minh Quang Ba Vì sáp nhập vào đâu rồi", []string{"xã Ba Vì", "xã Bất Bạt"}, []string{"Tuyên Quang:"}},
		{"phường Hồng Hà gồm những phường cũ nào", []string{"Phường Phúc Xá", "Phường Chương Dương", "Phường Bạch Đằng (phần còn lại; phần khác vào phường Hai Bà Trưng)"}, nil},
	}
	for _, c := range cases {
		t.Run(c.q, func(t *testing.T) {
			r := (&convo{t: t, h: h, user: "u-" + c.q}).say(c.q)
			if r.Action != bot.ActionAnswer || r.GuideID != dvhc.GuideID {
				t.Fatalf("action %s guide %q, want answer %s:\n%s", r.Action, r.GuideID, dvhc.GuideID, r.Text)
			}
			wantAll(t, r, c.want...)
			// What it means for the citizen, with the rule cited.
			wantAll(t, r, "vẫn dùng được đến khi hết hạn", "Điều 10 Nghị quyết 190/2025/QH15",
				"Trung tâm Phục vụ hành chính công", "VNeID", "Nghị quyết 1656/NQ-UBTVQH15")
			for _, a := range c.avoid {
				if strings.Contains(r.Text, a) {
					t.Errorf("reply has %q", a)
				}
			}
		})
	}
}

// TestAmbiguousAsksBack: two phường Minh Khai in Hà Nội (Hai Bà Trưng, Bắc
// Từ Liêm): the bot asks which district; a number, a district name or a
// tap picks one.
func TestAmbiguousAsksBack(t *testing.T) {
	h, _ := newChat(t)
	c := &convo{t: t, h: h, user: "ask-1"}
	r := c.say("phường Minh Khai giờ thuộc phường nào")
	if r.Action != bot.ActionClarify || len(r.Options) != 2 {
		t.Fatalf("want clarify with 2 options, got %s %v:\n%s", r.Action, r.Options, r.Text)
	}
	wantAll(t, r, "quận Hai Bà Trưng", "quận Bắc Từ Liêm", "quận, huyện nào")
	r = c.say("2")
	if r.Action != bot.ActionAnswer {
		t.Fatalf("after 2: %s\n%s", r.Action, r.Text)
	}
	wantAll(t, r, "quận Bắc Từ Liêm", "phường Đông Ngạc", "phường Tây Tựu", "phường Thượng Cát", "phường Xuân Phương")

	c = &convo{t: t, h: h, user: "ask-2"}
	c.say("minh khai bây giờ là phường nào")
	r = c.say("quận Hai Bà Trưng")
	wantAll(t, r, "phường Bạch Mai", "phường Tương Mai")

	c = &convo{t: t, h: h, user: "ask-3"}
	r = c.say("phường Minh Khai sáp nhập vào đâu")
	r = c.tap(r.Options[0].Payload)
	wantAll(t, r, "quận Hai Bà Trưng", "phường Bạch Mai")

	// Once the engine has answered something else, "1" is the engine's again.
	c = &convo{t: t, h: h, user: "ask-4"}
	c.say("phường Minh Khai giờ thuộc phường nào")
	c.say("làm lại căn cước bị mất ở đâu")
	if r := c.say("1"); strings.Contains(r.Text, "Minh Khai") {
		t.Errorf("a stale ask-back picked: %s", r.Text)
	}
}

// TestProcedureQuestionStaysWithEngine: a question about a procedure that
// mentions an old ward is answered by the engine about the procedure, with
// at most one line naming the new unit.
func TestProcedureQuestionStaysWithEngine(t *testing.T) {
	h, _ := newChat(t)
	story := "Bố mẹ vợ tôi có nhà ở Phường Chương Dương, Quận Hoàn Kiếm, Hà Nội. Vợ chồng tôi muốn chuyển hộ khẩu về nhà bố mẹ vợ thì cần giấy tờ gì?"
	r := (&convo{t: t, h: h, user: "p-1"}).say(story)
	if r.GuideID == dvhc.GuideID {
		t.Fatalf("the lookup took a procedure question:\n%s", r.Text)
	}
	if r.Action == bot.ActionAnswer {
		if r.GuideID != "dang-ky-thuong-tru" {
			t.Errorf("guide %s, want dang-ky-thuong-tru", r.GuideID)
		}
		wantAll(t, r, "Lưu ý: Phường Chương Dương (cũ) từ ngày 01/7/2025 thuộc phường Hồng Hà")
		if strings.Count(r.Text, "Hồng Hà") != 1 {
			t.Errorf("the note should be one line:\n%s", r.Text)
		}
	}
	r = (&convo{t: t, h: h, user: "p-2"}).say("em thuê trọ ở phường Dịch Vọng, đăng ký tạm trú cần mang theo những gì")
	if r.Action != bot.ActionAnswer || r.GuideID != "dang-ky-tam-tru" {
		t.Fatalf("got %s %s, want the engine's tạm trú answer", r.Action, r.GuideID)
	}
	if r.Aspect != bot.AspectDocuments {
		t.Errorf("aspect %q, want documents", r.Aspect)
	}
	wantAll(t, r, "Lưu ý: Phường Dịch Vọng (cũ)", "phường Cầu Giấy")
}

// TestNotAUnit: words that look like a unit word are not read as one.
func TestNotAUnit(t *testing.T) {
	d, err := dvhc.Load()
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		"trợ cấp xã hội hàng tháng cần giấy tờ gì",
		"phương án nộp hồ sơ trực tuyến",
		"bảo hiểm xã hội một lần",
		"đăng ký khai sinh ở phường nào",
		"làm căn cước ở đâu",
	} {
		if r := d.Resolve(d.Analyse(q)); r.Outcome != dvhc.None {
			t.Errorf("%q resolved to %v (%s)", q, r.Outcome, d.Text(r))
		}
	}
}

func TestAnalyseVariants(t *testing.T) {
	d, err := dvhc.Load()
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		q, want string // want: a new unit name in the reply
		outcome dvhc.Outcome
	}{
		{"PHƯỜNG PHÚC XÁ", "phường Hồng Hà", dvhc.OldUnit},
		{"p. phuc xa cu", "phường Hồng Hà", dvhc.OldUnit},
		{"phúc xá cũ giờ là phường nào", "phường Hồng Hà", dvhc.OldUnit},
		{"minh khai bac tu liem gio thuoc phuong nao", "phường Xuân Phương", dvhc.OldUnit},
		{"xã Minh Quang Tuyên Quang giờ thuộc xã nào", "xã Minh Quang", dvhc.OldUnit},
		{"xã Minh Quang Thái Bình giờ thuộc xã nào", "huyện Kiến Xương", dvhc.Ask},
		{"huyện Ba Vì giờ thế nào", "xã Ba Vì", dvhc.District},
		{"quận Hoàn Kiếm sau sáp nhập", "phường Hoàn Kiếm", dvhc.District},
		{"phường Cầu Giấy mới gồm những phường nào", "Phường Dịch Vọng Hậu", dvhc.NewUnit},
	}
	for _, c := range cases {
		r := d.Resolve(d.Analyse(c.q))
		if r.Outcome != c.outcome || !strings.Contains(d.Text(r), c.want) {
			t.Errorf("%q: outcome %v, text:\n%s\nwant %v with %q", c.q, r.Outcome, d.Text(r), c.outcome, c.want)
		}
	}
}

// TestHanoiFirst: a name that exists in Hà Nội and elsewhere is answered
// for Hà Nội, and the reply says where else it exists.
func TestHanoiFirst(t *testing.T) {
	d, err := dvhc.Load()
	if err != nil {
		t.Fatal(err)
	}
	r := d.Resolve(d.Analyse("xã Minh Quang cũ"))
	if r.Outcome != dvhc.OldUnit || r.Province != dvhc.HaNoi {
		t.Fatalf("outcome %v in %q", r.Outcome, r.Province)
	}
	if txt := d.Text(r); !strings.Contains(txt, "Tên này còn có ở: Hưng Yên, Phú Thọ, Tuyên Quang") {
		t.Errorf("no other provinces:\n%s", txt)
	}
}
