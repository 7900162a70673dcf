package audit

import (
	"regexp"
	"sort"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"botdvc/knowledge"
)

// Catalog indexes national catalogue records (guides with Source ==
// knowledge.SourceCatalog, as catalog.Read returns them) for the audit: the
// documents each record cites, the ones its fee text names inside a time
// limit ("áp dụng đến hết ngày 31/12/2026 theo Thông tư số 64/2025/TT-BTC"),
// the amounts its fee text gives, and the replace/amend relations its text
// states. Build it once with NewCatalog; it is read-only afterwards.
type Catalog struct {
	records []*record
	byCode  map[string]*record
	citers  map[string][]*record       // document key -> records citing it (legal basis or fee text)
	domains map[string]map[string]bool // document key -> domains of the records citing it
	end     map[string]time.Time       // document key -> latest end of its time-limited mentions
	limited map[string]bool            // the document is named inside a time limit somewhere
	open    map[string]bool            // the document is named in a fee text outside any time limit
	rels    []Relation
}

// record is one catalogue record as the audit sees it.
type record struct {
	code, title, url, domain string
	fee                      string           // the fee texts of its channels, one per line
	amounts                  map[int64]bool   // sums of money in the fee text
	percents                 []int            // percentages in the fee text
	refs                     map[string]Ref   // every document it cites (legal basis and fee text)
	feeRefs                  map[string]bool  // documents its fee text names
	mods                     map[string]until // documents its fee text names inside a time limit, with the limit
}

type until struct {
	date time.Time
}

// omnibusDomains is the number of catalogue domains (linh_vuc) from which a
// circular is cited before it counts as a cross-cutting one (TT 64/2025 on
// fee cuts in 16 domains; TT 85/2019 on provincial fees; TT 63/2023 on
// online rates for driving licences and safety inspections): such a
// circular does not define a fee schedule of its own, so it links no
// records as "the same fee schedule". In the mid-2026 catalogue every fee
// schedule a guide rests on is cited from one domain only (TT 25/2021
// passports, TT 73/2024 căn cước, TT 75/2022 residence, TT 37/2023 driving
// licences, TT 226/2016 certification).
const omnibusDomains = 2

