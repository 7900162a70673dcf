package catalog

import (
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"botdvc/knowledge"
)

// Channels are the submission channels the portal lists, as written there.
const (
	ChannelInPerson = "Trực tiếp"
	ChannelOnline   = "Trực tuyến"
	ChannelPost     = "Dịch vụ bưu chính"
)

// methodsHeader is the run-together header row of cach_thuc_thuc_hien.
const methodsHeader = "Hình thức nộpThời gianPhí, lệ phíMô tả"

var (
	channelRe = regexp.MustCompile(`Trực tiếp|Trực tuyến|Dịch vụ bưu chính`)
	// timeRe matches the "Thời gian" cell at the start of a row remainder:
	// "60 Ngày làm việc", "30 Ngày", "24 Giờ", "1" (no unit), "0,5 Ngày",
	// "Không có thông tin", "Không quy định", "Không", or nothing.
	timeRe = regexp.MustCompile(`^(?:\d[\d.,]*\s*(?:Ngày làm việc|ngày làm việc|Ngày|ngày|Giờ làm việc|Giờ|giờ|Tháng|tháng|Năm|năm|Phút|phút)?|Không có thông tin|Không phải trả kết quả cho người nộp thuế|Không quy định|Không)?`)
	// feeRe matches the start of the "Phí, lệ phí" cell.
	feeRe = regexp.MustCompile(`^(?:Miễn phí|Không có thông tin|(?:Lệ phí|Phí)\s*:|\d[\d.,]*\s*(?:Việt Nam Đồng|VNĐ|VND|USD|Đồng|đồng))`)
	// amountRe matches a whole amount fee cell ("50,000 Việt Nam Đồng").
	amountRe  = regexp.MustCompile(`^\d[\d.,]*\s*(?:Việt Nam Đồng|VNĐ|VND|USD|Đồng|đồng)`)
	colonFeRe = regexp.MustCompile(`^(?:Lệ phí|Phí)\s*:\s*`)
)

// ParseMethods parses the portal's run-together cach_thuc_thuc_hien table:
// the header row "Hình thức nộp | Thời gian | Phí, lệ phí | Mô tả", then one
// row per channel, each "CHANNEL TIME FEE(FEE NOTE)DESCRIPTION" with no
// separators. A row starts at a channel name directly followed by a time
// cell and a fee cell; a channel name inside a description ("+ Trực tuyến:
// nộp hồ sơ ...") does not start a row. ok is false when the text has rows
// that cannot be read (the caller reports it); methods read so far are
// returned anyway.
func ParseMethods(s string) (methods []knowledge.Method, ok bool) {
	s = strings.TrimSpace(s)
	if s == "" || s == "Không có thông tin" {
		return nil, true
	}
	s = strings.TrimPrefix(s, methodsHeader)
	starts := rowStarts(s)
	if len(starts) == 0 {
		return nil, false
	}
	ok = strings.TrimSpace(s[:starts[0]]) == ""
	for i, st := range starts {
		end := len(s)
		if i+1 < len(starts) {
			end = starts[i+1]
		}
		m, good := parseRow(s[st:end])
		if !good {
			ok = false
			continue
		}
		methods = append(methods, m)
	}
	return methods, ok
}

// rowStarts returns the offsets in s where a table row begins.
func rowStarts(s string) []int {
	var out []int
	for _, loc := range channelRe.FindAllStringIndex(s, -1) {
		if _, _, ok := splitTime(s[loc[1]:]); ok {
			out = append(out, loc[0])
		}
	}
	return out
}

// splitTime splits the time cell off the rest of a row (after the channel
// name); ok is false when no fee cell follows it. A time of bare digits can
// run into an amount ("Trực tiếp120 VNĐ" is time 1, fee 20 VNĐ): then the
// shortest digit prefix after which a fee cell starts is taken.
func splitTime(rest string) (t, after string, ok bool) {
	t = timeRe.FindString(rest)
	if after := strings.TrimLeft(rest[len(t):], " "); feeRe.MatchString(after) {
		return t, after, true
	}
	if strings.HasPrefix(t, "Không") && feeRe.MatchString(rest) {
		return "", rest, true // no time cell: "Không có thông tin" is the fee
	}
	digits := 0
	for digits < len(rest) && rest[digits] >= '0' && rest[digits] <= '9' {
		digits++
	}
	if strings.ContainsFunc(t, func(r rune) bool { return r > '9' && r != ' ' }) {
		return "", rest, false // the time has a unit; it cannot run into the fee
	}
	for k := 1; k < digits; k++ {
		if feeRe.MatchString(rest[k:]) {
			return rest[:k], rest[k:], true
		}
	}
	return "", rest, false
}

