package bot

import (
	"regexp"
	"slices"
	"strconv"
	"strings"

	"botdvc/knowledge"
	"botdvc/knowledge/vntext"
)

// intent is what a citizen's text message is about, before any search.
type intent int

const (
	intentQuestion  intent = iota // a procedure question or a follow-up
	intentGreeting                // hello
	intentThanks                  // thank you
	intentMenu                    // what can you do, help
	intentPerson                  // wants a human
	intentComplaint               // complaint or feedback about staff or rules
)

// query is a text message analysed once: folded words, intent, aspect and
// the content words left for matching guides.
type query struct {
	text    string   // as typed
	words   []string // folded words, abbreviations expanded
	toks    []string // the same words with their accents
	content []string // words minus fillers, aspect and intent phrases
	subject []string // content minus online cue words and generic verbs: empty for a follow-up
	intent  intent
	// cues are the aspect cues found, in priority order. The engine picks
	// the first whose words are not part of the chosen guide's title ("nộp
	// hồ sơ trực tuyến" names the procedure, it does not ask "online?").
	cues    []aspectCue
	howTo   bool     // asks how/where/what: a procedure question even when it names a complaint word
	number  int      // the message is just a number (picking an option), else 0
	dossier string   // a dossier code found in the text
	insist  bool     // asks the bot to check or do it for them ("kiểm tra giúp")
	codes   []string // national procedure codes in the text (1.001193)
	// focus is the content of the sentences that ask, in a message of
	// several sentences (focus.go); nil when the whole message asks.
	focus     []string
	focusText string // those sentences as typed
	// actions and focusActions are the action words (features.go) of the
	// message and of its focus.
	actions, focusActions []int
}

// aspectCue is one aspect cue found in a question.
type aspectCue struct {
	aspect Aspect
	weak   bool     // guessed from a weak cue ("được không", "tuổi")
	span   []string // the folded words of the cue
}

// aspectFor returns the aspect asked, ignoring cues that name the guide itself
// (title words). No cue at all means "how do I do it": steps.
func (q *query) aspectFor(title []string) Aspect {
	if q == nil {
		return AspectNone
	}
	for i, c := range q.cues {
		if containsPhrase(title, trimPreposition(c.span)) {
			continue
		}
		if c.weak && i > 0 && !q.cues[0].weak {
			// Only a weak cue is left after a strong one was set aside as
			// title words: the strong one stands ("thanh toán lệ phí online
			// được không" asks "online?" about the online payment guide).
			return q.cues[0].aspect
		}
		return c.aspect
	}
	return AspectSteps
}

// asksAspect reports whether a cue of two or more words asks about a part
// of a procedure ("bao nhiêu tiền", "ở đâu"); single words ("tiền" in "đòi
// tiền") do not make a complaint a question.
func (q *query) asksAspect() bool {
	for _, c := range q.cues {
		if len(c.span) >= 2 && !c.weak {
			return true
		}
	}
	return false
}

// trimPreposition drops a leading "trên", "qua", "bằng", "tại" from a cue
// so that "trên VNeID" counts as part of a title that says "VNeID".
func trimPreposition(span []string) []string {
	if len(span) > 1 {
		switch span[0] {
		case "tren", "qua", "bang", "tai":
			return span[1:]
		}
	}
	return span
}

// anyAspect returns the first cue's aspect, AspectNone when there is none.
func (q *query) anyAspect() Aspect {
	if len(q.cues) == 0 {
		return AspectNone
	}
	return q.cues[0].aspect
}

// pattern is a phrase of folded words; "*" matches up to four words.
type pattern []string

func pat(s string) pattern {
	if s == "*" {
		return pattern{"*"}
	}
	var p pattern
	for _, part := range splitStar(s) {
		if part == "*" {
			p = append(p, "*")
			continue
		}
		p = append(p, foldPhrase(part)...)
	}
	return p
}

func splitStar(s string) []string {
	var out []string
	for i, part := range strings.Split(s, "*") {
		if i > 0 {
			out = append(out, "*")
		}
		if strings.TrimSpace(part) != "" {
			out = append(out, part)
		}
	}
	return out
}

func pats(ss ...string) []pattern {
	ps := make([]pattern, len(ss))
	for i, s := range ss {
		ps[i] = pat(s)
	}
	return ps
}

// match finds p in ws and returns the span [i, j), or -1, -1.
func (p pattern) match(ws []string) (int, int) {
	for i := range ws {
		if j := p.matchAt(ws, i, 0); j >= 0 {
			return i, j
		}
	}
	return -1, -1
}

