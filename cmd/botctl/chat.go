package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"botdvc/bot"
)

// runChat is an interactive conversation with the engine (or, with --url,
// a running botd): one session for the whole run, so follow-ups, option
// numbers and hand-offs behave as on a channel. Type a question per line;
// end with Ctrl-D.
func runChat(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("chat", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: botctl chat [--guides DIR] [--catalog FILE] [--url URL]")
		fmt.Fprintln(fs.Output(), "Type a question per line; Ctrl-D ends the conversation.")
		fs.PrintDefaults()
	}
	ef := addEngineFlags(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q: chat reads the questions from standard input (botctl ask answers one given as arguments)", fs.Arg(0))
	}
	a, err := openAnswerer(ctx, ef, stderr)
	if err != nil {
		return err
	}
	defer a.Close()

	user := fmt.Sprintf("chat-%d", time.Now().UnixNano())
	say := func(id string, m bot.Message) error {
		r, err := a.answer(ctx, user, id, m)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "\n%s\n", r.Text)
		if r.Action != bot.ActionClarify && len(r.Options) > 0 {
			fmt.Fprintf(stdout, "[%s]\n", optionLabels(r.Options))
		}
		switch {
		case r.Category != "":
			fmt.Fprintf(stdout, "(chuyển tổng đài viên: %s)\n", r.Category)
		case r.Action == bot.ActionHandoff:
			fmt.Fprintln(stdout, "(chuyển tổng đài viên)")
		}
		fmt.Fprint(stdout, "\n> ")
		return nil
	}
	if err := say("0", bot.Message{Kind: bot.KindFollow}); err != nil {
		return err
	}
	sc := bufio.NewScanner(stdin)
	for n := 1; sc.Scan(); n++ {
		if ctx.Err() != nil {
			return nil
		}
		text := strings.TrimSpace(sc.Text())
		if text == "" {
			fmt.Fprint(stdout, "> ")
			continue
		}
		if err := say(fmt.Sprint(n), bot.Message{Kind: bot.KindText, Text: text, Time: time.Now()}); err != nil {
			return err
		}
	}
	fmt.Fprintln(stdout)
	return sc.Err()
}
