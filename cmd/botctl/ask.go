package main

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"strings"

	"botdvc/bot"
)

// runAsk answers questions read from stdin, one per line. Each line is an
// independent question: it gets a fresh session. With --json it prints one
// bot.AskResult per line (the contract in ../shared/DESIGN.md).
func runAsk(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("ask", flag.ContinueOnError)
	fs.SetOutput(stderr)
	asJSON := fs.Bool("json", false, "print one JSON object per question")
	ef := addEngineFlags(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	e, err := buildEngine(ctx, ef, stderr)
	if err != nil {
		return err
	}
	defer e.Close()

	w := bufio.NewWriter(stdout)
	defer w.Flush()
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	sc := bufio.NewScanner(stdin)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	for n := 1; sc.Scan(); n++ {
		q := strings.TrimRight(sc.Text(), "\r")
		r, err := askOne(ctx, e.Engine, n, q)
		if err != nil {
			return fmt.Errorf("line %d: %w", n, err)
		}
		if *asJSON {
			if err := enc.Encode(r.Result(q)); err != nil {
				return err
			}
			continue
		}
		printReadable(w, q, r)
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("read stdin: %w", err)
	}
	return nil
}

// askOne answers q in a conversation of its own.
func askOne(ctx context.Context, e *bot.Engine, n int, q string) (bot.Reply, error) {
	return e.Answer(ctx, bot.Message{
		ID:      fmt.Sprint(n),
		Channel: bot.CLI,
		UserID:  fmt.Sprintf("ask-%d", n),
		Kind:    bot.KindText,
		Text:    q,
	})
}

// printReadable prints a reply for a person at a terminal.
func printReadable(w io.Writer, q string, r bot.Reply) {
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
		var labels []string
		for _, o := range r.Options {
			labels = append(labels, o.Label)
		}
		fmt.Fprintf(w, "[%s]\n", strings.Join(labels, "] ["))
	}
	fmt.Fprintln(w)
}
