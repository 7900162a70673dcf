package messenger

import (
	"context"
	"crypto/subtle"
	"errors"
	"io"
	"log/slog"
	"time"

	"github.com/gofiber/fiber/v2"

	"botdvc/bot"
	"botdvc/webhooks"
)

// Path is the route of the Messenger webhook (GET handshake, POST events).
const Path = "/webhooks/facebook"

// Handler receives Messenger webhooks: the GET hub.challenge handshake and
// signed POSTs, whose messages it hands to the Inbox before answering 200.
type Handler struct {
	cfg    Config
	inbox  webhooks.Inbox
	logger *slog.Logger
	parser parser
	m      *metrics
	// Now stamps messages whose event has no usable timestamp.
	Now func() time.Time
}

// NewHandler returns the Messenger webhook handler. logger may be nil.
// With no app secret configured the channel is off: Mount registers no
// route and the path answers 404.
func NewHandler(cfg Config, inbox webhooks.Inbox, logger *slog.Logger) *Handler {
	cfg = cfg.withDefaults()
	if logger == nil {
		logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	return &Handler{
		cfg:    cfg,
		inbox:  inbox,
		logger: logger.With("component", "messenger"),
		parser: parser{appID: cfg.AppID, getStarted: cfg.GetStartedPayload},
		m:      newMetrics(cfg.Metrics),
		Now:    time.Now,
	}
}

// Enabled reports whether the handler serves its route (an app secret is
// configured).
func (h *Handler) Enabled() bool { return h.cfg.Enabled() }

// Mount registers GET and POST Path on r (the app root). It registers
// nothing when the channel is off, so the path answers 404.
func (h *Handler) Mount(r fiber.Router) {
	if !h.Enabled() {
		h.logger.Info("messenger channel off: FB_APP_SECRET not set")
		return
	}
	r.Get(Path, h.handshake)
	r.Post(Path, h.receive)
}

// handshake answers Meta's subscription check: 200 with hub.challenge
// byte for byte when the mode is subscribe and the verify token matches,
// 403 otherwise (channels.md B1).
func (h *Handler) handshake(c *fiber.Ctx) error {
	mode, token, challenge := c.Query("hub.mode"), c.Query("hub.verify_token"), c.Query("hub.challenge")
	if h.cfg.VerifyToken == "" || mode != "subscribe" ||
		subtle.ConstantTimeCompare([]byte(token), []byte(h.cfg.VerifyToken)) != 1 {
		h.m.rejected.WithLabelValues("handshake").Inc()
		h.logger.Warn("messenger handshake refused")
		return c.Status(fiber.StatusForbidden).SendString("verification failed")
	}
	c.Set(fiber.HeaderContentType, fiber.MIMETextPlainCharsetUTF8)
	return c.Status(fiber.StatusOK).SendString(challenge)
}

// receive handles a POSTed event batch. The raw request bytes are used as
// sent (no decompression, no re-serialisation).
func (h *Handler) receive(c *fiber.Ctx) error {
	status, body := h.process(c.UserContext(), c.Request().Body(), c.Get("X-Hub-Signature-256"))
	c.Set(fiber.HeaderContentType, fiber.MIMETextPlainCharsetUTF8)
	return c.Status(status).SendString(body)
}

// process is the webhook path without Fiber: size limit, signature over the
// raw bytes, parse, then every message to the inbox in event-time order.
// It returns the status and body to answer. Nothing reaches the inbox
// unless the signature verified and the whole body parsed.
func (h *Handler) process(ctx context.Context, raw []byte, sig string) (int, string) {
	if len(raw) > h.cfg.MaxBody {
		h.m.rejected.WithLabelValues("too_large").Inc()
		h.logger.Warn("messenger webhook body too large", "bytes", len(raw))
		return fiber.StatusRequestEntityTooLarge, "body too large"
	}
	if !Verify(raw, sig, h.cfg.AppSecret) {
		h.m.badSignature.Inc()
		h.logger.Warn("messenger webhook: bad signature", "has_header", sig != "")
		return fiber.StatusUnauthorized, "bad signature"
	}
	b, err := h.parser.parse(raw)
	if err != nil {
		h.m.rejected.WithLabelValues("malformed").Inc()
		h.logger.Warn("messenger webhook: malformed body", "err", err)
		return fiber.StatusBadRequest, err.Error()
	}
	for _, k := range b.Kinds {
		h.m.events.WithLabelValues(k).Inc()
	}
	for _, m := range b.Messages {
		if m.Time.IsZero() {
			m.Time = h.Now().UTC()
		}
		if err := h.inbox.Accept(ctx, m); err != nil {
			if errors.Is(err, bot.ErrRefused) {
				continue // the inbox counted and logged it, in aggregate
			}
			// Not stored: answer 5xx so Meta redelivers the batch; the
			// messages already stored are dropped as duplicates.
			h.logger.Error("messenger webhook: inbox unavailable", "msg", m, "err", err)
			return fiber.StatusServiceUnavailable, "inbox unavailable"
		}
	}
	return fiber.StatusOK, "EVENT_RECEIVED"
}
