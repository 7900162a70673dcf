package catalog

import (
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// documentsHeader is the run-together header row of thanh_phan_ho_so.
const documentsHeader = "Tên giấy tờMẫu đơn, tờ khaiSố lượng"

var (
	// quantityRe matches the "Số lượng" cell ending each document row:
	// "1 bản chính", "0 bản chính,1 bản sao", "02 bản sao".
	quantityRe = regexp.MustCompile(`\d+ bản (?:chính|sao|chụp)(?:\s*,\s*\d+ bản (?:chính|sao|chụp))*`)
	zeroQtyRe  = regexp.MustCompile(`^0+ `)
	templateRe = regexp.MustCompile(`\.(?:docx?|pdf|xlsx?|DOCX?|PDF|XLSX?)$`)
	bulletRe   = regexp.MustCompile(`^(?:[-+*•–]+\s*)+`)
	// legalCodeRe matches a legal document number: 68/2013/TT-BCA,
	// 02/2011/QH13, 05/2012/NĐ-CP, 72/2011/TTLT-BTC-BGTVT, 1383/QĐ-BCA.
	legalCodeRe = regexp.MustCompile(`^\d{1,5}/(?:\d{4}/)?[A-ZĐ][A-ZĐ0-9]*(?:-[A-ZĐ0-9]+)*`)
	stepRe      = regexp.MustCompile(`(?m)^[ \t]*(?:[-+*•][ \t]*)?(?:[a-zđ]\)[ \t]*)?Bước[ \t]*\d+[ \t]*[:.)]?`)
	letterRe    = regexp.MustCompile(`(?m)^[ \t]*[a-zđ]\)[ \t]+`)
	dashRe      = regexp.MustCompile(`(?m)^[ \t]*-[ \t]+`)
	resultRe    = regexp.MustCompile(`Mã: ?KQ[\w.]*`)
)

// SplitDocuments splits the run-together thanh_phan_ho_so table into one
// entry per document: "NAME (QUANTITY)", the template file name dropped and
// zero quantities left out. Text before a table header (e.g. "* Giấy tờ
// phải nộp:", "(ii) Đối với ...:") becomes an entry of its own, so groups
// stay visible.
func SplitDocuments(s string) []string {
	s = strings.TrimSpace(s)
	if s == "" || s == "Không có thông tin" {
		return nil
	}
	var out []string
	addHeading := func(h string) {
		h = tidy(bulletRe.ReplaceAllString(strings.TrimSpace(h), ""))
		if h != "" && h != "--" && h != "-" {
			out = append(out, h)
		}
	}
	chunks := strings.Split(s, documentsHeader)
	addHeading(chunks[0])
	for _, chunk := range chunks[1:] {
		pos := 0
		for _, loc := range quantityRe.FindAllStringIndex(chunk, -1) {
			if next, _ := utf8.DecodeRuneInString(chunk[loc[1]:]); next == ' ' || unicode.IsLower(next) {
				continue // "01 bản sao có chứng thực ...": words of a name, not the quantity cell
			}
			name := cleanDocName(chunk[pos:loc[0]])
			pos = loc[1]
			if name == "" {
				continue
			}
			if q := quantity(chunk[loc[0]:loc[1]]); q != "" {
				name += " (" + q + ")"
			}
			out = append(out, name)
		}
		// Trailing text is the heading of the next table, or a last
		// document without a quantity.
		addHeading(chunk[pos:])
	}
	return out
}

// quantity keeps the non-zero parts of a quantity cell.
func quantity(q string) string {
	var parts []string
	for _, p := range strings.Split(q, ",") {
		p = strings.TrimSpace(p)
		if p != "" && !zeroQtyRe.MatchString(p) {
			parts = append(parts, p)
		}
	}
	return strings.Join(parts, ", ")
}

// cleanDocName trims bullets and drops a template file name run onto the
// end of a document name ("... theo mẫuMẫu TP-LS-02.docx").
func cleanDocName(s string) string {
	s = strings.TrimSpace(s)
	if templateRe.MatchString(s) {
		s = dropTemplate(s)
	}
	s = bulletRe.ReplaceAllString(s, "")
	return tidy(s)
}

// dropTemplate cuts s at the last cell boundary (a lower-case letter or
// closing bracket directly followed by an upper-case letter or digit) within
// the last 120 bytes; failing that it drops the last word.
func dropTemplate(s string) string {
	limit := max(0, len(s)-120)
	prev := rune(0)
	cut := -1
	for i, r := range s {
		if i >= limit && (unicode.IsLower(prev) || prev == ')' || prev == '.') && (unicode.IsUpper(r) || unicode.IsDigit(r)) && i > 0 {
			cut = i
		}
		prev = r
	}
	if cut > 0 {
		return s[:cut]
	}
	if i := strings.LastIndexAny(s, " \t\n"); i > 0 {
		return s[:i]
	}
	return s
}

// SplitLegalBasis splits the run-together can_cu_phap_ly table ("Tên văn bản
// pháp lý | Mã văn bản" rows) into "NAME (NUMBER)" entries, or NAME alone
// when the name already carries the number. A number cell ends where the
// next name begins, with no space between: "…68/2013/TT-BCALuật Khiếu nại…"
// splits before "Luật". A number followed by a space or punctuation is part
// of a name. A year run onto a number ("năm 201102/2011/QH13") is split
// after the year.
func SplitLegalBasis(s string) []string {
	s = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(s), "Tên văn bản pháp lýMã văn bản"))
	if s == "" || s == "Không có thông tin" {
		return nil
	}
	var out []string
	start := 0
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if !unicode.IsDigit(r) || isDigitBefore(s, i) {
			i += size
			continue
		}
		at := i
		if run := digitRun(s[i:]); run > 4 && looksLikeYear(s[i:i+4]) {
			at = i + 4 // "năm 2011" + "02/2011/QH13"
		}
		n := legalCodeAt(s, at)
		if n == 0 {
			i += size
			continue
		}
		code := s[at : at+n]
		if strings.HasPrefix(s[at+n:], code) {
			// The name ends in the number and the number cell repeats it:
			// keep the first copy in the name.
			i = at + n
			continue
		}
		name := tidy(s[start:at])
		switch {
		case name == "":
			if len(out) == 0 || !strings.Contains(out[len(out)-1], code) {
				out = append(out, code)
			}
		case strings.Contains(name, code):
			out = append(out, name)
		case bareDocType(name):
			out = append(out, name+" "+code) // "Thông tư số" + "64/2025/TT-BCT"
		default:
			out = append(out, name+" ("+code+")")
		}
		i = at + n
		start = i
	}
	if rest := tidy(s[start:]); rest != "" {
		out = append(out, rest)
	}
	return out
}

