package zalo

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"botdvc/bot"
)

// OA API limits and windows (channels.md A6, A7).
const (
	maxText       = 2000 // characters per text message (third-party sources; unverified officially)
	maxButtons    = 5
	maxBtnTitle   = 100
	maxBtnPayload = 1000
	freeReplies   = 8
	freeWindow    = 48 * time.Hour
	hardWindow    = 7 * 24 * time.Hour
	csPath        = "/v3.0/oa/message/cs"
)

// Error codes of the OA API (channels.md A6 table).
var (
	tokenCodes  = map[int]bool{-216: true, -220: true}
	windowCodes = map[int]bool{-213: true, -217: true, -227: true, -230: true, -232: true, -234: true, -244: true}
	configCodes = map[int]bool{-201: true, -209: true, -212: true, -224: true, -240: true, -242: true}
)

// Window is the state of Zalo's reply window for one citizen, as this
// instance saw it: 8 free replies within 48 hours of the citizen's last
// message; consultation messages fail after 7 days. Staff consoles show it.
type Window struct {
	LastUser  time.Time // when the citizen last wrote
	Sent      int       // replies sent since then
	FreeLeft  int       // free replies left now (0 after 48 hours or 8 replies)
	FreeUntil time.Time // end of the free 48 hours
	Closes    time.Time // after this, consultation messages are refused (7 days)
	Quota     string    // quota_type Zalo reported on the last send ("reply" = free), when it did
}

type userState struct {
	last    time.Time
	sent    int
	quota   string
	pending int // sends in flight: their echo may arrive before the API answers
}

// Client sends replies through the Zalo OA API v3 (/v3.0/oa/message/cs).
// It implements bot.Sender and Tracker. It is safe for concurrent use.
type Client struct {
	cfg    Config
	tokens *TokenManager
	m      *metrics

	// HTTP is the client for OA API calls.
	HTTP *http.Client
	// Logger receives alerts and refusals; never text, user ids or tokens.
	Logger *slog.Logger
	// Now is the clock for windows and back-off.
	Now func() time.Time
	// Echoes, when set, shares this instance's sends with the others (see
	// EchoStore), so that an echo reaching another instance's webhook is
	// known as the service's own. Nil: this instance knows only its own
	// sends. Set before use.
	Echoes EchoStore

	buttonsOff atomic.Bool // Zalo refused buttons on /message/cs once: text only from then on

	mu       sync.Mutex
	paused   time.Time     // no calls before this (-32 rate limit)
	backoff  time.Duration // current -32 back-off
	users    map[string]*userState
	own      map[string]time.Time // message ids the service sent, for echo matching
	progress map[string]progress
}

type progress struct {
	sent int
	at   time.Time
}

var (
	_ bot.PieceSender = (*Client)(nil)
	_ Tracker         = (*Client)(nil)
)

// NewClient returns an OA API client whose access tokens come from a
// TokenManager over tokens, seeded from cfg.
func NewClient(cfg Config, tokens TokenStore) *Client {
	cfg = cfg.withDefaults()
	return &Client{
		cfg: cfg, tokens: NewTokenManager(cfg, tokens), m: newMetrics(cfg.Metrics),
		HTTP: cfg.HTTPClient, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Now: time.Now,
		users: map[string]*userState{}, own: map[string]time.Time{}, progress: map[string]progress{},
	}
}

// Tokens returns the client's token manager (run its Run loop to refresh
// ahead of expiry; set its Logger and Now).
func (c *Client) Tokens() *TokenManager { return c.tokens }

// SetLogger sets the logger of the client and its token manager.
func (c *Client) SetLogger(l *slog.Logger) {
	l = l.With("component", "zalo")
	c.Logger, c.tokens.Logger = l, l
}

// Window returns the reply window of userID; ok is false when this
// instance has not seen the citizen write.
func (c *Client) Window(userID string) (w Window, ok bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	u := c.users[userID]
	if u == nil || u.last.IsZero() {
		return Window{}, false
	}
	return c.windowOf(u), true
}

