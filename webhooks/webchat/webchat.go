// Package webchat is the web chat channel: a chat page at /, POST
// /api/v1/chat to send a message, and replies over server-sent events
// (GET /api/v1/chat/events) or polling (GET /api/v1/chat/messages).
//
// Replies reach the browser through JetStream: the Sender publishes each
// reply to the stream BOT_WEBCHAT on subject bot.web.<session>, so whichever
// instance holds the browser's event stream gets it, and a browser that
// reconnects (Last-Event-ID) or polls (after=<seq>) misses nothing within
// the stream's retention (1 hour).
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

// Stream and subject of web chat replies.
const (
	Stream        = "BOT_WEBCHAT"
	subjectPrefix = "bot.web."
)

// StreamConfig is the declared web chat stream, reconciled at start with the
// pipeline's streams.
func StreamConfig(replicas int) jetstream.StreamConfig {
	if replicas <= 0 {
		replicas = 1
	}
	return jetstream.StreamConfig{
		Name:              Stream,
		Description:       "web chat replies by session, kept an hour for reconnects and polling",
		Subjects:          []string{subjectPrefix + "*"},
		Retention:         jetstream.LimitsPolicy,
		Storage:           jetstream.FileStorage,
		Replicas:          replicas,
		MaxAge:            time.Hour,
		MaxMsgsPerSubject: 100,
		Duplicates:        time.Hour, // replies are deduplicated upstream; this guards the sender's retries
		Discard:           jetstream.DiscardOld,
	}
}

// reSession is what a session id may look like: it becomes a subject token.
var reSession = regexp.MustCompile(`^[A-Za-z0-9_-]{16,64}$`)

// ValidSession reports whether s is a well-formed session id.
func ValidSession(s string) bool { return reSession.MatchString(s) }

func subject(session string) string { return subjectPrefix + session }

// Event is one reply as the browser receives it.
type Event struct {
	Seq     uint64       `json:"seq"` // stream sequence: the cursor for reconnects and polling
	ID      string       `json:"id"`  // outbound id; ends in ":refused" for refusal notices
	Action  bot.Action   `json:"action"`
	Text    string       `json:"text"`
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
	Action  bot.Action   `json:"action"`
	Text    string       `json:"text"`
	Options []wireOption `json:"options,omitempty"`
	Links   []wireLink   `json:"links,omitempty"`
	Staff   bool         `json:"staff,omitempty"`
	At      time.Time    `json:"at"`
}

// MarshalJSON gives options and links lower-case field names.
func (e Event) MarshalJSON() ([]byte, error) {
	w := wireEvent{Seq: e.Seq, ID: e.ID, Action: e.Action, Text: e.Text, Staff: e.Staff, At: e.At}
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
	*e = Event{Seq: w.Seq, ID: w.ID, Action: w.Action, Text: w.Text, Staff: w.Staff, At: w.At}
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
	e := Event{ID: o.ID, Action: o.Reply.Action, Text: o.Reply.Text, Options: o.Reply.Options,
		Links: o.Reply.Links, Staff: o.Staff != "", At: o.Created}
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
