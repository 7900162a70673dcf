package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"botdvc/hotline"
)

const hotlineUsage = `usage: botctl hotline [--url URL] [--user NAME] [--password-file FILE] [--json] COMMAND
commands:
  list [--status open|claimed|closed]     the queue, longest waiting first
  show ID                                 a ticket with its conversation and notes
  claim ID                                take a ticket (fails if someone else holds it)
  reply ID TEXT...                        send TEXT to the citizen ("-" reads standard input)
  note ID TEXT...                         add an internal note
  close [--handback] [--guide GUIDE] --resolution TEXT ID
  link ID GUIDE                           record the guide that answers the ticket
The URL defaults to $BOT_HOTLINE_URL or http://localhost:8080; the account to
$BOT_HOTLINE_USER; the password is read from --password-file or
$BOT_HOTLINE_PASSWORD (never from a flag, so it stays out of the process list).`

// runHotline works the hotline queue through the HTTP API (HTTP Basic).
func runHotline(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("hotline", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprintln(stderr, hotlineUsage) }
	base := fs.String("url", envOr("BOT_HOTLINE_URL", "http://localhost:8080"), "service base URL")
	user := fs.String("user", os.Getenv("BOT_HOTLINE_USER"), "staff account")
	pwFile := fs.String("password-file", "", "file holding the password (first line)")
	asJSON := fs.Bool("json", false, "print the API's JSON")
	if err := fs.Parse(args); err != nil {
		return err
	}
	rest := fs.Args()
	if len(rest) == 0 {
		fs.Usage()
		return errors.New("missing command")
	}
	pass := os.Getenv("BOT_HOTLINE_PASSWORD")
	if *pwFile != "" {
		b, err := os.ReadFile(*pwFile)
		if err != nil {
			return err
		}
		pass, _, _ = strings.Cut(string(b), "\n")
		pass = strings.TrimRight(pass, "\r")
	}
	if *user == "" || pass == "" {
		return errors.New("set the account with --user or BOT_HOTLINE_USER and the password with --password-file or BOT_HOTLINE_PASSWORD")
	}
	c := &apiClient{base: strings.TrimRight(*base, "/"), user: *user, pass: pass, http: &http.Client{Timeout: 30 * time.Second}}
	cmd, cargs := rest[0], rest[1:]
	out := func(raw []byte, pretty func() error) error {
		if *asJSON {
			var b bytes.Buffer
			if json.Indent(&b, raw, "", "  ") == nil {
				raw = b.Bytes()
			}
			_, err := fmt.Fprintln(stdout, string(raw))
			return err
		}
		return pretty()
	}
	switch cmd {
	case "list":
		sfs := flag.NewFlagSet("list", flag.ContinueOnError)
		sfs.SetOutput(stderr)
		status := sfs.String("status", "", "open, claimed or closed (default: all)")
		if _, err := parseInterleaved(sfs, cargs, 0); err != nil {
			return err
		}
		path := "/api/v1/hotline/tickets"
		if *status != "" {
			path += "?status=" + url.QueryEscape(*status)
		}
		raw, err := c.do(ctx, "GET", path, nil)
		if err != nil {
			return err
		}
		var list struct{ Tickets []hotline.Ticket }
		if err := json.Unmarshal(raw, &list); err != nil {
			return fmt.Errorf("decode answer: %w", err)
		}
		return out(raw, func() error { return printList(stdout, list.Tickets, time.Now()) })
	case "show", "claim":
		pos, err := parseInterleaved(flag.NewFlagSet(cmd, flag.ContinueOnError), cargs, 1)
		if err != nil {
			return err
		}
		method, path := "GET", "/api/v1/hotline/tickets/"+url.PathEscape(pos[0])
		if cmd == "claim" {
			method, path = "POST", path+"/claim"
		}
		raw, err := c.do(ctx, method, path, nil)
		if err != nil {
			return err
		}
		return out(raw, func() error { return printTicket(stdout, raw, cmd == "show") })
	case "reply", "note":
		if len(cargs) < 2 {
			return fmt.Errorf("usage: botctl hotline %s ID TEXT... (or - to read standard input)", cmd)
		}
		text := strings.Join(cargs[1:], " ")
		if text == "-" {
			b, err := io.ReadAll(stdin)
			if err != nil {
				return err
			}
			text = string(b)
		}
		raw, err := c.do(ctx, "POST", "/api/v1/hotline/tickets/"+url.PathEscape(cargs[0])+"/"+cmd, map[string]any{"text": text})
		if err != nil {
			return err
		}
		return out(raw, func() error { return printTicket(stdout, raw, false) })
	case "close":
		sfs := flag.NewFlagSet("close", flag.ContinueOnError)
		sfs.SetOutput(stderr)
		res := sfs.String("resolution", "", "what was done (required)")
		handback := sfs.Bool("handback", false, "the bot answers the conversation again")
		guide := sfs.String("guide", "", "id of the guide that answers the question")
		pos, err := parseInterleaved(sfs, cargs, 1)
		if err != nil {
			return err
		}
		raw, err := c.do(ctx, "POST", "/api/v1/hotline/tickets/"+url.PathEscape(pos[0])+"/close",
			map[string]any{"resolution": *res, "handback": *handback, "guide_id": *guide})
		if err != nil {
			return err
		}
		return out(raw, func() error { return printTicket(stdout, raw, false) })
	case "link":
		pos, err := parseInterleaved(flag.NewFlagSet(cmd, flag.ContinueOnError), cargs, 2)
		if err != nil {
			return err
		}
		raw, err := c.do(ctx, "POST", "/api/v1/hotline/tickets/"+url.PathEscape(pos[0])+"/link", map[string]any{"guide_id": pos[1]})
		if err != nil {
			return err
		}
		return out(raw, func() error { return printTicket(stdout, raw, false) })
	}
	fs.Usage()
	return fmt.Errorf("unknown hotline command %q", cmd)
}