func (c *Client) windowOf(u *userState) Window {
	w := Window{LastUser: u.last, Sent: u.sent, FreeUntil: u.last.Add(freeWindow), Closes: u.last.Add(hardWindow), Quota: u.quota}
	if c.Now().Before(w.FreeUntil) && u.sent < freeReplies {
		w.FreeLeft = freeReplies - u.sent
	}
	return w
}

// NoteInbound records that the citizen wrote at t: the free window
// restarts (Zalo resets the quota on every user message).
func (c *Client) NoteInbound(userID string, t time.Time) {
	if userID == "" || t.IsZero() {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.noteLocked(userID, t)
}

func (c *Client) noteLocked(userID string, t time.Time) *userState {
	u := c.users[userID]
	if u == nil {
		c.pruneLocked()
		u = &userState{}
		c.users[userID] = u
	}
	if t.After(u.last) {
		u.last, u.sent = t, 0
	}
	return u
}

// pruneLocked forgets users whose window closed and old echo ids.
func (c *Client) pruneLocked() {
	now := c.Now()
	if len(c.users)%256 == 0 {
		for id, u := range c.users {
			if u.pending == 0 && now.Sub(u.last) > hardWindow {
				delete(c.users, id)
			}
		}
	}
	for id, at := range c.own {
		if now.Sub(at) > 10*time.Minute {
			delete(c.own, id)
		}
	}
	for id, p := range c.progress {
		if now.Sub(p.at) > time.Hour {
			delete(c.progress, id)
		}
	}
}

// Own reports whether an oa_send_* echo is the service's own message: its
// id was returned by a send, or a send to the citizen is in flight (Zalo
// can deliver the echo before the API call returns), on this instance or,
// with Echoes set, on any instance. Ids are remembered for 10 minutes.
// When the shared store cannot be read the echo counts as own: taking the
// service's own message for an OA admin's reply would silence the bot in
// that conversation, while missing an admin's reply only leaves the bot on.
func (c *Client) Own(ctx context.Context, userID, msgID string) bool {
	c.mu.Lock()
	_, ok := c.own[msgID]
	u := c.users[userID]
	local := ok || u != nil && u.pending > 0
	c.mu.Unlock()
	if local || c.Echoes == nil {
		return local
	}
	own, err := c.Echoes.Own(ctx, userID, msgID, c.Now())
	if err != nil {
		c.Logger.Warn("zalo echo: shared send records unreadable; counting the echo as our own", "err", err)
		return true
	}
	return own
}

// Wire types of the CS message API (channels.md A6).
type csRequest struct {
	Recipient struct {
		UserID string `json:"user_id"`
	} `json:"recipient"`
	Message csMessage `json:"message"`
}

type csMessage struct {
	Text       string        `json:"text"`
	Attachment *csAttachment `json:"attachment,omitempty"`
}

type csAttachment struct {
	Type    string    `json:"type"` // "template"
	Payload csButtons `json:"payload"`
}

type csButtons struct {
	Buttons []csButton `json:"buttons"`
}

type csButton struct {
	Title   string `json:"title"`
	Type    string `json:"type"` // "oa.query.hide"
	Payload string `json:"payload"`
}

type csResponse struct {
	Error   int    `json:"error"`
	Message string `json:"message"`
	Data    struct {
		MessageID idString `json:"message_id"`
		Quota     *struct {
			QuotaType string `json:"quota_type"`
		} `json:"quota"`
	} `json:"data"`
}

// Send delivers o as consultation messages: the text (with options as
// numbered lines and links not already in it) split at 2000 characters,
// options also as oa.query.hide buttons on the last piece when
// Config.Buttons is set. Past 7 days since the citizen wrote it is refused
// (ErrWindowClosed) without calling Zalo; with Config.FreeOnly also past
// the free window. An invalid token (-216, -220) is renewed and the piece
// retried once. Errors wrapping bot.ErrUndeliverable must not be retried;
// others are transient, and a retried Outbound resumes after the pieces
// already delivered.
func (c *Client) Send(ctx context.Context, o bot.Outbound) error {
	return c.SendFrom(ctx, o, 0, nil)
}

// SendFrom is Send that skips the first from pieces (delivered before,
// perhaps by another instance: the pipeline's delivery record) and calls
// delivered(n) after Zalo accepted the n-th piece (nil: not called). It
// implements bot.PieceSender.
func (c *Client) SendFrom(ctx context.Context, o bot.Outbound, from int, delivered func(n int)) error {
	if o.UserID == "" {
		return fmt.Errorf("zalo.Send: no recipient: %w", ErrRejected)
	}
	if err := c.checkWindow(o); err != nil {
		c.m.sends.WithLabelValues("refused_window").Inc()
		c.Logger.Warn("zalo reply refused: window", "outbound", o.ID, "staff", o.Staff != "", "reason", err)
		return err
	}
	pieces := render(o.Reply)
	if len(pieces) == 0 {
		return fmt.Errorf("zalo.Send: empty reply: %w", ErrRejected)
	}
	c.mu.Lock()
	start := max(from, c.progress[o.ID].sent)
	c.mu.Unlock()
	for i := start; i < len(pieces); i++ {
		if err := c.sendPiece(ctx, o.UserID, pieces[i]); err != nil {
			c.mu.Lock()
			if errors.Is(err, bot.ErrUndeliverable) || o.ID == "" {
				delete(c.progress, o.ID)
			} else {
				c.progress[o.ID] = progress{sent: i, at: c.Now()}
			}
			c.mu.Unlock()
			return fmt.Errorf("zalo.Send: piece %d of %d: %w", i+1, len(pieces), err)
		}
		if delivered != nil {
			delivered(i + 1)
		}
	}
	c.mu.Lock()
	delete(c.progress, o.ID)
	c.mu.Unlock()
	c.m.sends.WithLabelValues("ok").Inc()
	return nil
}

func (c *Client) checkWindow(o bot.Outbound) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	var u *userState
	if !o.LastUser.IsZero() {
		u = c.noteLocked(o.UserID, o.LastUser)
	} else {
		u = c.users[o.UserID]
	}
	if u == nil || u.last.IsZero() {
		if o.Proactive {
			return fmt.Errorf("zalo.Send: a proactive message needs the citizen's last message time: %w", ErrWindowClosed)
		}
		return nil // unknown: Zalo enforces its window
	}
	w := c.windowOf(u)
	now := c.Now()
	switch {
	case o.Proactive && w.FreeLeft == 0:
		// An announcement to a follower goes only as a free reply: within
		// 48 hours of their last message and with one of the 8 left (A7).
		return fmt.Errorf("zalo.Send: proactive message outside the free window (%d replies, last message %s ago): %w", u.sent, now.Sub(u.last).Round(time.Minute), ErrWindowClosed)
	case now.After(w.Closes):
		return fmt.Errorf("zalo.Send: citizen last wrote %s ago, consultation messages end after 7 days: %w", now.Sub(u.last).Round(time.Hour), ErrWindowClosed)
	case c.cfg.FreeOnly && w.FreeLeft == 0:
		return fmt.Errorf("zalo.Send: free window used (%d replies, last message %s ago): %w", u.sent, now.Sub(u.last).Round(time.Minute), ErrWindowClosed)
	}
	return nil
}

