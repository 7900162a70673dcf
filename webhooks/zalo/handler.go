package zalo

import (
	"context"
	"errors"
	"html"
	"io"
	"log/slog"
	"regexp"
	"time"

	"github.com/gofiber/fiber/v2"

	"botdvc/bot"
	"botdvc/internal/tally"
	"botdvc/webhooks"
)

// Path is the route of the Zalo OA webhook.
const Path = "/webhooks/zalo"

// Tracker is what the handler tells the outbound side and asks it. Client
// implements it; with none set, every oa_send_* echo counts as the
// service's own.
type Tracker interface {
	// Own reports whether an oa_send_* echo for userID with msgID is a
	// message the service sent (or is sending) itself, on any instance.
	Own(ctx context.Context, userID, msgID string) bool
	// NoteInbound records that the citizen wrote at t: Zalo's free reply
	// window restarts.
	NoteInbound(userID string, t time.Time)
}

// Handler receives Zalo OA webhooks and hands their messages to the Inbox
// before answering 200. It also serves the domain verification page.
type Handler struct {
	cfg    Config
	inbox  webhooks.Inbox
	logger *slog.Logger
	m      *metrics
	// Tracker tells own echoes from OA admins' replies and keeps the reply
	// window; set it to the channel's Client. Nil: echoes are ignored.
	Tracker Tracker
	// Now is the clock events' timestamps are checked against.
	Now func() time.Time

	refusals *tally.Tally
}

// NewHandler returns the Zalo OA webhook handler. logger may be nil.
// Without the OA secret and app id the webhook is off: Mount registers no
// webhook route and the path answers 404.
func NewHandler(cfg Config, inbox webhooks.Inbox, logger *slog.Logger) *Handler {
	cfg = cfg.withDefaults()
	if logger == nil {
		logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	logger = logger.With("component", "zalo")
	return &Handler{cfg: cfg, inbox: inbox, logger: logger, m: newMetrics(cfg.Metrics), Now: time.Now,
		refusals: tally.New(logger, "zalo events refused (reason: count)")}
}

// Enabled reports whether the webhook route is served.
func (h *Handler) Enabled() bool { return h.cfg.Enabled() }

var verifierCode = regexp.MustCompile(`^[A-Za-z0-9_-]{1,200}$`)

// Mount registers POST Path and, when Config.SiteVerification is set,
// GET /zalo_verifier<code>.html on r (the app root). The verification page
// is served even when the webhook is off: the domain is verified before the
// webhook URL can be saved.
func (h *Handler) Mount(r fiber.Router) {
	if code := h.cfg.SiteVerification; code != "" {
		if verifierCode.MatchString(code) {
			page := "<!DOCTYPE html>\n<html><head>" + MetaTag(code) + "</head><body></body></html>\n"
			r.Get("/zalo_verifier"+code+".html", func(c *fiber.Ctx) error {
				c.Set(fiber.HeaderContentType, fiber.MIMETextHTMLCharsetUTF8)
				return c.SendString(page)
			})
		} else {
			h.logger.Error("zalo site verification code has unexpected characters; page not served")
		}
	}
	if !h.Enabled() {
		h.logger.Info("zalo channel off: ZALO_OA_SECRET or ZALO_APP_ID not set")
		return
	}
	r.Post(Path, h.receive)
}

// MetaTag returns the domain verification meta tag for code, to put in
// the head of the site's home page (channels.md A2).
func MetaTag(code string) string {
	return `<meta name="zalo-platform-site-verification" content="` + html.EscapeString(code) + `" />`
}

func (h *Handler) receive(c *fiber.Ctx) error {
	status, body := h.process(c.UserContext(), c.Request().Body(), c.Get("X-ZEvent-Signature"), c.Get("X-ZEvent-Timestamp"))
	c.Set(fiber.HeaderContentType, fiber.MIMETextPlainCharsetUTF8)
	return c.Status(status).SendString(body)
}

// process is the webhook path without Fiber: size limit, signature over the
// raw bytes, parse, inbox. It returns the status and body to answer.
// Nothing reaches the inbox unless the signature verified and the body
// parsed.
func (h *Handler) process(ctx context.Context, raw []byte, sig, sigTS string) (int, string) {
	if len(raw) > h.cfg.MaxBody {
		h.m.rejected.WithLabelValues("too_large").Inc()
		h.logger.Warn("zalo webhook body too large", "bytes", len(raw))
		return fiber.StatusRequestEntityTooLarge, "body too large"
	}
	// The MAC covers the body's own timestamp, so a body that is not a
	// JSON object cannot be checked at all: refuse it as malformed.
	ts, ok := bodyTimestamp(raw)
	if !ok {
		_, err := parse(raw, ts)
		if err == nil {
			err = ErrMalformed
		}
		h.m.rejected.WithLabelValues("malformed").Inc()
		h.logger.Warn("zalo webhook: malformed body", "err", err)
		return fiber.StatusBadRequest, err.Error()
	}
	if !verifyTS(raw, ts, sig, sigTS, h.cfg.AppID, h.cfg.OASecret) {
		h.m.badSignature.Inc()
		h.logger.Warn("zalo webhook: bad signature (check ZALO_OA_SECRET: the OA Secret Key, not the App Secret)",
			"has_header", sig != "", "acked", h.cfg.AckBadSignature)
		if h.cfg.AckBadSignature {
			return fiber.StatusOK, "OK"
		}
		return fiber.StatusUnauthorized, "bad signature"
	}
	p, err := parse(raw, ts)
	if err != nil {
		h.m.rejected.WithLabelValues("malformed").Inc()
		h.logger.Warn("zalo webhook: malformed body", "err", err)
		return fiber.StatusBadRequest, err.Error()
	}
	kind := p.Kind
	if p.Echo && (h.Tracker == nil || h.Tracker.Own(ctx, p.Msg.UserID, p.Msg.ID)) {
		p.Ok = false // our own send coming back
	} else if p.Echo && p.Ok {
		kind = "agent_echo" // an OA admin replied from the OA inbox
	}
	h.m.events.WithLabelValues(kind).Inc()
	if len(p.Seen) > 0 {
		h.logger.Debug("zalo delivery report", "kind", kind, "messages", len(p.Seen))
	}
	if !p.Ok {
		return fiber.StatusOK, "OK"
	}
	m := p.Msg
	// A signed event from too long ago (a replay of a captured request) or
	// with a nonsense timestamp (0, year 5138) is refused. It is answered
	// 200 like a handled event, so that Zalo stops redelivering it.
	if now := h.Now(); m.Time.IsZero() || m.Time.Before(now.Add(-h.cfg.MaxAge)) || m.Time.After(now.Add(h.cfg.MaxAhead)) {
		h.m.rejected.WithLabelValues("stale").Inc()
		h.refusals.Add("stale_timestamp")
		return fiber.StatusOK, "OK"
	}
	if err := h.inbox.Accept(ctx, m); err != nil {
		if errors.Is(err, bot.ErrRefused) {
			return fiber.StatusOK, "OK" // the inbox counted and logged it
		}
		h.logger.Error("zalo webhook: inbox unavailable", "msg", m, "err", err)
		return fiber.StatusServiceUnavailable, "inbox unavailable"
	}
	if h.Tracker != nil && (m.Kind == bot.KindText || m.Kind == bot.KindPayload || m.Kind == bot.KindAttachment) {
		h.Tracker.NoteInbound(m.UserID, m.Time)
	}
	return fiber.StatusOK, "OK"
}
