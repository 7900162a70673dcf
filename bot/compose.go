package bot

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"botdvc/knowledge"
	"botdvc/knowledge/vntext"
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
	if e.HotlinePhone == "" {
		return "Nếu cần người hỗ trợ, bạn nhắn \"gặp tổng đài viên\"."
	}
	return "Nếu cần người hỗ trợ, bạn gọi tổng đài " + e.HotlinePhone + " hoặc nhắn \"gặp tổng đài viên\"."
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

// clarifyText asks back: which of several procedures, or, with one, whether
// it is the one meant (a yes picks it: confirms).
func clarifyText(opts []Option) string {
	var b strings.Builder
	if len(opts) == 1 {
		b.WriteString("Có phải bạn hỏi về thủ tục dưới đây? Bấm chọn hoặc nhắn \"đúng\" để xem hướng dẫn; nếu không phải, bạn nhắn lại tên thủ tục giúp mình:\n")
	} else {
		b.WriteString("Câu hỏi của bạn khớp với vài thủ tục. Bạn hỏi về thủ tục nào? Nhắn số thứ tự hoặc bấm chọn:\n")
	}
	for i, o := range opts {
		fmt.Fprintf(&b, "\n%d. %s", i+1, o.Label)
	}
	return b.String()
}

// HandoffText tells the citizen what happens now that people take over a
// conversation handed off for category (a Category constant): with the
// hotline's receipt rc, their place in the queue or when staff are back.
// Without one nothing filed the hand-off (the engine alone: /api/v1/ask,
// botctl, the editors' preview), so nothing is promised: the text says
// that staff can help and where to write to reach them. A phone number,
// when the city has one, is offered for urgent cases.
func HandoffText(category string, rc *Receipt, phone string) string {
	var b strings.Builder
	b.WriteString(handoffLead(category, rc != nil))
	switch {
	case rc == nil:
		b.WriteString(" Bạn nhắn \"gặp tổng đài viên\" trong khung trò chuyện của dịch vụ (trên trang web, Zalo hoặc Messenger) để được chuyển, tổng đài viên sẽ trả lời bạn tại đó.")
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
	if phone != "" {
		b.WriteString("\n\nNếu việc gấp, bạn có thể gọi tổng đài " + phone + ".")
	}
	return b.String()
}

// handoffLead is the first sentence of a hand-off's text: what was done
// when the hand-off was filed, what staff can do when it was not.
func handoffLead(category string, filed bool) string {
	switch {
	case category == CategoryComplaint && filed:
		return "Cảm ơn bạn đã phản ánh. Mình đã chuyển nội dung này cho tổng đài viên để xem xét và trả lời bạn."
	case category == CategoryComplaint:
		return "Cảm ơn bạn đã phản ánh. Nội dung này cần tổng đài viên xem xét và trả lời."
	case category == CategoryStatus && filed:
		return "Mình không xem được trạng thái hồ sơ của bạn, nên đã chuyển cho tổng đài viên kiểm tra giúp."
	case category == CategoryStatus:
		return "Mình không xem được trạng thái hồ sơ của bạn; tổng đài viên có thể kiểm tra giúp bạn."
	case category == CategoryUnanswered && filed:
		return "Mình chưa trả lời được câu hỏi này, nên đã chuyển cho tổng đài viên hỗ trợ bạn."
	case category == CategoryUnanswered:
		return "Mình chưa trả lời được câu hỏi này; tổng đài viên có thể hỗ trợ bạn."
	case filed:
		return "Mình đã chuyển cuộc trò chuyện cho tổng đài viên."
	}
	return "Việc này cần tổng đài viên hỗ trợ."
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

// Limits that keep an answer on one phone screen (420 px wide, about 45
// characters a line): what does not fit is offered ("xem tiếp"), never cut
// mid-sentence.
const (
	leadRunes    = 480 // the asked aspect, in whole items or sentences
	passageRunes = 600 // a quoted FAQ answer or guide section, in whole sentences
	nextRunes    = 150 // the one line on what matters next
	// lastUnitSlack is how far the last item or sentence may go past the
	// budget rather than be the only one left for "xem tiếp".
	lastUnitSlack = 200
)

// Payloads of the options that go with an answer. A KindPayload message
// carries one of them; typed, they work too.
const (
	PayloadAspect       = "aspect:"       // aspect:<aspect>:<guide id>: that part of that guide
	PayloadMore         = "more:"         // more:<aspect>:<guide id>:<first item>: the rest of a long answer
	PayloadFeedbackUp   = "feedback:up"   // the answer helped
	PayloadFeedbackDown = "feedback:down" // it did not
)

// aspectOrder is the order of the aspect options under an answer.
var aspectOrder = []Aspect{AspectDocuments, AspectFee, AspectDuration, AspectPlace, AspectOnline, AspectSteps, AspectEligibility}

// aspectChip is an aspect's option label: at most 20 characters, the
// limit of a Messenger quick reply.
func aspectChip(a Aspect) string {
	switch a {
	case AspectDocuments:
		return "Giấy tờ cần chuẩn bị"
	case AspectFee:
		return "Lệ phí"
	case AspectDuration:
		return "Thời hạn giải quyết"
	case AspectPlace:
		return "Nơi nộp hồ sơ"
	case AspectOnline:
		return "Nộp trực tuyến"
	case AspectEligibility:
		return "Điều kiện"
	default:
		return "Các bước thực hiện"
	}
}

// aspectHeading names the aspect after the procedure in an answer's first
// line ("Cấp đổi thẻ căn cước – lệ phí:").
func aspectHeading(a Aspect) string {
	switch a {
	case AspectEligibility:
		return "ai được làm, điều kiện"
	case AspectNone:
		return "các bước thực hiện"
	}
	return strings.ToLower(aspectChip(a))
}

// labelWords are the words a guide's text may itself begin with for an
// aspect ("Lệ phí 50.000 đồng"): the answer then does not say them twice.
var labelWords = map[Aspect][]string{
	AspectFee:         {"phi, le phi", "le phi", "phi"},
	AspectDuration:    {"thoi han giai quyet", "thoi han"},
	AspectPlace:       {"noi nop ho so", "noi nop"},
	AspectEligibility: {"yeu cau, dieu kien", "yeu cau dieu kien", "dieu kien"},
}

// feedbackOptions are the two taps that say whether an answer helped.
func feedbackOptions() []Option {
	return []Option{
		{Label: "Hữu ích", Payload: PayloadFeedbackUp},
		{Label: "Chưa hữu ích", Payload: PayloadFeedbackDown},
	}
}

// composed is an answer ready to send: its text and its options.
type composed struct {
	text    string
	options []Option
	more    string // payload of the rest of a long answer; "" when all was shown
}

// answerSpec is what an answer is made from.
type answerSpec struct {
	aspect  Aspect // the aspect to give
	asked   bool   // the question named the aspect (false: steps by default)
	passage string // the FAQ entry ("question\nanswer") or guide section ("heading:\ntext") the question matches, or ""
	intro   string // a first paragraph (dossier status), or ""
	who     string // whom the question is about when not the asker ("con bạn"), or ""
	from    int    // > 0: the rest of a long answer, from this item
	// otherCase: the passage is a case of the guide with its own procedure
	// (g.Code is that case's): the guide's fee or time are not that
	// procedure's, so no line on what matters next.
	otherCase bool
}

// composeAnswer writes the answer about guide g:
//
//  1. the intro, when there is one (a dossier status question);
//  2. the procedure's name, for whom when the question says ("cho con
//     bạn"), and the aspect; then the aspect in full, in whole items or
//     sentences up to one screen, the rest offered ("xem tiếp"). A matching
//     FAQ answer or guide section follows when it fits whole; it leads when
//     the question named no aspect (the steps are then offered, or follow
//     when they fit);
//  3. at most one short line on what matters next (the fee after a list of
//     documents...), only when it fits whole;
//  4. the national procedure code on one line.
//
// The official page goes with the reply as a link (Reply.Links), not in the
// text. The options are the other aspects the guide has, then the feedback
// taps.
func composeAnswer(g knowledge.Guide, sp answerSpec) composed {
	a := sp.aspect
	if a == AspectNone {
		a = AspectSteps
	}
	title := g.Title
	if sp.who != "" && !mentionsWho(g.Title) {
		title += " cho " + sp.who
	}
	p := aspectPart(g, a)
	var c composed
	var blocks []string
	if sp.from > 0 {
		from := sp.from
		if from >= len(p.units) {
			from = 0
		}
		body, next := p.render(from, leadRunes)
		block := title + " – " + aspectHeading(a) + " (tiếp theo):\n" + body
		if next < len(p.units) {
			c.more = morePayload(a, g.ID, next)
			block += "\n" + p.left(next)
		}
		c.text = block
		c.options = answerOptions(g, a, true, c.more)
		return c
	}
	if sp.intro != "" {
		blocks = append(blocks, sp.intro)
	}
	quote := quotePassage(sp.passage)
	shown := false // the aspect is in the text
	used := 0      // runes of the lead
	switch {
	case quote != "" && !sp.asked:
		// The question asks something the guide answers in a FAQ entry or a
		// section: that leads; the steps follow only when they fit whole.
		blocks = append(blocks, title+":\n"+quote)
		used = utf8.RuneCountInString(quote)
		if body, next := p.render(0, leadRunes-used); len(p.units) > 0 && next == len(p.units) &&
			used+utf8.RuneCountInString(body) <= leadRunes {
			blocks = append(blocks, p.headed(a, body))
			shown = true
		}
	case len(p.units) > 0:
		body, next := p.render(0, leadRunes)
		heading := title + " – " + aspectHeading(a) + ":"
		if repeatsLabel(a, body) {
			heading = title + ":"
		}
		block := heading + "\n" + body
		if next < len(p.units) {
			c.more = morePayload(a, g.ID, next)
			block += "\n" + p.left(next)
		}
		blocks = append(blocks, block)
		shown = true
		used = utf8.RuneCountInString(block)
		// A matching FAQ answer follows when it fits whole.
		if quote != "" && used+utf8.RuneCountInString(quote) <= leadRunes+lastUnitSlack {
			blocks = append(blocks, quote)
		}
	default:
		blocks = append(blocks, title+":\nHướng dẫn này chưa ghi "+aspectHeading(a)+
			". Bạn xem trên trang chính thức hoặc hỏi nơi tiếp nhận hồ sơ.")
	}
	var tail []string
	if line := nextLine(g, a); line != "" && !sp.otherCase {
		tail = append(tail, line)
	}
	if g.Code != "" {
		tail = append(tail, "Mã thủ tục: "+g.Code)
	}
	if g.Source == knowledge.SourceCatalog {
		tail = append(tail, "Theo Cơ sở dữ liệu quốc gia về thủ tục hành chính; quy định có thể khác theo địa phương.")
	}
	if len(tail) > 0 {
		blocks = append(blocks, strings.Join(tail, "\n"))
	}
	c.text = strings.Join(blocks, "\n\n")
	c.options = answerOptions(g, a, shown, c.more)
	return c
}

// quotePassage renders a passage as passageFor returns it: a FAQ entry
// keeps its question on the first line, so the citizen sees what is
// answered; a guide section its heading. Whole sentences up to
// passageRunes; "" for no passage.
func quotePassage(passage string) string {
	head, body, ok := strings.Cut(passage, "\n")
	if !ok || strings.TrimSpace(body) == "" {
		return ""
	}
	text, _ := prosePart(body).render(0, passageRunes)
	head = strings.TrimSpace(head)
	if strings.HasSuffix(head, "?") {
		return head + "\n" + text
	}
	return strings.TrimSuffix(head, ":") + ":\n" + text
}

// mentionsWho reports whether a procedure's name already says whom it is
// for ("... cấp thẻ BHYT cho trẻ dưới 6 tuổi").
func mentionsWho(title string) bool {
	f := " " + vntext.Fold(strings.ToLower(title)) + " "
	for _, w := range []string{" cho ", " tre ", " con ", " nguoi than "} {
		if strings.Contains(f, w) {
			return true
		}
	}
	return false
}

// answerOptions are the options under an answer: the rest of a long
// answer, the guide's other aspects (the asked one too when it was not
// shown), the feedback taps. There are at most 10: Messenger takes 13.
func answerOptions(g knowledge.Guide, a Aspect, shown bool, more string) []Option {
	var opts []Option
	if more != "" {
		opts = append(opts, Option{Label: "Xem tiếp", Payload: more})
	}
	for _, o := range aspectOrder {
		if (o == a && shown) || len(aspectPart(g, o).units) == 0 {
			continue
		}
		opts = append(opts, Option{Label: aspectChip(o), Payload: PayloadAspect + string(o) + ":" + g.ID})
	}
	return append(opts, feedbackOptions()...)
}

func morePayload(a Aspect, guideID string, next int) string {
	return PayloadMore + string(a) + ":" + guideID + ":" + strconv.Itoa(next)
}

// parseAspectPayload reads "aspect:<aspect>:<guide id>" and
// "more:<aspect>:<guide id>:<from>".
func parseAspectPayload(p string) (a Aspect, guideID string, from int, ok bool) {
	more := strings.HasPrefix(p, PayloadMore)
	rest, found := strings.CutPrefix(p, PayloadAspect)
	if more {
		rest, found = strings.CutPrefix(p, PayloadMore)
	}
	if !found {
		return "", "", 0, false
	}
	as, rest, ok := strings.Cut(rest, ":")
	if !ok || !slices.Contains(aspectOrder, Aspect(as)) {
		return "", "", 0, false
	}
	if more {
		i := strings.LastIndexByte(rest, ':')
		if i < 0 {
			return "", "", 0, false
		}
		n, err := strconv.Atoi(rest[i+1:])
		if err != nil || n < 0 || n > 1000 {
			return "", "", 0, false
		}
		rest, from = rest[:i], n
	}
	if rest == "" {
		return "", "", 0, false
	}
	return Aspect(as), rest, from, true
}

// unit is one whole item or sentence of an answer, or one line of an item
// that has several (catalogue steps run to a page).
type unit struct {
	text string
	para bool // begins a new line
	item int  // the list item it belongs to
	cont bool // a further line of that item
}

// part is one aspect of a guide as whole units: list items or sentences.
type part struct {
	units    []unit
	list     bool
	numbered bool
	items    int    // list items (a unit per line of each)
	noun     string // what a list counts: "giấy tờ", "bước"
}

// aspectPart returns aspect a of g as whole units; no units when the guide
// says nothing about it.
func aspectPart(g knowledge.Guide, a Aspect) part {
	switch a {
	case AspectDocuments:
		return listPart(g.Documents, false, "giấy tờ")
	case AspectSteps, AspectNone:
		return listPart(g.Steps, true, "bước")
	case AspectFee:
		if p := prosePart(stripLabel(a, g.Fee)); len(p.units) > 0 {
			return p
		}
		return methodsPart(g.Methods, func(m knowledge.Method) string { return m.Fee })
	case AspectDuration:
		if p := prosePart(stripLabel(a, g.Duration)); len(p.units) > 0 {
			return p
		}
		return methodsPart(g.Methods, func(m knowledge.Method) string { return m.Duration })
	case AspectPlace:
		if p := prosePart(stripLabel(a, g.Where)); len(p.units) > 0 {
			return p
		}
		if g.Agency != "" {
			return prosePart("Cơ quan giải quyết: " + g.Agency)
		}
	case AspectEligibility:
		return prosePart(stripLabel(a, g.Eligibility))
	case AspectOnline:
		s := onlineSentence(g)
		if s == "" {
			return part{}
		}
		p := prosePart(s)
		// Then what the guide says about where to do it online.
		for _, u := range prosePart(g.Where).units {
			f := vntext.Fold(u.text)
			for _, w := range []string{"truc tuyen", "vneid", "dich vu cong", "dichvucong", "online"} {
				if strings.Contains(f, w) {
					u.para = len(p.units) == 1 || u.para
					p.units = append(p.units, u)
					break
				}
			}
		}
		return p
	}
	return part{}
}

func listPart(items []string, numbered bool, noun string) part {
	p := part{list: true, numbered: numbered, noun: noun}
	for _, it := range items {
		it = strings.TrimSpace(reEnum.ReplaceAllString(strings.TrimSpace(it), ""))
		if it == "" {
			continue
		}
		first := true
		for _, line := range strings.Split(it, "\n") {
			if line = strings.TrimSpace(line); line != "" {
				p.units = append(p.units, unit{text: line, para: true, item: p.items, cont: !first})
				first = false
			}
		}
		p.items++
	}
	return p
}

// methodsPart lists a catalogue record's channels with their time or fee.
func methodsPart(ms []knowledge.Method, f func(knowledge.Method) string) part {
	var items []string
	for _, m := range ms {
		if v := strings.TrimSpace(f(m)); v != "" {
			items = append(items, strings.TrimSpace(m.Channel+": "+v))
		}
	}
	return listPart(items, false, "cách nộp")
}

// prosePart splits text into its sentences, keeping its line breaks.
func prosePart(text string) part {
	var p part
	for _, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		for i, s := range sentences(line) {
			p.units = append(p.units, unit{text: s, para: i == 0})
		}
	}
	return p
}

// sentences splits one line after ".", "!", "?" or ";"-free sentence ends
// that are followed by a space and a capital letter or digit.
func sentences(line string) []string {
	var out []string
	rs := []rune(line)
	start := 0
	for i := 0; i < len(rs)-2; i++ {
		if (rs[i] == '.' || rs[i] == '!' || rs[i] == '?') && rs[i+1] == ' ' {
			j := i + 1
			for j < len(rs) && rs[j] == ' ' {
				j++
			}
			if j < len(rs) && (unicode.IsUpper(rs[j]) || unicode.IsDigit(rs[j])) {
				out = append(out, strings.TrimSpace(string(rs[start:i+1])))
				start = j
				i = j - 1
			}
		}
	}
	if s := strings.TrimSpace(string(rs[start:])); s != "" {
		out = append(out, s)
	}
	return out
}

// render writes the units from `from` on, as many whole ones as fit in
// budget runes (always at least one), and returns the index of the first
// unit left out (len(units) when all fit).
func (p part) render(from, budget int) (string, int) {
	var b strings.Builder
	n := 0
	i := from
	for ; i < len(p.units); i++ {
		u := p.units[i]
		var s string
		switch {
		case u.cont:
			s = "   " + u.text
		case p.numbered:
			s = strconv.Itoa(u.item+1) + ". " + u.text
		case p.list:
			s = "- " + u.text
		default:
			s = u.text
		}
		size := utf8.RuneCountInString(s) + 1
		// The last unit may overrun a little rather than be left alone
		// behind "xem tiếp".
		if i > from && n+size > budget && (i+1 < len(p.units) || n+size > budget+lastUnitSlack) {
			break
		}
		if i > from {
			if p.list || u.para {
				b.WriteByte('\n')
			} else {
				b.WriteByte(' ')
			}
		}
		b.WriteString(s)
		n += size
	}
	return b.String(), i
}

// headed puts the aspect's name before a rendered part that follows a
// passage: "Lệ phí: 50.000 đồng", or the name on its own line before a list.
func (p part) headed(a Aspect, body string) string {
	h := aspectChip(a)
	if p.list || strings.Contains(body, "\n") {
		return h + ":\n" + body
	}
	if repeatsLabel(a, body) {
		return body
	}
	return h + ": " + body
}

// left tells how much of a long answer is left from unit next on, and how
// to see it.
func (p part) left(next int) string {
	if p.list && !p.units[next].cont {
		return fmt.Sprintf("(Còn %d %s nữa, nhắn \"xem tiếp\" để xem.)", p.items-p.units[next].item, p.noun)
	}
	return "(Còn nữa, nhắn \"xem tiếp\" để xem.)"
}

// stripLabel drops the aspect's own name from the start of a guide text
// when a colon or a number follows it ("Lệ phí: …", "Lệ phí 50.000 đồng"),
// so the answer does not say it twice.
func stripLabel(a Aspect, text string) string {
	text = strings.TrimSpace(text)
	fields := strings.Fields(text)
	for _, l := range labelWords[a] {
		m := len(strings.Fields(l))
		if len(fields) <= m {
			continue
		}
		head := vntext.Fold(strings.Join(fields[:m], " "))
		colon := strings.HasSuffix(head, ":")
		if strings.TrimSuffix(head, ":") != l {
			continue
		}
		rest := strings.TrimSpace(text[fieldsEnd(text, m):]) // keeps the line breaks
		switch {
		case colon:
			return upperFirst(rest)
		case unicode.IsDigit([]rune(rest)[0]):
			return rest
		}
		return text
	}
	return text
}

// repeatsLabel reports whether text begins with the aspect's own name
// ("Lệ phí trước bạ…"), so that a heading must not name it too.
func repeatsLabel(a Aspect, text string) bool {
	f := vntext.Fold(strings.ToLower(text))
	for _, l := range labelWords[a] {
		if strings.HasPrefix(f, l+" ") || strings.HasPrefix(f, l+":") {
			return true
		}
	}
	return false
}

func upperFirst(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	if n == 0 {
		return s
	}
	return string(unicode.ToUpper(r)) + s[n:]
}

// nextFor lists, for each asked aspect, what usually matters next.
var nextFor = map[Aspect][]Aspect{
	AspectDocuments:   {AspectPlace, AspectFee, AspectDuration},
	AspectSteps:       {AspectPlace, AspectFee, AspectDuration},
	AspectFee:         {AspectDuration, AspectPlace, AspectOnline},
	AspectDuration:    {AspectFee, AspectPlace},
	AspectPlace:       {AspectFee, AspectDuration, AspectOnline},
	AspectOnline:      {AspectDuration, AspectFee},
	AspectEligibility: {AspectPlace, AspectFee, AspectDuration},
}

// nextLine is one short line on what matters after aspect a: the first of
// nextFor that is one paragraph and fits nextRunes whole (legal references
// in brackets left out), or "". An aspect of several paragraphs is not cut
// to its first: a fee whose second paragraph halves it until 31/12/2026
// would read as the full fee.
func nextLine(g knowledge.Guide, a Aspect) string {
	for _, o := range nextFor[a] {
		var text string
		switch o {
		case AspectFee:
			text = stripLabel(o, g.Fee)
		case AspectDuration:
			text = stripLabel(o, g.Duration)
		case AspectPlace:
			text = stripLabel(o, g.Where)
		case AspectOnline:
			text = onlineShort(g)
		}
		if strings.Contains(strings.TrimSpace(text), "\n") {
			continue
		}
		text = strings.TrimSpace(reLegalRef.ReplaceAllString(text, ""))
		if text == "" || strings.HasSuffix(text, ":") || utf8.RuneCountInString(text) > nextRunes {
			continue
		}
		if reOwnLabel.MatchString(text) {
			return text // "Cơ quan thực hiện: …" names itself
		}
		return nextLabel(o) + ": " + text
	}
	return ""
}

// reOwnLabel matches a text that begins with its own label of one to four
// words ("Cơ quan thực hiện: Phòng Xuất nhập cảnh", catalogue records).
var reOwnLabel = regexp.MustCompile(`^[^\s:]+(?: [^\s:]+){0,3}: `)

func nextLabel(a Aspect) string {
	switch a {
	case AspectFee:
		return "Lệ phí"
	case AspectDuration:
		return "Thời hạn"
	case AspectPlace:
		return "Nơi nộp"
	}
	return "Trực tuyến"
}

// reLegalRef matches a bracketed legal reference: "(Thông tư 64/2025/TT-BTC)".
var reLegalRef = regexp.MustCompile(`\s*\((?:theo )?(?:Thông tư|Nghị định|Luật|Quyết định|Nghị quyết)[^()]*\)`)

// onlineSentence says whether and how far the procedure can be done online.
func onlineSentence(g knowledge.Guide) string {
	switch g.Online {
	case knowledge.OnlineFull:
		return "Làm được trực tuyến toàn trình: nộp hồ sơ, nộp phí và nhận kết quả qua mạng, không phải đến cơ quan."
	case knowledge.OnlinePartial:
		return "Làm được trực tuyến một phần: bạn nộp hồ sơ qua mạng, nhưng vẫn có bước phải làm trực tiếp."
	case knowledge.OnlineNone:
		return "Thủ tục này chưa nộp trực tuyến được, bạn nộp trực tiếp tại nơi nộp hồ sơ."
	}
	for _, m := range g.Methods {
		if strings.Contains(vntext.Fold(m.Channel), "truc tuyen") {
			return "Có thể nộp trực tuyến trên Cổng Dịch vụ công."
		}
	}
	if len(g.Methods) > 0 {
		return "Trang chính thức chưa ghi cách nộp trực tuyến cho thủ tục này."
	}
	return ""
}

// onlineShort is the online level for the line on what matters next.
func onlineShort(g knowledge.Guide) string {
	switch g.Online {
	case knowledge.OnlineFull:
		return "làm được toàn trình qua mạng."
	case knowledge.OnlinePartial:
		return "nộp được qua mạng, vẫn có bước phải làm trực tiếp."
	case knowledge.OnlineNone:
		return "chưa làm được, bạn nộp trực tiếp."
	}
	return ""
}

// reEnum matches the numbering or bullet a list item already carries
// (catalogue steps read "1. Gửi hồ sơ..."), which the reply replaces.
var reEnum = regexp.MustCompile(`^(?:(?:[Bb]ước\s*)?\d{1,2}\s*[.):]\s*|[-•+*]\s+)`)

// The words for whom a procedure is done: the asker, a child, kin (with
// how an answer names them). whoIn tells whom a question is about;
// personWords (rank.go) keeps them from altering a procedure's name.
var (
	ownerWords = []string{"tôi", "em", "mình", "tui", "tớ"}
	childWords = []string{"con", "bé", "cháu"}
	kinOf      = map[string]string{"bố": "bố bạn", "cha": "bố bạn", "mẹ": "mẹ bạn", "má": "mẹ bạn", "vợ": "vợ bạn", "chồng": "chồng bạn"}
)

// whoIn tells whom a question is about when it is not the asker: "con
// bạn" for "làm căn cước cho con", "bố bạn" for "khai tử cho bố tôi"; ""
// otherwise. Without diacritics only the child is recognised ("bo" may be
// "bỏ" or "bộ").
func whoIn(text string) string {
	words := strings.FieldsFunc(vntext.Normalize(text), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
	accents := vntext.HasDiacritics(text)
	if !accents {
		for i := range words {
			words[i] = vntext.Fold(words[i])
		}
	}
	owner := func(w string) bool { return slices.Contains(ownerWords, w) } // read only with accents
	child := func(w string) bool {
		return slices.Contains(childWords, w) || !accents && (w == "be" || w == "chau")
	}
	for i, w := range words {
		var prev, next string
		if i > 0 {
			prev = words[i-1]
		}
		if i+1 < len(words) {
			next = words[i+1]
		}
		forWhom := prev == "cho" || prev == "của" || prev == "cua"
		// Without diacritics "con tôi", "con mình" may be "còn tôi", "còn
		// mình" ("and me?"): only the unambiguous forms count.
		if child(w) && (forWhom || accents && (owner(next) || next == "nhà") || isNumber(next) ||
			w == "con" && (next == "trai" || next == "gái" || next == "gai")) {
			return "con bạn"
		}
		if (w == "trẻ" || w == "tre") && (next == "em" || next == "dưới" || next == "duoi" || next == "sơ" || next == "so") {
			return "con bạn"
		}
		if !accents {
			continue
		}
		if k, ok := kinOf[w]; ok && (forWhom || owner(next)) {
			if w == "bố" && next == "mẹ" || w == "cha" && next == "mẹ" {
				return "bố mẹ bạn"
			}
			return k
		}
	}
	return ""
}

// fieldsEnd returns the byte offset just after the first m space-separated
// fields of s.
func fieldsEnd(s string, m int) int {
	in := false
	for i, r := range s {
		sp := unicode.IsSpace(r)
		if in && sp {
			if m--; m == 0 {
				return i
			}
		}
		in = !sp
	}
	return len(s)
}

// askedFirmly reports whether q named aspect a by a firm cue, not only a
// weak one ("… được không" reads as eligibility).
func askedFirmly(q *query, a Aspect) bool {
	if q == nil {
		return true
	}
	return slices.ContainsFunc(q.cues, func(c aspectCue) bool { return c.aspect == a && !c.weak })
}

// askedAspect reports whether question q named aspect a; a tap or a
// follow-up (q nil) always did.
func askedAspect(q *query, a Aspect) bool {
	if q == nil {
		return true
	}
	for _, c := range q.cues {
		if c.aspect == a {
			return true
		}
	}
	return false
}

// answerTap answers an aspect option ("aspect:fee:<guide>") or the rest of
// a long answer ("more:steps:<guide>:6"); false when the payload is
// malformed or names no guide.
func (e *Engine) answerTap(s *Session, payload string) (Reply, bool) {
	a, id, from, ok := parseAspectPayload(payload)
	if !ok {
		return Reply{}, false
	}
	g, ok := e.lib.Get(id)
	if !ok {
		return Reply{}, false
	}
	if from == 0 {
		return e.answerGuide(s, g, a, 1, nil, "", nil), true
	}
	s.LastGuide, s.LastAspect, s.Fails = g.ID, a, 0
	c := composeAnswer(g, answerSpec{aspect: a, asked: true, who: s.Who, from: from})
	s.More, s.Voted = c.more, false
	return Reply{Action: ActionAnswer, Text: c.text, Options: c.options, Links: guideLinks(g),
		GuideID: g.ID, Code: g.Code, Aspect: a, Confidence: 1}, true
}

// asksMore reports whether a typed message asks for the rest of the last
// answer ("xem tiếp", "xem thêm", "tiếp").
func asksMore(text string) bool {
	switch strings.Trim(vntext.Fold(strings.ToLower(strings.TrimSpace(text))), ".!? ") {
	case "xem tiep", "xem them", "tiep", "tiep tuc", "xem tiep di", "xem het":
		return true
	}
	return false
}

// optionPayloads returns the payloads of opts, in order.
func optionPayloads(opts []Option) []string {
	var out []string
	for _, o := range opts {
		out = append(out, o.Payload)
	}
	return out
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
