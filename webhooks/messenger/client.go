package messenger

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"botdvc/bot"
)

// Send API limits (channels.md B5).
const (
	maxText         = 1999 // "less than 2000 characters" (counted in UTF-16 units, the stricter count)
	maxQuickReplies = 13
	maxQRTitle      = 20
	maxQRPayload    = 1000
	maxButtonText   = 640 // button template text: "UTF-8-encoded text of up to 640 characters"
	maxButtons      = 3   // "Set of 1-3 buttons"
	maxButtonTitle  = 20  // URL button title: "20 character limit"
	responseWindow  = 24 * time.Hour
	humanAgentLimit = 7 * 24 * time.Hour
)

// Sender actions (channels.md B5): each is its own request.
const (
	ActionTypingOn  = "typing_on"
	ActionTypingOff = "typing_off"
	ActionMarkSeen  = "mark_seen"
)

// Client sends replies through the Messenger Send API. It implements
// bot.Sender. It is safe for concurrent use.
type Client struct {
	cfg Config
	m   *metrics

	// HTTP is the client for Graph API calls.
	HTTP *http.Client
	// Logger receives alerts (re-authorisation needed) and refusals; never
	// message text or user ids.
	Logger *slog.Logger
	// Now is the clock for the reply window and the rate limit.
	Now func() time.Time
	// SenderActions makes Send mark the conversation seen and show typing
	// (two separate requests) before a reply inside the 24-hour window.
	SenderActions bool
	// RateLimitPause is how long sending pauses after a rate-limit error
	// when Meta does not say how long (X-Business-Use-Case-Usage).
	RateLimitPause time.Duration

	reauth atomic.Bool // Graph error 190 seen: stop sending

	mu       sync.Mutex
	next     time.Time // earliest start of the next call (pacing)
	paused   time.Time // no calls before this (rate limited)
	progress map[string]progress
}

// progress remembers how many pieces of a split reply were delivered, so a
// retried Outbound resumes instead of repeating them.
type progress struct {
	sent int
	at   time.Time
}

var _ bot.PieceSender = (*Client)(nil)

// NewClient returns a Send API client for the Page token in cfg.
func NewClient(cfg Config) *Client {
	cfg = cfg.withDefaults()
	hc := cfg.HTTPClient
	if hc == nil {
		hc = &http.Client{Timeout: 15 * time.Second}
	}
	return &Client{
		cfg:            cfg,
		m:              newMetrics(cfg.Metrics),
		HTTP:           hc,
		Logger:         slog.New(slog.NewTextHandler(io.Discard, nil)),
		Now:            time.Now,
		SenderActions:  true,
		RateLimitPause: 30 * time.Second,
		progress:       map[string]progress{},
	}
}

// NeedsReauth reports whether the Page token was rejected (error 190) and
// the client stopped sending.
func (c *Client) NeedsReauth() bool { return c.reauth.Load() }

// Wire types of the Send API (channels.md B5).
type sendRequest struct {
	Recipient     recipient `json:"recipient"`
	MessagingType string    `json:"messaging_type,omitempty"`
	Tag           string    `json:"tag,omitempty"`
	Message       *outMsg   `json:"message,omitempty"`
	SenderAction  string    `json:"sender_action,omitempty"`
}

type recipient struct {
	ID string `json:"id"`
}

// outMsg is a Send API message: text, or a button template carrying the
// official page as URL buttons (Meta's "Button template": text up to 640
// characters, 1 to 3 buttons; "URL button": type web_url, title up to 20
// characters). Quick replies go with either.
type outMsg struct {
	Text         string         `json:"text,omitempty"`
	Attachment   *outAttachment `json:"attachment,omitempty"`
	QuickReplies []outQuick     `json:"quick_replies,omitempty"`
	Metadata     string         `json:"metadata,omitempty"`
}

type outAttachment struct {
	Type    string          `json:"type"` // "template"
	Payload outTemplateBody `json:"payload"`
}

type outTemplateBody struct {
	TemplateType string      `json:"template_type"` // "button"
	Text         string      `json:"text"`
	Buttons      []outButton `json:"buttons"`
}

type outButton struct {
	Type  string `json:"type"` // "web_url"
	URL   string `json:"url"`
	Title string `json:"title"`
}

