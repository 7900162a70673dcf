package hotline

import (
	"crypto/sha256"
	"encoding/base32"
	"encoding/hex"
	"time"

	"botdvc/bot"
	"botdvc/channel"
)

// Status is where a ticket is in its life.
type Status string

// Ticket statuses.
const (
	StatusOpen    Status = "open"    // waiting for staff
	StatusClaimed Status = "claimed" // a staff member (or the page inbox) holds it
	StatusClosed  Status = "closed"
)

// PageInbox is the assignee of tickets taken from the platform's own inbox
// (a Page or OA admin replied there; bot.KindAgentEcho).
const PageInbox = "page-inbox"

// Turn is one line of a ticket's conversation. Text is redacted.
type Turn struct {
	bot.Turn
	Staff string `json:"staff,omitempty"`  // account that wrote a staff turn
	MsgID string `json:"msg_id,omitempty"` // platform message id of a citizen turn, for dedup
}

// Note is an internal note: staff only, never sent to the citizen.
type Note struct {
	Author string    `json:"author"`
	Text   string    `json:"text"`
	At     time.Time `json:"at"`
}

// Window is a channel's reply window for one ticket, counted from the
// citizen's last message (zero: no limit, as on the web chat). The
// channel says what it is (Config.Channels): Messenger 24 hours, then the
// HUMAN_AGENT tag until 7 days; Zalo 48 hours, then paid messages until 7
// days (../shared/spec/channels.md A7, B6). Replies after Final are
// refused.
type Window = channel.Window

// Ticket is one conversation handed to the hotline. It is stored as JSON in
// BucketTickets under its ID. Texts are redacted; UserID is personal data
// needed to reply and is never shown in lists or logs.
type Ticket struct {
	ID           string      `json:"id"`
	EscalationID string      `json:"escalation_id"`
	Category     string      `json:"category"` // bot.Category*
	Reason       string      `json:"reason,omitempty"`
	Status       Status      `json:"status"`
	Channel      bot.Channel `json:"channel"`
	UserID       string      `json:"user_id"`
	Conversation string      `json:"conversation"`
	Question     string      `json:"question"` // the message that was handed off
	// Topic is what the citizen was asking about: the last question the bot
	// tried to answer, or its guide's title; never the hand-off phrase
	// itself (../shared/DESIGN.md). Empty when they asked nothing first.
	Topic      string          `json:"topic"`
	Candidates []bot.Candidate `json:"candidates,omitempty"` // the bot's best guesses
	Transcript []Turn          `json:"transcript"`
	Notes      []Note          `json:"notes,omitempty"`
	Assignee   string          `json:"assignee,omitempty"`
	Window     Window          `json:"window"`
	LastUser   time.Time       `json:"last_user"`
	Created    time.Time       `json:"created"`
	Claimed    time.Time       `json:"claimed,omitzero"`
	FirstReply time.Time       `json:"first_reply,omitzero"`
	Closed     time.Time       `json:"closed,omitzero"`
	ClosedBy   string          `json:"closed_by,omitempty"`
	Resolution string          `json:"resolution,omitempty"`
	Handback   bool            `json:"handback,omitempty"`
	GuideID    string          `json:"guide_id,omitempty"` // "this was answered by guide X": feeds the editors' gap report
	Reopened   int             `json:"reopened,omitempty"`
	Rating     int             `json:"rating,omitempty"` // 1–5, 0 = not rated
	RatingNote string          `json:"rating_comment,omitempty"`
	Rated      time.Time       `json:"rated,omitzero"`
}

// maxTranscript bounds the turns a ticket keeps (the oldest are dropped).
const maxTranscript = 300

func (t *Ticket) addTurn(tu Turn) {
	tu.Text = bot.Redact(tu.Text)
	t.Transcript = append(t.Transcript, tu)
	if n := len(t.Transcript); n > maxTranscript {
		t.Transcript = append([]Turn(nil), t.Transcript[n-maxTranscript:]...)
	}
}

func (t *Ticket) hasMsg(id string) bool {
	if id == "" {
		return false
	}
	for _, tu := range t.Transcript {
		if tu.MsgID == id {
			return true
		}
	}
	return false
}

func (t *Ticket) staffReplies() int {
	n := 0
	for _, tu := range t.Transcript {
		if tu.From == bot.FromStaff {
			n++
		}
	}
	return n
}

// Waiting returns how long the ticket has waited for staff at now.
func (t *Ticket) Waiting(now time.Time) time.Duration {
	switch {
	case t.Status == StatusOpen:
		return now.Sub(t.Created)
	case !t.Claimed.IsZero():
		return t.Claimed.Sub(t.Created)
	}
	return 0
}

// ticketID derives a short, stable ticket id from an escalation id, so the
// same hand-off always names the same ticket.
func ticketID(escalationID string) string {
	h := sha256.Sum256([]byte(escalationID))
	return "HL" + base32.StdEncoding.EncodeToString(h[:])[:10]
}

// convHash keys a conversation in BucketRoutes without putting user ids in key names.
func convHash(conversation string) string {
	h := sha256.Sum256([]byte(conversation))
	return hex.EncodeToString(h[:16])
}

// CategoryLabel returns the Vietnamese label of a hand-off category.
func CategoryLabel(c string) string {
	switch c {
	case bot.CategoryUnanswered:
		return "Bot chưa trả lời được"
	case bot.CategoryComplaint:
		return "Phản ánh, khiếu nại"
	case bot.CategoryPerson:
		return "Muốn gặp cán bộ"
	case bot.CategoryStatus:
		return "Tra cứu hồ sơ"
	}
	return c
}

// StatusLabel returns the Vietnamese label of a status.
func StatusLabel(s Status) string {
	switch s {
	case StatusOpen:
		return "Đang chờ"
	case StatusClaimed:
		return "Đã nhận"
	case StatusClosed:
		return "Đã đóng"
	}
	return string(s)
}
