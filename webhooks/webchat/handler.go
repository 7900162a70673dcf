package webchat

import (
	"bufio"
	"context"
	"crypto/rand"
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"botdvc/bot"
	"botdvc/internal/clientaddr"
	"botdvc/webhooks"
)

//go:embed page.html
var page []byte

// Handler serves the web chat page and API.
type Handler struct {
	Logger    *slog.Logger
	Now       func() time.Time
	Heartbeat time.Duration // SSE keep-alive comment interval (15s)
	PollWait  time.Duration // longest wait of a long poll (20s)

	// ClientRate limits the messages one client address posts
	// (BOT_CLIENT_RATE), ClientSessions the distinct sessions it starts
	// (BOT_CLIENT_SESSIONS); nil: no limit. Keyed on clientaddr.Key.
	ClientRate, ClientSessions webhooks.Limiter
	// Backlog, when set, is the inbound backlog; while it is over MaxBacklog
	// messages, posts are answered 503 with Retry-After (webhooks are not:
	// the platforms' traffic keeps priority).
	Backlog    Backlog
	MaxBacklog int
	// Streams caps event streams and long polls (nil: no cap).
	Streams *webhooks.Streams

	inbox webhooks.Inbox
	nc    *nats.Conn
	js    jetstream.JetStream

	mu     sync.Mutex
	stream jetstream.Stream
	done   chan struct{}
	closed bool
}

var _ webhooks.Mounter = (*Handler)(nil)

// Backlog is what the handler asks about the inbound backlog
// (pipeline.Backlog implements it).
type Backlog interface {
	Depth() int
	RetryAfter(limit int) time.Duration
}

// HeaderSession carries the session id of GET /api/v1/chat/events (and,
// optionally, of /api/v1/chat/messages): in a header, not the URL, so that
// it stays out of access logs, browser history and Referer headers.
const HeaderSession = "X-Chat-Session"

// NewHandler returns the web chat handler. Messages go to inbox; replies are
// read from the web chat stream through js and nc.
func NewHandler(inbox webhooks.Inbox, nc *nats.Conn, js jetstream.JetStream, logger *slog.Logger) *Handler {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &Handler{Logger: logger, Now: time.Now, Heartbeat: 15 * time.Second, PollWait: 20 * time.Second,
		inbox: inbox, nc: nc, js: js, done: make(chan struct{})}
}

// Mount implements webhooks.Mounter.
func (h *Handler) Mount(r fiber.Router) {
	r.Get("/", h.page)
	r.Post("/api/v1/chat", h.post)
	r.Get("/api/v1/chat/events", h.events)
	r.Get("/api/v1/chat/messages", h.messages)
}

// Close ends the open event streams and long polls, so the HTTP server can
// shut down. Browsers reconnect to another instance with Last-Event-ID.
func (h *Handler) Close() error {
	h.mu.Lock()
	defer h.mu.Unlock()
	if !h.closed {
		h.closed = true
		close(h.done)
	}
	return nil
}

func (h *Handler) page(c *fiber.Ctx) error {
	c.Set(fiber.HeaderContentType, fiber.MIMETextHTMLCharsetUTF8)
	c.Set("Content-Security-Policy", "default-src 'self'; style-src 'self' 'unsafe-inline'; script-src 'self' 'unsafe-inline'; connect-src 'self'")
	return c.Send(page)
}

type chatRequest struct {
	Session string `json:"session"`
	ID      string `json:"id"`      // client message id, for idempotent retries (optional)
	Text    string `json:"text"`    // what the citizen typed, or the label of the tapped option
	Payload string `json:"payload"` // the tapped option's payload (optional)
	// Event "open" starts a conversation: the bot greets (bot.KindFollow),
	// once per session, and the greeting is the conversation's first turn.
	Event string `json:"event"`
}

// EventOpen is the chat request's event that opens a conversation.
const EventOpen = "open"

type chatResponse struct {
	Session string `json:"session"`
	ID      string `json:"id"`
}

var reMsgID = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)

