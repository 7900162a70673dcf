package messenger

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"time"

	"botdvc/bot"
	"botdvc/webhooks"
)

// Wire types of the Messenger webhook (../shared/spec/channels.md B3, B4).
// Ids are strings; numbers are json.Number: nothing goes through float64.

type envelope struct {
	Object string  `json:"object"`
	Entry  []entry `json:"entry"`
	// Field and Value are the App Dashboard test shape
	// {"field":"messages","value":{...}}: accepted and ignored.
	Field *string         `json:"field"`
	Value json.RawMessage `json:"value"`
}

type entry struct {
	ID        idString    `json:"id"`
	Time      json.Number `json:"time"`
	Messaging []event     `json:"messaging"`
	Standby   []event     `json:"standby"` // another app owns the thread (handover)
}

type event struct {
	Sender    party           `json:"sender"`
	Recipient party           `json:"recipient"`
	Timestamp json.Number     `json:"timestamp"`
	Message   *message        `json:"message"`
	Postback  *postback       `json:"postback"`
	Delivery  *watermark      `json:"delivery"`
	Read      *watermark      `json:"read"`
	Reaction  json.RawMessage `json:"reaction"`
	Referral  json.RawMessage `json:"referral"`
	Optin     json.RawMessage `json:"optin"`
}

type party struct {
	ID idString `json:"id"`
}

type message struct {
	Mid         string       `json:"mid"`
	Text        string       `json:"text"`
	IsEcho      bool         `json:"is_echo"`
	AppID       idString     `json:"app_id"`
	Metadata    string       `json:"metadata"`
	QuickReply  *quickReply  `json:"quick_reply"`
	Attachments []attachment `json:"attachments"`
	StickerID   idString     `json:"sticker_id"`
}

type quickReply struct {
	Payload string `json:"payload"`
}

type attachment struct {
	Type    string `json:"type"`
	Payload *struct {
		URL string `json:"url"`
	} `json:"payload"` // absent on "fallback" attachments
}

// files maps Messenger attachments (channels.md B4: image, video, audio,
// file; "fallback" and stickers have no file) to the domain's.
func files(as []attachment) []bot.Attachment {
	var out []bot.Attachment
	for _, a := range as {
		switch a.Type {
		case "image", "video", "audio", "file":
		default:
			continue
		}
		if a.Payload == nil || a.Payload.URL == "" {
			continue
		}
		out = append(out, bot.Attachment{Type: a.Type, URL: a.Payload.URL})
	}
	return out
}

type postback struct {
	Mid     string `json:"mid"`
	Title   string `json:"title"`
	Payload string `json:"payload"`
}

type watermark struct {
	Mids      []string    `json:"mids"`
	Watermark json.Number `json:"watermark"`
}

// idString is a platform id kept as a string (see webhooks.ID).
type idString = webhooks.ID

// batch is what one webhook request carries: the messages for the inbox,
// sorted by event time, and the kind of every event for the metrics.
type batch struct {
	Messages []bot.Message
	Kinds    []string
}

// parser maps webhook bodies to bot messages.
type parser struct {
	appID      string // own app id, may be empty
	getStarted string // Get Started postback payload
}

// parse decodes a verified webhook body. It returns an error wrapping
// ErrMalformed, with the byte offset when known, if raw is not JSON of the
// documented shape.
func (p parser) parse(raw []byte) (batch, error) {
	var env envelope
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&env); err != nil {
		return batch{}, malformed(err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return batch{}, fmt.Errorf("%w: trailing data after the JSON object", ErrMalformed)
	}
	var b batch
	if env.Field != nil && env.Object == "" && len(env.Entry) == 0 {
		b.Kinds = append(b.Kinds, "test")
		return b, nil
	}
	if env.Object != "page" {
		b.Kinds = append(b.Kinds, "other_object")
		return b, nil
	}
	for _, e := range env.Entry {
		for _, ev := range e.Messaging {
			kind, m, ok := p.event(e, ev)
			b.Kinds = append(b.Kinds, kind)
			if ok {
				b.Messages = append(b.Messages, m)
			}
		}
		// Standby: another app (e.g. the Page inbox) owns the thread and
		// a person handles it there; the bot must not answer.
		for range e.Standby {
			b.Kinds = append(b.Kinds, "standby")
		}
	}
	// Per-conversation order by event time, not by arrival (Meta: "use the
	// webhook timestamp field"); the sort is stable for equal times.
	sort.SliceStable(b.Messages, func(i, j int) bool { return b.Messages[i].Time.Before(b.Messages[j].Time) })
	return b, nil
}

// event maps one messaging[] item. ok is false for events the inbox does
// not get (delivery, read, own echoes, unknown).
func (p parser) event(e entry, ev event) (kind string, m bot.Message, ok bool) {
	m = bot.Message{Channel: bot.Messenger, UserID: string(ev.Sender.ID), Time: millis(ev.Timestamp, e.Time)}
	switch {
	case ev.Message != nil && ev.Message.IsEcho:
		msg := ev.Message
		if strings.HasPrefix(msg.Metadata, Metadata) || (p.appID != "" && string(msg.AppID) == p.appID) {
			return "echo", m, false
		}
		// A person replied from the Page inbox: move the conversation to
		// human handling. The citizen is the recipient of an echo.
		m.Kind, m.UserID, m.ID, m.Text = bot.KindAgentEcho, string(ev.Recipient.ID), msg.Mid, msg.Text
		kind = "agent_echo"
	case ev.Message != nil:
		msg := ev.Message
		m.ID, m.Text = msg.Mid, msg.Text
		switch {
		case msg.QuickReply != nil:
			m.Kind, m.Payload, kind = bot.KindPayload, msg.QuickReply.Payload, "payload"
		case strings.TrimSpace(msg.Text) != "":
			m.Kind, kind = bot.KindText, "text"
		case len(msg.Attachments) > 0 || msg.StickerID != "":
			m.Kind, kind = bot.KindAttachment, "attachment"
			if msg.StickerID == "" {
				m.Attachments = files(msg.Attachments)
			}
		default:
			return "unknown", m, false
		}
	case ev.Postback != nil:
		pb := ev.Postback
		m.ID, m.Text, m.Payload = pb.Mid, pb.Title, pb.Payload
		if pb.Payload == p.getStarted {
			m.Kind, kind = bot.KindFollow, "follow"
		} else {
			m.Kind, kind = bot.KindPayload, "payload"
		}
		if m.ID == "" { // older deliveries have no postback.mid
			m.ID = "pb:" + m.UserID + ":" + string(ev.Timestamp)
		}
	case ev.Delivery != nil:
		return "delivery", m, false
	case ev.Read != nil:
		return "read", m, false
	case len(ev.Reaction) > 0:
		return "reaction", m, false
	case len(ev.Referral) > 0:
		return "referral", m, false
	case len(ev.Optin) > 0:
		return "optin", m, false
	default:
		return "unknown", m, false
	}
	if m.UserID == "" || m.ID == "" {
		return "unknown", m, false
	}
	return kind, m, true
}

// millis turns a millisecond timestamp into a time; the entry time stands
// in when the event has none; zero when neither parses.
func millis(ts, fallback json.Number) time.Time {
	for _, n := range []json.Number{ts, fallback} {
		if v, err := strconv.ParseInt(n.String(), 10, 64); err == nil && v > 0 {
			return time.UnixMilli(v).UTC()
		}
	}
	return time.Time{}
}

// malformed wraps a decoding error in ErrMalformed (see webhooks.Malformed).
func malformed(err error) error { return webhooks.Malformed(err) }