// NewCatalog indexes records. Guides that are not catalogue records are
// indexed too (their text is read the same way), so tests can pass small
// hand-made records.
func NewCatalog(records []knowledge.Guide) *Catalog {
	c := &Catalog{
		byCode:  map[string]*record{},
		citers:  map[string][]*record{},
		domains: map[string]map[string]bool{},
		end:     map[string]time.Time{},
		limited: map[string]bool{},
		open:    map[string]bool{},
	}
	rels := map[[3]string]*Relation{}
	addRel := func(newR, oldR Ref, replaces bool, code string) {
		if newR.Key == oldR.Key || newR.Year < oldR.Year || newR.Year == 0 || oldR.Year == 0 || rank(newR) < rank(oldR) {
			return
		}
		verb := "amends"
		if replaces {
			verb = "replaces"
		}
		k := [3]string{newR.Key, verb, oldR.Key}
		r := rels[k]
		if r == nil {
			r = &Relation{New: newR.Key, Old: oldR.Key, Replaces: replaces, Source: "record " + code}
			rels[k] = r
		}
		if !contains(r.Records, code) {
			r.Records = append(r.Records, code)
		}
	}
	for _, g := range records {
		if g.Code == "" {
			continue
		}
		r := &record{code: g.Code, title: g.Title, url: g.SourceURL, domain: g.Domain,
			amounts: map[int64]bool{}, refs: map[string]Ref{}, feeRefs: map[string]bool{}, mods: map[string]until{}}
		var fees []string
		for _, m := range g.Methods {
			fees = append(fees, m.Fee)
		}
		if len(fees) == 0 && g.Fee != "" {
			fees = append(fees, g.Fee)
		}
		r.fee = strings.Join(fees, "\n")
		for _, a := range Amounts(r.fee, false) {
			r.amounts[a.Value] = true
		}
		r.percents = Percents(r.fee)
		for _, f := range fees {
			for _, seg := range segments(f) {
				us := Untils(seg)
				for _, ref := range Refs(seg) {
					r.refs[ref.Key] = ref
					r.feeRefs[ref.Key] = true
					if u, ok := untilBefore(us, ref.Start); ok {
						if old, seen := r.mods[ref.Key]; !seen || u.Date.After(old.date) {
							r.mods[ref.Key] = until{u.Date}
						}
						c.limited[ref.Key] = true
						if u.Date.After(c.end[ref.Key]) {
							c.end[ref.Key] = u.Date
						}
					} else {
						c.open[ref.Key] = true
					}
				}
			}
		}
		// What the record cites: the number cells of its legal basis, not the
		// documents a title merely names ("… sửa đổi … Thông tư số
		// 55/2021/TT-BCA"). The importer writes each row "NAME (NUMBER)" but
		// sometimes cuts a number in two ("… (53/2025/TT-BC)" + "Angày …");
		// the rows are unwrapped and joined back as the portal's cells ran
		// ("…dữ liệu66.7/2025/NQ-CPThông tư số 53/2025/TT-BCAngày …"), where a
		// number cell is glued to the text before it, or opens a row.
		items := repairRows(g.LegalBasis)
		var joined strings.Builder
		var starts []int
		for _, item := range items {
			starts = append(starts, joined.Len())
			if i := strings.LastIndex(item, " ("); i >= 0 && strings.HasSuffix(item, ")") && !strings.ContainsAny(item[i+2:len(item)-1], " ()") {
				item = item[:i] + item[i+2:len(item)-1]
			}
			joined.WriteString(item)
		}
		lb := joined.String()
		for _, ref := range Refs(lb) {
			prev, _ := utf8.DecodeLastRuneInString(lb[:ref.Start])
			if ref.Start == 0 || !unicode.IsSpace(prev) || nearStart(starts, ref.Start) {
				r.refs[ref.Key] = ref
			}
		}
		for _, item := range items {
			refs := Refs(item)
			if len(refs) == 0 {
				continue
			}
			subject := refs[0]
			if last := refs[len(refs)-1]; strings.HasSuffix(strings.TrimRight(item, ". "), last.Text+")") {
				subject = last
			}
			title := item
			// A time-limited document: "Có hiệu lực từ … đến hết ngày 31 tháng 12 năm 2023".
			if us := Untils(title); len(us) > 0 {
				c.limited[subject.Key] = true
				if d := us[len(us)-1].Date; d.After(c.end[subject.Key]) {
					c.end[subject.Key] = d
				}
			}
			// A relation stated in a title ("Thông tư … sửa đổi, bổ sung một số
			// điều của Thông tư số …", "… thay thế …"): read only from a clean
			// row, "TITLE (NUMBER)" with no other row glued in, since the
			// portal's cells often run several rows together.
			if subject.Text != refs[len(refs)-1].Text || !cleanRow(item, refs[:len(refs)-1]) {
				continue
			}
			low := strings.ToLower(title)
			kw := -1
			replaces := false
			for _, w := range []string{"sửa đổi", "thay thế"} {
				if i := strings.Index(low, w); i >= 0 && !strings.HasSuffix(strings.TrimSpace(low[:i]), "được") && (kw < 0 || i < kw) {
					kw, replaces = i, w == "thay thế"
				}
			}
			if kw < 0 {
				continue
			}
			for _, o := range refs[:len(refs)-1] {
				if o.Start > kw && o.Key != subject.Key {
					addRel(subject, o, replaces, g.Code)
				}
			}
		}
		// "… Thông tư số 75/2022/TT-BTC … được sửa đổi, bổ sung tại Thông tư số 71/2025/TT-BTC"
		texts := append([]string{r.fee, g.Eligibility, g.Fee, strings.Join(items, "\n")}, append(g.Documents, g.Steps...)...)
		for _, text := range texts {
			if !strings.Contains(text, "được sửa đổi") {
				continue
			}
			for _, m := range amendedBy.FindAllStringIndex(text, -1) {
				before := Refs(lastSentence(text[max(0, m[0]-250):m[0]]))
				after := Refs(text[m[1]:min(len(text), m[1]+160)])
				if len(before) == 0 || len(after) == 0 || after[0].Start > 60 {
					continue
				}
				addRel(after[0], before[len(before)-1], false, g.Code)
			}
		}
		c.records = append(c.records, r)
		c.byCode[r.code] = r
		for k := range r.refs {
			c.citers[k] = append(c.citers[k], r)
			if c.domains[k] == nil {
				c.domains[k] = map[string]bool{}
			}
			c.domains[k][r.domain] = true
		}
	}
	for _, r := range rels {
		sort.Strings(r.Records)
		c.rels = append(c.rels, *r)
	}
	sort.Slice(c.rels, func(i, j int) bool {
		if c.rels[i].Old != c.rels[j].Old {
			return c.rels[i].Old < c.rels[j].Old
		}
		return c.rels[i].New < c.rels[j].New
	})
	return c
}

// Len returns the number of records indexed.
func (c *Catalog) Len() int {
	if c == nil {
		return 0
	}
	return len(c.records)
}

// Relations returns the replace/amend relations the records state.
func (c *Catalog) Relations() []Relation {
	if c == nil {
		return nil
	}
	return c.rels
}

// URL returns the portal page of the record with code, or "".
func (c *Catalog) URL(code string) string {
	if c == nil {
		return ""
	}
	if r := c.byCode[code]; r != nil {
		return r.url
	}
	return ""
}

// expired reports whether document key is only ever named inside time
// limits, and the latest of them ended before today.
func (c *Catalog) expired(key string, today time.Time) bool {
	return c.limited[key] && !c.open[key] && c.end[key].Before(today)
}

