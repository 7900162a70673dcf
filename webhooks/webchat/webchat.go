// Package webchat is the web chat channel: a chat page at /, POST
// /api/v1/chat to send a message, and replies over server-sent events
// (GET /api/v1/chat/events) or polling (GET /api/v1/chat/messages).
//
// The conversation lives in JetStream: the stream BOT_WEBCHAT holds, on
// subject bot.web.<session>, every turn of it: the citizen's messages
// (redacted, published by the handler once accepted), the bot's replies and
// staff replies (published by the Sender). Whichever instance holds the
// browser's event stream gets them; a browser that reconnects
// (Last-Event-ID) or polls (after=<seq>) misses nothing; a page that is
// reloaded asks for the whole conversation (GET /api/v1/chat/messages
// without after). A conversation is kept 30 days after its last turn, and
// as long as its ticket is open (Janitor).
package webchat

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"botdvc/bot"
)

// Stream and subject of web chat conversations.
const (
	Stream        = "BOT_WEBCHAT"
	subjectPrefix = "bot.web."
)

// MaxTurns is how many turns of one conversation the stream keeps (the
// oldest go first beyond it); the history endpoint returns them all.
const MaxTurns = 1000

// StreamConfig is the declared web chat stream, reconciled at start with the
// pipeline's streams. It has no age limit: the Janitor removes a
// conversation 30 days after its last turn unless its ticket is open.
func StreamConfig(replicas int) jetstream.StreamConfig {
	if replicas <= 0 {
		replicas = 1
	}
	return jetstream.StreamConfig{
		Name:              Stream,
		Description:       "web chat conversations by session (citizen, bot and staff turns), kept 30 days after the last turn and while a ticket is open",
		Subjects:          []string{subjectPrefix + "*"},
		Retention:         jetstream.LimitsPolicy,
		Storage:           jetstream.FileStorage,
		Replicas:          replicas,
		MaxMsgsPerSubject: MaxTurns,
		Duplicates:        24 * time.Hour, // as the inbound stream: a retried POST's citizen turn, a sender's retry
		Discard:           jetstream.DiscardOld,
	}
}

// reSession is what a session id may look like: it becomes a subject token.
var reSession = regexp.MustCompile(`^[A-Za-z0-9_-]{16,64}$`)

// ValidSession reports whether s is a well-formed session id.
func ValidSession(s string) bool { return reSession.MatchString(s) }

func subject(session string) string { return subjectPrefix + session }

// Who wrote an Event (the same words as bot.Turn).
const (
	FromCitizen = bot.FromCitizen
	FromBot     = bot.FromBot
	FromStaff   = bot.FromStaff
)

// Event is one turn of a conversation as the browser receives it.
type Event struct {
	Seq     uint64       `json:"seq"` // stream sequence: the cursor for reconnects and polling
	ID      string       `json:"id"`  // the citizen's message id, or the outbound id (ends in ":refused" for refusal notices)
	From    string       `json:"from"`
	ReplyTo string       `json:"reply_to,omitempty"` // the citizen's message a bot reply answers
	Action  bot.Action   `json:"action,omitempty"`
	Text    string       `json:"text"` // a citizen's text is stored redacted (bot.Redact)
	Options []bot.Option `json:"options,omitempty"`
	Links   []bot.Link   `json:"links,omitempty"`
	Staff   bool         `json:"staff,omitempty"` // written by hotline staff
	At      time.Time    `json:"at"`
}

type wireOption struct {
	Label   string `json:"label"`
	Payload string `json:"payload"`
}

type wireLink struct {
	Title string `json:"title"`
	URL   string `json:"url"`
}

// wireEvent is Event with JSON names for the nested types.
type wireEvent struct {
	Seq     uint64       `json:"seq"`
	ID      string       `json:"id"`
	From    string       `json:"from"`
	ReplyTo string       `json:"reply_to,omitempty"`
	Action  bot.Action   `json:"action,omitempty"`
	Text    string       `json:"text"`
	Options []wireOption `json:"options,omitempty"`
	Links   []wireLink   `json:"links,omitempty"`
	Staff   bool         `json:"staff,omitempty"`
	At      time.Time    `json:"at"`
}

// MarshalJSON gives options and links lower-case field names.
func (e Event) MarshalJSON() ([]byte, error) {
	w := wireEvent{Seq: e.Seq, ID: e.ID, From: e.From, ReplyTo: e.ReplyTo, Action: e.Action, Text: e.Text, Staff: e.Staff, At: e.At}
	for _, o := range e.Options {
		w.Options = append(w.Options, wireOption(o))
	}
	for _, l := range e.Links {
		w.Links = append(w.Links, wireLink(l))
	}
	return json.Marshal(w)
}

// UnmarshalJSON reads what MarshalJSON wrote.
func (e *Event) UnmarshalJSON(b []byte) error {
	var w wireEvent
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	*e = Event{Seq: w.Seq, ID: w.ID, From: w.From, ReplyTo: w.ReplyTo, Action: w.Action, Text: w.Text, Staff: w.Staff, At: w.At}
	if e.From == "" { // stored before turns said who wrote them: replies only
		e.From = FromBot
		if e.Staff {
			e.From = FromStaff
		}
	}
	for _, o := range w.Options {
		e.Options = append(e.Options, bot.Option(o))
	}
	for _, l := range w.Links {
		e.Links = append(e.Links, bot.Link(l))
	}
	return nil
}

// Sender delivers web chat replies by publishing them to the session's
// subject on the web chat stream.
type Sender struct {
	js jetstream.JetStream
}

var _ bot.Sender = (*Sender)(nil)

// NewSender returns the web channel's sender.
func NewSender(js jetstream.JetStream) *Sender { return &Sender{js: js} }

// Send implements bot.Sender. A malformed session id is undeliverable; a
// JetStream failure is transient.
func (s *Sender) Send(ctx context.Context, o bot.Outbound) error {
	if !ValidSession(o.UserID) {
		return fmt.Errorf("webchat.Send: malformed session id: %w", bot.ErrUndeliverable)
	}
	e := Event{ID: o.ID, From: FromBot, ReplyTo: o.InReplyTo, Action: o.Reply.Action, Text: o.Reply.Text, Options: o.Reply.Options,
		Links: o.Reply.Links, Staff: o.Staff != "", At: o.Created}
	if e.Staff {
		e.From = FromStaff
	}
	data, err := json.Marshal(e)
	if err != nil {
		return fmt.Errorf("webchat.Send: encode: %w", bot.ErrUndeliverable)
	}
	msg := &nats.Msg{Subject: subject(o.UserID), Data: data, Header: nats.Header{}}
	msg.Header.Set(nats.MsgIdHdr, o.ID)
	if _, err := s.js.PublishMsg(ctx, msg); err != nil {
		return fmt.Errorf("webchat.Send: %w", err)
	}
	return nil
}
