// Package evalset reads labelled question sets (the TSV format of
// ../shared/eval/dev.tsv) and scores the engine's answers with the rules of
// ../shared/eval/score.py and stats.py, so that botctl eval, botctl fit and
// the held-out tests report the same figures as the project's scorer.
package evalset

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"slices"
	"sort"
	"strings"
	"unicode"

	"botdvc/bot"
)

// Row is one labelled question.
type Row struct {
	Line     int    // 1-based line in the file
	Question string //
	// Expect is a guide id (or national code), ids joined by "," (any one
	// is right), ids joined by "|" (ambiguous: asking back is right), or
	// "@handoff", "@greeting", "@fallback".
	Expect string
	Aspect string // expected aspect, "" or "-" for none
	Tags   []string
	Source string // where a real question was found (5th column), if given
}

// IDs returns the ids Expect names (nil for an "@action").
func (r Row) IDs() []string {
	if strings.HasPrefix(r.Expect, "@") {
		return nil
	}
	return strings.FieldsFunc(r.Expect, func(c rune) bool { return c == ',' || c == '|' })
}

// Ambiguous reports whether the row wants a question back ("a|b").
func (r Row) Ambiguous() bool { return strings.Contains(r.Expect, "|") }

// Read reads a question set: a header line, then tab-separated question,
// expect, aspect, tags, source (the last three optional).
func Read(path string) ([]Row, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	rows, err := Parse(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return rows, nil
}

// Parse reads a question set from r (see Read).
func Parse(r io.Reader) ([]Row, error) {
	var rows []Row
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	for n := 1; sc.Scan(); n++ {
		if n == 1 {
			continue // header
		}
		line := strings.TrimRight(sc.Text(), "\r")
		cols := append(strings.Split(line, "\t"), "", "", "", "")
		if cols[0] == "" {
			continue
		}
		if cols[1] == "" {
			return nil, fmt.Errorf("line %d: want question<TAB>expect", n)
		}
		rows = append(rows, Row{Line: n, Question: cols[0], Expect: cols[1], Aspect: cols[2], Tags: strings.Fields(cols[3]), Source: cols[4]})
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	return rows, nil
}

// By says which field of an answer is compared with Expect.
type By string

// The two label kinds.
const (
	ByGuide By = "guide_id"
	ByCode  By = "code"
)

// pick returns the compared field of an answer and of its candidates.
func pick(a bot.AskResult, by By) (string, []string) {
	got := a.GuideID
	if by == ByCode {
		got = a.Code
	}
	cands := make([]string, 0, len(a.Candidates))
	for _, c := range a.Candidates {
		if by == ByCode {
			cands = append(cands, c.Code)
		} else {
			cands = append(cands, c.GuideID)
		}
	}
	return got, cands
}

// Score scores one answer as score.py does: 1, 0.5 or 0.
func Score(r Row, a bot.AskResult, by By) float64 {
	action := string(a.Action)
	got, cands := pick(a, by)
	switch {
	case strings.HasPrefix(r.Expect, "@"):
		if action == r.Expect[1:] {
			return 1
		}
	case r.Ambiguous():
		ids := r.IDs()
		switch {
		case action == "clarify" && intersects(ids, cands):
			return 1
		case action == "answer" && slices.Contains(ids, got):
			return 0.5
		}
	default:
		ids := r.IDs()
		switch {
		case action == "answer" && slices.Contains(ids, got):
			return 1
		case action == "clarify" && intersects(ids, cands[:min(3, len(cands))]):
			return 0.5
		}
	}
	return 0
}

// Wrong reports whether the answer names a procedure the row does not
// expect (stats.py's "confident-wrong"; rows expecting an action count only
// for off-corpus answers, see Summary).
func Wrong(r Row, a bot.AskResult, by By) bool {
	got, _ := pick(a, by)
	return a.Action == bot.ActionAnswer && !slices.Contains(r.IDs(), got)
}

// Summary is a set's figures: accuracy as score.py, and the rates of
// stats.py over the rows that expect a procedure.
type Summary struct {
	N          int
	Accuracy   float64
	Aspect     float64 // right aspects among scored rows that name one
	AspectN    int
	Procedural int     // rows expecting a procedure (stats.py's n)
	Wrong      float64 // answers naming a wrong procedure, over Procedural
	Answered   float64 // share of Procedural answered
	Top1, Top3 float64
	// OffCorpus counts rows expecting @fallback and the share of them not
	// answered with a procedure.
	OffCorpus    int
	OffNotAnswer float64
}

// Summarize scores answers (in row order) and prints score.py's table (per
// tag, then misses when show) to w when w is not nil.
func Summarize(w io.Writer, rows []Row, answers []bot.AskResult, by By, show bool) Summary {
	type tally struct {
		n  int
		ok float64
	}
	var (
		s      Summary
		total  float64
		byTag  = map[string]*tally{}
		misses []string
		aspOK  int
		offOK  int
	)
	s.N = len(rows)
	for i, r := range rows {
		a := answers[i]
		sc := Score(r, a, by)
		total += sc
		got, cands := pick(a, by)
		if sc != 0 && !r.Ambiguous() && !strings.HasPrefix(r.Expect, "@") && r.Aspect != "" && r.Aspect != "-" {
			s.AspectN++
			if string(a.Aspect) == r.Aspect {
				aspOK++
			}
		}
		if strings.HasPrefix(r.Expect, "@") {
			if r.Expect == "@fallback" {
				s.OffCorpus++
				if a.Action != bot.ActionAnswer {
					offOK++
				}
			}
		} else {
			ids := r.IDs()
			s.Procedural++
			if a.Action == bot.ActionAnswer {
				s.Answered++
				if !slices.Contains(ids, got) {
					s.Wrong++
				}
			}
			if len(cands) > 0 && slices.Contains(ids, cands[0]) {
				s.Top1++
			}
			if intersects(ids, cands[:min(3, len(cands))]) {
				s.Top3++
			}
		}
		tags := r.Tags
		if len(tags) == 0 {
			tags = []string{"plain"}
		}
		for _, t := range tags {
			if byTag[t] == nil {
				byTag[t] = &tally{}
			}
			byTag[t].n++
			byTag[t].ok += sc
		}
		if sc < 1 {
			extra := ""
			if a.Action == bot.ActionClarify {
				extra = " offering " + pyList(cands[:min(4, len(cands))])
			}
			misses = append(misses, fmt.Sprintf("  %s: want %s, got %s %s%s", pyRepr(r.Question), r.Expect, a.Action, got, extra))
		}
	}
	if s.N > 0 {
		s.Accuracy = total / float64(s.N)
	}
	if s.AspectN > 0 {
		s.Aspect = float64(aspOK) / float64(s.AspectN)
	}
	if s.Procedural > 0 {
		n := float64(s.Procedural)
		s.Wrong, s.Answered, s.Top1, s.Top3 = s.Wrong/n, s.Answered/n, s.Top1/n, s.Top3/n
	}
	if s.OffCorpus > 0 {
		s.OffNotAnswer = float64(offOK) / float64(s.OffCorpus)
	}
	if w == nil {
		return s
	}
	tags := make([]string, 0, len(byTag))
	for t := range byTag {
		tags = append(tags, t)
	}
	sort.Strings(tags)
	for _, t := range tags {
		fmt.Fprintf(w, "  %-14s %5.1f%%  (%d)\n", t, byTag[t].ok/float64(byTag[t].n)*100, byTag[t].n)
	}
	if show {
		fmt.Fprintln(w, "misses:")
		fmt.Fprintln(w, strings.Join(misses, "\n"))
	}
	fmt.Fprintf(w, "accuracy %.3f over %d questions; aspect %.3f over %d\n", s.Accuracy, s.N, s.Aspect, s.AspectN)
	return s
}

func intersects(a, b []string) bool {
	return slices.ContainsFunc(a, func(x string) bool { return slices.Contains(b, x) })
}

// pyRepr quotes s as Python's repr does for the strings score.py prints.
func pyRepr(s string) string {
	q := byte('\'')
	if strings.ContainsRune(s, '\'') && !strings.ContainsRune(s, '"') {
		q = '"'
	}
	var b strings.Builder
	b.WriteByte(q)
	for _, r := range s {
		switch {
		case r == '\\':
			b.WriteString(`\\`)
		case r == rune(q):
			b.WriteByte('\\')
			b.WriteRune(r)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\t':
			b.WriteString(`\t`)
		case r == '\r':
			b.WriteString(`\r`)
		case !unicode.IsPrint(r) && r != ' ':
			switch {
			case r < 0x100:
				fmt.Fprintf(&b, `\x%02x`, r)
			case r < 0x10000:
				fmt.Fprintf(&b, `\u%04x`, r)
			default:
				fmt.Fprintf(&b, `\U%08x`, r)
			}
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte(q)
	return b.String()
}

// pyList formats strings as Python prints a list of them.
func pyList(ss []string) string {
	parts := make([]string, len(ss))
	for i, s := range ss {
		parts[i] = pyRepr(s)
	}
	return "[" + strings.Join(parts, ", ") + "]"
}
