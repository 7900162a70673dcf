package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"botdvc/bot"
	"botdvc/internal/evalset"
)

// runEval answers every question of a question set (a TSV file as
// ../shared/eval/score.py reads it) and prints the same per-tag accuracy
// table, with the same scoring rules (internal/evalset).
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
	rows, err := evalset.Read(fs.Arg(0))
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
		rep, err := askOne(ctx, a, i+1, r.Question)
		if err != nil {
			return fmt.Errorf("line %d: %w", r.Line, err)
		}
		answers[i] = rep.AskResult
	}
	sum := evalset.Summarize(stdout, rows, answers, evalset.By(*by), *show)
	if *minAcc >= 0 && sum.Accuracy < *minAcc {
		return fmt.Errorf("accuracy %.3f below %.3f", sum.Accuracy, *minAcc)
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
