package bot

import (
	"context"
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
	Voted      bool      `json:"voted,omitempty"`       // the last answer got a feedback tap
	Downs      int       `json:"downs,omitempty"`       // "not helpful" taps in a row
	Transcript []Turn    `json:"transcript,omitempty"`  // last turns, redacted
	Updated    time.Time `json:"updated"`
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

// Escalation is a hand-off to the hotline, built by the engine.
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

// Receipt is what the hotline tells the engine about a new or existing ticket,
// so the citizen can be told their place and the hours.
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
