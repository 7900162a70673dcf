package zalo

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"botdvc/bot"
	"botdvc/webhooks"
)

// Wire types of the Zalo OA webhook (channels.md A5). One flat event per
// POST. Ids are strings (decoded digit for digit if sent as numbers).

type event struct {
	AppID       idString        `json:"app_id"`
	EventName   string          `json:"event_name"`
	Timestamp   json.RawMessage `json:"timestamp"` // string of milliseconds; a number is tolerated
	UserIDByApp idString        `json:"user_id_by_app"`
	Sender      party           `json:"sender"`
	Recipient   party           `json:"recipient"`
	Follower    party           `json:"follower"` // follow / unfollow
	OAID        idString        `json:"oa_id"`    // follow, user_click_chatnow
	UserID      idString        `json:"user_id"`  // user_click_chatnow
	Message     *message        `json:"message"`
}

type party struct {
	ID idString `json:"id"`
}

type message struct {
	MsgID       idString        `json:"msg_id"`
	MsgIDs      []idString      `json:"msg_ids"` // user_seen_message (CW); HND shows msg_id: both accepted
	Text        string          `json:"text"`
	Attachments []attachment    `json:"attachments"`
	Location    json.RawMessage `json:"location"` // HND's location shape; CW's is an attachment
}

type attachment struct {
	Type    string `json:"type"`
	Payload *struct {
		URL  string `json:"url"`
		Name string `json:"name"`
	} `json:"payload"`
}

// files maps Zalo attachments (channels.md A5.2: image, file, and the
// payload's url and name) to the domain's; stickers, gifs, locations and
// links are not files a complaint keeps.
func files(as []attachment) []bot.Attachment {
	var out []bot.Attachment
	for _, a := range as {
		switch a.Type {
		case "image", "file", "video", "audio":
		default:
			continue
		}
		if a.Payload == nil || a.Payload.URL == "" {
			continue
		}
		out = append(out, bot.Attachment{Type: a.Type, URL: a.Payload.URL, Name: a.Payload.Name})
	}
	return out
}

// idString is a platform id kept as a string (see webhooks.ID).
type idString = webhooks.ID

// parsed is one decoded webhook: its kind for the metrics and, when the
// inbox gets something, the message. Echo is set for oa_send_* events: the
// handler decides whether it is the service's own send.
type parsed struct {
	Kind string
	Msg  bot.Message
	Ok   bool // Msg goes to the inbox (for echoes: unless it is our own)
	Echo bool
	// Seen lists the OA message ids a user_received_message or
	// user_seen_message event reports.
	Seen []string
}

// attachmentEvents are user events the bot answers politely (it reads text).
var attachmentEvents = map[string]bool{
	"user_send_image": true, "user_send_file": true, "user_send_sticker": true, "user_send_gif": true,
	"user_send_location": true, "user_send_audio": true, "user_send_video": true, "user_send_link": true,
	"user_send_business_card": true,
}

// parse decodes a verified webhook body whose top-level timestamp, as
// written, is ts. It returns an error wrapping ErrMalformed when raw is not
// a JSON object of the documented shape.
func parse(raw []byte, ts string) (parsed, error) {
	var ev event
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&ev); err != nil {
		return parsed{}, malformed(err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return parsed{}, fmt.Errorf("%w: trailing data after the JSON object", ErrMalformed)
	}
	m := bot.Message{Channel: bot.Zalo, Time: millis(ts)}
	name := ev.EventName
	p := parsed{}
	switch {
	case name == "user_send_text":
		if ev.Message == nil {
			return parsed{Kind: "unknown"}, nil
		}
		m.UserID, m.ID, m.Text = string(ev.Sender.ID), string(ev.Message.MsgID), ev.Message.Text
		if rest, ok := strings.CutPrefix(m.Text, ButtonPrefix); ok {
			m.Kind, m.Payload, m.Text, p.Kind = bot.KindPayload, rest, "", "payload"
		} else {
			m.Kind, p.Kind = bot.KindText, "text"
		}
	case attachmentEvents[name]:
		m.Kind, p.Kind, m.UserID = bot.KindAttachment, "attachment", string(ev.Sender.ID)
		if ev.Message != nil {
			m.ID, m.Text = string(ev.Message.MsgID), ev.Message.Text
			m.Attachments = files(ev.Message.Attachments)
		}
	case name == "follow":
		m.Kind, p.Kind = bot.KindFollow, "follow"
		m.UserID = first(ev.Follower.ID, ev.Sender.ID, ev.UserID)
		m.ID = "follow:" + m.UserID + ":" + ts
	case name == "user_click_chatnow":
		m.Kind, p.Kind = bot.KindFollow, "chatnow"
		m.UserID = first(ev.UserID, ev.Sender.ID, ev.Follower.ID)
		m.ID = "chatnow:" + m.UserID + ":" + ts
	case strings.HasPrefix(name, "oa_send_") && !strings.HasPrefix(name, "oa_send_anonymous"):
		// Direction reversed: the citizen is the recipient (channels.md A5).
		m.Kind, p.Kind, p.Echo = bot.KindAgentEcho, "echo", true
		m.UserID = string(ev.Recipient.ID)
		if ev.Message != nil {
			m.ID, m.Text = string(ev.Message.MsgID), ev.Message.Text
		}
	case name == "unfollow":
		return parsed{Kind: "unfollow"}, nil
	case name == "user_received_message":
		return parsed{Kind: "received", Seen: ev.Message.seenIDs()}, nil
	case name == "user_seen_message":
		return parsed{Kind: "seen", Seen: ev.Message.seenIDs()}, nil
	case name == "user_reacted_message" || name == "oa_reacted_message":
		return parsed{Kind: "reaction"}, nil
	case strings.HasPrefix(name, "anonymous_send_") || strings.HasPrefix(name, "oa_send_anonymous"):
		return parsed{Kind: "anonymous"}, nil
	default:
		return parsed{Kind: "unknown"}, nil
	}
	if m.UserID == "" || m.ID == "" || ts == "" {
		return parsed{Kind: "unknown"}, nil
	}
	p.Msg, p.Ok = m, true
	return p, nil
}

// seenIDs returns the message ids a user_received_message or
// user_seen_message event reports, from msg_id or msg_ids.
func (m *message) seenIDs() []string {
	if m == nil {
		return nil
	}
	var ids []string
	if m.MsgID != "" {
		ids = append(ids, string(m.MsgID))
	}
	for _, id := range m.MsgIDs {
		if id != "" {
			ids = append(ids, string(id))
		}
	}
	return ids
}

func first(ids ...idString) string {
	for _, id := range ids {
		if id != "" {
			return string(id)
		}
	}
	return ""
}

// millis turns a millisecond timestamp string into a time; zero if it does
// not parse. Ten digits or fewer are taken as seconds.
func millis(ts string) time.Time {
	v, err := strconv.ParseInt(ts, 10, 64)
	if err != nil || v <= 0 {
		return time.Time{}
	}
	if len(ts) <= 10 {
		return time.Unix(v, 0).UTC()
	}
	return time.UnixMilli(v).UTC()
}

// malformed wraps a decoding error in ErrMalformed (see webhooks.Malformed).
func malformed(err error) error { return webhooks.Malformed(err) }
