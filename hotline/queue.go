package hotline

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"

	"botdvc/bot"
	"botdvc/channel"
	"botdvc/knowledge"
)

// Outbox puts a reply on its way to a citizen (the outbound stream; the
// channel senders deliver it with the platform's window rules).
// pipeline's Enqueue satisfies it.
type Outbox interface {
	Enqueue(ctx context.Context, o bot.Outbound) error
}

// OutboxFunc adapts a function to Outbox, for wiring where the Queue must
// exist before the pipeline that delivers its replies (the pipeline's
// handler chain includes Queue.Middleware).
type OutboxFunc func(ctx context.Context, o bot.Outbound) error

var _ Outbox = OutboxFunc(nil)

// Enqueue calls f.
func (f OutboxFunc) Enqueue(ctx context.Context, o bot.Outbound) error { return f(ctx, o) }

// Config tunes a Queue. The zero value gets the defaults listed per field.
type Config struct {
	Hours        Hours                 // opening hours; default DefaultHours()
	Canned       []Canned              // console's canned replies; default DefaultCanned()
	Hold         time.Duration         // after a close without hand-back, a citizen's follow-up within Hold reopens the ticket; default 24 h
	Retention    time.Duration         // tickets and hand-offs are kept this long after their last change; default 90 days
	RatingWindow time.Duration         // how long a rating reply is awaited after close; default 24 h
	Replicas     int                   // JetStream replicas of streams and buckets; default 1
	Registry     prometheus.Registerer // metrics are registered here when set
	// Guides, when set, is the library the service answers from: guide ids
	// staff type when closing or linking a ticket must name one of its
	// guides, the console suggests its curated guides, and a ticket's topic
	// can be a guide's title. cmd/botd passes the live library. Without it
	// any well-formed id is taken.
	Guides bot.Library
	// Phone is the hotline's phone number, offered for urgent cases in the
	// text of a filed hand-off; empty offers none (BOT_HOTLINE_PHONE).
	Phone string
	// Tabs are further tabs of the console, shown after the queue's (the
	// complaints desk: package complaint serves its own pages).
	Tabs []Tab
	// Channels are the channels the service carries: the console names a
	// ticket's channel, computes its reply window and shows what the
	// channel says about it (free messages left, window) by asking them.
	// Nil: every channel is shown by its id, with no window.
	Channels *channel.Registry
	Now      func() time.Time
}

// Tab is a link in the console's tab row.
type Tab struct {
	Label, URL string
}

func (c *Config) defaults() {
	if len(c.Hours.Shifts) == 0 {
		c.Hours = DefaultHours()
	}
	if c.Canned == nil {
		c.Canned = DefaultCanned()
	}
	if c.Hold == 0 {
		c.Hold = 24 * time.Hour
	}
	if c.Retention == 0 {
		c.Retention = 90 * 24 * time.Hour
	}
	if c.RatingWindow == 0 {
		c.RatingWindow = 24 * time.Hour
	}
	if c.Replicas == 0 {
		c.Replicas = 1
	}
	if c.Now == nil {
		c.Now = time.Now
	}
}

// Queue is the hotline: tickets in JetStream KV, shared by every instance on
// one NATS. It implements bot.Escalator; Middleware keeps the bot silent
// while a conversation is with people; Console serves the staff pages and API.
type Queue struct {
	js      jetstream.JetStream
	tickets jetstream.KeyValue
	routes  jetstream.KeyValue
	outbox  Outbox
	cfg     Config
	logger  *slog.Logger
	metrics *metrics

	mu     sync.Mutex
	cache  map[string]summary // every ticket's summary, from the KV watch
	subs   map[chan Event]struct{}
	cancel context.CancelFunc
	done   chan struct{}
}

var _ bot.Escalator = (*Queue)(nil)

// Event tells console clients that a ticket changed.
type Event struct {
	TicketID string `json:"ticket_id"`
	Status   Status `json:"status"`
	Revision uint64 `json:"revision"`
}