// omnibus reports whether the circular is cited from so many domains that it
// is a cross-cutting fee circular rather than one fee schedule.
func (c *Catalog) omnibus(key string) bool { return len(c.domains[key]) >= omnibusDomains }

var amendedBy = regexp.MustCompile(`được sửa đổi,? bổ sung (?:tại|bởi|theo)`)

// repairRows mends two ways the importer (catalog.SplitLegalBasis) cuts a
// document number when the portal's cells run together: the issuer's last
// capital carried into the next row ("… (53/2025/TT-BC)" + "Angày …"), and
// a law's legislature digits carried into the next number ("…59/2020/QH
// (1447/2019/TT-BTC)").
func repairRows(rows []string) []string {
	out := append([]string(nil), rows...)
	for i := range out {
		item := out[i]
		open := strings.LastIndex(item, " (")
		if open < 0 || !strings.HasSuffix(item, ")") {
			continue
		}
		num := item[open+2 : len(item)-1]
		if strings.HasSuffix(item[:open], "/QH") && len(num) > 2 && num[0] >= '0' && num[0] <= '9' && num[1] >= '0' && num[1] <= '9' {
			item = item[:open] + num[:2] + " (" + num[2:] + ")"
			out[i] = item
			open += 2
			num = num[2:]
		}
		if i+1 >= len(out) {
			continue
		}
		next := []rune(out[i+1])
		if len(next) < 2 || !unicode.IsUpper(next[0]) || !unicode.IsLower(next[1]) {
			continue
		}
		dash := strings.LastIndexAny(num, "-/")
		if dash < 0 || !knownIssuer(num[dash+1:]+string(next[0])) {
			continue
		}
		out[i] = item[:len(item)-1] + string(next[0]) + ")"
		out[i+1] = string(next[1:])
	}
	return out
}

// nearStart reports whether pos is within the first words of an item.
func nearStart(starts []int, pos int) bool {
	for _, s := range starts {
		if pos >= s && pos-s <= 40 {
			return true
		}
	}
	return false
}

// rank orders documents by legal force: a document can amend or replace
// only one of the same or lower force (a circular never amends a decree).
func rank(r Ref) int {
	switch {
	case strings.HasPrefix(r.Type, "QH"), r.Type == "NQ" && strings.HasPrefix(r.Issuer, "QH"), r.Type == "PL":
		return 4
	case r.Type == "NĐ", r.Type == "NQ" && r.Issuer == "CP":
		return 3
	case r.Type == "QĐ" && r.Issuer == "TTg":
		return 2
	}
	return 1
}

// cleanRow reports whether a legal-basis item is one row: none of the
// documents named in its title is glued to a letter (a number cell run into
// the next row's title, "…18/2024/TT-BCAThông tư …", or a title run into a
// number, "…Luật Căn cước26/2023/QH15").
func cleanRow(item string, refs []Ref) bool {
	for _, r := range refs {
		if r.End < len(item) {
			if next := []rune(item[r.End:]); len(next) > 0 && unicode.IsLetter(next[0]) {
				return false
			}
		}
		if r.Start > 0 {
			prev, _ := utf8.DecodeLastRuneInString(item[:r.Start])
			if unicode.IsLetter(prev) {
				return false
			}
		}
	}
	return true
}

// untilBefore returns the nearest time limit written before pos.
func untilBefore(us []Until, pos int) (Until, bool) {
	var best Until
	ok := false
	for _, u := range us {
		if u.End <= pos {
			best, ok = u, true
		}
	}
	return best, ok
}

// segments splits a fee note into its clauses: lines, and sentences that
// start a new list item or a capitalised sentence ("…). - 25.000đ/tem …").
func segments(s string) []string {
	var out []string
	start := 0
	for i := 0; i < len(s); i++ {
		switch {
		case s[i] == '\n':
		case (s[i] == '.' || s[i] == ';') && i+2 < len(s) && s[i+1] == ' ' && startsItem(s[i+2:]):
		default:
			continue
		}
		out = append(out, s[start:i+1])
		start = i + 1
	}
	return append(out, s[start:])
}

func startsItem(rest string) bool {
	if rest == "" {
		return false
	}
	if rest[0] == '-' || rest[0] == '+' {
		return true
	}
	r := []rune(rest[:min(len(rest), 4)])
	return len(r) > 0 && isUpper(r[0])
}

// lastSentence returns the end of text from the start of its last sentence
// (after the last ". " or newline), at most 300 bytes.
func lastSentence(text string) string {
	i := strings.LastIndexAny(text, "\n")
	if j := strings.LastIndex(text, ". "); j > i {
		i = j + 1
	}
	s := text[i+1:]
	if len(s) > 300 {
		s = s[len(s)-300:]
	}
	return s
}

func contains(xs []string, s string) bool {
	for _, x := range xs {
		if x == s {
			return true
		}
	}
	return false
}
