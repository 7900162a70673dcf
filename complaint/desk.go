package complaint

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"botdvc/bot"
	"botdvc/channel"
	"botdvc/knowledge"
)

// Outbox puts a message on its way to a citizen (the outbound stream; the
// channel senders apply the platform's window rules). pipeline's Enqueue
// satisfies it.
type Outbox interface {
	Enqueue(ctx context.Context, o bot.Outbound) error
}

// OutboxFunc adapts a function to Outbox, for wiring where the Desk must
// exist before the pipeline that delivers its messages.
type OutboxFunc func(ctx context.Context, o bot.Outbound) error

// Enqueue calls f.
func (f OutboxFunc) Enqueue(ctx context.Context, o bot.Outbound) error { return f(ctx, o) }

// Config tunes a Desk. The zero value gets the defaults listed per field.
type Config struct {
	// Days is the time to answer, in working days (default 10); Calendar
	// counts them (Monday to Friday, minus its holidays).
	Days     int
	Calendar Calendar
	// Retention is how long an answered or closed complaint is kept after
	// its last change (default 90 days). Complaints waiting for an answer
	// are never dropped; published ones are kept until unpublished.
	Retention time.Duration
	// IntakeTTL drops a complaint being told in chat after this long
	// without a message (default 2 hours).
	IntakeTTL time.Duration
	Replicas  int // JetStream replicas of buckets and the object store; default 1
	// Guides are the procedures the intake recognises by name (curated
	// guides' titles and aliases). Called for each complaint; nil: none.
	Guides func() []knowledge.Guide
	// Places, when set, finds a commune or ward in a text and returns its
	// current (post-2025) name, old names normalised. Without it the place
	// is kept as the citizen wrote it.
	Places func(text string) (string, bool)
	// Channels are the channels the service carries: an answer after the
	// end of its channel's reply window (channel.Window.Final) waits for
	// the citizen's next message; the desk names a case's channel as the
	// channel does (LongLabel, or Label). Nil: no limit, raw ids.
	Channels *channel.Registry
	// HTTP downloads attachments from the platforms; default a client
	// with a 15 s timeout.
	HTTP    *http.Client
	MaxFile int64 // largest attachment kept, bytes; default 10 MB
	Now     func() time.Time
}

func (c *Config) defaults() {
	if c.Days <= 0 {
		c.Days = 10
	}
	if c.Retention <= 0 {
		c.Retention = 90 * 24 * time.Hour
	}
	if c.IntakeTTL <= 0 {
		c.IntakeTTL = 2 * time.Hour
	}
	if c.Replicas <= 0 {
		c.Replicas = 1
	}
	if c.HTTP == nil {
		c.HTTP = &http.Client{Timeout: 15 * time.Second}
	}
	if c.MaxFile <= 0 {
		c.MaxFile = 10 << 20
	}
	if c.Now == nil {
		c.Now = time.Now
	}
}

// Desk receives complaints and petitions, keeps them in JetStream (shared
// by every instance on one NATS), tracks their handling and publishes the
// answered ones. Intake is its chat middleware, Public and Console serve
// the citizens' and the staff's routes.
type Desk struct {
	js     jetstream.JetStream
	st     stores
	outbox Outbox
	cfg    Config
	logger *slog.Logger

	mu        sync.RWMutex
	cases     map[string]Case      // every case, from the bucket's watch
	published map[string]Published // every published complaint
	cancel    context.CancelFunc
	done      chan struct{}
}

// Open binds to the desk's buckets (declared with Declare and reconciled
// before, with the service's topology), loads and watches the complaints
// (every instance sees every change), starts the hourly sweep and returns
// the Desk. Close stops it.
func Open(ctx context.Context, js jetstream.JetStream, outbox Outbox, cfg Config, logger *slog.Logger) (*Desk, error) {
	cfg.defaults()
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	st, err := Declare(cfg).bind(ctx, js)
	if err != nil {
		return nil, fmt.Errorf("complaint.Open: %w", err)
	}
	d := &Desk{js: js, st: st, outbox: outbox, cfg: cfg, logger: logger.With("component", "complaints"),
		cases: map[string]Case{}, published: map[string]Published{}, done: make(chan struct{})}
	wctx, cancel := context.WithCancel(context.Background())
	d.cancel = cancel
	wc, err := st.cases.WatchAll(wctx)
	if err != nil {
		cancel()
		return nil, fmt.Errorf("complaint.Open: watch: %v: %w", err, ErrUnavailable)
	}
	wp, err := st.published.WatchAll(wctx)
	if err != nil {
		cancel()
		return nil, fmt.Errorf("complaint.Open: watch: %v: %w", err, ErrUnavailable)
	}
	readyC, readyP := make(chan struct{}), make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(3)
	go func() { defer wg.Done(); watch(d, wc, readyC, d.putCase) }()
	go func() { defer wg.Done(); watch(d, wp, readyP, d.putPublished) }()
	go func() { defer wg.Done(); d.sweepLoop(wctx) }()
	go func() { wg.Wait(); close(d.done) }()
	for _, ready := range []chan struct{}{readyC, readyP} {
		select {
		case <-ready:
		case <-ctx.Done():
			d.Close()
			return nil, fmt.Errorf("complaint.Open: initial load: %v: %w", ctx.Err(), ErrUnavailable)
		}
	}
	return d, nil
}