// bareDocType reports whether name is only a document type, such as
// "Nghị định" or "Thông tư số", that the number completes.
func bareDocType(name string) bool {
	n := strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(strings.ToLower(name)), "số"))
	switch n {
	case "luật", "bộ luật", "nghị định", "thông tư", "thông tư liên tịch", "quyết định", "nghị quyết", "pháp lệnh", "chỉ thị", "văn bản hợp nhất":
		return true
	}
	return false
}

func isDigitBefore(s string, i int) bool {
	r, _ := utf8.DecodeLastRuneInString(s[:i])
	return unicode.IsDigit(r) || r == '/' || r == '.' || r == ','
}

func digitRun(s string) int {
	n := 0
	for n < len(s) && s[n] >= '0' && s[n] <= '9' {
		n++
	}
	return n
}

func looksLikeYear(s string) bool {
	return len(s) == 4 && (strings.HasPrefix(s, "19") || strings.HasPrefix(s, "20"))
}

// legalCodeAt returns the length of a legal document number that starts at
// s[i] and ends at a cell boundary: the end of the text, the start of the
// next name (an upper-case letter), or a repeat of the same number. It
// returns 0 when there is no number there or it is part of a name.
func legalCodeAt(s string, i int) int {
	n := len(legalCodeRe.FindString(s[i:]))
	for n > 0 {
		end := i + n
		if end == len(s) {
			return n
		}
		next, _ := utf8.DecodeRuneInString(s[end:])
		switch {
		case unicode.IsLower(next):
			// "…TT-BCALuật": the last upper-case letter starts the next name.
			last, size := utf8.DecodeLastRuneInString(s[i:end])
			if !unicode.IsUpper(last) {
				return 0
			}
			n -= size
		case unicode.IsUpper(next):
			return n
		case next == '/' || unicode.IsDigit(next):
			// "05/2012/NĐ-CP05/2012/NĐ-CP": the greedy match ran into the
			// repeated number; cut where the repeat starts.
			for k := n - 1; k > 0; k-- {
				if s[i+k] >= '0' && s[i+k] <= '9' && !(s[i+k-1] >= '0' && s[i+k-1] <= '9') &&
					strings.HasPrefix(s[i+k:], s[i:i+k]) && legalCodeRe.FindString(s[i:i+k]) == s[i:i+k] {
					return k
				}
			}
			return 0
		default:
			// "…2023/QH15QUY ĐỊNH…": a name in capitals follows the number;
			// cut after the last digit of the final part.
			slash := strings.LastIndexByte(s[i:end], '/')
			for k := n - 1; k > slash+1; k-- {
				if s[i+k-1] >= '0' && s[i+k-1] <= '9' && s[i+k] >= 'A' && s[i+k] <= 'Z' {
					return k
				}
			}
			return 0
		}
	}
	return 0
}

