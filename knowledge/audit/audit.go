package audit

import (
	"fmt"
	"sort"
	"strings"
	"time"
	"unicode"

	"golang.org/x/text/unicode/norm"

	"botdvc/knowledge"
)

// Kind names what a finding is about.
type Kind string

// The kinds of finding.
const (
	// MissingCircular: the legal basis lacks a circular that catalogue
	// records of the guide's codes cite, or that records on the same fee
	// schedule cite with the fee.
	MissingCircular Kind = "missing-circular"
	// FeeRate: records on the same fee schedule (or of the guide's codes)
	// give a time-limited rate under a circular the fee does not mention.
	FeeRate Kind = "fee-rate"
	// UnknownAmount: a sum of money no record of the guide's codes gives.
	UnknownAmount Kind = "amount"
	// Replaced: the guide cites a document that another replaced.
	Replaced Kind = "replaced"
	// Amended: the guide cites a document that another amended, and does
	// not cite the amending one.
	Amended Kind = "amended"
	// RateEnded: a time limit ("đến hết 31/12/2025") already past.
	RateEnded Kind = "rate-ended"
	// RateEnding: a time limit within the coming SoonDays.
	RateEnding Kind = "rate-ending"
	// ReviewOld: reviewed longer ago than ReviewMonths.
	ReviewOld Kind = "review-old"
)

// Finding is one thing the audit found in one guide.
type Finding struct {
	Guide   string // guide id
	File    string // file the guide was read from, when known
	Line    int    // line in that file (0 when unknown)
	Field   string // front matter field, "body" or "faq"
	Kind    Kind
	Doc     string    // the document concerned (key)
	Other   string    // the replacing / amending document, or the shared fee schedule
	Amount  int64     // Kind UnknownAmount: the sum
	Date    time.Time // RateEnded / RateEnding: the end; ReviewOld: the review date
	Records []string  // catalogue codes that support the finding
	Source  string    // register relations: where the relation is settled
	Excerpt string    // the guide's text concerned, shortened
	// Explained says how the guide itself explains this (empty: it does
	// not, and an editor must act); ExplainedVI says the same in Vietnamese.
	Explained   string
	ExplainedVI string
}

// Open reports whether the guide does not explain the finding.
func (f Finding) Open() bool { return f.Explained == "" }

// Input is one guide to audit. Text is the guide file (optional): with it,
// findings point to the exact line of the text concerned rather than to the
// field's first line.
type Input struct {
	Guide knowledge.Guide
	Text  string
}

// Options tune Run.
type Options struct {
	Today        time.Time  // "now"; zero means time.Now()
	Catalog      *Catalog   // nil: the catalogue checks are skipped
	Register     []Relation // relations settled by public sources (DefaultRegister)
	ReviewMonths int        // a review older than this is a finding; 0 means 12
	SoonDays     int        // a time limit ending within this many days is a finding; 0 means 60
}

// Run audits the guides and returns the findings sorted by guide, line and
// kind. Catalogue guides (Source == SourceCatalog) are skipped: they are the
// records, not what is checked against them.
func Run(in []Input, opt Options) []Finding {
	if opt.Today.IsZero() {
		opt.Today = time.Now()
	}
	y, m, d := opt.Today.Date()
	opt.Today = time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	if opt.ReviewMonths == 0 {
		opt.ReviewMonths = 12
	}
	if opt.SoonDays == 0 {
		opt.SoonDays = 60
	}
	rels := append([]Relation(nil), opt.Register...)
	rels = append(rels, opt.Catalog.Relations()...)
	var out []Finding
	for _, i := range in {
		if i.Guide.Source == knowledge.SourceCatalog {
			continue
		}
		a := newGuideAudit(i, opt, rels)
		a.review()
		a.timeLimits()
		a.relations()
		if opt.Catalog != nil {
			a.circulars()
			a.amounts()
		}
		out = append(out, a.out...)
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Guide != out[j].Guide {
			return out[i].Guide < out[j].Guide
		}
		if out[i].Line != out[j].Line {
			return out[i].Line < out[j].Line
		}
		return out[i].Kind < out[j].Kind
	})
	return out
}