func (p pattern) matchAt(ws []string, i, k int) int {
	if k == len(p) {
		return i
	}
	if p[k] == "*" {
		for skip := 0; skip <= 4 && i+skip <= len(ws); skip++ {
			if j := p.matchAt(ws, i+skip, k+1); j >= 0 {
				return j
			}
		}
		return -1
	}
	if i < len(ws) && ws[i] == p[k] {
		return p.matchAt(ws, i+1, k+1)
	}
	return -1
}

// aspectRule maps phrases to an aspect. Rules are tried in order; the first
// that matches wins, so specific cues come before generic ones.
type aspectRule struct {
	aspect Aspect
	weak   bool
	ps     []pattern
}

var aspectRules = []aspectRule{
	{AspectNone, false, pats("là gì", "khác gì", "khác nhau", "nghĩa là gì", "có nghĩa là", "là sao")},
	{AspectOnline, false, pats("online", "trực tuyến", "qua mạng", "trên mạng", "qua internet", "trên vneid", "qua vneid",
		"qua ứng dụng", "trên ứng dụng", "trên app", "qua app", "trên cổng dịch vụ công", "qua cổng dịch vụ công", "không cần đến", "tại nhà làm")},
	{AspectDuration, false, pats("bao lâu", "mấy ngày", "bao nhiêu ngày", "mấy tháng", "bao nhiêu tháng", "mấy tuần", "bao nhiêu tuần",
		"thời hạn", "hạn nộp", "hạn chót", "hạn cuối", "khi nào có", "khi nào nhận", "bao giờ có", "bao giờ nhận", "bao giờ thì có", "bao giờ được",
		"thời gian giải quyết", "thời gian trả", "thời gian làm", "thời gian nhận", "mất thời gian", "quá hạn", "trễ hạn", "quá * ngày", "chậm nhất",
		"trong vòng", "giá trị * lâu", "hiệu lực * lâu", "lâu không")},
	{AspectFee, false, pats("lệ phí", "phí bao nhiêu", "bao nhiêu tiền", "mấy tiền", "mất phí", "mất tiền", "hết bao nhiêu", "mất bao nhiêu",
		"tốn bao nhiêu", "tốn phí", "tốn tiền", "chi phí", "mức phí", "thu phí", "trả phí", "nộp phí", "miễn phí", "cước phí", "có phí", "giá bao nhiêu",
		"bao nhiêu phí", "phí", "tiền")},
	{AspectPlace, false, pats("ở đâu", "nơi nào", "chỗ nào", "đi đâu", "tại đâu", "làm ở", "nộp ở", "nộp tại", "nơi nộp", "nơi làm", "cơ quan nào",
		"đến đâu để", "ra đâu", "địa điểm", "chỗ làm", "phường nào", "xã nào")},
	{AspectEligibility, false, pats("điều kiện", "ai được", "ai phải", "ai có thể", "đối tượng", "trường hợp nào", "bao nhiêu tuổi", "mấy tuổi",
		"đủ tuổi", "bắt buộc", "có được phép", "được phép", "ai làm được")},
	{AspectDocuments, false, pats("giấy tờ gì", "giấy tờ nào", "những giấy tờ", "cần giấy tờ", "mang theo", "mang gì", "hồ sơ gồm", "hồ sơ gì",
		"hồ sơ cần", "cần hồ sơ", "thành phần hồ sơ", "chuẩn bị gì", "chuẩn bị những", "cần những gì", "cần gì", "gồm những gì", "gồm gì",
		"cần * gì", "cần chuẩn bị", "giấy tờ cần", "mẫu đơn", "tờ khai")},
	{AspectSteps, false, pats("làm thế nào", "làm sao", "thế nào", "như thế nào", "ra sao", "cách", "hướng dẫn", "các bước", "quy trình",
		"trình tự", "phải làm gì", "làm gì", "làm như nào", "như nào")},
	{AspectEligibility, true, pats("có sao không", "được không", "có được * không", "có phải * không", "có cần * không", "có bắt * không", "tuổi", "có thể * không")},
}

// howToCues make a message that names a complaint word a question about how
// to complain rather than a complaint.
var howToCues = pats("làm sao", "thế nào", "như thế nào", "ở đâu", "cách", "hướng dẫn", "thủ tục", "các bước", "gửi đâu", "qua đâu", "kênh nào")

