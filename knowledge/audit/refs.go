package audit

import (
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Ref is one reference to a numbered legal document found in a text:
// "25/2021/TT-BTC", "Nghị định 70/2024/NĐ-CP", "26/2023/QH15", "1025/QĐ-BCA".
type Ref struct {
	Key        string // normalised, comparable form: "25/2021/TT-BTC", "6/2025/TT-BCA", "190/2025/QH15"
	Text       string // as written in the text
	Start, End int    // byte offsets of Text in the text
	Number     string // "25", "66.7"
	Year       int    // 0 when the number has no year ("1025/QĐ-BCA")
	Type       string // "TT", "TTLT", "NĐ", "QĐ", "NQ", "QH15", "PL"
	Issuer     string // "BTC", "BCA", "CP", "TTg", ... ("" for laws: QH15)
}

// Circular reports whether r is a thông tư (circular), joint or not.
func (r Ref) Circular() bool { return r.Type == "TT" || r.Type == "TTLT" }

// Finance reports whether r is a circular of the Ministry of Finance, the
// issuer of the national fee schedules.
func (r Ref) Finance() bool { return r.Circular() && strings.Contains(r.Issuer, "BTC") }

// refPattern finds document numbers. The number may carry a dotted part
// (66.7/2025/NQ-CP); the year is optional (1025/QĐ-BCA); the type is one of
// the Vietnamese document kinds; issuers follow after "-" or "/". Issuers
// are read loosely here (upper-case runs) and cut back by cleanIssuer, since
// catalogue text often runs the next word on ("TT-BCAThông tư").
var refPattern = regexp.MustCompile(`(\d{1,3}\.\d{1,2}|\d{1,4})/(?:(\d{4})/)?(QH\d{2}|TTLT|TT|NĐ|ND|QĐ|QD|NQ|PL|UBTVQH\d{2})((?:[-/](?:QH\d{2}|[A-ZĐ]+g?))*)`)

// knownIssuers are the issuer codes of central bodies; an issuer run that
// starts with one of them and goes on in capitals ("BTCQUY" from
// "TT-BTCQUY ĐỊNH") is cut back to it. Longest first.
var knownIssuers = []string{
	"BLĐTBXH", "BVHTTDL", "BNNPTNT", "VKSNDTC", "TANDTC", "BKHĐT", "BKHCN", "BGDĐT", "BGTVT", "BTNMT",
	"BTTTT", "BNNMT", "UBTVQH", "HĐND", "UBND", "NHNN", "VPCP", "UBDT", "BHXH", "TCHQ", "BTC", "BCA",
	"BTP", "BXD", "BYT", "BQP", "BNV", "BCT", "BNG", "BDT", "TCT", "TTg", "CP", "QH",
}

// Refs returns the legal document numbers in text, in order. A number glued
// to preceding digits ("năm 201102/2011/QH13") is read from where a
// plausible number starts only when the digits before it form a year.
func Refs(text string) []Ref {
	if !strings.Contains(text, "/") {
		return nil
	}
	var out []Ref
	lastEnd := -1
	for pos := 0; pos < len(text); {
		loc := refPattern.FindStringSubmatchIndex(text[pos:])
		if loc == nil {
			break
		}
		m := make([]int, len(loc))
		for i, v := range loc {
			m[i] = v
			if v >= 0 {
				m[i] = v + pos
			}
		}
		start, end := m[0], m[1]
		pos = end
		if start > 0 {
			prev, _ := utf8.DecodeLastRuneInString(text[:start])
			if unicode.IsDigit(prev) || prev == '.' || prev == '/' {
				// After a sentence's dot ("… Luật Căn cước.53/2025/TT-BCA")
				// it is a number. Inside a longer number: catalogue cells
				// run a year and the next number together ("năm
				// 201102/2011/QH13"): accept a number right after a 4-digit
				// year, or look again from just after the year; skip dates
				// and the like.
				lead := digitsBefore(text, start)
				run := lead + text[m[2]:m[3]]
				switch {
				case start == lastEnd:
					// glued to the previous number: "…/QH1447/2019/TT-BTC"
				case prev == '.' && len(digitsBefore(text, start-1)) == 4 && looksLikeYear(digitsBefore(text, start-1)):
					// "… năm 2022.65/2025/TT-BTC"
				case (prev == '.' || prev == '/') && start > 1 && text[start-2] >= '0' && text[start-2] <= '9':
					continue // "1.5/2020/…", a date
				case prev == '.' || prev == '/':
				case len(lead) == 4 && looksLikeYear(lead):
				case len(lead) < 4 && len(run) > 4 && looksLikeYear(run[:4]):
					pos = start - len(lead) + 4
					continue
				default:
					continue
				}
			}
		}
		num := text[m[2]:m[3]]
		r := Ref{Number: strings.TrimLeft(num, "0"), Type: text[m[6]:m[7]]}
		if r.Number == "" || strings.HasPrefix(r.Number, ".") {
			r.Number = "0" + r.Number
		}
		if m[4] >= 0 {
			r.Year, _ = strconv.Atoi(text[m[4]:m[5]])
			if r.Year < 1900 || r.Year > 2100 {
				continue
			}
		}
		// Issuers: each part cut back to a known code ("BCAThông" -> "BCA");
		// an unknown part followed by a lower-case letter loses its last
		// capital ("XYZThông" -> "XYZ"). End moves back with the cuts.
		var parts []string
		end = m[8]
		for off := m[8]; off < m[9]; {
			j := off + 1
			for j < m[9] && text[j] != '-' && text[j] != '/' {
				j++
			}
			raw := text[off+1 : j]
			p := cleanIssuer(raw)
			if p == raw && !knownIssuer(raw) && j == m[9] && j < len(text) {
				if next, _ := utf8.DecodeRuneInString(text[j:]); unicode.IsLower(next) && !strings.HasSuffix(raw, "TTg") {
					if last, size := utf8.DecodeLastRuneInString(raw); unicode.IsUpper(last) {
						p = raw[:len(raw)-size]
					}
				}
			}
			if p != "" {
				parts = append(parts, p)
				end = off + 1 + len(p)
			}
			if p != raw {
				break // what follows belongs to the next word
			}
			off = j
		}
		if len(parts) == 0 {
			end = m[7]
		}
		switch r.Type {
		case "ND":
			r.Type = "NĐ"
		case "QD":
			r.Type = "QĐ"
		}
		r.Issuer = strings.Join(parts, "-")
		if strings.HasPrefix(r.Type, "UBTVQH") {
			r.Issuer, r.Type = r.Type, "NQ"
		}
		// "Nghị quyết 190/2025/NQ-QH15" and "190/2025/QH15" are one document.
		if r.Type == "NQ" && strings.HasPrefix(r.Issuer, "QH") && len(parts) == 1 {
			r.Type, r.Issuer = r.Issuer, ""
		}
		if r.Issuer == "" && !strings.HasPrefix(r.Type, "QH") {
			continue // "01/2025/LLTP"-like form codes and bare "12/2025/TT" are not documents we can compare
		}
		r.Text = strings.TrimRight(text[start:end], "-/")
		r.Start, r.End = start, start+len(r.Text)
		r.Key = refKey(r)
		out = append(out, r)
		lastEnd = r.End
	}
	return out
}

func refKey(r Ref) string {
	var b strings.Builder
	b.WriteString(r.Number)
	b.WriteByte('/')
	if r.Year > 0 {
		b.WriteString(strconv.Itoa(r.Year))
		b.WriteByte('/')
	}
	b.WriteString(r.Type)
	if r.Issuer != "" {
		b.WriteByte('-')
		b.WriteString(r.Issuer)
	}
	return b.String()
}

// cleanIssuer cuts an issuer run back to a known code when it starts with
// one and continues in capitals.
func cleanIssuer(p string) string {
	if strings.HasPrefix(p, "QH") && len(p) == 4 {
		return p
	}
	for _, k := range knownIssuers {
		if strings.HasPrefix(p, k) {
			return k
		}
	}
	return p
}

func knownIssuer(p string) bool {
	for _, k := range knownIssuers {
		if p == k {
			return true
		}
	}
	return strings.HasPrefix(p, "QH") && len(p) == 4
}

func digitsBefore(s string, i int) string {
	j := i
	for j > 0 && s[j-1] >= '0' && s[j-1] <= '9' {
		j--
	}
	return s[j:i]
}

func looksLikeYear(s string) bool {
	y, err := strconv.Atoi(s)
	return err == nil && y >= 1945 && y <= 2100
}

// A Until is a time limit written in a text: "đến hết ngày 31/12/2026",
// "đến hết 31 tháng 12 năm 2026".
type Until struct {
	Date       time.Time
	Start, End int
}

var untilPatterns = []*regexp.Regexp{
	regexp.MustCompile(`(?:[Đđ]ến|[Tt]ới) [Hh]ết(?: ngày)? (\d{1,2})[/.-](\d{1,2})[/.-](\d{4})`),
	regexp.MustCompile(`(?:[Đđ]ến|[Tt]ới) [Hh]ết(?: ngày)? (\d{1,2}) tháng (\d{1,2}) năm (\d{4})`),
}

// Untils returns the time limits written in text, in order.
func Untils(text string) []Until {
	if !strings.Contains(text, "ết") { // "hết", "Hết"
		return nil
	}
	var out []Until
	for _, re := range untilPatterns {
		for _, m := range re.FindAllStringSubmatchIndex(text, -1) {
			d, ok := date(text[m[2]:m[3]], text[m[4]:m[5]], text[m[6]:m[7]])
			if !ok {
				continue
			}
			out = append(out, Until{Date: d, Start: m[0], End: m[1]})
		}
	}
	sortUntils(out)
	return out
}

func sortUntils(us []Until) {
	for i := 1; i < len(us); i++ {
		for j := i; j > 0 && us[j].Start < us[j-1].Start; j-- {
			us[j], us[j-1] = us[j-1], us[j]
		}
	}
}

var datePatterns = []*regexp.Regexp{
	regexp.MustCompile(`(\d{1,2})/(\d{1,2})/(\d{4})`),
	regexp.MustCompile(`(\d{1,2}) tháng (\d{1,2}) năm (\d{4})`),
}

// Dates returns every calendar date written in text (d/m/yyyy or
// "d tháng m năm yyyy").
func Dates(text string) []time.Time {
	var out []time.Time
	for _, re := range datePatterns {
		for _, m := range re.FindAllStringSubmatchIndex(text, -1) {
			if m[0] > 0 {
				if prev := text[m[0]-1]; prev >= '0' && prev <= '9' || prev == '/' {
					continue
				}
			}
			if d, ok := date(text[m[2]:m[3]], text[m[4]:m[5]], text[m[6]:m[7]]); ok {
				out = append(out, d)
			}
		}
	}
	return out
}

func date(d, m, y string) (time.Time, bool) {
	dd, err1 := strconv.Atoi(d)
	mm, err2 := strconv.Atoi(m)
	yy, err3 := strconv.Atoi(y)
	if err1 != nil || err2 != nil || err3 != nil || mm < 1 || mm > 12 || dd < 1 || dd > 31 || yy < 1945 || yy > 2100 {
		return time.Time{}, false
	}
	t := time.Date(yy, time.Month(mm), dd, 0, 0, 0, 0, time.UTC)
	if t.Day() != dd { // 31/02
		return time.Time{}, false
	}
	return t, true
}