func (h *Handler) post(c *fiber.Ctx) error {
	var req chatRequest
	if err := webhooks.DecodeJSON(c, &req); err != nil {
		return err
	}
	if req.Session == "" {
		req.Session = newID()
	} else if !ValidSession(req.Session) {
		return webhooks.Error(c, fiber.StatusBadRequest, `"session" must be 16 to 64 letters, digits, "-" or "_"`)
	}
	if req.ID == "" {
		req.ID = newID()
	} else if !reMsgID.MatchString(req.ID) {
		return webhooks.Error(c, fiber.StatusBadRequest, `"id" must be 1 to 64 letters, digits, "-" or "_"`)
	}
	req.Text = strings.TrimSpace(req.Text)
	var m bot.Message
	switch req.Event {
	case EventOpen:
		// One greeting per session: the id comes from the session, so a
		// second "open" (two tabs, a reload before the greeting came) is
		// dropped as a duplicate.
		req.ID = openID(req.Session)
		m = bot.Message{ID: req.ID, Channel: bot.Web, UserID: req.Session, Kind: bot.KindFollow, Time: h.Now()}
	case "":
		if req.Text == "" && req.Payload == "" {
			return webhooks.Error(c, fiber.StatusBadRequest, `"text" is required`)
		}
		m = bot.Message{ID: req.ID, Channel: bot.Web, UserID: req.Session, Kind: bot.KindText, Text: req.Text, Time: h.Now()}
		if req.Payload != "" {
			m.Kind, m.Payload = bot.KindPayload, req.Payload
		}
	default:
		return webhooks.Error(c, fiber.StatusBadRequest, `"event" must be "open" or absent`)
	}
	if h.Backlog != nil && h.MaxBacklog > 0 && h.Backlog.Depth() > h.MaxBacklog {
		c.Set(fiber.HeaderRetryAfter, seconds(h.Backlog.RetryAfter(h.MaxBacklog)))
		return c.Status(fiber.StatusServiceUnavailable).JSON(fiber.Map{"error": "busy: retry later", "notice": webhooks.NoticeBusy, "session": req.Session})
	}
	// Per client address: messages (a retried post with the same session
	// and id counts once), then distinct sessions.
	client := clientaddr.Key(clientaddr.Addr(c))
	if !h.allow(c, h.ClientRate, client, req.Session+"/"+req.ID) ||
		!h.allow(c, h.ClientSessions, client, req.Session) {
		return c.Status(fiber.StatusTooManyRequests).JSON(fiber.Map{"error": "refused: client rate", "notice": webhooks.NoticeClientRate, "session": req.Session})
	}
	err := h.inbox.Accept(c.UserContext(), m)
	var refused *bot.RefusedError
	switch {
	case err == nil:
		if m.Kind != bot.KindFollow {
			h.keepCitizenTurn(c.UserContext(), m)
		}
		return c.Status(fiber.StatusAccepted).JSON(chatResponse{Session: req.Session, ID: req.ID})
	case errors.As(err, &refused):
		code := fiber.StatusTooManyRequests
		if refused.Reason == "size" {
			code = fiber.StatusRequestEntityTooLarge
		}
		return c.Status(code).JSON(fiber.Map{"error": "refused: " + refused.Reason, "notice": refused.Notice, "session": req.Session})
	default:
		h.Logger.Error("web chat message not accepted", "msg", m, "err", err)
		return webhooks.Error(c, fiber.StatusServiceUnavailable, "message not stored, retry later")
	}
}

// openID is the message id of a session's "open" event.
func openID(session string) string {
	sum := sha256.Sum256([]byte("webchat-open:" + session))
	return "open-" + hex.EncodeToString(sum[:12])
}

// keepCitizenTurn adds an accepted citizen message to the conversation,
// redacted, as the page showed it (a tap as its label). A failure is logged:
// the message itself is accepted and will be answered.
func (h *Handler) keepCitizenTurn(ctx context.Context, m bot.Message) {
	if h.js == nil {
		return // no conversation store (tests of the HTTP surface)
	}
	text := m.Text
	if text == "" {
		text = m.Payload
	}
	if rs := []rune(text); len(rs) > maxTurnText {
		text = string(rs[:maxTurnText])
	}
	e := Event{ID: m.ID, From: FromCitizen, Text: bot.Redact(text), At: m.Time}
	data, _ := json.Marshal(e)
	msg := &nats.Msg{Subject: subject(m.UserID), Data: data, Header: nats.Header{}}
	msg.Header.Set(nats.MsgIdHdr, "web:in:"+m.UserID+":"+m.ID) // a retried POST is kept once
	if _, err := h.js.PublishMsg(ctx, msg); err != nil {
		h.Logger.Warn("web chat citizen turn not kept", "msg", m, "err", err)
	}
}

// maxTurnText bounds a citizen's turn as kept in the conversation.
const maxTurnText = 2000

// allow asks a limiter (nil allows); refused, it sets Retry-After.
func (h *Handler) allow(c *fiber.Ctx, l webhooks.Limiter, key, id string) bool {
	if l == nil {
		return true
	}
	ok, err := l.Allow(c.UserContext(), key, id)
	if err != nil {
		h.Logger.Warn("client limit unavailable, message let through", "err", err)
	}
	if !ok {
		retry := time.Minute
		if w, has := l.(interface {
			Wait(context.Context, string) time.Duration
		}); has {
			retry = w.Wait(c.UserContext(), key)
		}
		c.Set(fiber.HeaderRetryAfter, seconds(retry))
	}
	return ok
}