// Intent cues. Greeting and thanks count only when nothing else is said.
var (
	greetWords = set("xin chào chào hello hi helo alo hey chao")
	thanksCues = pats("cảm ơn", "cám ơn", "thank", "thanks", "tks", "thank you")
	menuCues   = pats("menu", "trợ giúp", "help", "bắt đầu", "bạn làm được gì", "bạn giúp được gì", "giúp được gì", "hỏi được gì", "start")
	fillers    = set("ạ a ơi oi nhé nhe nha nhá bạn ban bot ad admin shop em anh chị chi mình minh tôi toi nhiều nhieu rất rat lắm lam ok oke okay vâng vang dạ da ừ uh hì hi hihi chúc chuc ngày ngay tốt tot buổi buoi sáng sang chiều chieu tối toi nhá và va với voi")

	personNouns = pats("tổng đài viên", "tổng đài", "người thật", "nhân viên", "cán bộ hỗ trợ", "chuyên viên", "tư vấn viên", "người hỗ trợ",
		"người trực", "người tư vấn", "admin", "người thật", "con người", "hotline")
	personVerbs = pats("gặp", "nói chuyện", "kết nối", "chuyển", "liên hệ", "gọi", "cho tôi", "cho mình", "cho em", "muốn", "cần", "xin")

	complaintCues = pats("phản ánh", "kiến nghị", "tố cáo", "khiếu nại", "bức xúc", "thái độ", "nhũng nhiễu", "hạch sách", "gây khó dễ",
		"gây khó khăn", "vòi tiền", "đòi tiền", "bồi dưỡng", "hẹn đi hẹn lại", "hẹn lại nhiều lần", "làm khó", "quát", "thiếu tôn trọng", "tiêu cực",
		"góp ý", "không hài lòng", "chậm trễ")
	insistCues = pats("kiểm tra giúp", "tra giúp", "xem giúp", "check giúp", "kiểm tra hộ", "tra hộ", "xem hộ", "tra cứu giúp", "không tra được",
		"tra không được", "vẫn không", "không thấy", "giúp tôi kiểm tra", "giúp mình kiểm tra")
)

func set(s string) map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(s) {
		for _, f := range foldPhrase(w) {
			m[f] = true
		}
	}
	return m
}

// reDossier finds dossier codes: groups of letters and digits joined by dots
// or dashes, with a letter and at least six digits (H26.01-251125-0001,
// 000.00.20.H26-250101-0001). National procedure codes (1.001193) have one
// dot and no letter and do not match.
var reDossier = regexp.MustCompile(`\b[A-Za-z0-9]+(?:[.\-/][A-Za-z0-9]+){2,}\b`)

// reCode finds national procedure codes: one digit, a dot, six digits.
var reCode = regexp.MustCompile(`\b\d\.\d{6}\b`)

// hasCode reports whether the question names one of g's national codes.
func (q *query) hasCode(g knowledge.Guide) bool {
	for _, c := range q.codes {
		if c == g.Code || slices.Contains(g.OtherCodes, c) {
			return true
		}
	}
	return false
}

func findDossier(s string) string {
	for _, m := range reDossier.FindAllString(s, -1) {
		digits, letters := 0, 0
		for _, r := range m {
			switch {
			case r >= '0' && r <= '9':
				digits++
			case r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z':
				letters++
			}
		}
		if digits >= 6 && letters >= 1 {
			return m
		}
	}
	return ""
}

// understand analyses a text message.
func understand(text string, dict *vntext.Dict) *query {
	q := understandSentence(text, dict)
	q.actions = actions(q.toks, q.words)
	if f := focusText(text); f != "" {
		fq := understandSentence(f, dict)
		q.focus, q.focusText, q.focusActions = fq.content, f, actions(fq.toks, fq.words)
	}
	return q
}