// span is one piece of a guide's text: a field, a list item, an FAQ answer
// or the body, with the line it starts on.
type span struct {
	field string
	text  string
	line  int // the field's (or item's) line
}

type guideAudit struct {
	in    Input
	g     knowledge.Guide
	opt   Options
	rels  []Relation
	spans []span
	lines []string // the file's lines, when Text is given
	body  int      // first line of the body in the file
	// mentioned: document key -> the spans naming it
	mentioned map[string][]int
	out       []Finding
	seen      map[string]bool
}

func newGuideAudit(in Input, opt Options, rels []Relation) *guideAudit {
	g := in.Guide
	a := &guideAudit{in: in, g: g, opt: opt, rels: rels, mentioned: map[string][]int{}, seen: map[string]bool{}}
	if in.Text != "" {
		a.lines = strings.Split(norm.NFC.String(strings.ReplaceAll(in.Text, "\r\n", "\n")), "\n")
		dashes := 0
		for n, l := range a.lines {
			if strings.TrimSpace(l) == "---" {
				dashes++
				if dashes == 2 {
					a.body = n + 2
					break
				}
			}
		}
	}
	add := func(field, text string, line int) {
		if strings.TrimSpace(text) != "" {
			a.spans = append(a.spans, span{field, text, line})
		}
	}
	for _, it := range g.LegalBasis {
		add("legal_basis", it, g.ItemLine("legal_basis", it))
	}
	add("fee", g.Fee, g.Line("fee"))
	add("duration", g.Duration, g.Line("duration"))
	add("where", g.Where, g.Line("where"))
	add("eligibility", g.Eligibility, g.Line("eligibility"))
	for _, it := range g.Documents {
		add("documents", it, g.ItemLine("documents", it))
	}
	for _, it := range g.Steps {
		add("steps", it, g.ItemLine("steps", it))
	}
	for _, m := range g.Methods {
		add("methods", m.Fee+"\n"+m.Duration+"\n"+m.Note, g.Line("methods"))
	}
	for _, f := range g.FAQ {
		add("faq", f.Q+"\n"+f.A, g.Line("faq"))
	}
	add("body", g.Body, a.body)
	for i, s := range a.spans {
		for _, r := range Refs(s.text) {
			if n := a.mentioned[r.Key]; len(n) == 0 || n[len(n)-1] != i {
				a.mentioned[r.Key] = append(a.mentioned[r.Key], i)
			}
		}
	}
	return a
}

func (a *guideAudit) add(f Finding) {
	f.Guide = a.g.ID
	f.File = a.g.Path
	key := fmt.Sprintf("%s|%d|%s|%s|%s|%d|%s", f.Kind, f.Line, f.Field, f.Doc, f.Other, f.Amount, f.Date.Format("2006-01-02"))
	if a.seen[key] {
		return
	}
	a.seen[key] = true
	a.out = append(a.out, f)
}

// lineAt returns the file line of the text at byte pos of the span: the
// line of the span's text around pos is looked up in the file (block text
// keeps its lines), else just the text at [pos, end).
func (a *guideAudit) lineAt(s span, pos, end int) int {
	ls := strings.LastIndexByte(s.text[:pos], '\n') + 1
	le := strings.IndexByte(s.text[pos:], '\n')
	if le < 0 {
		le = len(s.text)
	} else {
		le += pos
	}
	if n := a.find(s, s.text[ls:le]); n > 0 {
		return n
	}
	return a.lineOf(s, s.text[pos:end])
}

// find returns the first file line from the span's line on that holds
// needle, or 0.
func (a *guideAudit) find(s span, needle string) int {
	from := s.line
	if s.field == "body" {
		from = a.body
	}
	needle = strings.TrimSpace(needle)
	if len(a.lines) == 0 || from <= 0 || needle == "" {
		return 0
	}
	for n := from - 1; n < len(a.lines); n++ {
		if strings.Contains(a.lines[n], needle) {
			return n + 1
		}
	}
	return 0
}

