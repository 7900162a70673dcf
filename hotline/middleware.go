package hotline

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/nats-io/nats.go/jetstream"

	"botdvc/bot"
)

// route states in BucketRoutes.
const (
	routeActive = "active" // the conversation is with people: the bot is silent
	routeHold   = "hold"   // closed without hand-back: a follow-up before Until reopens the ticket
)

// route is the value of "c.<hash>" in BucketRoutes.
type route struct {
	TicketID string    `json:"ticket_id"`
	State    string    `json:"state"`
	Until    time.Time `json:"until,omitzero"`
}

// pendingRating is the value of "r.<hash>": a rating question was sent.
type pendingRating struct {
	TicketID string    `json:"ticket_id"`
	Asked    time.Time `json:"asked"`
}

func (q *Queue) route(ctx context.Context, conv string) (route, uint64, error) {
	e, err := q.routes.Get(ctx, "c."+convHash(conv))
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return route{}, 0, ErrNotFound
	}
	if err != nil {
		return route{}, 0, fmt.Errorf("route: %v: %w", err, ErrUnavailable)
	}
	var r route
	if err := json.Unmarshal(e.Value(), &r); err != nil {
		return route{}, 0, ErrNotFound
	}
	return r, e.Revision(), nil
}

// WithPeople reports whether a conversation is with people now: it has an
// open ticket and the bot is silent. The web chat keeps such a
// conversation, so staff replies wait for the citizen.
func (q *Queue) WithPeople(ctx context.Context, conversation string) (bool, error) {
	r, _, err := q.route(ctx, conversation)
	if errors.Is(err, ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return r.State == routeActive, nil
}

func (q *Queue) putRoute(ctx context.Context, conv string, r route) error {
	b, _ := json.Marshal(r)
	if _, err := q.routes.Put(ctx, "c."+convHash(conv), b); err != nil {
		return fmt.Errorf("route: %v: %w", err, ErrUnavailable)
	}
	return nil
}

// deleteRoute removes the conversation's route if it still points to ticketID.
func (q *Queue) deleteRoute(ctx context.Context, conv, ticketID string) error {
	r, rev, err := q.route(ctx, conv)
	if errors.Is(err, ErrNotFound) || (err == nil && r.TicketID != ticketID) {
		return nil
	}
	if err != nil {
		return err
	}
	err = q.routes.Delete(ctx, "c."+convHash(conv), jetstream.LastRevision(rev))
	if err != nil && !errors.Is(err, jetstream.ErrKeyRevisionMismatch) {
		return fmt.Errorf("route: %v: %w", err, ErrUnavailable)
	}
	return nil
}

// Middleware runs before the engine, and files the engine's hand-offs
// after it. While the conversation has an open ticket the bot stays silent
// (Reply{Action: bot.ActionSilent}) and the citizen's message is added to
// the ticket; after a close with hand-back messages go to the engine again.
// It also takes the answer to the rating question after a close, and turns
// a reply from the platform's own inbox (bot.KindAgentEcho) into a ticket
// held by PageInbox, so the bot stays out of a conversation a Page or OA
// admin has taken.
//
// A reply that hands off (its Handoff carries an Escalation) is filed here:
// the ticket is created, or found again when the same escalation was filed
// before (its id is the message's), and the reply's text tells the citizen
// their place in the queue (bot.Reply.Filed, with Config.Phone). Nothing
// else files hand-offs, so a chain without this middleware (/api/v1/ask,
// botctl, the editors' preview) opens no ticket.
//
// Errors are NATS errors: the caller should retry the message later rather
// than let the bot answer a conversation that may be with people, or lose a
// hand-off that could not be filed.
func (q *Queue) Middleware() bot.Middleware {
	return func(next bot.HandlerFunc) bot.HandlerFunc {
		return func(ctx context.Context, m bot.Message) (bot.Reply, error) {
			if m.Kind == bot.KindAgentEcho {
				if err := q.agentEcho(ctx, m); err != nil {
					return bot.Reply{}, fmt.Errorf("hotline.Middleware: %w", err)
				}
				return bot.Reply{Action: bot.ActionSilent}, nil
			}
			if reply, ok, err := q.takeRating(ctx, m); err != nil {
				return bot.Reply{}, fmt.Errorf("hotline.Middleware: %w", err)
			} else if ok {
				return reply, nil
			}
			silent, err := q.forward(ctx, m)
			if err != nil {
				return bot.Reply{}, fmt.Errorf("hotline.Middleware: %w", err)
			}
			if silent {
				return bot.Reply{Action: bot.ActionSilent}, nil
			}
			r, err := next(ctx, m)
			if err != nil || r.Handoff == nil || r.Handoff.Escalation == nil {
				return r, err
			}
			rc, err := q.Escalate(ctx, *r.Handoff.Escalation)
			if err != nil {
				return bot.Reply{}, fmt.Errorf("hotline.Middleware: %w", err)
			}
			r.Filed(rc, q.cfg.Phone)
			return r, nil
		}
	}
}

// attachmentText stands for a file, photo or sticker in a ticket's
// conversation (the bot reads text only).
const attachmentText = "[tệp đính kèm]"

func citizenText(m bot.Message) string {
	switch {
	case m.Kind == bot.KindAttachment:
		return attachmentText
	case m.Text != "":
		return m.Text
	case m.Payload != "":
		return "[chọn: " + m.Payload + "]"
	}
	return ""
}

// forward adds the message to the conversation's ticket if it is with
// people, and reports whether the bot must stay silent.
func (q *Queue) forward(ctx context.Context, m bot.Message) (bool, error) {
	conv := m.Conversation()
	r, _, err := q.route(ctx, conv)
	if errors.Is(err, ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	now := q.cfg.Now()
	if r.State == routeHold && !now.Before(r.Until) {
		return false, q.deleteRoute(ctx, conv, r.TicketID)
	}
	at := m.Time
	if at.IsZero() {
		at = now
	}
	reopen := r.State == routeHold
	_, err = q.update(ctx, r.TicketID, func(t *Ticket) error {
		if t.Status == StatusClosed && !reopen {
			return ErrClosed
		}
		if t.hasMsg(m.ID) {
			return nil
		}
		if t.Status == StatusClosed {
			// Follow-up after a close without hand-back: back in the queue.
			t.Status, t.Assignee, t.Reopened = StatusOpen, "", t.Reopened+1
			t.Closed, t.ClosedBy = time.Time{}, ""
		}
		if text := citizenText(m); text != "" {
			t.addTurn(Turn{Turn: bot.Turn{From: bot.FromCitizen, Text: text, At: at}, MsgID: m.ID})
		}
		t.LastUser, t.Window = at, q.cfg.Channels.Window(t.Channel, at)
		return nil
	})
	if errors.Is(err, ErrNotFound) || errors.Is(err, ErrClosed) {
		// Stale route (ticket expired or closed elsewhere): the bot takes over.
		return false, q.deleteRoute(ctx, conv, r.TicketID)
	}
	if err != nil {
		return false, err
	}
	if reopen {
		if err := q.putRoute(ctx, conv, route{TicketID: r.TicketID, State: routeActive}); err != nil {
			return false, err
		}
	}
	return true, nil
}

// agentEcho records a reply sent from the platform's own inbox. The
// adapter sets UserID to the citizen the admin wrote to.
func (q *Queue) agentEcho(ctx context.Context, m bot.Message) error {
	now := q.cfg.Now()
	conv := m.Conversation()
	id := ""
	if r, _, err := q.route(ctx, conv); err == nil && r.State == routeActive {
		id = r.TicketID
	} else if err != nil && !errors.Is(err, ErrNotFound) {
		return err
	}
	if id == "" {
		at := m.Time
		if at.IsZero() {
			at = now
		}
		t, err := q.escalate(ctx, bot.Escalation{ID: string(m.Channel) + ":echo:" + m.ID, Category: bot.CategoryPerson,
			Reason: "page_inbox", Channel: m.Channel, UserID: m.UserID, Conversation: conv, LastUser: at, Created: at})
		if err != nil {
			return err
		}
		id = t.ID
	}
	_, err := q.update(ctx, id, func(t *Ticket) error {
		if t.Status == StatusClosed {
			return ErrClosed
		}
		if t.Assignee == "" {
			t.Assignee, t.Status = PageInbox, StatusClaimed
			if t.Claimed.IsZero() {
				t.Claimed = now
			}
		}
		if !t.hasMsg(m.ID) && m.Text != "" {
			t.addTurn(Turn{Turn: bot.Turn{From: bot.FromStaff, Text: m.Text, At: now}, Staff: PageInbox, MsgID: m.ID})
			if t.FirstReply.IsZero() {
				t.FirstReply = now
			}
		}
		return nil
	})
	if errors.Is(err, ErrClosed) {
		return nil
	}
	return err
}

// Rating payloads offered as options: "hotline_rating:1" ... ":5".
const ratingPayload = "hotline_rating:"

func (q *Queue) askRating(ctx context.Context, t Ticket, now time.Time) error {
	if !t.Window.Standard.IsZero() && now.After(t.Window.Standard) {
		// Outside the standard window only a person may write (HUMAN_AGENT):
		// an automated survey would break the platform's rules.
		return nil
	}
	text := "Cán bộ tổng đài đã hoàn tất hỗ trợ bạn. Bạn vui lòng đánh giá mức độ hài lòng từ 1 đến 5 (5 là rất hài lòng) bằng cách chọn hoặc nhắn một số, có thể kèm góp ý, ví dụ: \"5 cán bộ nhiệt tình\"."
	if t.Handback {
		text += " Nếu cần hỏi thêm về thủ tục hành chính, bạn cứ nhắn, trợ lý tự động sẽ trả lời."
	}
	opts := make([]bot.Option, 5)
	for i := range opts {
		opts[i] = bot.Option{Label: strconv.Itoa(5-i) + " ★", Payload: ratingPayload + strconv.Itoa(5-i)}
	}
	b, _ := json.Marshal(pendingRating{TicketID: t.ID, Asked: now})
	if _, err := q.routes.Put(ctx, "r."+convHash(t.Conversation), b); err != nil {
		return fmt.Errorf("%v: %w", err, ErrUnavailable)
	}
	return q.outbox.Enqueue(ctx, bot.Outbound{ID: t.ID + "-rating-" + strconv.Itoa(t.Reopened), Channel: t.Channel,
		UserID: t.UserID, Reply: bot.Reply{Action: bot.ActionAnswer, Text: text, Options: opts},
		LastUser: t.LastUser, Created: now})
}

// ParseRating recognises an answer to the rating question: a tapped option
// ("hotline_rating:4") or a text starting with a digit 1–5 ("5", "4 sao",
// "5 - cán bộ nhiệt tình"). It returns the score and the comment.
func ParseRating(m bot.Message) (score int, comment string, ok bool) {
	if p, found := strings.CutPrefix(m.Payload, ratingPayload); found {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > 5 {
			return 0, "", false
		}
		return n, "", true
	}
	s := strings.TrimSpace(m.Text)
	if s == "" || s[0] < '1' || s[0] > '5' {
		return 0, "", false
	}
	if len(s) > 1 && unicode.IsDigit(rune(s[1])) { // "12 giờ", a phone number...: not a rating
		return 0, "", false
	}
	score = int(s[0] - '0')
	rest := strings.TrimSpace(s[1:])
	for _, w := range []string{"sao", "điểm", "diem", "*", "★", "/5"} {
		rest = strings.TrimSpace(strings.TrimPrefix(rest, w))
	}
	rest = strings.TrimLeft(rest, " -–:,.!")
	return score, strings.TrimSpace(rest), true
}

// takeRating stores an answer to a pending rating question. A message that
// is not a rating cancels the question and goes on to the engine.
func (q *Queue) takeRating(ctx context.Context, m bot.Message) (bot.Reply, bool, error) {
	key := "r." + convHash(m.Conversation())
	e, err := q.routes.Get(ctx, key)
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return bot.Reply{}, false, nil
	}
	if err != nil {
		return bot.Reply{}, false, fmt.Errorf("rating: %v: %w", err, ErrUnavailable)
	}
	var p pendingRating
	_ = json.Unmarshal(e.Value(), &p)
	_ = q.routes.Delete(ctx, key, jetstream.LastRevision(e.Revision()))
	now := q.cfg.Now()
	score, comment, ok := ParseRating(m)
	if !ok || now.Sub(p.Asked) > q.cfg.RatingWindow {
		return bot.Reply{}, false, nil
	}
	if err := q.Rate(ctx, p.TicketID, score, comment); err != nil {
		return bot.Reply{}, false, err
	}
	return bot.Reply{Action: bot.ActionAnswer,
		Text: "Cảm ơn bạn đã đánh giá. Ý kiến của bạn giúp tổng đài phục vụ tốt hơn."}, true, nil
}

// Rate stores a citizen's rating (1–5) and optional comment on a ticket.
func (q *Queue) Rate(ctx context.Context, id string, score int, comment string) error {
	if score < 1 || score > 5 {
		return fmt.Errorf("hotline.Rate: score %d: %w", score, ErrInvalid)
	}
	if r := []rune(comment); len(r) > maxText {
		comment = string(r[:maxText])
	}
	now := q.cfg.Now()
	if _, err := q.update(ctx, id, func(t *Ticket) error {
		t.Rating, t.RatingNote, t.Rated = score, bot.Redact(comment), now
		return nil
	}); err != nil {
		return fmt.Errorf("hotline.Rate: %w", err)
	}
	if q.metrics != nil {
		q.metrics.ratings.WithLabelValues(strconv.Itoa(score)).Inc()
	}
	return nil
}