// understandSentence analyses text without looking for its focus.
func understandSentence(text string, dict *vntext.Dict) *query {
	q := &query{text: text}
	q.dossier = findDossier(text)
	q.codes = reCode.FindAllString(text, -1)
	raw := vntext.FoldTokens(vntext.Tokens(text))
	if len(raw) == 1 {
		if n, err := strconv.Atoi(raw[0]); err == nil && n > 0 && n < 100 {
			q.number = n
		}
	}
	a := analyse(dict, text)
	q.words, q.toks = a.folded, a.toks
	used := make([]bool, len(q.words))
	online := make([]bool, len(q.words)) // online cue words: content, but no subject
	for _, r := range aspectRules {
		for _, p := range r.ps {
			i, j := p.match(q.words)
			if i < 0 {
				continue
			}
			q.cues = append(q.cues, aspectCue{aspect: r.aspect, weak: r.weak, span: q.words[i:j]})
			if r.aspect == AspectOnline {
				for k := i; k < j; k++ {
					online[k] = true
				}
			}
			if r.aspect == AspectOnline || len(p) == 1 && keepWords[p[0]] || slices.Contains(p, "*") {
				// These also name things: "nộp hồ sơ trực tuyến", "14 tuổi", "phí"
				// in a title; a wildcard spans words that are not the cue's.
				continue
			}
			for from := 0; from < len(q.words); {
				i, j := p.match(q.words[from:])
				if i < 0 || j == 0 {
					break
				}
				for k := from + i; k < from+j; k++ {
					used[k] = true
				}
				from += j
			}
		}
	}
	// Follow-up frames ("còn ... thì sao?", "thế còn ...") carry no subject.
	for _, p := range followCues {
		if i, j := p.match(q.words); i >= 0 {
			for k := i; k < j; k++ {
				used[k] = true
			}
		}
	}
	if len(q.words) > 0 && (a.toks[0] == "còn" || a.toks[0] == "con" && len(q.cues) > 0) {
		used[0] = true
	}
	q.howTo = anyMatch(howToCues, q.words)
	q.insist = anyMatch(insistCues, q.words)
	q.intent = classify(q, raw)
	// Content: the expanded words minus cue words and fillers.
	// Subject: content that names a procedure, for telling follow-ups apart.
	toks := append([]string(nil), a.toks...)
	for i := range toks {
		if used[i] {
			toks[i] = "\x00"
		}
	}
	for _, w := range vntext.FoldTokens(vntext.RemoveStopWords(toks)) {
		if w != "\x00" {
			q.content = append(q.content, w)
		}
	}
	for i := range toks {
		if online[i] {
			toks[i] = "\x00"
		}
	}
	for _, w := range vntext.FoldTokens(vntext.RemoveStopWords(toks)) {
		if w != "\x00" && !genericVerbs[w] {
			q.subject = append(q.subject, w)
		}
	}
	return q
}

// followCues frame a follow-up question.
var followCues = pats("thì sao", "thế còn", "vậy còn", "thế thì", "vậy thì", "còn thì", "cái đó", "thủ tục đó", "thủ tục này", "cái này")

// genericVerbs say what the citizen does, not which procedure.
var genericVerbs = map[string]bool{"lam": true, "xin": true, "nop": true, "hoi": true, "biet": true, "duoc": true}

// keepWords are one-word cues that stay content words too.
var keepWords = map[string]bool{"tuoi": true, "phi": true, "tien": true, "cach": true}

// classify finds the intent of a message from its words.
func classify(q *query, raw []string) intent {
	if len(raw) == 0 {
		return intentGreeting
	}
	if anyMatch(personNouns, q.words) && (anyMatch(personVerbs, q.words) || len(raw) <= 4) && !q.howTo {
		return intentPerson
	}
	if anyMatch(complaintCues, q.words) && !q.howTo && !q.asksAspect() {
		return intentComplaint
	}
	if anyMatch(menuCues, raw) && len(raw) <= 6 {
		return intentMenu
	}
	// Greeting or thanks only when every word is a greeting, a thanks or a filler.
	rest := append([]string(nil), raw...)
	thanks := false
	for _, p := range thanksCues {
		for {
			i, j := p.match(rest)
			if i < 0 {
				break
			}
			thanks = true
			rest = append(rest[:i:i], rest[j:]...)
		}
	}
	greet := false
	for _, w := range rest {
		switch {
		case greetWords[w]:
			greet = true
		case fillers[w]:
		default:
			return intentQuestion
		}
	}
	switch {
	case thanks:
		return intentThanks
	case greet:
		return intentGreeting
	}
	return intentGreeting // only fillers: "ạ", "ok"
}

func anyMatch(ps []pattern, ws []string) bool {
	for _, p := range ps {
		if i, _ := p.match(ws); i >= 0 {
			return true
		}
	}
	return false
}

// yesWords say yes to a question back; yesFillers may stand beside them
// ("đúng rồi ạ", "vâng ạ", "ok nhé"). Folded: "có" is "co", "dạ" "da".
var (
	yesWords   = map[string]bool{"dung": true, "phai": true, "vang": true, "u": true, "uh": true, "um": true, "co": true, "ok": true, "oke": true, "okay": true, "chuan": true, "yes": true, "da": true}
	yesFillers = map[string]bool{"roi": true, "vay": true, "a": true, "nhe": true, "nha": true, "ah": true, "the": true, "ban": true, "oi": true}
)

// confirms reports whether text only says yes ("đúng", "vâng ạ", "ừ đúng
// rồi"): a word of yes and nothing else but fillers; "phải không" and
// "không phải" are not yes.
func confirms(text string) bool {
	yes := false
	for _, w := range vntext.FoldTokens(vntext.Tokens(text)) {
		switch {
		case yesWords[w]:
			yes = true
		case yesFillers[w]:
		default:
			return false
		}
	}
	return yes
}