// Close stops the watches and the sweep. It does not touch NATS data.
func (d *Desk) Close() error {
	d.cancel()
	<-d.done
	return nil
}

// watch applies a bucket's changes to the in-memory view until the watch stops.
func watch(d *Desk, w jetstream.KeyWatcher, ready chan struct{}, put func(key string, value []byte, deleted bool)) {
	defer func() { _ = w.Stop() }()
	initial := true
	for e := range w.Updates() {
		if e == nil {
			if initial {
				initial = false
				close(ready)
			}
			continue
		}
		put(e.Key(), e.Value(), e.Operation() != jetstream.KeyValuePut)
	}
	if initial {
		close(ready)
	}
}

func (d *Desk) putCase(key string, value []byte, deleted bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if deleted {
		delete(d.cases, key)
		return
	}
	var c Case
	if err := json.Unmarshal(value, &c); err != nil {
		d.logger.Warn("undecodable complaint", "code", key, "err", err)
		return
	}
	if old, ok := d.cases[key]; ok && old.Updated.After(c.Updated) {
		return // this instance already has a newer one (remember)
	}
	d.cases[key] = c
}

func (d *Desk) putPublished(key string, value []byte, deleted bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if deleted {
		delete(d.published, key)
		return
	}
	var p Published
	if err := json.Unmarshal(value, &p); err != nil {
		d.logger.Warn("undecodable published complaint", "code", key, "err", err)
		return
	}
	d.published[key] = p
}

// remember puts a case this instance just wrote into the view (the watch
// brings it too, later).
func (d *Desk) remember(c Case) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if old, ok := d.cases[c.Code]; ok && old.Updated.After(c.Updated) {
		return
	}
	d.cases[c.Code] = c
}

// Filing is a new complaint: from the chat intake or the public API.
type Filing struct {
	ID          string // idempotency key: filing the same ID again returns the same case
	Source      string // SourceChat or SourceWeb
	Channel     bot.Channel
	UserID      string    // platform user id (or web chat session) to answer on; empty: none
	LastUser    time.Time // the citizen's message time
	Text        string
	Procedure   string
	ProcedureID string
	Place       string
	When        string
	Contact     string
	Consent     bool
	Files       []File
}

// Limits of a filing's fields, in characters.
const (
	MaxText  = 4000
	maxField = 200
	maxFiles = 10
)

// File stores a new complaint and returns it with its code. Errors wrap
// ErrInvalid (empty text, a field too long, a contact without consent) or
// ErrUnavailable.
func (d *Desk) File(ctx context.Context, f Filing) (Case, error) {
	c, err := d.file(ctx, f)
	if err != nil {
		return Case{}, fmt.Errorf("complaint.File: %w", err)
	}
	return c, nil
}

