package bot

import (
	"fmt"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"botdvc/knowledge"
	"botdvc/knowledge/vntext"
)

// Limits that keep replies readable on a phone.
const (
	maxListItems  = 8   // documents or steps listed before "xem thêm"
	summaryRunes  = 160 // one summary line
	leadTextRunes = 700 // a prose lead section (fee, place...)
	passageRunes  = 700 // a quoted FAQ entry or body section
)

// menuText lists what the service can do; it ends every welcome and fallback.
func (e *Engine) menuText() string {
	return "Mình có thể giúp bạn:\n" +
		"- Tìm thủ tục và giấy tờ cần chuẩn bị (căn cước, cư trú, khai sinh, kết hôn, đất đai, xe, thuế...)\n" +
		"- Lệ phí, thời hạn, nơi nộp, các bước, cách nộp trực tuyến\n" +
		"- Cách tra cứu hồ sơ đã nộp\n" +
		"- Chuyển câu hỏi, phản ánh cho tổng đài viên (nhắn \"gặp tổng đài viên\")\n\n" +
		"Bạn cứ hỏi tự nhiên, ví dụ: \"làm căn cước cho con cần giấy tờ gì\", \"đăng ký tạm trú làm trực tuyến được không\"."
}

// menuOptions are the quick replies shown with the menu.
func menuOptions() []Option {
	return []Option{
		{Label: "Làm căn cước", Payload: PayloadAsk + "làm căn cước"},
		{Label: "Đăng ký khai sinh", Payload: PayloadAsk + "đăng ký khai sinh"},
		{Label: "Tra cứu hồ sơ", Payload: PayloadAsk + "tra cứu hồ sơ"},
		{Label: "Gặp tổng đài viên", Payload: PayloadPerson},
	}
}

func (e *Engine) welcomeText() string {
	return "Xin chào! Mình là trợ lý hỏi đáp thủ tục hành chính của Hà Nội.\n\n" + e.menuText()
}

func (e *Engine) thanksText() string {
	return "Không có gì ạ! Bạn cần hỏi thêm thủ tục nào cứ nhắn mình nhé."
}

func attachmentText() string {
	return "Xin lỗi, hiện mình chỉ đọc được tin nhắn chữ, chưa xem được ảnh, tệp hay nhãn dán. " +
		"Bạn nhắn câu hỏi bằng chữ giúp mình nhé, ví dụ: \"đổi căn cước ở đâu\"."
}

func (e *Engine) fallbackText() string {
	return "Xin lỗi, mình chưa tìm được thủ tục khớp với câu hỏi của bạn. " +
		"Bạn thử hỏi lại ngắn gọn và nêu tên thủ tục nhé.\n\n" + e.menuText() + "\n\n" + e.personText()
}

// personText tells how to reach a person: the hotline's phone when one is
// configured, and always the hand-off by message.
func (e *Engine) personText() string {
	if e.Hotline == "" {
		return "Nếu cần người hỗ trợ, bạn nhắn \"gặp tổng đài viên\"."
	}
	return "Nếu cần người hỗ trợ, bạn gọi tổng đài " + e.Hotline + " hoặc nhắn \"gặp tổng đài viên\"."
}

func (e *Engine) whichProcedureText(a Aspect) string {
	return "Bạn muốn hỏi " + aspectNoun(a) + " của thủ tục nào? Bạn nhắn tên thủ tục giúp mình, " +
		"ví dụ: \"" + aspectNoun(a) + " đăng ký khai sinh\"."
}

func aspectNoun(a Aspect) string {
	switch a {
	case AspectDocuments:
		return "giấy tờ cần chuẩn bị"
	case AspectFee:
		return "lệ phí"
	case AspectDuration:
		return "thời hạn"
	case AspectPlace:
		return "nơi nộp"
	case AspectOnline:
		return "cách nộp trực tuyến"
	case AspectEligibility:
		return "điều kiện"
	default:
		return "các bước"
	}
}

func clarifyText(opts []Option) string {
	var b strings.Builder
	b.WriteString("Câu hỏi của bạn khớp với vài thủ tục. Bạn hỏi về thủ tục nào? Nhắn số thứ tự hoặc bấm chọn:\n")
	for i, o := range opts {
		fmt.Fprintf(&b, "\n%d. %s", i+1, o.Label)
	}
	return b.String()
}