// summary is what the watch keeps of each ticket for positions and metrics.
type summary struct {
	Status   Status
	Created  time.Time
	LastUser time.Time
	Window   Window
	Rev      uint64
}

// remember puts a ticket this instance just wrote into the summary cache
// (the watch brings it too, later); older revisions never replace newer ones.
func (q *Queue) remember(t Ticket, rev uint64) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if old, ok := q.cache[t.ID]; ok && old.Rev >= rev {
		return
	}
	q.cache[t.ID] = summary{Status: t.Status, Created: t.Created, LastUser: t.LastUser, Window: t.Window, Rev: rev}
}

// New binds to the hotline's streams and buckets (declared by Streams and
// Buckets and reconciled beforehand, as cmd/botd does for the whole
// service), starts watching tickets (for live events and metrics) and
// returns the Queue. Close stops it.
func New(js jetstream.JetStream, outbox Outbox, cfg Config, logger *slog.Logger) (*Queue, error) {
	cfg.defaults()
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	kvs, err := bind(ctx, js, cfg)
	if err != nil {
		return nil, fmt.Errorf("hotline.New: %w", err)
	}
	q := &Queue{js: js, tickets: kvs[BucketTickets], routes: kvs[BucketRoutes],
		outbox: outbox, cfg: cfg, logger: logger.With("component", "hotline"),
		cache: map[string]summary{}, subs: map[chan Event]struct{}{}, done: make(chan struct{})}
	if cfg.Registry != nil {
		m, err := newMetrics(cfg.Registry, q)
		if err != nil {
			return nil, fmt.Errorf("hotline.New: %w", err)
		}
		q.metrics = m
	}
	wctx, wcancel := context.WithCancel(context.Background())
	w, err := q.tickets.WatchAll(wctx)
	if err != nil {
		wcancel()
		return nil, fmt.Errorf("hotline.New: watch: %v: %w", err, ErrUnavailable)
	}
	q.cancel = wcancel
	ready := make(chan struct{})
	go q.watch(w, ready)
	select {
	case <-ready:
	case <-ctx.Done():
		q.Close()
		return nil, fmt.Errorf("hotline.New: initial ticket load timed out: %w", ErrUnavailable)
	}
	return q, nil
}

// Close stops the watch and ends every event stream. It does not touch NATS data.
func (q *Queue) Close() error {
	q.cancel()
	<-q.done
	return nil
}

// watch keeps the summary cache and fans changes out to subscribers. It
// exits when Close cancels the watcher.
func (q *Queue) watch(w jetstream.KeyWatcher, ready chan struct{}) {
	defer close(q.done)
	defer func() {
		_ = w.Stop()
		q.mu.Lock()
		for ch := range q.subs {
			close(ch)
			delete(q.subs, ch)
		}
		q.mu.Unlock()
	}()
	initial := true
	for e := range w.Updates() {
		if e == nil {
			if initial {
				initial = false
				close(ready)
			}
			continue
		}
		ev := Event{TicketID: e.Key(), Revision: e.Revision()}
		q.mu.Lock()
		if e.Operation() != jetstream.KeyValuePut {
			delete(q.cache, e.Key())
		} else {
			var t Ticket
			if err := json.Unmarshal(e.Value(), &t); err != nil {
				q.mu.Unlock()
				q.logger.Warn("undecodable ticket", "ticket", e.Key(), "err", err)
				continue
			}
			if old, ok := q.cache[t.ID]; !ok || old.Rev < e.Revision() {
				q.cache[t.ID] = summary{Status: t.Status, Created: t.Created, LastUser: t.LastUser, Window: t.Window, Rev: e.Revision()}
			}
			ev.Status = t.Status
		}
		if !initial {
			for ch := range q.subs {
				select {
				case ch <- ev:
				default: // a slow client misses this one; it refetches on the next
				}
			}
		}
		q.mu.Unlock()
	}
	if initial {
		close(ready)
	}
}

