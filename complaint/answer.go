package complaint

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"botdvc/bot"
)

// conversation is the value of "c.<hash>" in BucketConversations: what the
// desk knows of a conversation that filed complaints.
type conversation struct {
	Channel  bot.Channel `json:"channel"`
	UserID   string      `json:"user_id"`
	Codes    []string    `json:"codes"`     // complaints filed here, oldest first (the last 20)
	LastUser time.Time   `json:"last_user"` // the citizen's last message: the reply window starts here
	// Pending are answers that waited for the channel's window; they go
	// out with the citizen's next message. Text is the answer as written
	// (it is the message owed to the citizen, like a reply on the outbound
	// stream), removed once sent.
	Pending []pending `json:"pending,omitempty"`
	// Rating is the complaint whose answer asked "hài lòng?", until Asked+7 days.
	Rating string    `json:"rating,omitempty"`
	Asked  time.Time `json:"asked,omitzero"`
	// Filed is the last filing from chat: a redelivered "gửi" gets the same code.
	FiledMsg  string `json:"filed_msg,omitempty"`
	FiledCode string `json:"filed_code,omitempty"`
}

type pending struct {
	Code  string    `json:"code"`
	Text  string    `json:"text"`
	Staff string    `json:"staff"`
	At    time.Time `json:"at"`
}

const maxConvCodes = 20

func convKey(conv string) string { return "c." + convHash(conv) }

func (d *Desk) convGet(ctx context.Context, conv string) (conversation, uint64, error) {
	e, err := d.st.convs.Get(ctx, convKey(conv))
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return conversation{}, 0, ErrNotFound
	}
	if err != nil {
		return conversation{}, 0, fmt.Errorf("conversation: %v: %w", err, ErrUnavailable)
	}
	var c conversation
	if err := json.Unmarshal(e.Value(), &c); err != nil {
		return conversation{}, 0, ErrNotFound
	}
	return c, e.Revision(), nil
}

// convUpdate applies fn to the conversation record (creating it when
// missing) with revision checks. fn returns false to leave it unchanged.
func (d *Desk) convUpdate(ctx context.Context, ch bot.Channel, userID string, fn func(c *conversation) bool) (conversation, error) {
	conv := bot.Message{Channel: ch, UserID: userID}.Conversation()
	for range 20 {
		c, rev, err := d.convGet(ctx, conv)
		if err != nil && !errors.Is(err, ErrNotFound) {
			return c, err
		}
		if errors.Is(err, ErrNotFound) {
			c, rev = conversation{Channel: ch, UserID: userID}, 0
		}
		if !fn(&c) {
			return c, nil
		}
		b, _ := json.Marshal(c)
		if rev == 0 {
			_, err = d.st.convs.Create(ctx, convKey(conv), b)
		} else {
			_, err = d.st.convs.Update(ctx, convKey(conv), b, rev)
		}
		if errors.Is(err, jetstream.ErrKeyExists) || errors.Is(err, jetstream.ErrKeyRevisionMismatch) {
			continue
		}
		if err != nil {
			return c, fmt.Errorf("conversation: %v: %w", err, ErrUnavailable)
		}
		return c, nil
	}
	return conversation{}, ErrConflict
}

// Payloads of the satisfaction options sent with an answer, followed by the code.
const (
	payloadSatisfied   = "phan-anh:hai-long:"
	payloadUnsatisfied = "phan-anh:chua-hai-long:"
)

// ratingWindow is how long after an answer a typed "hài lòng" counts.
const ratingWindow = 7 * 24 * time.Hour

// answerReply is the message that carries an answer to the citizen.
func answerReply(code, text string) bot.Reply {
	return bot.Reply{Action: bot.ActionAnswer,
		Text: "Trả lời phản ánh " + code + ":\n\n" + text + "\n\nBạn có hài lòng với câu trả lời này không?",
		Options: []bot.Option{
			{Label: "Hài lòng", Payload: payloadSatisfied + code},
			{Label: "Chưa hài lòng", Payload: payloadUnsatisfied + code},
		}}
}

// Answer records the staff's answer (status answered) and sends it to the
// citizen on their channel when its window allows; otherwise it is sent
// with the citizen's next message. Either way it is shown by "tra cứu phản
// ánh" in that conversation. Answering again replaces the answer and sends
// the new one. Errors wrap ErrInvalid, ErrState (closed), ErrNotFound,
// ErrBadCode, ErrUnavailable.
func (d *Desk) Answer(ctx context.Context, code, account, text string) (Case, error) {
	text, err := checkText("text", text, MaxText)
	if err != nil {
		return Case{}, fmt.Errorf("complaint.Answer: %w", err)
	}
	now := d.cfg.Now()
	c, err := d.update(ctx, code, func(c *Case) error {
		if c.Status == StatusClosed {
			return fmt.Errorf("closed: reopen it first: %w", ErrState)
		}
		c.Answer, c.AnsweredBy, c.Status, c.Delivered = bot.Redact(text), account, StatusAnswered, time.Time{}
		if c.Answered.IsZero() {
			c.Answered = now
		}
		c.History = append(c.History, Event{At: now, By: account, Status: StatusAnswered, Agency: c.Agency})
		return nil
	})
	if err != nil {
		return c, fmt.Errorf("complaint.Answer: %w", err)
	}
	if c.Channel == "" || c.UserID == "" {
		return c.Staff(), nil // filed without a conversation: the answer is read by code, or published
	}
	sent, err := d.deliver(ctx, c, text, account)
	if err != nil {
		return c.Staff(), fmt.Errorf("complaint.Answer: %w: %v", ErrNotSent, err)
	}
	if sent {
		c, err = d.markDelivered(ctx, code)
		if err != nil {
			return c.Staff(), fmt.Errorf("complaint.Answer: %w", err)
		}
	}
	return c.Staff(), nil
}