// lineOf returns the file line holding needle, searching from the span's
// line (the body: from its start); without the file, the span's line.
func (a *guideAudit) lineOf(s span, needle string) int {
	from := s.line
	if s.field == "body" {
		from = a.body
	}
	if len(a.lines) == 0 || from <= 0 {
		return from
	}
	needle = strings.TrimSpace(needle)
	if nl := strings.IndexByte(needle, '\n'); nl >= 0 {
		needle = needle[:nl]
	}
	if needle == "" {
		return from
	}
	for n := from - 1; n < len(a.lines); n++ {
		if strings.Contains(a.lines[n], needle) {
			return n + 1
		}
	}
	return from
}

func (a *guideAudit) inLegalBasis(key string) bool {
	for _, i := range a.mentioned[key] {
		if a.spans[i].field == "legal_basis" {
			return true
		}
	}
	return false
}

func (a *guideAudit) mentionedIn(key, field string) bool {
	for _, i := range a.mentioned[key] {
		if a.spans[i].field == field {
			return true
		}
	}
	return false
}

// review: a `reviewed` date older than ReviewMonths.
func (a *guideAudit) review() {
	r := a.g.Reviewed
	if r.IsZero() {
		return
	}
	if r.Before(a.opt.Today.AddDate(0, -a.opt.ReviewMonths, 0)) {
		a.add(Finding{Line: a.g.Line("reviewed"), Field: "reviewed", Kind: ReviewOld, Date: r})
	}
}

// endedWords say in a sentence that a time-limited rate is over.
var endedWords = []string{"đã hết", "hết hạn", "hết hiệu lực", "không còn áp dụng", "không còn được áp dụng", "đã kết thúc", "không còn hiệu lực"}

// timeLimits: "đến hết DATE" past, or within SoonDays.
func (a *guideAudit) timeLimits() {
	soon := a.opt.Today.AddDate(0, 0, a.opt.SoonDays)
	for _, s := range a.spans {
		for _, u := range Untils(s.text) {
			sent := sentence(s.text, u.Start, u.End)
			f := Finding{Line: a.lineAt(s, u.Start, u.End), Field: s.field, Date: u.Date, Excerpt: shorten(sent)}
			switch {
			case u.Date.Before(a.opt.Today):
				f.Kind = RateEnded
				low := strings.ToLower(sent)
				for _, w := range endedWords {
					if strings.Contains(low, w) {
						f.Explained = fmt.Sprintf("the sentence says the rate is over (%q)", w)
						f.ExplainedVI = fmt.Sprintf("câu văn đã nói mức này hết áp dụng («%s»)", w)
						break
					}
				}
			case !u.Date.After(soon):
				f.Kind = RateEnding
				next := u.Date.AddDate(0, 0, 1)
				if a.saysDate(next) {
					f.Explained = "the guide says what applies from " + next.Format("02/01/2006")
					f.ExplainedVI = "hướng dẫn đã nói mức áp dụng từ " + next.Format("02/01/2006")
				}
			default:
				continue
			}
			a.add(f)
		}
	}
}

// saysDate reports whether the guide writes the date t anywhere.
func (a *guideAudit) saysDate(t time.Time) bool {
	for _, s := range a.spans {
		for _, d := range Dates(s.text) {
			if d.Equal(t) {
				return true
			}
		}
	}
	return false
}

// replaceWords state in a guide's sentence that a document was replaced.
var replaceWords = []string{"thay thế", "thay cho", "hết hiệu lực", "bãi bỏ", "không còn áp dụng", "không còn hiệu lực"}