// Subscribe returns a channel of ticket changes (from every instance) and a
// function to stop. The channel is closed when the Queue closes.
func (q *Queue) Subscribe() (<-chan Event, func()) {
	ch := make(chan Event, 64)
	q.mu.Lock()
	select {
	case <-q.done:
		close(ch)
	default:
		q.subs[ch] = struct{}{}
	}
	q.mu.Unlock()
	return ch, func() {
		q.mu.Lock()
		if _, ok := q.subs[ch]; ok {
			delete(q.subs, ch)
			close(ch)
		}
		q.mu.Unlock()
	}
}

// position is the place of a waiting ticket in the queue (1 = next).
func (q *Queue) position(t Ticket) int {
	q.mu.Lock()
	defer q.mu.Unlock()
	n := 1
	for id, s := range q.cache {
		if id != t.ID && s.Status == StatusOpen && s.Created.Before(t.Created) {
			n++
		}
	}
	return n
}

func (q *Queue) receipt(t Ticket) bot.Receipt {
	now := q.cfg.Now()
	r := bot.Receipt{TicketID: t.ID, Position: q.position(t), Open: q.cfg.Hours.Open(now), Hours: q.cfg.Hours.String()}
	if t.Status != StatusOpen {
		r.Position = 0
	}
	if !r.Open {
		r.NextOpen = q.cfg.Hours.Next(now)
	}
	return r
}

// Get returns a ticket. Errors wrap ErrNotFound or ErrUnavailable.
func (q *Queue) Get(ctx context.Context, id string) (Ticket, error) {
	t, _, err := q.get(ctx, id)
	if err != nil {
		return Ticket{}, fmt.Errorf("hotline.Get: %w", err)
	}
	return t, nil
}

func (q *Queue) get(ctx context.Context, id string) (Ticket, uint64, error) {
	if !validID(id) {
		return Ticket{}, 0, ErrNotFound
	}
	e, err := q.tickets.Get(ctx, id)
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return Ticket{}, 0, ErrNotFound
	}
	if err != nil {
		return Ticket{}, 0, fmt.Errorf("%v: %w", err, ErrUnavailable)
	}
	var t Ticket
	if err := json.Unmarshal(e.Value(), &t); err != nil {
		return Ticket{}, 0, fmt.Errorf("decode ticket: %v: %w", err, ErrUnavailable)
	}
	return t, e.Revision(), nil
}

func validID(id string) bool {
	if len(id) != 12 || !strings.HasPrefix(id, "HL") {
		return false
	}
	for _, r := range id[2:] {
		if !(r >= 'A' && r <= 'Z' || r >= '2' && r <= '7') {
			return false
		}
	}
	return true
}

// update applies fn to the current ticket and writes it back only if nobody
// changed it meanwhile (revision-checked Update), retrying on a conflict.
// fn's error stops the update and is returned as is.
func (q *Queue) update(ctx context.Context, id string, fn func(t *Ticket) error) (Ticket, error) {
	for range 20 {
		t, rev, err := q.get(ctx, id)
		if err != nil {
			return Ticket{}, err
		}
		if err := fn(&t); err != nil {
			return t, err
		}
		b, err := json.Marshal(t)
		if err != nil {
			return Ticket{}, err
		}
		nrev, err := q.tickets.Update(ctx, id, b, rev)
		if errors.Is(err, jetstream.ErrKeyRevisionMismatch) {
			continue
		}
		if err != nil {
			return Ticket{}, fmt.Errorf("%v: %w", err, ErrUnavailable)
		}
		q.remember(t, nrev)
		return t, nil
	}
	return Ticket{}, ErrConflict
}

// Escalate turns a hand-off into a ticket and returns the citizen's receipt.
// It is idempotent on e.ID: the same id returns the same ticket. When the
// conversation already has an open ticket, the question is added to it.
func (q *Queue) Escalate(ctx context.Context, e bot.Escalation) (bot.Receipt, error) {
	t, err := q.escalate(ctx, e)
	if err != nil {
		return bot.Receipt{}, fmt.Errorf("hotline.Escalate: %w", err)
	}
	return q.receipt(t), nil
}