// handoffText tells the citizen what happens now that people take over.
func (e *Engine) handoffText(category string, rc *Receipt) string {
	var b strings.Builder
	switch category {
	case CategoryComplaint:
		b.WriteString("Cảm ơn bạn đã phản ánh. Mình đã chuyển nội dung này cho tổng đài viên để xem xét và trả lời bạn.")
	case CategoryStatus:
		b.WriteString("Mình không xem được trạng thái hồ sơ của bạn, nên đã chuyển cho tổng đài viên kiểm tra giúp.")
	case CategoryUnanswered:
		b.WriteString("Mình chưa trả lời được câu hỏi này, nên đã chuyển cho tổng đài viên hỗ trợ bạn.")
	default:
		b.WriteString("Mình đã chuyển cuộc trò chuyện cho tổng đài viên.")
	}
	switch {
	case rc == nil:
		b.WriteString(" Tổng đài viên sẽ nhắn lại bạn tại đây.")
	case rc.Open && rc.Position > 0:
		fmt.Fprintf(&b, " Bạn đang ở vị trí số %d, tổng đài viên sẽ nhắn lại bạn tại đây sớm nhất.", rc.Position)
	case rc.Open:
		b.WriteString(" Tổng đài viên sẽ nhắn lại bạn tại đây sớm nhất.")
	default:
		b.WriteString(" Hiện đang ngoài giờ làm việc")
		if rc.Hours != "" {
			b.WriteString(" (" + rc.Hours + ")")
		}
		if rc.NextOpen.IsZero() {
			b.WriteString("; tổng đài viên sẽ trả lời bạn khi vào ca.")
		} else {
			b.WriteString("; tổng đài viên sẽ trả lời bạn từ " + when(rc.NextOpen) + ".")
		}
	}
	if e.Hotline != "" {
		b.WriteString("\n\nNếu việc gấp, bạn có thể gọi tổng đài " + e.Hotline + ".")
	}
	return b.String()
}

// statusIntro opens the answer to a dossier status question: the bot cannot see dossiers,
// so it explains how to look one up.
func statusIntro(code string) string {
	if code != "" {
		return "Mình không xem được trạng thái hồ sơ " + code + ", nhưng bạn tự tra cứu được ngay theo hướng dẫn dưới đây. " +
			"Nếu tra không được, bạn nhắn \"kiểm tra giúp\" để mình chuyển tổng đài viên."
	}
	return ""
}

// composeGuide writes the answer about guide g: name and code, the FAQ
// entry or body section that matches the question, the asked aspect, a
// short summary of the rest, the link.
func composeGuide(g knowledge.Guide, a Aspect, passage, intro string) string {
	var parts []string
	if intro != "" {
		parts = append(parts, intro)
	}
	head := g.Title
	if g.Code != "" {
		head += " (mã thủ tục " + g.Code + ")"
	}
	parts = append(parts, head)
	if passage != "" {
		parts = append(parts, clip(passage, passageRunes))
	}
	if lead := section(g, a, false); lead != "" {
		parts = append(parts, lead)
	}
	var sum []string
	for _, o := range []Aspect{AspectPlace, AspectDuration, AspectFee, AspectOnline, AspectDocuments, AspectSteps} {
		if o == a || (a == AspectNone && o == AspectSteps) {
			continue
		}
		if s := section(g, o, true); s != "" {
			sum = append(sum, "- "+s)
		}
	}
	if len(sum) > 0 {
		parts = append(parts, "Tóm tắt:\n"+strings.Join(sum, "\n"))
	}
	if g.SourceURL != "" {
		parts = append(parts, "Chi tiết trên trang chính thức: "+g.SourceURL)
	}
	if g.Source == knowledge.SourceCatalog {
		parts = append(parts, "Thông tin lấy từ Cơ sở dữ liệu quốc gia về thủ tục hành chính; quy định có thể khác theo địa phương.")
	}
	return strings.Join(parts, "\n\n")
}

// section renders one aspect of a guide: in full as the lead, or as one
// short summary line. It returns "" when the guide says nothing about it.
func section(g knowledge.Guide, a Aspect, short bool) string {
	line := func(label, text string) string {
		text = strings.TrimSpace(text)
		if text == "" {
			return ""
		}
		if short {
			// The first line up to the summary length, not just its first
			// sentence: a later sentence often qualifies the first ("70.000
			// đồng. Đến hết 2026 chỉ thu 50%...").
			if i := strings.IndexByte(text, '\n'); i > 0 {
				text = text[:i]
			}
			return label + ": " + clip(text, summaryRunes)
		}
		return label + ": " + clip(text, leadTextRunes)
	}
	list := func(label string, items []string, numbered bool, ask string) string {
		if len(items) == 0 {
			return ""
		}
		if short {
			unit := "mục"
			if numbered {
				unit = "bước"
			}
			return fmt.Sprintf("%s: %d %s (nhắn \"%s\" để xem)", label, len(items), unit, ask)
		}
		var b strings.Builder
		b.WriteString(label + ":")
		for i, it := range items {
			if i == maxListItems {
				fmt.Fprintf(&b, "\n(còn %d mục nữa, xem ở trang chính thức)", len(items)-i)
				break
			}
			it = clip(reEnum.ReplaceAllString(strings.TrimSpace(it), ""), 300)
			if numbered {
				fmt.Fprintf(&b, "\n%d. %s", i+1, it)
			} else {
				b.WriteString("\n- " + it)
			}
		}
		return b.String()
	}
	switch a {
	case AspectDocuments:
		return list("Giấy tờ cần chuẩn bị", g.Documents, false, "cần giấy tờ gì")
	case AspectSteps:
		return list("Các bước thực hiện", g.Steps, true, "làm thế nào")
	case AspectFee:
		if s := line("Lệ phí", g.Fee); s != "" {
			return s
		}
		return methodsLine("Lệ phí", g.Methods, func(m knowledge.Method) string { return m.Fee }, short)
	case AspectDuration:
		if s := line("Thời hạn giải quyết", g.Duration); s != "" {
			return s
		}
		return methodsLine("Thời hạn giải quyết", g.Methods, func(m knowledge.Method) string { return m.Duration }, short)
	case AspectPlace:
		if s := line("Nơi nộp hồ sơ", g.Where); s != "" {
			return s
		}
		return line("Cơ quan giải quyết", g.Agency)
	case AspectEligibility:
		if short {
			return ""
		}
		return line("Ai được làm, điều kiện", g.Eligibility)
	case AspectOnline:
		return onlineSection(g, short)
	case AspectNone:
		if short {
			return ""
		}
		return list("Các bước thực hiện", g.Steps, true, "")
	}
	return ""
}