// render turns a reply into CS messages.
func render(r bot.Reply) []csMessage {
	text := r.Text
	// Options are numbered lines (a typed number picks the option at that
	// position, as the engine counts them). A clarify numbers them in its
	// text already; the others are added after it.
	n := 0
	for n < len(r.Options) && strings.Contains(text, strconv.Itoa(n+1)+". "+r.Options[n].Label) {
		n++
	}
	if n < len(r.Options) {
		text = strings.TrimRight(text, "\n")
		if n == 0 {
			text += "\n\nNhắn số để chọn:"
		}
		for i := n; i < len(r.Options); i++ {
			text += "\n" + strconv.Itoa(i+1) + ". " + r.Options[i].Label
		}
	}
	for _, l := range r.Links {
		if l.URL != "" && !strings.Contains(text, l.URL) {
			text = strings.TrimRight(text, "\n") + "\n\n" + strings.TrimSpace(l.Title+": "+l.URL)
		}
	}
	var out []csMessage
	for _, p := range bot.Split(text, maxText) {
		out = append(out, csMessage{Text: p})
	}
	if len(out) == 0 {
		return nil
	}
	var btns []csButton
	for _, opt := range r.Options {
		payload := ButtonPrefix + opt.Payload
		title := strings.TrimSpace(opt.Label)
		if opt.Payload == "" || title == "" || len([]rune(payload)) > maxBtnPayload || len(btns) == maxButtons {
			continue
		}
		btns = append(btns, csButton{Title: truncate(title, maxBtnTitle), Type: "oa.query.hide", Payload: payload})
	}
	if len(btns) > 0 {
		out[len(out)-1].Attachment = &csAttachment{Type: "template", Payload: csButtons{Buttons: btns}}
	}
	return out
}

