package bot

import (
	"context"
	"log/slog"
	"time"
)

// Channel names where a citizen talks to the service.
type Channel string

// Channels.
const (
	Web       Channel = "web"
	Zalo      Channel = "zalo"
	Messenger Channel = "messenger"
	CLI       Channel = "cli"
)

// Kind tells what a Message carries.
type Kind string

// Message kinds. Adapters map platform events to these; the engine answers
// KindText and KindPayload, and gives a polite fixed reply to the others.
const (
	KindText       Kind = "text"       // typed text
	KindPayload    Kind = "payload"    // a tap on an option the bot offered (Payload holds it)
	KindAttachment Kind = "attachment" // image, file, sticker, location...: the bot reads text only
	KindFollow     Kind = "follow"     // followed the OA / pressed Get Started / tapped "chat now": welcome with the menu
	// KindAgentEcho means a person replied from the platform's own inbox (a
	// Page admin in Meta Business Suite, an OA admin): the conversation moves
	// to human handling and the bot stays silent. Text holds what they sent.
	KindAgentEcho Kind = "agent_echo"
)

// Message is one inbound message from a citizen, channel-neutral.
type Message struct {
	ID      string  // platform message id; with Channel it identifies the message for dedup
	Channel Channel // where it came from
	UserID  string  // platform user id (PSID, Zalo user id, web session id): personal data
	Kind    Kind
	Text    string // what the citizen typed: personal data, never logged
	Payload string // option payload for KindPayload
	Time    time.Time
	// Attachments are the files of a KindAttachment message (a photo of a
	// receipt), as the platform gives them; empty for stickers and locations.
	Attachments []Attachment `json:",omitempty"`
}

// Attachment is a file a citizen sent. URL is where the platform serves it,
// often only for a limited time: keep the file itself if it matters.
type Attachment struct {
	Type string // "image", "video", "audio" or "file"
	URL  string
	Name string // file name, when the platform gives one
}

// Conversation returns the key that identifies the conversation: channel and user.
func (m Message) Conversation() string { return string(m.Channel) + ":" + m.UserID }

// LogValue keeps the text and the user id out of logs.
func (m Message) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("channel", string(m.Channel)),
		slog.String("id", m.ID),
		slog.String("kind", string(m.Kind)),
		slog.Int("text_len", len(m.Text)),
	)
}

// Action is what the engine decided to do with a message.
type Action string

// Actions, as the botctl ask --json contract names them.
const (
	ActionAnswer   Action = "answer"
	ActionClarify  Action = "clarify"
	ActionHandoff  Action = "handoff"
	ActionGreeting Action = "greeting"
	ActionFallback Action = "fallback"
	// ActionSilent means the conversation is with a person and the bot must not reply.
	ActionSilent Action = "silent"
)

// Aspect is the part of a guide a question asks about.
type Aspect string

// Aspects, as the contract names them; AspectNone means the whole guide.
const (
	AspectNone        Aspect = ""
	AspectDocuments   Aspect = "documents"
	AspectFee         Aspect = "fee"
	AspectDuration    Aspect = "duration"
	AspectPlace       Aspect = "place"
	AspectSteps       Aspect = "steps"
	AspectOnline      Aspect = "online"
	AspectEligibility Aspect = "eligibility"
)

// Option is one choice offered to the citizen: a numbered line in text, a
// quick reply or button where the channel has them.
type Option struct {
	Label   string `json:"label"`   // shown to the citizen (Vietnamese)
	Payload string `json:"payload"` // sent back when tapped
}

// Link is a link button: the official page of a procedure, a portal.
type Link struct {
	Title string
	URL   string
}

// Candidate is one guide the engine considered.
type Candidate struct {
	GuideID string  `json:"guide_id"`
	Code    string  `json:"code"`
	Title   string  `json:"title"`
	Score   float64 `json:"score"`
}

// Reply is the engine's channel-neutral answer. Each channel adapter renders
// it to its platform: text split at the channel's limit, options as quick
// replies or numbered lines, links as buttons or plain URLs.
type Reply struct {
	Action     Action
	Text       string // full reply text in Vietnamese, options already numbered in it
	Options    []Option
	Links      []Link
	GuideID    string
	Code       string
	Aspect     Aspect
	Confidence float64
	Candidates []Candidate
	Handoff    *Handoff  // set when Action is ActionHandoff
	Feedback   *Feedback // set when the message was a feedback tap
	// Session is the conversation's state after this reply, for Remember to
	// save once the whole chain succeeded; nil leaves the session as it was.
	// It never travels with the reply (the outbound stream).
	Session *Session `json:"-"`
}