func onlineSection(g knowledge.Guide, short bool) string {
	var s string
	switch g.Online {
	case knowledge.OnlineFull:
		s = "Làm được trực tuyến toàn trình: nộp hồ sơ, nộp phí và nhận kết quả qua mạng, không phải đến cơ quan."
	case knowledge.OnlinePartial:
		s = "Làm được trực tuyến một phần: bạn nộp hồ sơ qua mạng, nhưng vẫn có bước phải làm trực tiếp (xem các bước)."
	case knowledge.OnlineNone:
		s = "Thủ tục này chưa nộp trực tuyến được, bạn nộp trực tiếp tại cơ quan giải quyết."
	default:
		for _, m := range g.Methods {
			if strings.Contains(vntext.Fold(m.Channel), "truc tuyen") {
				s = "Có thể nộp trực tuyến trên Cổng Dịch vụ công."
			}
		}
		if s == "" && len(g.Methods) > 0 {
			s = "Trang chính thức chưa ghi cách nộp trực tuyến cho thủ tục này."
		}
	}
	if s == "" {
		return ""
	}
	if short {
		if g.Online == "" {
			return "Trực tuyến: " + strings.TrimSuffix(s, ".")
		}
		return "Trực tuyến: " + g.Online
	}
	if g.Where != "" {
		s += "\n\nNơi nộp: " + clip(strings.TrimSpace(g.Where), leadTextRunes)
	}
	return "Nộp trực tuyến: " + s
}

func methodsLine(label string, ms []knowledge.Method, f func(knowledge.Method) string, short bool) string {
	var rows []string
	for _, m := range ms {
		if v := strings.TrimSpace(f(m)); v != "" {
			rows = append(rows, m.Channel+": "+v)
		}
	}
	if len(rows) == 0 {
		return ""
	}
	if short {
		return label + ": " + firstSentence(rows[0], summaryRunes)
	}
	return label + ":\n- " + strings.Join(rows, "\n- ")
}

// reEnum matches the numbering or bullet a list item already carries
// (catalogue steps read "1. Gửi hồ sơ..."), which the reply replaces.
var reEnum = regexp.MustCompile(`^(?:(?:[Bb]ước\s*)?\d{1,2}\s*[.):]\s*|[-•+*]\s+)`)

// firstSentence returns the first sentence or line of s, at most n runes.
func firstSentence(s string, n int) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i > 0 {
		s = s[:i]
	}
	if i := strings.Index(s, ". "); i > 0 {
		s = s[:i+1]
	}
	return clip(s, n)
}

// clip cuts s to at most n runes at a word boundary, adding "…".
func clip(s string, n int) string {
	s = strings.TrimSpace(s)
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)[:n]
	cut := string(r)
	if i := strings.LastIndexByte(cut, ' '); i > len(cut)/2 {
		cut = cut[:i]
	}
	return strings.TrimRight(cut, " ,;:") + "…"
}

// viWeekdays names the days of the week in Vietnamese.
var viWeekdays = [...]string{"Chủ nhật", "thứ Hai", "thứ Ba", "thứ Tư", "thứ Năm", "thứ Sáu", "thứ Bảy"}

// hanoiTime is Vietnam's time zone (UTC+7, no daylight saving).
var hanoiTime = time.FixedZone("ICT", 7*3600)

// when renders a moment for a citizen: "7:30 thứ Hai, ngày 30/11".
func when(t time.Time) string {
	t = t.In(hanoiTime)
	return fmt.Sprintf("%d:%02d %s, ngày %02d/%02d", t.Hour(), t.Minute(), viWeekdays[t.Weekday()], t.Day(), int(t.Month()))
}