type outQuick struct {
	ContentType string `json:"content_type"`
	Title       string `json:"title"`
	Payload     string `json:"payload"`
}

type graphErrorBody struct {
	Error struct {
		Message   string `json:"message"`
		Type      string `json:"type"`
		Code      int    `json:"code"`
		Subcode   int    `json:"error_subcode"`
		FBTraceID string `json:"fbtrace_id"`
	} `json:"error"`
}

// Send delivers o: a RESPONSE inside 24 hours of the citizen's last
// message (an UPDATE when o.Proactive); for staff (o.Staff set) a MESSAGE_TAG with tag HUMAN_AGENT up to
// 7 days; refused with ErrWindowClosed after that. Long text is split below
// 2000 characters at paragraph boundaries; options become quick replies on
// the last piece. Errors wrapping bot.ErrUndeliverable must not be retried;
// any other error is transient and the caller retries the same Outbound,
// which resumes after the pieces already delivered.
func (c *Client) Send(ctx context.Context, o bot.Outbound) error {
	return c.SendFrom(ctx, o, 0, nil)
}

// SendFrom is Send that skips the first from pieces (delivered before,
// perhaps by another instance: the pipeline's delivery record) and calls
// delivered(n) after the Send API accepted the n-th piece (nil: not
// called). It implements bot.PieceSender.
func (c *Client) SendFrom(ctx context.Context, o bot.Outbound, from int, delivered func(n int)) error {
	if c.reauth.Load() {
		c.m.sends.WithLabelValues("reauth").Inc()
		return fmt.Errorf("messenger.Send: %w", ErrNeedsReauth)
	}
	if o.UserID == "" {
		return fmt.Errorf("messenger.Send: no recipient: %w", ErrRejected)
	}
	mtype, tag, err := c.window(o)
	if err != nil {
		c.m.sends.WithLabelValues("refused_window").Inc()
		c.Logger.Warn("messenger reply refused: window closed", "outbound", o.ID, "staff", o.Staff != "", "reason", err)
		return err
	}
	pieces := render(o.Reply)
	if len(pieces) == 0 {
		return fmt.Errorf("messenger.Send: empty reply: %w", ErrRejected)
	}
	start := max(from, c.resume(o.ID))
	if start == 0 && c.SenderActions && mtype == "RESPONSE" {
		for _, a := range []string{ActionMarkSeen, ActionTypingOn} {
			if err := c.Action(ctx, o.UserID, a); err != nil {
				if errors.Is(err, ErrNeedsReauth) {
					return err
				}
				c.Logger.Info("messenger sender action failed", "action", a, "err", err)
			}
		}
	}
	for i := start; i < len(pieces); i++ {
		msg := pieces[i]
		msg.Metadata = Metadata + ":" + o.ID
		req := sendRequest{Recipient: recipient{ID: o.UserID}, MessagingType: mtype, Tag: tag, Message: &msg}
		if err := c.post(ctx, req); err != nil {
			if errors.Is(err, bot.ErrUndeliverable) {
				c.forget(o.ID)
			} else {
				c.remember(o.ID, i)
			}
			return fmt.Errorf("messenger.Send: piece %d of %d: %w", i+1, len(pieces), err)
		}
		if delivered != nil {
			delivered(i + 1)
		}
	}
	c.forget(o.ID)
	c.m.sends.WithLabelValues("ok").Inc()
	return nil
}

// Action sends one sender action (ActionTypingOn, ActionMarkSeen, ...) as
// its own request, as the Send API requires.
func (c *Client) Action(ctx context.Context, userID, action string) error {
	if c.reauth.Load() {
		return fmt.Errorf("messenger.Action: %w", ErrNeedsReauth)
	}
	if err := c.post(ctx, sendRequest{Recipient: recipient{ID: userID}, SenderAction: action}); err != nil {
		return fmt.Errorf("messenger.Action %s: %w", action, err)
	}
	return nil
}

