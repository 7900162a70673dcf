package complaint

import (
	"crypto/sha256"
	"encoding/hex"
	"time"

	"botdvc/bot"
)

// Status is where a complaint is in its life: received → forwarded (to an
// agency) → answered → closed.
type Status string

// Statuses, as the API names them.
const (
	StatusReceived  Status = "received"
	StatusForwarded Status = "forwarded"
	StatusAnswered  Status = "answered"
	StatusClosed    Status = "closed"
)

// Statuses lists them in order.
var Statuses = []Status{StatusReceived, StatusForwarded, StatusAnswered, StatusClosed}

// Label returns the Vietnamese label of a status.
func (s Status) Label() string {
	switch s {
	case StatusReceived:
		return "Đã tiếp nhận"
	case StatusForwarded:
		return "Đã chuyển cơ quan xử lý"
	case StatusAnswered:
		return "Đã trả lời"
	case StatusClosed:
		return "Đã đóng"
	}
	return string(s)
}

// open reports whether the complaint still waits for an answer.
func (s Status) open() bool { return s == StatusReceived || s == StatusForwarded }

// Where a complaint came from.
const (
	SourceChat = "chat" // the intake in a conversation (any channel)
	SourceWeb  = "web"  // POST /api/v1/complaints (the web form)
)

// Case is one complaint or petition. It is stored as JSON in BucketCases
// under its code. Texts are redacted with bot.Redact; Contact is the one
// piece of personal data kept, only when the citizen consented, and only
// staff see it. UserID (the platform id, needed to answer on the channel)
// is never shown or logged.
type Case struct {
	Code     string `json:"code"`
	FilingID string `json:"filing_id,omitempty"` // hash of the idempotency key: the same filing gives the same code
	Status   Status `json:"status"`
	Source   string `json:"source"`

	Channel  bot.Channel `json:"channel,omitempty"` // where to send the answer; empty: nowhere (form without a chat)
	UserID   string      `json:"user_id,omitempty"`
	LastUser time.Time   `json:"last_user,omitzero"` // citizen's last message at filing; the conversation record has the latest

	Text        string `json:"text"`                   // what happened, redacted
	Procedure   string `json:"procedure,omitempty"`    // procedure or office as the citizen named it, or the guide's title
	ProcedureID string `json:"procedure_id,omitempty"` // guide id when recognised
	Place       string `json:"place,omitempty"`        // commune or ward (post-2025 name when recognised)
	When        string `json:"when,omitempty"`         // when it happened, as said
	Contact     string `json:"contact,omitempty"`      // phone or e-mail, only with consent: staff only
	Consent     bool   `json:"consent,omitempty"`
	Files       []File `json:"files,omitempty"`

	Agency     string    `json:"agency,omitempty"` // where it was forwarded
	Answer     string    `json:"answer,omitempty"` // the answer as stored (redacted)
	AnsweredBy string    `json:"answered_by,omitempty"`
	Answered   time.Time `json:"answered,omitzero"`
	// Delivered is when the answer was put on the citizen's channel; zero
	// while it waits for the channel's window (the citizen's next message).
	Delivered time.Time `json:"delivered,omitzero"`
	// Satisfied is the citizen's verdict on the answer: "yes", "no" or "".
	Satisfied string    `json:"satisfied,omitempty"`
	Notes     []Note    `json:"notes,omitempty"`
	History   []Event   `json:"history"`
	Deadline  time.Time `json:"deadline"`
	Created   time.Time `json:"created"`
	Updated   time.Time `json:"updated"`
	Published time.Time `json:"published,omitzero"` // zero: not on /phan-anh
}

// File is an attachment kept with a complaint: in the object store
// (Object), or, when the download failed, only the platform's URL.
type File struct {
	Object string `json:"object,omitempty"` // name in ObjectFiles
	Type   string `json:"type"`             // image, file, video, audio
	Name   string `json:"name,omitempty"`
	Size   int64  `json:"size,omitempty"`
	MIME   string `json:"mime,omitempty"`
	URL    string `json:"url,omitempty"`   // platform URL, kept when the file could not be downloaded
	Error  string `json:"error,omitempty"` // why not downloaded
}

// Note is an internal note: staff only, never sent or published.
type Note struct {
	Author string    `json:"author"`
	Text   string    `json:"text"`
	At     time.Time `json:"at"`
}

// Event is one change of status, kept in order.
type Event struct {
	At     time.Time `json:"at"`
	By     string    `json:"by,omitempty"` // staff account; empty for the citizen
	Status Status    `json:"status"`
	Agency string    `json:"agency,omitempty"`
	Note   string    `json:"note,omitempty"`
}

// Overdue reports whether the complaint waits for an answer past its deadline.
func (c Case) Overdue(now time.Time) bool { return c.Status.open() && now.After(c.Deadline) }

// OnTime reports whether the complaint was answered by its deadline.
func (c Case) OnTime() bool { return !c.Answered.IsZero() && !c.Answered.After(c.Deadline) }

// Staff is the case as the staff console and API show it: without the
// platform user id.
func (c Case) Staff() Case {
	c.UserID, c.FilingID = "", ""
	return c
}

// View is what anyone with the code may see: GET /api/v1/complaints/{code}.
// It never holds the text, the contact, notes or files; the answer only
// once staff published it (anonymised).
type View struct {
	Code        string    `json:"code"`
	Status      Status    `json:"status"`
	StatusLabel string    `json:"status_label"`
	Created     time.Time `json:"created"`
	Deadline    time.Time `json:"deadline"`
	Overdue     bool      `json:"overdue"`
	Procedure   string    `json:"procedure,omitempty"`
	Place       string    `json:"place,omitempty"`
	Agency      string    `json:"agency,omitempty"`
	Answered    time.Time `json:"answered,omitzero"`
	Answer      string    `json:"answer,omitempty"` // the published answer
	Published   time.Time `json:"published,omitzero"`
}

// Published is a complaint as /phan-anh shows it: anonymised by staff
// before publishing, kept in BucketPublished until unpublished.
type Published struct {
	Code      string    `json:"code"`
	Title     string    `json:"title"`
	Text      string    `json:"text"`
	Answer    string    `json:"answer"`
	Procedure string    `json:"procedure,omitempty"`
	Place     string    `json:"place,omitempty"`
	Agency    string    `json:"agency,omitempty"`
	Created   time.Time `json:"created"`
	Answered  time.Time `json:"answered"`
	Published time.Time `json:"published"`
	By        string    `json:"by"`
}

// convHash keys a conversation without putting user ids in key names.
func convHash(conversation string) string {
	h := sha256.Sum256([]byte("botdvc-complaint:" + conversation))
	return hex.EncodeToString(h[:16])
}
