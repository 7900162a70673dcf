package bot

import (
	"context"
	"fmt"
	"time"
)

// Session is what the engine remembers about one conversation between
// messages. It lives in a SessionStore with a TTL; a fresh session is the
// zero value.
type Session struct {
	LastGuide  string    `json:"last_guide,omitempty"`  // guide of the last answer, for follow-ups
	LastAspect Aspect    `json:"last_aspect,omitempty"` // aspect of the last answer
	Options    []string  `json:"options,omitempty"`     // payloads of the options offered last, in order: a typed number picks one
	Fails      int       `json:"fails,omitempty"`       // fallbacks in a row
	Ticket     string    `json:"ticket,omitempty"`      // open hotline ticket, when handed off
	Who        string    `json:"who,omitempty"`         // whom the questions are about when not the asker ("con bạn")
	More       string    `json:"more,omitempty"`        // payload of the rest of the last answer ("xem tiếp")
	Question   string    `json:"question,omitempty"`    // the last typed question answered, redacted: what feedback is about
	Asked      string    `json:"asked,omitempty"`       // the question a clarify asked back about, redacted: a pick answers it
	Voted      bool      `json:"voted,omitempty"`       // the last answer got a feedback tap
	Downs      int       `json:"downs,omitempty"`       // "not helpful" taps in a row
	Transcript []Turn    `json:"transcript,omitempty"`  // last turns, redacted
	Updated    time.Time `json:"updated"`
	// Answered is the last message handled in the conversation and its
	// reply: the same message again (a redelivery) gets that reply and
	// changes nothing (Remember).
	Answered *Answered `json:"answered,omitempty"`
}

// Answered is a message handled and the reply it got (text redacted).
type Answered struct {
	ID    string `json:"id"` // channel + ":" + message id
	Reply Reply  `json:"reply"`
}

// Turn is one line of a conversation as stored: the text is redacted.
type Turn struct {
	From    string    `json:"from"` // "citizen", "bot" or "staff"
	Text    string    `json:"text"` // redacted with Redact
	Action  Action    `json:"action,omitempty"`
	GuideID string    `json:"guide_id,omitempty"`
	At      time.Time `json:"at"`
}

// Who wrote a Turn.
const (
	FromCitizen = "citizen"
	FromBot     = "bot"
	FromStaff   = "staff"
)

// MaxTranscript is how many turns a session keeps.
const MaxTranscript = 30

// AddTurn appends a turn, redacting its text, and keeps the last MaxTranscript.
func (s *Session) AddTurn(t Turn) {
	t.Text = Redact(t.Text)
	s.Transcript = append(s.Transcript, t)
	if n := len(s.Transcript); n > MaxTranscript {
		s.Transcript = append([]Turn(nil), s.Transcript[n-MaxTranscript:]...)
	}
}

// SessionStore keeps sessions by conversation key (Message.Conversation).
//
// Load returns the zero Session and no error when there is none.
type SessionStore interface {
	Load(ctx context.Context, key string) (Session, error)
	Save(ctx context.Context, key string, s Session) error
}

// Escalation is a hand-off to the hotline: the engine builds it
// (Reply.Handoff.Escalation), the hotline's middleware files it.
type Escalation struct {
	ID           string      `json:"id"` // dedup id: channel + message id
	Category     string      `json:"category"`
	Reason       string      `json:"reason"`
	Channel      Channel     `json:"channel"`
	UserID       string      `json:"user_id"`
	Conversation string      `json:"conversation"`
	Question     string      `json:"question"` // redacted
	Candidates   []Candidate `json:"candidates,omitempty"`
	Transcript   []Turn      `json:"transcript,omitempty"`
	LastUser     time.Time   `json:"last_user"` // when the citizen last wrote: the reply window starts here
	Created      time.Time   `json:"created"`
}

// Receipt is what the hotline answers about a new or existing ticket, so
// the citizen can be told their place and the hours (Reply.Filed).
type Receipt struct {
	TicketID string
	Position int       // 1 = next in line
	Open     bool      // staff are on duty now
	Hours    string    // opening hours in Vietnamese, e.g. "7:30–17:00, thứ Hai đến thứ Sáu"
	NextOpen time.Time // when staff are back, if !Open
}

// Escalator hands a conversation to people. Escalate is idempotent on
// Escalation.ID: the same id returns the same ticket.
type Escalator interface {
	Escalate(ctx context.Context, e Escalation) (Receipt, error)
}

// Remember is the outermost middleware of a conversation's chain: the one
// place sessions are saved. It loads the conversation's session; a message
// handled before (the same channel and id: a redelivery after a crash or a
// lost ack) gets the reply it got then, and nothing inside runs again (no
// second ticket, no second outcome record, no second fallback counted).
// Otherwise it runs the chain and, only when the chain succeeded (its
// effects, such as a filed hand-off, are stored), saves the new state the
// reply carries (Reply.Session; the loaded one when nil) with the message
// and its reply. An error leaves the session as it was, so a retry decides
// from the same state.
//
// A message without an id is never taken for another. Remember needs the
// messages of one conversation one at a time, as the pipeline hands them
// out.
func Remember(store SessionStore) Middleware {
	return func(next HandlerFunc) HandlerFunc {
		return func(ctx context.Context, m Message) (Reply, error) {
			key := m.Conversation()
			s, err := store.Load(ctx, key)
			if err != nil {
				return Reply{}, fmt.Errorf("bot.Remember: load session: %w", err)
			}
			id := string(m.Channel) + ":" + m.ID
			if m.ID != "" && s.Answered != nil && s.Answered.ID == id {
				return s.Answered.Reply, nil
			}
			r, err := next(context.WithValue(ctx, loadedKey{}, loaded{key, s.clone()}), m)
			if err != nil {
				return Reply{}, err
			}
			if r.Session != nil {
				s = *r.Session
			}
			kept := r
			kept.Session, kept.Text = nil, Redact(r.Text)
			if kept.Handoff != nil {
				h := *kept.Handoff
				h.Escalation = nil
				kept.Handoff = &h
			}
			s.Answered = nil
			if m.ID != "" {
				s.Answered = &Answered{ID: id, Reply: kept}
			}
			if err := store.Save(ctx, key, s); err != nil {
				return Reply{}, fmt.Errorf("bot.Remember: save session: %w", err)
			}
			return r, nil
		}
	}
}

// loadedKey keys, in a context, the session Remember loaded.
type loadedKey struct{}

type loaded struct {
	key string
	s   Session
}

// LoadSession returns the session of conversation key: the one Remember
// loaded for the message being handled (no second read of the store), else
// store's; the zero Session when store is nil (a preview: every message
// starts a conversation). The caller may change it freely: it is a copy.
func LoadSession(ctx context.Context, store SessionStore, key string) (Session, error) {
	if l, ok := ctx.Value(loadedKey{}).(loaded); ok && l.key == key {
		return l.s.clone(), nil
	}
	if store == nil {
		return Session{}, nil
	}
	return store.Load(ctx, key)
}

// clone returns s with slices of its own.
func (s Session) clone() Session {
	s.Options = append([]string(nil), s.Options...)
	s.Transcript = append([]Turn(nil), s.Transcript...)
	s.Answered = nil // what a handler sees; Remember keeps the stored one
	return s
}