// sendPiece sends one message, renewing the token once on -216/-220 and
// dropping the buttons once if Zalo refuses them.
func (c *Client) sendPiece(ctx context.Context, userID string, msg csMessage) error {
	if !c.cfg.Buttons || c.buttonsOff.Load() {
		msg.Attachment = nil
	}
	tok, err := c.tokens.Token(ctx)
	if err != nil {
		c.m.sends.WithLabelValues("reauth").Inc()
		return err
	}
	renewed, plain := false, false
	for {
		code, desc, err := c.call(ctx, tok, userID, msg)
		switch {
		case err != nil:
			return err
		case code == 0:
			if plain { // the text alone went through: it was the buttons
				c.buttonsOff.Store(true)
				c.Logger.Warn("zalo refused buttons on /message/cs; sending options as text only from now on")
			}
			return nil
		case tokenCodes[code] && !renewed:
			renewed = true
			if tok, err = c.tokens.Renew(ctx, tok); err != nil {
				c.m.sends.WithLabelValues("reauth").Inc()
				return err
			}
		case tokenCodes[code]:
			c.m.sends.WithLabelValues("reauth").Inc()
			c.Logger.Error("ALERT zalo access token refused right after renewal", "code", code)
			return fmt.Errorf("%s: %w", desc, ErrNeedsReauth)
		case code == -201 && msg.Attachment != nil && !plain:
			// Buttons on /message/cs are unverified (channels.md D2): fall
			// back to the text, which already numbers the options.
			plain = true
			msg.Attachment = nil
			c.m.sends.WithLabelValues("buttons_refused").Inc()
		case code == -32:
			c.m.sends.WithLabelValues("rate_limited").Inc()
			c.pause()
			return fmt.Errorf("%s: rate limited, retry later", desc)
		case windowCodes[code]:
			c.m.sends.WithLabelValues("window_closed").Inc()
			return fmt.Errorf("%s: %w", desc, ErrWindowClosed)
		case configCodes[code]:
			c.m.sends.WithLabelValues("undeliverable").Inc()
			c.Logger.Error("zalo refused the message: check the OA and app configuration", "code", code)
			return fmt.Errorf("%s: %w", desc, ErrRejected)
		default: // -100 and unknown codes: retryable
			c.m.sends.WithLabelValues("transient").Inc()
			return fmt.Errorf("%s: temporary failure", desc)
		}
	}
}