func (d *Desk) file(ctx context.Context, f Filing) (Case, error) {
	f.Text = strings.TrimSpace(f.Text)
	switch {
	case f.ID == "":
		return Case{}, fmt.Errorf("filing needs an id: %w", ErrInvalid)
	case f.Text == "":
		return Case{}, fmt.Errorf(`"text" is required: %w`, ErrInvalid)
	case len([]rune(f.Text)) > MaxText:
		return Case{}, fmt.Errorf(`"text" has %d characters, at most %d: %w`, len([]rune(f.Text)), MaxText, ErrInvalid)
	case strings.TrimSpace(f.Contact) != "" && !f.Consent:
		return Case{}, fmt.Errorf(`a contact is kept only with "consent": true: %w`, ErrInvalid)
	}
	for name, v := range map[string]string{"place": f.Place, "procedure": f.Procedure, "contact": f.Contact, "when": f.When} {
		if len([]rune(v)) > maxField {
			return Case{}, fmt.Errorf("%q has %d characters, at most %d: %w", name, len([]rune(v)), maxField, ErrInvalid)
		}
	}
	now := d.cfg.Now()
	h := sha256.Sum256([]byte(f.ID))
	// FilingID is a hash: the id may hold a chat session.
	c := Case{FilingID: hex.EncodeToString(h[:12]), Status: StatusReceived, Source: f.Source, Channel: f.Channel, UserID: f.UserID,
		LastUser: f.LastUser, Text: bot.Redact(f.Text), Procedure: bot.Redact(clip(f.Procedure, maxField)),
		ProcedureID: f.ProcedureID, Place: bot.Redact(clip(f.Place, maxField)), When: bot.Redact(clip(f.When, maxField)),
		Files: f.Files, Deadline: d.cfg.Calendar.Deadline(now, d.cfg.Days), Created: now, Updated: now}
	if len(c.Files) > maxFiles {
		c.Files = c.Files[:maxFiles]
	}
	if f.Consent && strings.TrimSpace(f.Contact) != "" {
		c.Contact, c.Consent = clip(f.Contact, maxField), true
	}
	if c.ProcedureID == "" && c.Procedure != "" && d.cfg.Guides != nil {
		if g, ok := matchProcedure(c.Procedure, d.cfg.Guides()); ok {
			c.ProcedureID = g.ID
		}
	}
	if c.Place != "" && d.cfg.Places != nil {
		if p, ok := d.cfg.Places(c.Place); ok {
			c.Place = p
		}
	}
	c.History = []Event{{At: now, Status: StatusReceived}}
	for attempt := 0; attempt < 50; attempt++ {
		c.Code = newCode(f.ID, attempt)
		b, err := json.Marshal(c)
		if err != nil {
			return Case{}, err
		}
		_, err = d.st.cases.Create(ctx, c.Code, b)
		if errors.Is(err, jetstream.ErrKeyExists) {
			old, _, gerr := d.get(ctx, c.Code)
			if gerr == nil && old.FilingID == c.FilingID {
				return old, nil // the same filing again (a retry, a redelivered message)
			}
			if gerr != nil && !errors.Is(gerr, ErrNotFound) {
				return Case{}, gerr
			}
			continue // another complaint has this code: take the next
		}
		if err != nil {
			return Case{}, fmt.Errorf("create: %v: %w", err, ErrUnavailable)
		}
		d.remember(c)
		d.logger.Info("complaint filed", "code", c.Code, "source", c.Source, "channel", string(c.Channel), "files", len(c.Files))
		return c, nil
	}
	return Case{}, fmt.Errorf("no free code: %w", ErrUnavailable)
}

// Get returns a complaint by code. Errors wrap ErrBadCode, ErrNotFound or ErrUnavailable.
func (d *Desk) Get(ctx context.Context, code string) (Case, error) {
	c, _, err := d.get(ctx, code)
	if err != nil {
		return Case{}, fmt.Errorf("complaint.Get: %w", err)
	}
	return c, nil
}

func (d *Desk) get(ctx context.Context, code string) (Case, uint64, error) {
	if !validKey(code) {
		return Case{}, 0, ErrBadCode
	}
	e, err := d.st.cases.Get(ctx, code)
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return Case{}, 0, ErrNotFound
	}
	if err != nil {
		return Case{}, 0, fmt.Errorf("%v: %w", err, ErrUnavailable)
	}
	var c Case
	if err := json.Unmarshal(e.Value(), &c); err != nil {
		return Case{}, 0, fmt.Errorf("decode %s: %v: %w", code, err, ErrUnavailable)
	}
	return c, e.Revision(), nil
}

// update applies fn to the current case and writes it back only if nobody
// changed it meanwhile, retrying on a conflict. fn's error is returned as is.
func (d *Desk) update(ctx context.Context, code string, fn func(c *Case) error) (Case, error) {
	for range 20 {
		c, rev, err := d.get(ctx, code)
		if err != nil {
			return Case{}, err
		}
		if err := fn(&c); err != nil {
			return c, err
		}
		c.Updated = d.cfg.Now()
		b, err := json.Marshal(c)
		if err != nil {
			return Case{}, err
		}
		if _, err := d.st.cases.Update(ctx, code, b, rev); errors.Is(err, jetstream.ErrKeyRevisionMismatch) {
			continue
		} else if err != nil {
			return Case{}, fmt.Errorf("%v: %w", err, ErrUnavailable)
		}
		d.remember(c)
		return c, nil
	}
	return Case{}, ErrConflict
}

// Filter selects complaints for the staff list. Zero fields select all.
type Filter struct {
	Status    Status // one status; "overdue" is Overdue
	Overdue   bool   // waiting for an answer past the deadline
	Procedure string // guide id, or words of the procedure as named
	Place     string // words of the commune or ward
	OlderThan time.Duration
	Limit     int // default 500
}