func envOr(k, def string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return def
}

// parseInterleaved parses flags that may come before or after the
// positional arguments, and checks there are exactly want positionals.
func parseInterleaved(fs *flag.FlagSet, args []string, want int) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		if fs.NArg() == 0 {
			break
		}
		pos = append(pos, fs.Arg(0))
		args = fs.Args()[1:]
	}
	if len(pos) != want {
		return nil, fmt.Errorf("%s: want %d argument(s), got %d", fs.Name(), want, len(pos))
	}
	return pos, nil
}

type apiClient struct {
	base, user, pass string
	http             *http.Client
}

func (c *apiClient) do(ctx context.Context, method, path string, body any) ([]byte, error) {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return nil, err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, rd)
	if err != nil {
		return nil, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.SetBasicAuth(c.user, c.pass)
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	if err != nil {
		return nil, err
	}
	if resp.StatusCode/100 != 2 {
		var e struct{ Error string }
		if json.Unmarshal(raw, &e) == nil && e.Error != "" {
			return nil, fmt.Errorf("%s %s: %d: %s", method, path, resp.StatusCode, e.Error)
		}
		return nil, fmt.Errorf("%s %s: %s", method, path, resp.Status)
	}
	return raw, nil
}

func short(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}

func left(t hotline.Ticket, now time.Time) string {
	d := t.Window.Standard
	if d.IsZero() {
		return "-"
	}
	if !now.Before(d) {
		d = t.Window.Final
	}
	if l := d.Sub(now); l > 0 {
		return "còn " + l.Round(time.Minute).String()
	}
	return "quá hạn"
}

func printList(w io.Writer, ts []hotline.Ticket, now time.Time) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "PHIẾU\tTRẠNG THÁI\tLOẠI\tKÊNH\tĐÃ CHỜ\tHẠN\tNGƯỜI NHẬN\tCÂU HỎI")
	for _, t := range ts {
		wait, dl := t.Waiting(now).Round(time.Minute).String(), left(t, now)
		if t.Status == hotline.StatusClosed {
			wait, dl = "-", "-"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", t.ID, hotline.StatusLabel(t.Status), hotline.CategoryLabel(t.Category),
			t.Channel, wait, dl, t.Assignee, short(t.Question, 60))
	}
	return tw.Flush()
}

func printTicket(w io.Writer, raw []byte, full bool) error {
	var t hotline.Ticket
	if err := json.Unmarshal(raw, &t); err != nil {
		return fmt.Errorf("decode answer: %w", err)
	}
	fmt.Fprintf(w, "%s  %s  %s  %s", t.ID, hotline.StatusLabel(t.Status), hotline.CategoryLabel(t.Category), t.Channel)
	if t.Assignee != "" {
		fmt.Fprintf(w, "  người nhận: %s", t.Assignee)
	}
	fmt.Fprintln(w)
	if !full {
		return nil
	}
	fmt.Fprintf(w, "Câu hỏi: %s\nHạn trả lời: %s\n", t.Question, left(t, time.Now()))
	if t.GuideID != "" {
		fmt.Fprintf(w, "Hướng dẫn: %s\n", t.GuideID)
	}
	if t.Resolution != "" {
		fmt.Fprintf(w, "Kết quả: %s\n", t.Resolution)
	}
	fmt.Fprintln(w, "\nCuộc trò chuyện:")
	for _, tu := range t.Transcript {
		who := tu.From
		if tu.Staff != "" {
			who += " " + tu.Staff
		}
		fmt.Fprintf(w, "  [%s] %s: %s\n", tu.At.Local().Format("02/01 15:04"), who, tu.Text)
	}
	if len(t.Notes) > 0 {
		fmt.Fprintln(w, "\nGhi chú nội bộ:")
		for _, n := range t.Notes {
			fmt.Fprintf(w, "  [%s] %s: %s\n", n.At.Local().Format("02/01 15:04"), n.Author, n.Text)
		}
	}
	return nil
}