// deliver sends an answer now if the channel's window is open, else keeps
// it for the citizen's next message. It reports whether it was sent.
func (d *Desk) deliver(ctx context.Context, c Case, text, staff string) (bool, error) {
	now := d.cfg.Now()
	conv, _, err := d.convGet(ctx, bot.Message{Channel: c.Channel, UserID: c.UserID}.Conversation())
	if err != nil && !errors.Is(err, ErrNotFound) {
		return false, err
	}
	last := c.LastUser
	if conv.LastUser.After(last) {
		last = conv.LastUser
	}
	hold := func() error {
		_, err := d.convUpdate(ctx, c.Channel, c.UserID, func(cv *conversation) bool {
			cv.Pending = append(dropPending(cv.Pending, c.Code), pending{Code: c.Code, Text: text, Staff: staff, At: now})
			return true
		})
		return err
	}
	if until := d.cfg.Channels.Window(c.Channel, last).Final; !until.IsZero() && now.After(until) {
		return false, hold()
	}
	if err := d.send(ctx, c.Channel, c.UserID, c.Code, text, staff, last); err != nil {
		// Not on its way: keep it for the citizen's next message, like an
		// answer outside the window.
		if herr := hold(); herr != nil {
			return false, fmt.Errorf("%v; not kept either: %w", err, herr)
		}
		return false, err
	}
	return true, nil
}

// Active reports whether a conversation filed a complaint that is not
// closed: its history is worth keeping while it is (web chat).
func (d *Desk) Active(ctx context.Context, ch bot.Channel, userID string) (bool, error) {
	cv, _, err := d.convGet(ctx, bot.Message{Channel: ch, UserID: userID}.Conversation())
	if errors.Is(err, ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("complaint.Active: %w", err)
	}
	d.mu.RLock()
	defer d.mu.RUnlock()
	for _, code := range cv.Codes {
		if c, ok := d.cases[code]; ok && c.Status != StatusClosed {
			return true, nil
		}
	}
	return false, nil
}

// send puts an answer on the outbound stream and opens the satisfaction question.
func (d *Desk) send(ctx context.Context, ch bot.Channel, userID, code, text, staff string, last time.Time) error {
	h := sha256.Sum256([]byte(text))
	o := bot.Outbound{ID: code + "-answer-" + hex.EncodeToString(h[:6]), Channel: ch, UserID: userID,
		Reply: answerReply(code, text), Staff: staff, LastUser: last, Created: d.cfg.Now()}
	if err := d.outbox.Enqueue(ctx, o); err != nil {
		return fmt.Errorf("enqueue: %w", err)
	}
	_, err := d.convUpdate(ctx, ch, userID, func(cv *conversation) bool {
		cv.Rating, cv.Asked = code, d.cfg.Now()
		cv.Pending = dropPending(cv.Pending, code)
		return true
	})
	return err
}

func dropPending(ps []pending, code string) []pending {
	out := ps[:0:0]
	for _, p := range ps {
		if p.Code != code {
			out = append(out, p)
		}
	}
	return out
}

func (d *Desk) markDelivered(ctx context.Context, code string) (Case, error) {
	now := d.cfg.Now()
	return d.update(ctx, code, func(c *Case) error {
		c.Delivered = now
		return nil
	})
}

// Rate records whether the citizen is satisfied with the answer.
func (d *Desk) Rate(ctx context.Context, code string, satisfied bool) (Case, error) {
	v := "no"
	if satisfied {
		v = "yes"
	}
	c, err := d.update(ctx, code, func(c *Case) error {
		if c.Answer == "" {
			return fmt.Errorf("not answered: %w", ErrState)
		}
		c.Satisfied = v
		return nil
	})
	if err != nil {
		return c, fmt.Errorf("complaint.Rate: %w", err)
	}
	return c, nil
}

// parseSatisfaction reads an answer to "hài lòng?": a tapped option with
// its code, or typed words (then the code is the one asked about).
func parseSatisfaction(m bot.Message) (code string, satisfied, ok bool) {
	if c, found := strings.CutPrefix(m.Payload, payloadSatisfied); found {
		return c, true, true
	}
	if c, found := strings.CutPrefix(m.Payload, payloadUnsatisfied); found {
		return c, false, true
	}
	switch strings.Join(words(m.Text), " ") {
	case "hai long", "rat hai long", "toi hai long", "hai long a", "co hai long":
		return "", true, true
	case "chua hai long", "khong hai long", "toi chua hai long", "toi khong hai long", "chua hai long a", "khong hai long a":
		return "", false, true
	}
	return "", false, false
}
