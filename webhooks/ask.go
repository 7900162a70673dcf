package webhooks

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"

	"botdvc/bot"
	"botdvc/internal/clientaddr"
)

// MaxAskText is the longest question /api/v1/ask takes, in characters.
const MaxAskText = 2000

// Ask serves POST /api/v1/ask: one question in, the bot.AskResult contract
// out, answered synchronously by the handler (nothing is sent on a channel).
type Ask struct {
	Handler bot.HandlerFunc
	Now     func() time.Time
	// ClientRate limits questions per client address (BOT_CLIENT_RATE,
	// shared with the web chat's messages); nil: no limit.
	ClientRate Limiter
	// MaxText is the longest question in characters (BOT_MAX_TEXT, as
	// for the channels' messages); 0 means MaxAskText.
	MaxText int
}

var _ Mounter = (*Ask)(nil)

// NewAsk returns the /api/v1/ask route answering with h.
func NewAsk(h bot.HandlerFunc) *Ask { return &Ask{Handler: h, Now: time.Now} }

// Mount implements Mounter.
func (a *Ask) Mount(r fiber.Router) { r.Post("/api/v1/ask", a.ask) }

type askRequest struct {
	Text    string `json:"text"`
	Session string `json:"session"`
}

func (a *Ask) ask(c *fiber.Ctx) error {
	var req askRequest
	if err := DecodeJSON(c, &req); err != nil {
		return err
	}
	text := strings.TrimSpace(req.Text)
	if text == "" {
		return Error(c, fiber.StatusBadRequest, `"text" is required`)
	}
	limit := a.MaxText
	if limit <= 0 {
		limit = MaxAskText
	}
	if utf8.RuneCountInString(text) > limit {
		return Error(c, fiber.StatusRequestEntityTooLarge, `"text" is longer than `+strconv.Itoa(limit)+` characters`)
	}
	if len(req.Session) > 128 {
		return Error(c, fiber.StatusBadRequest, `"session" is longer than 128 bytes`)
	}
	if a.ClientRate != nil {
		ok, _ := a.ClientRate.Allow(c.UserContext(), clientaddr.Key(clientaddr.Addr(c)), "")
		if !ok {
			retry := time.Minute
			if w, has := a.ClientRate.(interface {
				Wait(context.Context, string) time.Duration
			}); has {
				retry = w.Wait(c.UserContext(), clientaddr.Key(clientaddr.Addr(c)))
			}
			c.Set(fiber.HeaderRetryAfter, strconv.Itoa(int(max(time.Second, retry)/time.Second)))
			return c.Status(fiber.StatusTooManyRequests).JSON(fiber.Map{"error": "refused: client rate", "notice": NoticeClientRate})
		}
	}
	session := req.Session
	if session == "" {
		session = randomID()
	}
	m := bot.Message{ID: randomID(), Channel: bot.Web, UserID: "ask:" + session, Kind: bot.KindText, Text: text, Time: a.Now()}
	reply, err := a.Handler(c.UserContext(), m)
	if err != nil {
		return fiber.NewError(fiber.StatusInternalServerError, "the engine could not answer")
	}
	return c.JSON(reply.Result(text))
}

// DecodeJSON decodes the request body into v, answering 400 with a clear
// message for a wrong content type, invalid UTF-8 or bad JSON. It returns
// a *fiber.Error that the handler returns as is.
func DecodeJSON(c *fiber.Ctx, v any) error {
	body := c.Body()
	if ct := c.Get(fiber.HeaderContentType); ct != "" && !strings.HasPrefix(ct, fiber.MIMEApplicationJSON) {
		return fiber.NewError(fiber.StatusUnsupportedMediaType, "content type must be application/json")
	}
	if len(body) == 0 {
		return fiber.NewError(fiber.StatusBadRequest, "empty body: a JSON object is required")
	}
	if !utf8.Valid(body) {
		return fiber.NewError(fiber.StatusBadRequest, "body is not valid UTF-8")
	}
	if err := json.Unmarshal(body, v); err != nil {
		return fiber.NewError(fiber.StatusBadRequest, "invalid JSON: "+err.Error())
	}
	return nil
}

func randomID() string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