// call makes one CS API call. It returns Zalo's error code (0 on
// success), a description without secrets, or a transport error.
func (c *Client) call(ctx context.Context, token, userID string, msg csMessage) (int, string, error) {
	c.mu.Lock()
	if now := c.Now(); now.Before(c.paused) {
		left := c.paused.Sub(now)
		c.mu.Unlock()
		return 0, "", fmt.Errorf("rate limited for another %s, retry later", left.Round(time.Second))
	}
	u := c.noteLocked(userID, time.Time{})
	u.pending++
	c.mu.Unlock()
	msgID := "" // set when Zalo accepted the message
	if c.Echoes != nil {
		until := c.Now().Add(30 * time.Second)
		if d, ok := ctx.Deadline(); ok && d.Before(until) {
			until = d
		}
		if err := c.Echoes.Sending(ctx, userID, until); err != nil {
			c.Logger.Warn("zalo echo: send not shared with other instances", "err", err)
		}
	}
	defer func() {
		c.mu.Lock()
		u.pending--
		c.mu.Unlock()
		if c.Echoes != nil {
			sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			if err := c.Echoes.Sent(sctx, userID, msgID); err != nil {
				c.Logger.Warn("zalo echo: sent message id not shared with other instances", "err", err)
			}
		}
	}()

	var req csRequest
	req.Recipient.UserID, req.Message = userID, msg
	body, err := json.Marshal(req)
	if err != nil {
		return 0, "", fmt.Errorf("encode request: %v", err)
	}
	hr, err := http.NewRequestWithContext(ctx, http.MethodPost, c.cfg.APIURL+csPath, bytes.NewReader(body))
	if err != nil {
		return 0, "", fmt.Errorf("build request: %v", redactURL(err))
	}
	hr.Header.Set("Content-Type", "application/json")
	hr.Header.Set("access_token", token)
	resp, err := c.HTTP.Do(hr)
	if err != nil {
		c.m.sends.WithLabelValues("transient").Inc()
		return 0, "", fmt.Errorf("zalo request: %v", redactURL(err))
	}
	defer resp.Body.Close()
	rb, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode >= 500 || resp.StatusCode == http.StatusTooManyRequests {
		c.m.sends.WithLabelValues("transient").Inc()
		return 0, "", fmt.Errorf("zalo answered HTTP %d, temporary failure", resp.StatusCode)
	}
	var cr csResponse
	if err := json.Unmarshal(rb, &cr); err != nil {
		if resp.StatusCode != http.StatusOK {
			c.m.sends.WithLabelValues("undeliverable").Inc()
			return 0, "", fmt.Errorf("zalo answered HTTP %d without a JSON body: %w", resp.StatusCode, ErrRejected)
		}
		c.m.sends.WithLabelValues("transient").Inc()
		return 0, "", fmt.Errorf("zalo answer unreadable: %v", err)
	}
	if cr.Error != 0 {
		return cr.Error, fmt.Sprintf("zalo error %d (%s)", cr.Error, cr.Message), nil
	}
	c.mu.Lock()
	c.backoff = 0
	if id := string(cr.Data.MessageID); id != "" {
		c.own[id] = c.Now()
		msgID = id
	}
	u.sent++
	if cr.Data.Quota != nil {
		u.quota = cr.Data.Quota.QuotaType
	}
	c.mu.Unlock()
	return 0, "", nil
}

// pause backs off after -32: 30 s, doubling up to 10 minutes, with jitter.
func (c *Client) pause() {
	c.mu.Lock()
	defer c.mu.Unlock()
	switch {
	case c.backoff == 0:
		c.backoff = 30 * time.Second
	case c.backoff < 10*time.Minute:
		c.backoff *= 2
	}
	d := c.backoff/2 + rand.N(c.backoff/2+1)
	c.paused = c.Now().Add(d)
	c.Logger.Warn("zalo rate limited (-32): pausing sends", "for", d.Round(time.Second))
}