// Handoff says why a conversation goes to the hotline.
type Handoff struct {
	Category string // one of the Category constants
	Reason   string // short machine-readable reason, e.g. "two_fallbacks"
	// Escalation is what the engine asks the hotline to file; the hotline's
	// middleware files it (nothing else does: /api/v1/ask, botctl and the
	// editors' preview run without it). It never travels with the reply.
	Escalation *Escalation `json:"-"`
}

// Filed records that the hand-off was filed and the hotline answered with
// receipt rc: the text now tells the citizen their place in the queue or
// when staff are back (HandoffText, offering phone when set), and the new
// session names the ticket and keeps that text as the bot's last turn.
func (r *Reply) Filed(rc Receipt, phone string) {
	category := CategoryPerson
	if r.Handoff != nil {
		category = r.Handoff.Category
	}
	r.Text = HandoffText(category, &rc, phone)
	if s := r.Session; s != nil {
		s.Ticket = rc.TicketID
		if n := len(s.Transcript); n > 0 && s.Transcript[n-1].From == FromBot {
			s.Transcript[n-1].Text = Redact(r.Text)
		}
	}
}

// Handoff categories.
const (
	CategoryUnanswered = "unanswered"
	CategoryComplaint  = "complaint"
	CategoryPerson     = "person"
	CategoryStatus     = "status"
)

// AskResult is one line of `botctl ask --json` and the body of POST /api/v1/ask.
// Field names are a contract (see ../shared/DESIGN.md).
type AskResult struct {
	Query      string      `json:"query"`
	Action     Action      `json:"action"`
	GuideID    string      `json:"guide_id"`
	Code       string      `json:"code"`
	Aspect     Aspect      `json:"aspect"`
	Confidence float64     `json:"confidence"`
	Candidates []Candidate `json:"candidates"`
	Text       string      `json:"text"`
	Options    []Option    `json:"options"` // the quick replies sent with the reply
	Links      []AskLink   `json:"links"`   // the link buttons sent with it (the official page)
}

// AskLink is a link of an AskResult, with the lower-case names of the
// rest of the object.
type AskLink struct {
	Title string `json:"title"`
	URL   string `json:"url"`
}

// Result builds the contract object for a question and its reply.
func (r Reply) Result(query string) AskResult {
	c := r.Candidates
	if c == nil {
		c = []Candidate{}
	}
	o := r.Options
	if o == nil {
		o = []Option{}
	}
	l := make([]AskLink, 0, len(r.Links))
	for _, k := range r.Links {
		l = append(l, AskLink(k))
	}
	return AskResult{Query: query, Action: r.Action, GuideID: r.GuideID, Code: r.Code,
		Aspect: r.Aspect, Confidence: r.Confidence, Candidates: c, Text: r.Text, Options: o, Links: l}
}

// HandlerFunc answers one message. Engine.Answer is one.
type HandlerFunc func(ctx context.Context, m Message) (Reply, error)

// Middleware wraps a HandlerFunc with cross-cutting behaviour (rate limit,
// hand-off interception).
type Middleware func(HandlerFunc) HandlerFunc

// Chain applies middleware so that the first one listed runs first.
func Chain(h HandlerFunc, mw ...Middleware) HandlerFunc {
	for i := len(mw) - 1; i >= 0; i-- {
		h = mw[i](h)
	}
	return h
}

// Outbound is one reply on its way to a citizen, produced by the engine or by
// hotline staff.
type Outbound struct {
	ID        string  // unique id; the dedup key on the outbound stream
	Channel   Channel // where to deliver
	UserID    string  // platform user id
	InReplyTo string  // inbound message id, when answering one
	Reply     Reply
	Staff     string // staff account when a person wrote it (Messenger HUMAN_AGENT tag rules apply)
	// Proactive marks a message that answers nothing the citizen just sent
	// (an announcement to a follower): it may only go inside the channel's
	// standard window, and Messenger sends it as messaging_type UPDATE.
	Proactive bool
	LastUser  time.Time // when the citizen last wrote: the channel's reply window starts here
	Created   time.Time
}

// Sender delivers replies on one channel.
//
// Send returns nil when the platform accepted the message. It returns an
// error wrapping ErrUndeliverable when retrying cannot help (window closed,
// user blocked the OA, bad token that refresh could not fix); the caller
// records the reason and does not retry. Any other error is transient and the
// caller retries with backoff.
type Sender interface {
	Send(ctx context.Context, o Outbound) error
}

// PieceSender is a Sender whose replies may go out as several platform
// messages (a long text split at the channel's limit). SendFrom skips the
// first from pieces (delivered before, perhaps by another instance) and
// calls delivered(n) each time the platform accepted a piece, n being the
// number of pieces delivered so far, so the caller can record how far it
// got before it sends the next one. Errors are as for Send.
type PieceSender interface {
	Sender
	SendFrom(ctx context.Context, o Outbound, from int, delivered func(n int)) error
}