// window picks the messaging type for o, or refuses it. A proactive
// message (o.Proactive: not an answer to what the citizen just sent) is an
// UPDATE, inside the same 24 hours and never tagged (B5, B6).
func (c *Client) window(o bot.Outbound) (mtype, tag string, err error) {
	if o.Proactive {
		if o.LastUser.IsZero() || c.Now().Sub(o.LastUser) > responseWindow {
			return "", "", fmt.Errorf("messenger.Send: a proactive message needs the citizen to have written within 24 hours: %w", ErrWindowClosed)
		}
		return "UPDATE", "", nil
	}
	if o.LastUser.IsZero() {
		return "RESPONSE", "", nil // unknown: Meta enforces the window
	}
	age := c.Now().Sub(o.LastUser)
	switch {
	case age <= responseWindow:
		return "RESPONSE", "", nil
	case o.Staff != "" && age <= humanAgentLimit:
		return "MESSAGE_TAG", "HUMAN_AGENT", nil
	case o.Staff != "":
		return "", "", fmt.Errorf("messenger.Send: citizen last wrote %s ago, HUMAN_AGENT allows 7 days: %w", age.Round(time.Hour), ErrWindowClosed)
	default:
		return "", "", fmt.Errorf("messenger.Send: citizen last wrote %s ago, automated replies allowed for 24 hours: %w", age.Round(time.Minute), ErrWindowClosed)
	}
}

// render turns a reply into Send API messages: the text split below the
// limit; links not already in it as URL buttons (a button template) on the
// last piece when it fits the template's 640 characters, else on a short
// message of their own after it (links beyond three, or not http(s), stay
// text lines); quick replies on the last message.
func render(r bot.Reply) []outMsg {
	text := r.Text
	var buttons []outButton
	for _, l := range r.Links {
		if l.URL == "" || strings.Contains(text, l.URL) {
			continue
		}
		title := strings.TrimSpace(l.Title)
		if title == "" {
			title = "Xem trang"
		}
		if len([]rune(title)) > maxButtonTitle {
			title = truncate(title, maxButtonTitle-1) + "…"
		}
		if len(buttons) < maxButtons && (strings.HasPrefix(l.URL, "https://") || strings.HasPrefix(l.URL, "http://")) {
			buttons = append(buttons, outButton{Type: "web_url", URL: l.URL, Title: title})
			continue
		}
		text = strings.TrimRight(text, "\n") + "\n\n" + strings.TrimSpace(l.Title+": "+l.URL)
	}
	var out []outMsg
	for _, p := range bot.SplitFunc(text, maxText, utf16Len) {
		out = append(out, outMsg{Text: p})
	}
	if len(buttons) > 0 {
		tmpl := func(text string) outMsg {
			return outMsg{Attachment: &outAttachment{Type: "template",
				Payload: outTemplateBody{TemplateType: "button", Text: text, Buttons: buttons}}}
		}
		if n := len(out); n > 0 && utf16Len(out[n-1].Text) <= maxButtonText {
			out[n-1] = tmpl(out[n-1].Text)
		} else {
			out = append(out, tmpl("Thông tin đầy đủ trên trang chính thức:"))
		}
	}
	var qr []outQuick
	for _, opt := range r.Options {
		title := strings.TrimSpace(opt.Label)
		payload := opt.Payload
		if payload == "" {
			payload = title
		}
		if title == "" || len([]rune(payload)) > maxQRPayload || len(qr) == maxQuickReplies {
			continue
		}
		if len([]rune(title)) > maxQRTitle {
			title = truncate(title, maxQRTitle-1) + "…"
		}
		qr = append(qr, outQuick{ContentType: "text", Title: title, Payload: payload})
	}
	if len(qr) > 0 {
		if len(out) == 0 { // quick replies need a text
			out = append(out, outMsg{Text: "Mời bạn chọn:"})
		}
		out[len(out)-1].QuickReplies = qr
	}
	return out
}