func (q *Queue) escalate(ctx context.Context, e bot.Escalation) (Ticket, error) {
	if e.ID == "" || e.UserID == "" || e.Channel == "" {
		return Ticket{}, fmt.Errorf("escalation needs id, channel and user: %w", ErrInvalid)
	}
	id := ticketID(e.ID)
	if t, _, err := q.get(ctx, id); err == nil {
		return t, nil
	} else if !errors.Is(err, ErrNotFound) {
		return Ticket{}, err
	}
	conv := e.Conversation
	if conv == "" {
		conv = bot.Message{Channel: e.Channel, UserID: e.UserID}.Conversation()
	}
	now := q.cfg.Now()
	if e.Created.IsZero() {
		e.Created = now
	}
	if e.LastUser.IsZero() {
		e.LastUser = e.Created
	}
	// A conversation already with people: add the question to its ticket.
	if r, _, err := q.route(ctx, conv); err == nil && r.State == routeActive {
		t, err := q.update(ctx, r.TicketID, func(t *Ticket) error {
			if t.Status == StatusClosed {
				return ErrClosed
			}
			if !t.hasMsg(e.ID) && e.Question != "" {
				t.addTurn(Turn{Turn: bot.Turn{From: bot.FromCitizen, Text: e.Question, At: e.LastUser}, MsgID: e.ID})
				t.LastUser, t.Window = e.LastUser, q.cfg.Channels.Window(t.Channel, e.LastUser)
			}
			if t.Topic == "" {
				t.Topic = bot.Redact(topicOf(e, q.guideTitle))
			}
			return nil
		})
		if err == nil {
			return t, nil
		}
		if !errors.Is(err, ErrClosed) && !errors.Is(err, ErrNotFound) {
			return Ticket{}, err
		}
	} else if err != nil && !errors.Is(err, ErrNotFound) {
		return Ticket{}, err
	}

	e.Question = bot.Redact(e.Question)
	b, err := json.Marshal(e)
	if err != nil {
		return Ticket{}, err
	}
	// The durable record of the hand-off, deduplicated by its id.
	if _, err := q.js.Publish(ctx, SubjectEscalations+"."+string(e.Channel), b, jetstream.WithMsgID(e.ID)); err != nil {
		return Ticket{}, fmt.Errorf("publish: %v: %w", err, ErrUnavailable)
	}
	t := Ticket{ID: id, EscalationID: e.ID, Category: e.Category, Reason: e.Reason, Status: StatusOpen,
		Channel: e.Channel, UserID: e.UserID, Conversation: conv, Question: e.Question,
		Topic: bot.Redact(topicOf(e, q.guideTitle)), Candidates: e.Candidates, LastUser: e.LastUser, Window: q.cfg.Channels.Window(e.Channel, e.LastUser), Created: e.Created}
	if t.Category == "" {
		t.Category = bot.CategoryPerson
	}
	for _, tu := range e.Transcript {
		if tu.From == bot.FromCitizen {
			tu.Text = markerText(tu.Text)
		}
		t.addTurn(Turn{Turn: tu})
	}
	if n := len(t.Transcript); e.Question != "" && (n == 0 || t.Transcript[n-1].Text != e.Question) {
		t.addTurn(Turn{Turn: bot.Turn{From: bot.FromCitizen, Text: e.Question, At: e.LastUser}})
	}
	tb, err := json.Marshal(t)
	if err != nil {
		return Ticket{}, err
	}
	rev, err := q.tickets.Create(ctx, id, tb)
	if err != nil {
		if errors.Is(err, jetstream.ErrKeyExists) { // the same hand-off, concurrently
			t, _, err := q.get(ctx, id)
			return t, err
		}
		return Ticket{}, fmt.Errorf("create ticket: %v: %w", err, ErrUnavailable)
	}
	q.remember(t, rev)
	if err := q.putRoute(ctx, conv, route{TicketID: id, State: routeActive}); err != nil {
		return Ticket{}, err
	}
	if q.metrics != nil {
		q.metrics.created.WithLabelValues(t.Category).Inc()
	}
	q.logger.Info("ticket created", "ticket", id, "category", t.Category, "channel", string(t.Channel))
	return t, nil
}