func seconds(d time.Duration) string {
	return strconv.Itoa(int(max(1, d.Round(time.Second)/time.Second)))
}

// stream takes a place for an event stream or long poll of this client,
// or answers 503 when the caps are reached.
func (h *Handler) openStream(c *fiber.Ctx) (func(), error) {
	release, ok := h.Streams.Acquire(clientaddr.Addr(c))
	if !ok {
		c.Set(fiber.HeaderRetryAfter, "10")
		return nil, webhooks.Error(c, fiber.StatusServiceUnavailable, "too many open event streams; retry later")
	}
	return release, nil
}

// cursor reads the last seen sequence from Last-Event-ID or ?after=.
func cursor(c *fiber.Ctx) (uint64, error) {
	v := c.Get("Last-Event-ID")
	if v == "" {
		v = c.Query("after")
	}
	if v == "" {
		return 0, nil
	}
	n, err := strconv.ParseUint(v, 10, 64)
	if err != nil {
		return 0, fiber.NewError(fiber.StatusBadRequest, `"after" must be a sequence number`)
	}
	return n, nil
}

func (h *Handler) getStream(ctx context.Context) (jetstream.Stream, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.stream != nil {
		return h.stream, nil
	}
	s, err := h.js.Stream(ctx, Stream)
	if err != nil {
		return nil, fmt.Errorf("webchat: stream: %w", err)
	}
	h.stream = s
	return s, nil
}

// fetch returns up to limit events of session after seq.
func (h *Handler) fetch(ctx context.Context, session string, after uint64, limit int) ([]Event, error) {
	s, err := h.getStream(ctx)
	if err != nil {
		return nil, err
	}
	var out []Event
	for len(out) < limit {
		raw, err := s.GetMsg(ctx, after+1, jetstream.WithGetMsgSubject(subject(session)))
		if errors.Is(err, jetstream.ErrMsgNotFound) {
			break
		}
		if err != nil {
			return out, fmt.Errorf("webchat: get: %w", err)
		}
		after = raw.Sequence
		var e Event
		if err := json.Unmarshal(raw.Data, &e); err != nil {
			continue // not ours to show
		}
		e.Seq = raw.Sequence
		out = append(out, e)
	}
	return out, nil
}

// fetchNotified fetches after a notification on the session's subject. The
// notification can arrive before the stream stored the message (core
// subscribers are served first), so an empty result is retried briefly.
func (h *Handler) fetchNotified(ctx context.Context, session string, after uint64) ([]Event, error) {
	wait := 5 * time.Millisecond
	for i := 0; ; i++ {
		evs, err := h.fetch(ctx, session, after, 50)
		if err != nil || len(evs) > 0 || i == 6 {
			return evs, err
		}
		time.Sleep(wait)
		wait *= 2
	}
}

// events streams replies as server-sent events: "id: <seq>", "event: reply",
// "data: <Event JSON>". The session comes in the X-Chat-Session header; a
// session in the query string is refused (400), so that it never ends up in
// a log or a browser's history.
func (h *Handler) events(c *fiber.Ctx) error {
	if c.Query("session") != "" {
		return webhooks.Error(c, fiber.StatusBadRequest, `send the session in the X-Chat-Session header, not in the URL`)
	}
	session := strings.Clone(c.Get(HeaderSession)) // used after the handler returns
	if !ValidSession(session) {
		return webhooks.Error(c, fiber.StatusBadRequest, `the X-Chat-Session header must be 16 to 64 letters, digits, "-" or "_"`)
	}
	after, err := cursor(c)
	if err != nil {
		return err
	}
	release, err := h.openStream(c)
	if release == nil {
		return err
	}
	notify := make(chan *nats.Msg, 16)
	sub, err := h.nc.ChanSubscribe(subject(session), notify)
	if err != nil {
		release()
		return webhooks.Error(c, fiber.StatusServiceUnavailable, "event stream unavailable")
	}
	c.Set(fiber.HeaderContentType, "text/event-stream; charset=utf-8")
	c.Set(fiber.HeaderCacheControl, "no-cache")
	c.Set("X-Accel-Buffering", "no")
	c.Context().SetBodyStreamWriter(func(w *bufio.Writer) {
		defer release()
		defer sub.Unsubscribe()
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		ping := time.NewTicker(h.Heartbeat)
		defer ping.Stop()
		fmt.Fprint(w, "retry: 3000\n: connected\n\n")
		if w.Flush() != nil {
			return
		}
		send := func(notified bool) bool {
			var evs []Event
			var err error
			if notified {
				evs, err = h.fetchNotified(ctx, session, after)
			} else {
				evs, err = h.fetch(ctx, session, after, 50)
			}
			if err != nil {
				h.Logger.Warn("web chat fetch failed", "err", err)
			}
			for _, e := range evs {
				b, _ := json.Marshal(e)
				fmt.Fprintf(w, "id: %d\nevent: reply\ndata: %s\n\n", e.Seq, b)
				after = e.Seq
			}
			return w.Flush() == nil
		}
		if !send(false) {
			return
		}
		for {
			select {
			case <-h.done:
				return
			case <-notify:
				for len(notify) > 0 {
					<-notify
				}
				if !send(true) {
					return
				}
			case <-ping.C:
				fmt.Fprint(w, ": ping\n\n")
				if !send(false) { // also catches a missed notification
					return
				}
			}
		}
	})
	return nil
}

