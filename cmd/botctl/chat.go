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

// runChat is an interactive conversation with the engine: one session for
// the whole run, so follow-ups, option numbers and hand-offs behave as on a
// channel. Type a question per line; end with Ctrl-D.
func runChat(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("chat", flag.ContinueOnError)
	fs.SetOutput(stderr)
	ef := addEngineFlags(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	e, err := buildEngine(ctx, ef, stderr)
	if err != nil {
		return err
	}
	defer e.Close()

	user := fmt.Sprintf("chat-%d", time.Now().UnixNano())
	say := func(m bot.Message) error {
		r, err := e.Answer(ctx, m)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "\n%s\n", r.Text)
		if r.Action != bot.ActionClarify && len(r.Options) > 0 {
			var labels []string
			for _, o := range r.Options {
				labels = append(labels, o.Label)
			}
			fmt.Fprintf(stdout, "[%s]\n", strings.Join(labels, "] ["))
		}
		if r.Handoff != nil {
			fmt.Fprintf(stdout, "(chuyển tổng đài viên: %s)\n", r.Handoff.Category)
		}
		fmt.Fprint(stdout, "\n> ")
		return nil
	}
	if err := say(bot.Message{ID: "0", Channel: bot.CLI, UserID: user, Kind: bot.KindFollow}); err != nil {
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
		if err := say(bot.Message{ID: fmt.Sprint(n), Channel: bot.CLI, UserID: user, Kind: bot.KindText, Text: text, Time: time.Now()}); err != nil {
			return err
		}
	}
	fmt.Fprintln(stdout)
	return sc.Err()
}
