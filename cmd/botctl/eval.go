package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"unicode"

	"botdvc/bot"
)

// runEval answers every question of a question set (a TSV file as
// ../shared/eval/score.py reads it) and prints the same per-tag accuracy
// table, with the same scoring rules.
func runEval(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("eval", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: botctl eval [--guides DIR] [--catalog FILE] [--url URL] [--show-misses] [--by code] [--min-accuracy X] FILE.tsv")
		fs.PrintDefaults()
	}
	ef := addEngineFlags(fs)
	show := fs.Bool("show-misses", false, "list the questions that did not score 1")
	by := fs.String("by", "guide_id", "compare guide_id, or code (expect holds national procedure codes)")
	minAcc := fs.Float64("min-accuracy", -1, "fail when accuracy is below this")
	if err := fs.Parse(reorderFlags(args)); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return errors.New("want one question file")
	}
	if *by != "guide_id" && *by != "code" {
		return fmt.Errorf("--by %q: want guide_id or code", *by)
	}
	rows, err := readEvalRows(fs.Arg(0))
	if err != nil {
		return err
	}
	a, err := openAnswerer(ctx, ef, stderr)
	if err != nil {
		return err
	}
	defer a.Close()
	answers := make([]bot.AskResult, len(rows))
	for i, r := range rows {
		rep, err := askOne(ctx, a, i+1, r.question)
		if err != nil {
			return fmt.Errorf("%s: %w", r.question, err)
		}
		answers[i] = rep.AskResult
	}
	acc := score(stdout, rows, answers, *by, *show)
	if *minAcc >= 0 && acc < *minAcc {
		return fmt.Errorf("accuracy %.3f below %.3f", acc, *minAcc)
	}
	return nil
}

// reorderFlags moves the file argument after the flags so that
// "eval FILE.tsv --show-misses" works as score.py's argument order does.
func reorderFlags(args []string) []string {
	var flags, rest []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case !strings.HasPrefix(a, "-"):
			rest = append(rest, a)
		case strings.Contains(a, "=") || a == "--show-misses" || a == "-show-misses":
			flags = append(flags, a)
		default:
			flags = append(flags, a)
			if i+1 < len(args) {
				flags = append(flags, args[i+1])
				i++
			}
		}
	}
	return append(flags, rest...)
}

// evalRow is one question: question, expect, aspect, tags.
type evalRow struct {
	question, expect, aspect, tags string
}

// readEvalRows reads a question set: a header line, then tab-separated
// question, expect, aspect, tags (the last two optional).
func readEvalRows(path string) ([]evalRow, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var rows []evalRow
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	for n := 0; sc.Scan(); n++ {
		if n == 0 {
			continue // header
		}
		line := strings.TrimRight(sc.Text(), "\r")
		cols := append(strings.Split(line, "\t"), "", "", "")
		if cols[0] == "" {
			continue
		}
		rows = append(rows, evalRow{cols[0], cols[1], cols[2], cols[3]})
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return rows, nil
}

// score prints the per-tag table and returns the accuracy, exactly as
// score.py computes them.
func score(w io.Writer, rows []evalRow, answers []bot.AskResult, by string, show bool) float64 {
	type tally struct {
		n  int
		ok float64
	}
	var (
		total             float64
		byTag             = map[string]*tally{}
		misses            []string
		aspectOK, aspectN int
	)
	for i, r := range rows {
		a := answers[i]
		action := string(a.Action)
		got := a.GuideID
		if by == "code" {
			got = a.Code
		}
		var cands []string
		for _, c := range a.Candidates {
			if by == "code" {
				cands = append(cands, c.Code)
			} else {
				cands = append(cands, c.GuideID)
			}
		}
		var s float64
		switch {
		case strings.HasPrefix(r.expect, "@"):
			if action == r.expect[1:] {
				s = 1
			}
		case strings.Contains(r.expect, "|"):
			ids := strings.Split(r.expect, "|")
			switch {
			case action == "clarify" && intersects(ids, cands):
				s = 1
			case action == "answer" && contains(ids, got):
				s = 0.5
			}
		default:
			ids := strings.Split(r.expect, ",")
			switch {
			case action == "answer" && contains(ids, got):
				s = 1
			case action == "clarify" && intersects(ids, cands[:min(3, len(cands))]):
				s = 0.5
			}
			if s != 0 && r.aspect != "" && r.aspect != "-" {
				aspectN++
				if string(a.Aspect) == r.aspect {
					aspectOK++
				}
			}
		}
		total += s
		tags := strings.Fields(r.tags)
		if len(tags) == 0 {
			tags = []string{"plain"}
		}
		for _, t := range tags {
			if byTag[t] == nil {
				byTag[t] = &tally{}
			}
			byTag[t].n++
			byTag[t].ok += s
		}
		if s < 1 {
			extra := ""
			if action == "clarify" {
				extra = " offering " + pyList(cands[:min(4, len(cands))])
			}
			misses = append(misses, fmt.Sprintf("  %s: want %s, got %s %s%s", pyRepr(r.question), r.expect, action, got, extra))
		}
	}
	acc := 0.0
	if len(rows) > 0 {
		acc = total / float64(len(rows))
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
	asp := 0.0
	if aspectN > 0 {
		asp = float64(aspectOK) / float64(aspectN)
	}
	fmt.Fprintf(w, "accuracy %.3f over %d questions; aspect %.3f over %d\n", acc, len(rows), asp, aspectN)
	return acc
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

func intersects(a, b []string) bool {
	for _, x := range a {
		if contains(b, x) {
			return true
		}
	}
	return false
}

// pyRepr quotes s as Python's repr does for the strings eval prints.
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