// messages returns the conversation: GET /api/v1/chat/messages?session=
// without after gives all of it from its start, greeting included, each
// citizen message before the reply to it (a page restoring itself after a
// reload); with after=<seq> (or wait=1) only what came later: the polling
// fallback, which with wait=1 waits up to PollWait for the first one. The answer is
// {"messages": [...], "cursor": n}.
// The session may come in the X-Chat-Session header instead of the query
// (the page sends it there).
func (h *Handler) messages(c *fiber.Ctx) error {
	session := c.Get(HeaderSession)
	if session == "" {
		session = c.Query("session")
	}
	if !ValidSession(session) {
		return webhooks.Error(c, fiber.StatusBadRequest, `"session" must be 16 to 64 letters, digits, "-" or "_"`)
	}
	after, err := cursor(c)
	if err != nil {
		return err
	}
	ctx := context.Background()
	if c.Query("after") == "" && c.Get("Last-Event-ID") == "" && c.Query("wait") != "1" {
		evs, err := h.fetch(ctx, session, 0, MaxTurns)
		if err != nil {
			return webhooks.Error(c, fiber.StatusServiceUnavailable, "conversation unavailable, retry later")
		}
		if len(evs) > 0 {
			after = evs[len(evs)-1].Seq
		}
		return c.JSON(fiber.Map{"messages": inOrder(evs), "cursor": after})
	}
	var notify chan *nats.Msg
	if c.Query("wait") == "1" {
		release, err := h.openStream(c)
		if release == nil {
			return err
		}
		defer release()
		notify = make(chan *nats.Msg, 4)
		sub, err := h.nc.ChanSubscribe(subject(session), notify)
		if err == nil {
			defer sub.Unsubscribe()
		}
	}
	evs, err := h.fetch(ctx, session, after, 50)
	if err != nil {
		return webhooks.Error(c, fiber.StatusServiceUnavailable, "replies unavailable, retry later")
	}
	if len(evs) == 0 && notify != nil {
		t := time.NewTimer(h.PollWait)
		defer t.Stop()
		select {
		case <-notify:
			evs, _ = h.fetchNotified(ctx, session, after)
		case <-t.C:
		case <-h.done:
		}
	}
	if len(evs) > 0 {
		after = evs[len(evs)-1].Seq
	}
	if evs == nil {
		evs = []Event{}
	}
	return c.JSON(fiber.Map{"messages": evs, "cursor": after})
}

// inOrder puts each citizen message just before the reply to it. The
// handler keeps a citizen's message as soon as the pipeline accepted it, so
// in the stream it can come before the replies to earlier messages (asked
// quickly in a row) or after its own reply (answered quickly). Replies keep
// their order (the pipeline answers a conversation in order); a message
// with no reply (forwarded to staff) keeps its place.
func inOrder(evs []Event) []Event {
	citizen := map[string]int{} // message id -> index of the citizen turn
	for i, e := range evs {
		if e.From == FromCitizen {
			citizen[e.ID] = i
		}
	}
	answered := map[string]bool{}
	for _, e := range evs {
		if e.From != FromCitizen && e.ReplyTo != "" {
			if _, ok := citizen[e.ReplyTo]; ok {
				answered[e.ReplyTo] = true
			}
		}
	}
	out := make([]Event, 0, len(evs))
	done := map[string]bool{}
	for _, e := range evs {
		if e.From == FromCitizen {
			if !answered[e.ID] {
				out = append(out, e)
			}
			continue
		}
		if i, ok := citizen[e.ReplyTo]; ok && e.ReplyTo != "" && !done[e.ReplyTo] {
			out = append(out, evs[i])
			done[e.ReplyTo] = true
		}
		out = append(out, e)
	}
	return out
}

func newID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
