package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"botdvc/bot"
)

// runAsk answers one question given as arguments (botctl ask "làm hộ chiếu
// ở đâu"), or questions read from stdin, one per line. Each question is an
// independent conversation. With --json it prints one bot.AskResult per
// question (the contract in ../shared/DESIGN.md); with --url the answers
// come from a running botd's /api/v1/ask.
func runAsk(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("ask", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: botctl ask [--json] [--guides DIR] [--catalog FILE] [--url URL] [QUESTION...]")
		fmt.Fprintln(fs.Output(), "Without QUESTION the questions are read from standard input, one per line.")
		fs.PrintDefaults()
	}
	asJSON := fs.Bool("json", false, "print one JSON object per question (query, action, guide_id, code, aspect, confidence, candidates, text)")
	explain := fs.Bool("explain", false, "also print how the engine ranked the candidates: each one's probability and features (not with --url)")
	ef := addEngineFlags(fs)
	words, err := parseAll(fs, args)
	if err != nil {
		return err
	}
	if *explain && ef.url != "" {
		return errors.New("--explain needs the engine here: leave out --url")
	}
	a, err := openAnswerer(ctx, ef, stderr)
	if err != nil {
		return err
	}
	defer a.Close()

	w := bufio.NewWriter(stdout)
	defer w.Flush()
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	one := func(n int, q string) error {
		r, err := askOne(ctx, a, n, q)
		if err != nil {
			return err
		}
		if *asJSON {
			err = enc.Encode(r.AskResult)
		} else {
			printReadable(w, q, r)
		}
		if err == nil && *explain {
			err = printExplanation(ctx, w, a.(localAnswerer).Engine, q)
		}
		return err
	}
	if len(words) > 0 {
		q := strings.TrimSpace(strings.Join(words, " "))
		if q == "" {
			return fmt.Errorf("the question is empty")
		}
		return one(1, q)
	}
	sc := bufio.NewScanner(stdin)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	for n := 1; sc.Scan(); n++ {
		if err := one(n, strings.TrimRight(sc.Text(), "\r")); err != nil {
			return fmt.Errorf("line %d: %w", n, err)
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("read stdin: %w", err)
	}
	return nil
}

// printExplanation prints the engine's ranking of q: one line per
// candidate with its probability and features (bot.FeatureNames).
func printExplanation(ctx context.Context, w io.Writer, e *bot.Engine, q string) error {
	ex, err := e.Explain(ctx, q)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "%-34s %6s", "candidate", "prob")
	for _, n := range bot.FeatureNames {
		fmt.Fprintf(w, " %*s", max(5, len(n)), n)
	}
	fmt.Fprintln(w)
	for i, c := range ex.Candidates {
		if i == 8 {
			break
		}
		fmt.Fprintf(w, "%-34.34s %6.3f", c.GuideID, c.Prob)
		for j, n := range bot.FeatureNames {
			fmt.Fprintf(w, " %*.2f", max(5, len(n)), c.Features[j])
		}
		fmt.Fprintln(w)
	}
	fmt.Fprintln(w)
	return nil
}

// askOne answers q in a conversation of its own (number n of this run).
func askOne(ctx context.Context, a answerer, n int, q string) (answer, error) {
	return a.answer(ctx, fmt.Sprintf("ask-%d", n), fmt.Sprint(n), bot.Message{Kind: bot.KindText, Text: q})
}

// parseAll parses flags that may come before, between or after the
// positional arguments (botctl ask "câu hỏi" --json) and returns the
// positionals in order. Everything after "--" is positional.
func parseAll(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		rest := fs.Args()
		// fs.Parse stops at the first positional, or after a "--" it consumed.
		consumed := len(args) - len(rest)
		if consumed > 0 && args[consumed-1] == "--" {
			return append(pos, rest...), nil
		}
		if len(rest) == 0 {
			return pos, nil
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
}

// printReadable prints a reply for a person at a terminal.
func printReadable(w io.Writer, q string, r answer) {
	fmt.Fprintf(w, "> %s\n", q)
	meta := string(r.Action)
	if r.GuideID != "" {
		meta += " " + r.GuideID
	}
	if r.Aspect != "" {
		meta += " [" + string(r.Aspect) + "]"
	}
	fmt.Fprintf(w, "(%s, confidence %.2f)\n%s\n", meta, r.Confidence, r.Text)
	if len(r.Options) > 0 && r.Action != bot.ActionClarify {
		fmt.Fprintf(w, "[%s]\n", optionLabels(r.Options))
	}
	for _, l := range r.Links {
		fmt.Fprintf(w, "%s: %s\n", l.Title, l.URL)
	}
	fmt.Fprintln(w)
}

func optionLabels(opts []bot.Option) string {
	labels := make([]string, len(opts))
	for i, o := range opts {
		labels[i] = o.Label
	}
	return strings.Join(labels, "] [")
}