// Claim gives the ticket to account. Claiming a ticket one already holds is
// fine, and a ticket held by PageInbox can be taken over. Errors wrap ErrClaimed (someone else holds it), ErrClosed, ErrNotFound.
func (q *Queue) Claim(ctx context.Context, id, account string) (Ticket, error) {
	now := q.cfg.Now()
	first := false
	t, err := q.update(ctx, id, func(t *Ticket) error {
		first = false
		switch {
		case t.Status == StatusClosed:
			return ErrClosed
		case t.Assignee == account:
			return nil
		case t.Assignee != "" && t.Assignee != PageInbox: // console staff may take over from the page inbox
			return ErrClaimed
		}
		t.Assignee, t.Status = account, StatusClaimed
		if t.Claimed.IsZero() {
			t.Claimed, first = now, true
		}
		return nil
	})
	if err != nil {
		return t, fmt.Errorf("hotline.Claim: %w", err)
	}
	if first && q.metrics != nil {
		q.metrics.timeToClaim.Observe(now.Sub(t.Created).Seconds())
	}
	return t, nil
}

// maxText bounds staff replies and notes (Messenger's 2000-character limit).
const maxText = 2000

func checkText(text string) (string, error) {
	text = strings.TrimSpace(text)
	if text == "" {
		return "", invalid("Nội dung đang trống.")
	}
	if n := len([]rune(text)); n > maxText {
		return "", invalid("Nội dung dài %d ký tự, tối đa %d.", n, maxText)
	}
	return text, nil
}

// Reply sends a staff reply to the citizen through the Outbox and records it.
// An open ticket is claimed by account first. Errors wrap ErrClaimed,
// ErrClosed, ErrWindowClosed, ErrInvalid, ErrNotFound or the Outbox's error.
func (q *Queue) Reply(ctx context.Context, id, account, text string) (Ticket, error) {
	text, err := checkText(text)
	if err != nil {
		return Ticket{}, fmt.Errorf("hotline.Reply: %w", err)
	}
	now := q.cfg.Now()
	t, err := q.Claim(ctx, id, account)
	if err != nil {
		return t, fmt.Errorf("hotline.Reply: %w", errors.Unwrap(err))
	}
	if !t.Window.Final.IsZero() && now.After(t.Window.Final) {
		return t, fmt.Errorf("hotline.Reply: %w", ErrWindowClosed)
	}
	o := bot.Outbound{
		// Count and text: a double-submitted reply is stored once on the
		// outbound stream (dedup by id); two different replies both go.
		ID:      fmt.Sprintf("%s-s%d-%s", t.ID, t.staffReplies()+1, convHash(text)[:8]),
		Channel: t.Channel, UserID: t.UserID,
		Reply: bot.Reply{Action: bot.ActionAnswer, Text: text},
		Staff: account, LastUser: t.LastUser, Created: now,
	}
	if err := q.outbox.Enqueue(ctx, o); err != nil {
		return t, fmt.Errorf("hotline.Reply: enqueue: %w", err)
	}
	first := false
	t, err = q.update(ctx, id, func(t *Ticket) error {
		t.addTurn(Turn{Turn: bot.Turn{From: bot.FromStaff, Text: text, At: now}, Staff: account})
		first = t.FirstReply.IsZero()
		if first {
			t.FirstReply = now
		}
		return nil
	})
	if err != nil {
		return t, fmt.Errorf("hotline.Reply: sent, but not recorded: %w", err)
	}
	if first && q.metrics != nil {
		q.metrics.timeToFirstReply.Observe(now.Sub(t.Created).Seconds())
	}
	return t, nil
}