// post makes one Send API call and maps the answer (channels.md B7).
func (c *Client) post(ctx context.Context, req sendRequest) error {
	if err := c.wait(ctx); err != nil {
		return err
	}
	body, err := json.Marshal(req)
	if err != nil {
		return fmt.Errorf("encode request: %w", err)
	}
	u := c.cfg.GraphURL + "/me/messages?access_token=" + url.QueryEscape(c.cfg.PageToken)
	hr, err := http.NewRequestWithContext(ctx, http.MethodPost, u, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("build request: %v", redactURL(err))
	}
	hr.Header.Set("Content-Type", "application/json")
	resp, err := c.HTTP.Do(hr)
	if err != nil {
		c.m.sends.WithLabelValues("transient").Inc()
		return fmt.Errorf("graph request: %v", redactURL(err)) // the URL holds the token
	}
	defer resp.Body.Close()
	rb, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode/100 == 2 {
		return nil
	}
	var ge graphErrorBody
	_ = json.Unmarshal(rb, &ge)
	code, sub := ge.Error.Code, ge.Error.Subcode
	desc := fmt.Sprintf("HTTP %d, graph error %d/%d (%s)", resp.StatusCode, code, sub, ge.Error.Type)
	switch {
	case code == 190:
		c.reauth.Store(true)
		c.m.reauth.Set(1)
		c.m.sends.WithLabelValues("reauth").Inc()
		c.Logger.Error("ALERT messenger page token rejected: channel needs re-authorisation, sending stopped",
			"code", code, "subcode", sub, "fbtrace_id", ge.Error.FBTraceID)
		return fmt.Errorf("%s: %w", desc, ErrNeedsReauth)
	case code == 10 || sub == 2018278:
		c.m.sends.WithLabelValues("window_closed").Inc()
		return fmt.Errorf("%s: %w", desc, ErrWindowClosed)
	case code == 4 || code == 613 || code == 17 || code == 32 || code == 80006 || resp.StatusCode == http.StatusTooManyRequests:
		c.m.sends.WithLabelValues("rate_limited").Inc()
		c.pause(resp.Header)
		return fmt.Errorf("%s: rate limited, retry later", desc)
	case code == 2 || code == 1 || resp.StatusCode >= 500:
		c.m.sends.WithLabelValues("transient").Inc()
		return fmt.Errorf("%s: temporary failure", desc)
	default: // 100 invalid parameter, 551/1545041 user unavailable, 200 permission, ...
		c.m.sends.WithLabelValues("undeliverable").Inc()
		return fmt.Errorf("%s: %w", desc, ErrRejected)
	}
}

// wait paces calls below RatePerSecond and refuses them while paused
// after a rate-limit error.
func (c *Client) wait(ctx context.Context) error {
	c.mu.Lock()
	now := c.Now()
	if now.Before(c.paused) {
		left := c.paused.Sub(now)
		c.mu.Unlock()
		return fmt.Errorf("rate limited for another %s, retry later", left.Round(time.Second))
	}
	slot := c.next
	if slot.Before(now) {
		slot = now
	}
	c.next = slot.Add(time.Duration(float64(time.Second) / c.cfg.RatePerSecond))
	c.mu.Unlock()
	if d := slot.Sub(now); d > 0 {
		t := time.NewTimer(d)
		defer t.Stop()
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
	}
	return nil
}

// pause stops calls for the time Meta says (estimated_time_to_regain_access
// in X-Business-Use-Case-Usage, minutes) or RateLimitPause.
func (c *Client) pause(h http.Header) {
	d := c.RateLimitPause
	if v := h.Get("X-Business-Use-Case-Usage"); v != "" {
		var usage map[string][]struct {
			Minutes int `json:"estimated_time_to_regain_access"`
		}
		if json.Unmarshal([]byte(v), &usage) == nil {
			for _, list := range usage {
				for _, u := range list {
					if m := time.Duration(u.Minutes) * time.Minute; m > d {
						d = m
					}
				}
			}
		}
	}
	c.mu.Lock()
	if until := c.Now().Add(d); until.After(c.paused) {
		c.paused = until
	}
	c.mu.Unlock()
	c.Logger.Warn("messenger rate limited: pausing sends", "for", d)
}

func (c *Client) resume(id string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.Now()
	for k, p := range c.progress { // drop what no retry will come back for
		if now.Sub(p.at) > time.Hour {
			delete(c.progress, k)
		}
	}
	return c.progress[id].sent
}

func (c *Client) remember(id string, sent int) {
	if id == "" {
		return
	}
	c.mu.Lock()
	c.progress[id] = progress{sent: sent, at: c.Now()}
	c.mu.Unlock()
}

func (c *Client) forget(id string) {
	c.mu.Lock()
	delete(c.progress, id)
	c.mu.Unlock()
}

// redactURL drops the URL (it carries the access token) from an error.
func redactURL(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return fmt.Errorf("%s: %v", ue.Op, ue.Err)
	}
	return err
}