// SplitSteps splits trinh_tu_thuc_hien into steps at "Bước N" markers; with
// none, at lines starting "a)", "b)", ...; then at lines starting "- "; with
// none of these, at blank lines.
func SplitSteps(s string) []string {
	s = strings.TrimSpace(strings.ReplaceAll(s, "\r\n", "\n"))
	if s == "" || s == "Không có thông tin" {
		return nil
	}
	split := func(re *regexp.Regexp) []string {
		locs := re.FindAllStringIndex(s, -1)
		if len(locs) == 0 {
			return nil
		}
		var out []string
		if pre := tidy(s[:locs[0][0]]); pre != "" {
			out = append(out, pre)
		}
		for i, loc := range locs {
			end := len(s)
			if i+1 < len(locs) {
				end = locs[i+1][0]
			}
			if t := tidy(bulletRe.ReplaceAllString(strings.TrimSpace(s[loc[0]:end]), "")); t != "" {
				out = append(out, t)
			}
		}
		return out
	}
	if out := split(stepRe); len(out) > 0 {
		return out
	}
	if out := split(letterRe); len(out) > 1 {
		return out
	}
	if out := split(dashRe); len(out) > 1 {
		return out
	}
	var out []string
	for _, p := range strings.Split(s, "\n\n") {
		if t := tidy(p); t != "" {
			out = append(out, t)
		}
	}
	return out
}

// Result returns the result document name from ket_qua_xu_ly ("Quyết định
// ...Mã: KQ.G01.00262Từ khóa..."), or "".
func Result(s string) string {
	s = strings.TrimSpace(s)
	if loc := resultRe.FindStringIndex(s); loc != nil {
		s = s[:loc[0]]
	} else if i := strings.Index(s, "Từ khóa"); i >= 0 {
		s = s[:i]
	}
	s = tidy(s)
	if s == "Không có thông tin" {
		return ""
	}
	return s
}

// Slug turns a Vietnamese name into a lowercase ASCII id part: "Khiếu nại,
// tố cáo" becomes "khieu-nai-to-cao".
func Slug(s string) string {
	var b strings.Builder
	dash := false
	for _, r := range norm.NFD.String(s) {
		switch {
		case unicode.Is(unicode.Mn, r):
			continue
		case r == 'đ' || r == 'Đ':
			r = 'd'
		}
		r = unicode.ToLower(r)
		if r < 128 && (unicode.IsLetter(r) || unicode.IsDigit(r)) {
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			dash = false
			b.WriteRune(r)
		} else {
			dash = true
		}
	}
	return b.String()
}