// List returns the complaints that match f: waiting ones first (oldest
// deadline first), then the others newest first. It reads the view every
// instance keeps from the bucket's watch.
func (d *Desk) List(f Filter) []Case {
	now := d.cfg.Now()
	proc, place := plain(f.Procedure), plain(f.Place)
	d.mu.RLock()
	out := make([]Case, 0, len(d.cases))
	for _, c := range d.cases {
		switch {
		case f.Status != "" && c.Status != f.Status,
			f.Overdue && !c.Overdue(now),
			f.OlderThan > 0 && now.Sub(c.Created) < f.OlderThan,
			len(proc) > 0 && c.ProcedureID != f.Procedure && findPhrase(plain(c.Procedure), proc) < 0,
			len(place) > 0 && findPhrase(plain(c.Place), place) < 0:
			continue
		}
		out = append(out, c)
	}
	d.mu.RUnlock()
	slices.SortFunc(out, func(a, b Case) int {
		if ao, bo := a.Status.open(), b.Status.open(); ao != bo {
			if ao {
				return -1
			}
			return 1
		}
		if a.Status.open() {
			return a.Deadline.Compare(b.Deadline)
		}
		return b.Created.Compare(a.Created)
	})
	limit := f.Limit
	if limit <= 0 {
		limit = 500
	}
	if len(out) > limit {
		out = out[:limit]
	}
	return out
}

// Counts returns how many complaints have each status, and how many are overdue.
func (d *Desk) Counts() map[string]int {
	now := d.cfg.Now()
	out := map[string]int{}
	d.mu.RLock()
	defer d.mu.RUnlock()
	for _, c := range d.cases {
		out[string(c.Status)]++
		if c.Overdue(now) {
			out["overdue"]++
		}
	}
	return out
}

// checkText trims a staff text and checks its length.
func checkText(name, text string, max int) (string, error) {
	text = strings.TrimSpace(text)
	if text == "" {
		return "", fmt.Errorf("%q is required: %w", name, ErrInvalid)
	}
	if n := len([]rune(text)); n > max {
		return "", fmt.Errorf("%q has %d characters, at most %d: %w", name, n, max, ErrInvalid)
	}
	return text, nil
}

// StatusRequest is how staff move a complaint: POST …/{code}/status.
type StatusRequest struct {
	Status Status `json:"status"`
	Agency string `json:"agency,omitempty"` // required for "forwarded"
	Note   string `json:"note,omitempty"`   // kept in the history (redacted)
}

// SetStatus moves a complaint to received (reopen), forwarded (to
// req.Agency) or closed. "answered" is reached by Answer. Errors wrap
// ErrInvalid, ErrNotFound, ErrBadCode, ErrUnavailable.
func (d *Desk) SetStatus(ctx context.Context, code, account string, req StatusRequest) (Case, error) {
	req.Agency, req.Note = strings.TrimSpace(req.Agency), strings.TrimSpace(req.Note)
	switch {
	case req.Status == StatusAnswered:
		return Case{}, fmt.Errorf(`complaint.SetStatus: "answered" is set by sending the answer (…/reply): %w`, ErrInvalid)
	case !slices.Contains(Statuses, req.Status):
		return Case{}, fmt.Errorf("complaint.SetStatus: status must be received, forwarded or closed: %w", ErrInvalid)
	case req.Status == StatusForwarded && req.Agency == "":
		return Case{}, fmt.Errorf(`complaint.SetStatus: "agency" is required to forward: %w`, ErrInvalid)
	case len([]rune(req.Agency)) > maxField || len([]rune(req.Note)) > MaxText:
		return Case{}, fmt.Errorf("complaint.SetStatus: agency or note too long: %w", ErrInvalid)
	}
	now := d.cfg.Now()
	c, err := d.update(ctx, code, func(c *Case) error {
		c.Status = req.Status
		if req.Agency != "" {
			c.Agency = req.Agency
		}
		c.History = append(c.History, Event{At: now, By: account, Status: req.Status, Agency: req.Agency, Note: bot.Redact(req.Note)})
		return nil
	})
	if err != nil {
		return c, fmt.Errorf("complaint.SetStatus: %w", err)
	}
	return c, nil
}

// AddNote adds an internal note.
func (d *Desk) AddNote(ctx context.Context, code, account, text string) (Case, error) {
	text, err := checkText("text", text, MaxText)
	if err != nil {
		return Case{}, fmt.Errorf("complaint.AddNote: %w", err)
	}
	now := d.cfg.Now()
	c, err := d.update(ctx, code, func(c *Case) error {
		c.Notes = append(c.Notes, Note{Author: account, Text: bot.Redact(text), At: now})
		return nil
	})
	if err != nil {
		return c, fmt.Errorf("complaint.AddNote: %w", err)
	}
	return c, nil
}
