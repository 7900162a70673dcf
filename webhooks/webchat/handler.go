package webchat

import (
	"bufio"
	"context"
	"crypto/rand"
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

	inbox webhooks.Inbox
	nc    *nats.Conn
	js    jetstream.JetStream

	mu     sync.Mutex
	stream jetstream.Stream
	done   chan struct{}
	closed bool
}

var _ webhooks.Mounter = (*Handler)(nil)

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
}

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
	if req.Text == "" && req.Payload == "" {
		return webhooks.Error(c, fiber.StatusBadRequest, `"text" is required`)
	}
	m := bot.Message{ID: req.ID, Channel: bot.Web, UserID: req.Session, Kind: bot.KindText, Text: req.Text, Time: h.Now()}
	if req.Payload != "" {
		m.Kind, m.Payload = bot.KindPayload, req.Payload
	}
	err := h.inbox.Accept(c.UserContext(), m)
	var refused *webhooks.RefusedError
	switch {
	case err == nil:
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
// "data: <Event JSON>".
func (h *Handler) events(c *fiber.Ctx) error {
	session := strings.Clone(c.Query("session")) // used after the handler returns
	if !ValidSession(session) {
		return webhooks.Error(c, fiber.StatusBadRequest, `"session" must be 16 to 64 letters, digits, "-" or "_"`)
	}
	after, err := cursor(c)
	if err != nil {
		return err
	}
	notify := make(chan *nats.Msg, 16)
	sub, err := h.nc.ChanSubscribe(subject(session), notify)
	if err != nil {
		return webhooks.Error(c, fiber.StatusServiceUnavailable, "event stream unavailable")
	}
	c.Set(fiber.HeaderContentType, "text/event-stream; charset=utf-8")
	c.Set(fiber.HeaderCacheControl, "no-cache")
	c.Set("X-Accel-Buffering", "no")
	c.Context().SetBodyStreamWriter(func(w *bufio.Writer) {
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

// messages is the polling fallback: GET /api/v1/chat/messages?session=&after=
// returns {"messages": [...], "cursor": n}. With wait=1 it waits up to
// PollWait for the first reply.
func (h *Handler) messages(c *fiber.Ctx) error {
	session := c.Query("session")
	if !ValidSession(session) {
		return webhooks.Error(c, fiber.StatusBadRequest, `"session" must be 16 to 64 letters, digits, "-" or "_"`)
	}
	after, err := cursor(c)
	if err != nil {
		return err
	}
	ctx := context.Background()
	var notify chan *nats.Msg
	if c.Query("wait") == "1" {
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

func newID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