// relations: a cited document that another replaced, or amended.
func (a *guideAudit) relations() {
	for _, rel := range a.rels {
		if rel.Unrelated {
			continue
		}
		spans := a.mentioned[rel.Old]
		if len(spans) == 0 {
			continue
		}
		if rel.Replaces {
			for _, i := range spans {
				s := a.spans[i]
				for _, r := range Refs(s.text) {
					if r.Key != rel.Old {
						continue
					}
					sent := sentence(s.text, r.Start, r.End)
					f := Finding{Line: a.lineAt(s, r.Start, r.End), Field: s.field, Kind: Replaced, Doc: rel.Old, Other: rel.New,
						Records: rel.Records, Source: rel.Source, Excerpt: shorten(sent)}
					if names(sent, rel.New) {
						low := strings.ToLower(sent)
						for _, w := range replaceWords {
							if strings.Contains(low, w) {
								f.Explained = fmt.Sprintf("the same sentence names %s and says %q", rel.New, w)
								f.ExplainedVI = fmt.Sprintf("cùng câu đã nêu %s và ghi «%s»", rel.New, w)
								break
							}
						}
					}
					a.add(f)
				}
			}
			continue
		}
		if len(a.mentioned[rel.New]) > 0 {
			continue
		}
		if a.opt.Catalog != nil && a.opt.Catalog.expired(rel.New, a.opt.Today) {
			continue
		}
		s := a.spans[spans[0]]
		for _, i := range spans {
			if a.spans[i].field == "legal_basis" {
				s = a.spans[i]
				break
			}
		}
		a.add(Finding{Line: a.lineOf(s, rel.Old), Field: s.field, Kind: Amended, Doc: rel.Old, Other: rel.New,
			Records: rel.Records, Source: rel.Source, Excerpt: shorten(s.text)})
	}
}

// names reports whether text cites the document key.
func names(text, key string) bool {
	for _, r := range Refs(text) {
		if r.Key == key {
			return true
		}
	}
	return false
}

// codes returns the guide's national codes.
func (a *guideAudit) codes() []string {
	var cs []string
	if a.g.Code != "" {
		cs = append(cs, a.g.Code)
	}
	return append(cs, a.g.OtherCodes...)
}

func (a *guideAudit) own() []*record {
	var out []*record
	for _, c := range a.codes() {
		if r := a.opt.Catalog.byCode[c]; r != nil {
			out = append(out, r)
		}
	}
	return out
}

// unrelated reports whether the register says record code cites doc by
// mistake.
func (a *guideAudit) unrelated(doc, code string) bool {
	for _, r := range a.rels {
		if r.Unrelated && r.New == doc && r.Old == code {
			return true
		}
	}
	return false
}

func (a *guideAudit) replacedDoc(key string) bool {
	for _, r := range a.rels {
		if r.Replaces && !r.Unrelated && r.Old == key {
			return true
		}
	}
	return false
}

// circulars: circulars that records of the guide's codes cite, and rates
// that records on the same fee schedule give, which the guide lacks.
func (a *guideAudit) circulars() {
	cat, today := a.opt.Catalog, a.opt.Today
	own := a.own()
	lbLine := a.g.Line("legal_basis")
	feeSpan := span{field: "fee", text: a.g.Fee, line: a.g.Line("fee")}

	type cand struct {
		records []string
		via     string // the shared fee schedule, for same-schedule records
		until   time.Time
		ref     Ref
	}
	missing := map[string]*cand{}
	var order []string
	note := func(k string, ref Ref, code, via string, end time.Time) {
		if a.unrelated(k, code) {
			return
		}
		c := missing[k]
		if c == nil {
			c = &cand{via: via, ref: ref}
			missing[k] = c
			order = append(order, k)
		}
		if !contains(c.records, code) {
			c.records = append(c.records, code)
		}
		if end.After(c.until) {
			c.until = end
		}
	}
	// 1. Circulars that the records of the guide's own codes cite.
	for _, r := range own {
		for k, ref := range r.refs {
			if !ref.Circular() || ref.Year == 0 || cat.expired(k, today) || a.replacedDoc(k) {
				continue
			}
			var end time.Time
			if m, ok := r.mods[k]; ok {
				end = m.date
			}
			note(k, ref, r.code, "", end)
		}
	}
	// 2. Time-limited rates on the same fee schedule: records citing a
	// Ministry of Finance circular the guide (or its records) rests on.
	schedules := map[string]bool{}
	for _, r := range own {
		for k, ref := range r.refs {
			if ref.Finance() && !cat.omnibus(k) && !cat.expired(k, today) && !(cat.limited[k] && !cat.open[k]) {
				schedules[k] = true
			}
		}
	}
	for _, s := range a.spans {
		if s.field != "legal_basis" && s.field != "fee" {
			continue
		}
		for _, ref := range Refs(s.text) {
			if ref.Finance() && len(cat.citers[ref.Key]) > 0 && !cat.omnibus(ref.Key) && !cat.expired(ref.Key, today) && !(cat.limited[ref.Key] && !cat.open[ref.Key]) {
				schedules[ref.Key] = true
			}
		}
	}
	var sched []string
	for k := range schedules {
		sched = append(sched, k)
	}
	sort.Strings(sched)
	for _, sk := range sched {
		for _, p := range cat.citers[sk] {
			for k, u := range p.mods {
				ref := p.refs[k]
				if !ref.Finance() || u.date.Before(today) || k == sk {
					continue
				}
				note(k, ref, p.code, sk, u.date)
			}
		}
	}
	sort.Strings(order)
	for _, k := range order {
		c := missing[k]
		sort.Strings(c.records)
		if !a.inLegalBasis(k) {
			f := Finding{Line: lbLine, Field: "legal_basis", Kind: MissingCircular, Doc: k, Other: c.via, Records: c.records, Date: c.until}
			if n := a.mentioned[k]; len(n) > 0 {
				f.Explained = "named in the guide's " + a.spans[n[0]].field
				f.ExplainedVI = "đã nêu trong mục " + a.spans[n[0]].field + " của hướng dẫn"
			}
			a.add(f)
		}
		if c.ref.Finance() && !c.until.IsZero() && a.g.Fee != "" && !a.mentionedIn(k, "fee") {
			a.add(Finding{Line: feeSpan.line, Field: "fee", Kind: FeeRate, Doc: k, Other: c.via, Records: c.records, Date: c.until, Excerpt: shorten(a.g.Fee)})
		}
	}
}