// AddNote adds an internal note (never sent to the citizen).
func (q *Queue) AddNote(ctx context.Context, id, account, text string) (Ticket, error) {
	text, err := checkText(text)
	if err != nil {
		return Ticket{}, fmt.Errorf("hotline.AddNote: %w", err)
	}
	now := q.cfg.Now()
	t, err := q.update(ctx, id, func(t *Ticket) error {
		t.Notes = append(t.Notes, Note{Author: account, Text: bot.Redact(text), At: now})
		return nil
	})
	if err != nil {
		return t, fmt.Errorf("hotline.AddNote: %w", err)
	}
	return t, nil
}

// checkGuide refuses a guide id staff typed that is not a guide's: badly
// formed, or (with Config.Guides) naming no guide the service answers from.
// The gap report joins questions with these ids, so a typo must not pass.
func (q *Queue) checkGuide(id string) error {
	if id == "" {
		return nil
	}
	if len(id) > 120 || !knowledge.ValidID(id) {
		return invalid("Mã hướng dẫn “%s” không đúng dạng: mã gồm chữ thường không dấu, số và dấu gạch ngang, ví dụ %s.", shortTopic(id), q.exampleGuide())
	}
	if q.cfg.Guides != nil {
		if _, ok := q.cfg.Guides.Get(id); !ok {
			return invalid("Không có hướng dẫn nào mã “%s”. Chọn một mã trong danh sách gợi ý (hoặc xem /admin), hoặc để trống.", id)
		}
	}
	return nil
}

// guideTitle returns the title of guide id, when Config.Guides knows it.
func (q *Queue) guideTitle(id string) (string, bool) {
	if q.cfg.Guides == nil {
		return "", false
	}
	g, ok := q.cfg.Guides.Get(id)
	return g.Title, ok
}

// LinkGuide records that the ticket was answered by a guide (for the
// editors' gap report). An empty guideID removes the link; an id that names
// no guide is refused (ErrInvalid, with a message for staff).
func (q *Queue) LinkGuide(ctx context.Context, id, account, guideID string) (Ticket, error) {
	guideID = strings.TrimSpace(guideID)
	if err := q.checkGuide(guideID); err != nil {
		return Ticket{}, fmt.Errorf("hotline.LinkGuide: %w", err)
	}
	t, err := q.update(ctx, id, func(t *Ticket) error {
		t.GuideID = guideID
		return nil
	})
	if err != nil {
		return t, fmt.Errorf("hotline.LinkGuide: %w", err)
	}
	return t, nil
}

// CloseRequest is how staff close a ticket.
type CloseRequest struct {
	Resolution string `json:"resolution"`         // what was done, for the record and the gap report
	Handback   bool   `json:"handback"`           // the bot answers the conversation again at once
	GuideID    string `json:"guide_id,omitempty"` // optional: the guide that answers it
}

