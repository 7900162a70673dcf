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
	"strings"
	"text/tabwriter"
	"time"

	"botdvc/bot"
	"botdvc/hotline"
	"botdvc/webhooks/channels"
)

const hotlineUsage = `usage: botctl hotline [--url URL] [--user NAME] [--password-file FILE] [--json] COMMAND [ARGS]
commands:
  list [--status open|claimed|closed]     the queue, longest waiting first
  show ID                                 a ticket with its conversation and notes (Hà Nội time)
  claim ID                                take a ticket (fails if someone else holds it)
  reply ID TEXT...                        send TEXT to the citizen ("-" reads standard input)
  note ID TEXT...                         add an internal note ("-" reads standard input)
  close [--handback] [--guide GUIDE] --resolution TEXT ID
                                          close a ticket; GUIDE must be a published guide id
  link ID GUIDE                           record the guide that answers the ticket
The URL defaults to $BOTCTL_URL or http://localhost:8080, the staff account to
$BOTCTL_USER; the password is the first line of --password-file (or of
$BOTCTL_PASSWORD_FILE), else $BOTCTL_PASSWORD: never a flag, so it stays out of
the process list. export-guides takes them the same way.
flags:`

// hotlineSub is the synopsis of each hotline command, for its -h.
var hotlineSub = map[string]string{
	"list":  "list [--status open|claimed|closed]",
	"show":  "show ID",
	"claim": "claim ID",
	"reply": "reply ID TEXT...",
	"note":  "note ID TEXT...",
	"close": "close [--handback] [--guide GUIDE] --resolution TEXT ID",
	"link":  "link ID GUIDE",
}

// runHotline works the hotline queue through the HTTP API (HTTP Basic).
func runHotline(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("hotline", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprintln(fs.Output(), hotlineUsage); fs.PrintDefaults() }
	cred := addCredFlags(fs, "staff account")
	asJSON := fs.Bool("json", false, "print the API's JSON")
	if err := fs.Parse(args); err != nil {
		return err
	}
	rest := fs.Args()
	if len(rest) == 0 {
		fs.Usage()
		return errors.New("missing command")
	}
	sub := func(name string) *flag.FlagSet {
		sfs := flag.NewFlagSet(name, flag.ContinueOnError)
		sfs.SetOutput(stderr)
		sfs.Usage = func() {
			fmt.Fprintln(sfs.Output(), "usage: botctl hotline [flags] "+hotlineSub[name])
			sfs.PrintDefaults()
		}
		return sfs
	}
	listFS := sub("list")
	status := listFS.String("status", "", "open, claimed or closed (default: all)")
	closeFS := sub("close")
	res := closeFS.String("resolution", "", "what was done (required)")
	handback := closeFS.Bool("handback", false, "the bot answers the conversation again")
	guide := closeFS.String("guide", "", "id of the published guide that answers the question (checked by botd)")
	subFS := map[string]*flag.FlagSet{"list": listFS, "close": closeFS}
	if _, ok := hotlineSub[rest[0]]; ok && helpAsked(rest[1:]) {
		if f := subFS[rest[0]]; f != nil {
			f.Usage()
		} else {
			sub(rest[0]).Usage()
		}
		return flag.ErrHelp
	}
	c, err := cred.client()
	if err != nil {
		return err
	}
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
		if _, err := parseInterleaved(listFS, cargs, 0); err != nil {
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
		pos, err := parseInterleaved(sub(cmd), cargs, 1)
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
		pos, err := parseInterleaved(closeFS, cargs, 1)
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
		pos, err := parseInterleaved(sub(cmd), cargs, 2)
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

// channelNames names a ticket's channel as the console does: each
// channel's own label.
var channelNames = channels.Registry(nil)

func printList(w io.Writer, ts []hotline.Ticket, now time.Time) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "PHIẾU\tTRẠNG THÁI\tLOẠI\tKÊNH\tĐÃ CHỜ\tHẠN\tNGƯỜI NHẬN\tCHỦ ĐỀ")
	for _, t := range ts {
		wait, dl := hotline.Span(t.Waiting(now)), hotline.TimeLeft(t, now)
		if t.Status == hotline.StatusClosed {
			wait, dl = "-", "-"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", t.ID, hotline.StatusLabel(t.Status), hotline.CategoryLabel(t.Category),
			channelNames.Label(t.Channel), wait, dl, t.Assignee, topic(t))
	}
	return tw.Flush()
}

// topic is what a ticket is about, as the console shows it.
func topic(t hotline.Ticket) string {
	switch {
	case t.Topic != "":
		return short(t.Topic, 60)
	case t.Reason == "page_inbox":
		return "(trả lời từ hộp thư Trang/OA)"
	}
	return "(chưa hỏi gì trước khi xin gặp cán bộ)"
}

func printTicket(w io.Writer, raw []byte, full bool) error {
	var t hotline.Ticket
	if err := json.Unmarshal(raw, &t); err != nil {
		return fmt.Errorf("decode answer: %w", err)
	}
	fmt.Fprintf(w, "%s  %s  %s  %s", t.ID, hotline.StatusLabel(t.Status), hotline.CategoryLabel(t.Category), channelNames.Label(t.Channel))
	if t.Assignee != "" {
		fmt.Fprintf(w, "  người nhận: %s", t.Assignee)
	}
	fmt.Fprintln(w)
	if !full {
		return nil
	}
	fmt.Fprintf(w, "Chuyển đến: %s (giờ Hà Nội)\nChủ đề: %s\nTin chuyển đến: %s\nHạn trả lời: %s\n", clock(t.Created), topic(t), t.Question, hotline.TimeLeft(t, time.Now()))
	if t.GuideID != "" {
		fmt.Fprintf(w, "Hướng dẫn: %s\n", t.GuideID)
	}
	if t.Resolution != "" {
		fmt.Fprintf(w, "Kết quả: %s\n", t.Resolution)
	}
	fmt.Fprintln(w, "\nCuộc trò chuyện:")
	indent := func(s string) string {
		lines := strings.Split(strings.TrimSpace(s), "\n")
		for i := 1; i < len(lines); i++ {
			if lines[i] != "" {
				lines[i] = "      " + lines[i]
			}
		}
		return strings.Join(lines, "\n")
	}
	for _, tu := range t.Transcript {
		fmt.Fprintf(w, "  [%s] %s:\n      %s\n", clock(tu.At), who(tu), indent(tu.Text))
	}
	if len(t.Notes) > 0 {
		fmt.Fprintln(w, "\nGhi chú nội bộ:")
		for _, n := range t.Notes {
			fmt.Fprintf(w, "  [%s] %s:\n      %s\n", clock(n.At), n.Author, indent(n.Text))
		}
	}
	return nil
}

// who names the writer of a turn as the console does.
func who(tu hotline.Turn) string {
	switch {
	case tu.From == bot.FromCitizen:
		return "Người dân"
	case tu.From == bot.FromBot:
		return "Trợ lý tự động"
	case tu.Staff == hotline.PageInbox:
		return "Quản trị viên (hộp thư Trang/OA)"
	case tu.From == bot.FromStaff:
		return "Cán bộ " + tu.Staff
	}
	return tu.From
}

// hanoi is the time zone staff work in; the console shows the same times.
var hanoi = time.FixedZone("ICT", 7*3600)

// clock formats t in Hà Nội time, as the console does.
func clock(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.In(hanoi).Format("15:04 02/01/2006")
}