// amounts: sums of money that no record of the guide's codes gives.
func (a *guideAudit) amounts() {
	own := a.own()
	if len(own) == 0 {
		return
	}
	known := func(v int64) bool {
		for _, r := range own {
			if r.amounts[v] {
				return true
			}
			for _, p := range r.percents {
				if v*100%int64(p) == 0 && r.amounts[v*100/int64(p)] {
					return true
				}
			}
		}
		return false
	}
	var codes []string
	for _, r := range own {
		codes = append(codes, r.code)
	}
	for _, s := range a.spans {
		unit := true
		switch s.field {
		case "fee":
			unit = false
		case "faq", "body":
		default:
			continue
		}
		for _, am := range Amounts(s.text, unit) {
			if known(am.Value) {
				continue
			}
			sent := sentence(s.text, am.Start, am.End)
			f := Finding{Line: a.lineAt(s, am.Start, am.End), Field: s.field, Kind: UnknownAmount, Amount: am.Value, Records: codes, Excerpt: shorten(sent)}
			for _, r := range Refs(sent) {
				if a.inLegalBasis(r.Key) {
					f.Explained = "the sentence cites " + r.Key + ", which the legal basis lists"
					f.ExplainedVI = "câu văn dẫn " + r.Key + ", có trong căn cứ pháp lý"
					break
				}
			}
			a.add(f)
		}
	}
}

// sentence returns the sentence of text around [start, end): bounded by
// line breaks and by ". " before a capital letter.
func sentence(text string, start, end int) string {
	s := 0
	for i := start - 1; i >= 0; i-- {
		if text[i] == '\n' {
			s = i + 1
			break
		}
		if i+2 < len(text) && (text[i] == '.' || text[i] == '?' || text[i] == '!') && text[i+1] == ' ' && startsCap(text[i+2:]) && i+1 < start {
			s = i + 2
			break
		}
	}
	e := len(text)
	for i := end; i < len(text); i++ {
		if text[i] == '\n' {
			e = i
			break
		}
		if (text[i] == '.' || text[i] == '?' || text[i] == '!') && (i+1 == len(text) || text[i+1] == ' ' && i+2 < len(text) && startsCap(text[i+2:])) {
			e = i + 1
			break
		}
	}
	return strings.TrimSpace(text[s:e])
}

func startsCap(s string) bool {
	for _, r := range s {
		return isUpper(r) || r == '(' || r == '"'
	}
	return false
}

func isUpper(r rune) bool { return unicode.IsUpper(r) }

func shorten(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > 160 {
		return string(r[:157]) + "…"
	}
	return s
}