// parseRow reads one row that starts with a channel name.
func parseRow(row string) (knowledge.Method, bool) {
	var m knowledge.Method
	loc := channelRe.FindStringIndex(row)
	if loc == nil || loc[0] != 0 {
		return m, false
	}
	m.Channel = row[:loc[1]]
	t, rest, ok := splitTime(row[loc[1]:])
	if !ok {
		return m, false
	}
	m.Duration = tidy(t)
	fee, note := splitFee(rest)
	if fee == "" {
		return m, false
	}
	m.Fee = fee
	m.Note = tidy(note)
	return m, true
}

// splitFee splits "FEE(NOTE)DESCRIPTION" into the fee (with its bracketed
// note, which often says who sets the amount) and the description.
func splitFee(s string) (fee, rest string) {
	var head string
	switch {
	case strings.HasPrefix(s, "Miễn phí"):
		head = "Miễn phí"
	case strings.HasPrefix(s, "Không có thông tin"):
		head = "Không có thông tin"
	case colonFeRe.MatchString(s):
		// "Phí : 50.000 Đồng ..." runs to the end of the amount.
		prefix := colonFeRe.FindString(s)
		body := s[len(prefix):]
		if a := amountRe.FindString(body); a != "" {
			head = prefix + a
		} else {
			head = prefix
		}
	default:
		head = amountRe.FindString(s)
	}
	if head == "" {
		return "", s
	}
	rest = s[len(head):]
	fee = tidy(head)
	if strings.HasPrefix(rest, "(") {
		if n := balanced(rest); n > 0 {
			inner := tidy(rest[1 : n-1])
			if inner != "" && inner != "Không có" && inner != "Không" {
				fee += " (" + inner + ")"
			}
			rest = rest[n:]
		}
	}
	return fee, rest
}

// balanced returns the length of the bracketed prefix of s (s starts with
// "("), or 0 when the brackets never close.
func balanced(s string) int {
	depth := 0
	for i, r := range s {
		switch r {
		case '(':
			depth++
		case ')':
			depth--
			if depth == 0 {
				return i + 1
			}
		}
	}
	return 0
}

// tidy collapses runs of blanks, trims lines and drops extra blank lines
// (at most one empty line in a row), then trims the whole text.
func tidy(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	pendingBreaks := 0 // line breaks owed before the next text
	for line := range strings.SplitSeq(s, "\n") {
		wrote := false
		space := false
		for _, r := range line {
			if r == ' ' || r == '\t' || r == '\r' || r == '\u00a0' {
				space = true
				continue
			}
			if !wrote {
				if b.Len() > 0 {
					b.WriteString("\n\n"[:min(pendingBreaks, 2)])
				}
				wrote = true
			} else if space {
				b.WriteByte(' ')
			}
			space = false
			b.WriteRune(r)
		}
		if wrote {
			pendingBreaks = 1
		} else if b.Len() > 0 {
			pendingBreaks++
		}
	}
	return strings.TrimSpace(b.String())
}

// summarise joins per-channel values: the single value when every channel
// agrees, else "Channel: value; Channel: value".
func summarise(ms []knowledge.Method, get func(knowledge.Method) string) string {
	var vals []string
	same := true
	for _, m := range ms {
		v := get(m)
		if v == "" {
			v = "Không có thông tin"
		}
		if len(vals) > 0 && vals[0] != v {
			same = false
		}
		vals = append(vals, v)
	}
	if len(vals) == 0 {
		return ""
	}
	if same {
		return vals[0]
	}
	parts := make([]string, len(ms))
	for i, m := range ms {
		parts[i] = m.Channel + ": " + vals[i]
	}
	return strings.Join(parts, "; ")
}

// lowerFirst lowercases the first letter of each comma-separated part
// ("Cấp bộ, Cấp tỉnh" becomes "cấp bộ, cấp tỉnh").
func lowerFirst(s string) string {
	var parts []string
	for p := range strings.SplitSeq(s, ",") {
		p = strings.TrimSpace(p)
		if p == "" {
			continue
		}
		r, n := utf8.DecodeRuneInString(p)
		parts = append(parts, string(unicode.ToLower(r))+p[n:])
	}
	return strings.Join(parts, ", ")
}