// CloseTicket closes a ticket held by account (or open, or held by the page
// inbox). With Handback the bot answers the citizen's next message; without
// it, a follow-up within Config.Hold reopens the ticket. The citizen is
// asked through the Outbox to rate the help from 1 to 5, when the channel's
// standard window still allows an automated message.
func (q *Queue) CloseTicket(ctx context.Context, id, account string, req CloseRequest) (Ticket, error) {
	req.Resolution = strings.TrimSpace(req.Resolution)
	if req.Resolution == "" {
		return Ticket{}, fmt.Errorf("hotline.CloseTicket: %w", invalid("Hãy ghi kết quả xử lý trước khi đóng phiếu."))
	}
	if n := len([]rune(req.Resolution)); n > maxText {
		return Ticket{}, fmt.Errorf("hotline.CloseTicket: %w", invalid("Kết quả xử lý dài %d ký tự, tối đa %d.", n, maxText))
	}
	req.GuideID = strings.TrimSpace(req.GuideID)
	if err := q.checkGuide(req.GuideID); err != nil {
		return Ticket{}, fmt.Errorf("hotline.CloseTicket: %w", err)
	}
	now := q.cfg.Now()
	t, err := q.update(ctx, id, func(t *Ticket) error {
		switch {
		case t.Status == StatusClosed:
			return ErrClosed
		case t.Assignee != "" && t.Assignee != account && t.Assignee != PageInbox:
			return ErrClaimed
		}
		t.Status, t.Closed, t.ClosedBy = StatusClosed, now, account
		t.Resolution, t.Handback = bot.Redact(req.Resolution), req.Handback
		if req.GuideID != "" {
			t.GuideID = req.GuideID
		}
		return nil
	})
	if err != nil {
		return t, fmt.Errorf("hotline.CloseTicket: %w", err)
	}
	if req.Handback {
		err = q.deleteRoute(ctx, t.Conversation, t.ID)
	} else {
		err = q.putRoute(ctx, t.Conversation, route{TicketID: t.ID, State: routeHold, Until: now.Add(q.cfg.Hold)})
	}
	if err != nil {
		return t, fmt.Errorf("hotline.CloseTicket: closed, but routing not updated: %w", err)
	}
	if err := q.askRating(ctx, t, now); err != nil {
		// The ticket is closed; a missing rating question is not worth failing the close.
		q.logger.Warn("rating question not sent", "ticket", t.ID, "err", err)
	}
	return t, nil
}

// List returns tickets with the given status (all when empty): waiting ones
// first by how long they waited, closed ones newest first.
func (q *Queue) List(ctx context.Context, status Status) ([]Ticket, error) {
	var all []Ticket
	var err error
	if status == StatusOpen || status == StatusClaimed {
		all, err = q.active(ctx)
	} else {
		all, err = q.all(ctx)
	}
	if err != nil {
		return nil, fmt.Errorf("hotline.List: %w", err)
	}
	out := all[:0]
	for _, t := range all {
		if status == "" || t.Status == status {
			out = append(out, t)
		}
	}
	rank := map[Status]int{StatusOpen: 0, StatusClaimed: 1, StatusClosed: 2}
	slices.SortStableFunc(out, func(a, b Ticket) int {
		if d := rank[a.Status] - rank[b.Status]; d != 0 {
			return d
		}
		if a.Status == StatusClosed {
			return b.Closed.Compare(a.Closed)
		}
		return a.Created.Compare(b.Created)
	})
	return out, nil
}

// active reads the tickets that are not closed, found through the watch's
// summary cache so that closed tickets (most of the bucket) are not read.
// The watch updates the cache before it announces a change, so a console
// refreshing on an event sees that change.
func (q *Queue) active(ctx context.Context) ([]Ticket, error) {
	q.mu.Lock()
	var ids []string
	for id, s := range q.cache {
		if s.Status != StatusClosed {
			ids = append(ids, id)
		}
	}
	q.mu.Unlock()
	out := make([]Ticket, 0, len(ids))
	for _, id := range ids {
		t, _, err := q.get(ctx, id)
		if errors.Is(err, ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, nil
}

// counts returns how many tickets have each status, from the summary cache.
func (q *Queue) counts() map[string]int {
	q.mu.Lock()
	defer q.mu.Unlock()
	c := map[string]int{}
	for _, s := range q.cache {
		c[string(s.Status)]++
	}
	return c
}

func (q *Queue) all(ctx context.Context) ([]Ticket, error) {
	lister, err := q.tickets.ListKeys(ctx)
	if err != nil {
		return nil, fmt.Errorf("%v: %w", err, ErrUnavailable)
	}
	defer lister.Stop()
	var out []Ticket
	seen := map[string]bool{}
	for k := range lister.Keys() {
		if seen[k] { // a key written during the listing may be reported twice
			continue
		}
		seen[k] = true
		t, _, err := q.get(ctx, k)
		if errors.Is(err, ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, nil
}
