package editor

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"botdvc/knowledge"
)

// Names of the JetStream resources the store owns. They are declared as data
// and reconciled by Open.
const (
	BucketGuides    = "GUIDES"
	StreamRevisions = "GUIDE_REVISIONS"
	subjRevision    = "guides.rev."

	keyLive     = "live."
	keyDraft    = "draft."
	keyFlag     = "flag."
	keySynonyms = "synonyms"
)

// Revision actions.
const (
	ActionPublish  = "publish"
	ActionRollback = "rollback"
	ActionRetire   = "retire"
)

// Revision is one published version of a guide, kept forever in the
// revisions stream. Number 0 is the bundled version (never stored).
type Revision struct {
	GuideID  string    `json:"guide_id"`
	Number   int       `json:"revision"`
	Action   string    `json:"action"`
	Editor   string    `json:"editor"`
	At       time.Time `json:"at"`
	Markdown string    `json:"markdown,omitempty"` // empty when retired
	Note     string    `json:"note,omitempty"`
}

// Draft is an editor's unpublished version of a guide.
type Draft struct {
	GuideID  string    `json:"guide_id"`
	Markdown string    `json:"markdown"`
	Editor   string    `json:"editor"`
	At       time.Time `json:"at"`
}

// Flag marks a guide whose legal basis an editor reported as changed.
type Flag struct {
	Reason string    `json:"reason"`
	Editor string    `json:"editor"`
	At     time.Time `json:"at"`
}

// live is the value of a live.<id> key.
type live struct {
	Revision int    `json:"revision"`
	Markdown string `json:"markdown,omitempty"`
	Retired  bool   `json:"retired,omitempty"`
}

// Entry is a guide as the admin lists it: the published version and whether
// a draft or flag exists.
type Entry struct {
	Guide    knowledge.Guide
	Revision int  // published revision; 0 = bundled
	Edited   bool // published by an editor, not bundled
	Retired  bool
	Draft    *Draft
	Flag     *Flag
}

// Store keeps editors' drafts, published versions and their history in
// JetStream, over a base of bundled guides.
type Store struct {
	js   jetstream.JetStream
	kv   jetstream.KeyValue
	revs jetstream.Stream
	base map[string][]byte // bundled guide files by id

	// Now is the clock; tests may replace it.
	Now func() time.Time

	mu sync.Mutex // serialises publish per store instance (the stream's expected sequence guards across instances)
}

// Streams returns the editors' streams (guide revisions, question
// outcomes kept for retention; 0 means DefaultRetention), for the service's
// topology, which cmd/botd reconciles before Open and OpenRecorder.
func Streams(retention time.Duration) []jetstream.StreamConfig {
	if retention <= 0 {
		retention = DefaultRetention
	}
	return []jetstream.StreamConfig{
		{
			Name:        StreamRevisions,
			Description: "every published revision of every guide",
			Subjects:    []string{subjRevision + ">"},
			Storage:     jetstream.FileStorage,
			Retention:   jetstream.LimitsPolicy,
		},
		{
			Name:        StreamOutcomes,
			Description: "one redacted record per citizen question, for the gap report and summary",
			Subjects:    []string{subjOutcome + ">"},
			Storage:     jetstream.FileStorage,
			MaxAge:      retention,
		},
	}
}

// Buckets returns the editors' key-value bucket (drafts, published
// overlays, flags, synonyms), for the service's topology (see Streams).
func Buckets() []jetstream.KeyValueConfig {
	return []jetstream.KeyValueConfig{{
		Bucket:      BucketGuides,
		Description: "guide drafts, published overlays, flags and synonyms",
		History:     5,
		Storage:     jetstream.FileStorage,
	}}
}

// Open binds to the guides bucket and the revisions stream (declared by
// Buckets and Streams, reconciled beforehand) and returns a Store. base
// holds the bundled guide files (Markdown) by id.
func Open(ctx context.Context, js jetstream.JetStream, base map[string][]byte) (*Store, error) {
	kv, err := js.KeyValue(ctx, BucketGuides)
	if err != nil {
		return nil, fmt.Errorf("editor.Open: bucket %s (not declared? reconcile editor.Buckets first): %w", BucketGuides, err)
	}
	revs, err := js.Stream(ctx, StreamRevisions)
	if err != nil {
		return nil, fmt.Errorf("editor.Open: stream %s (not declared? reconcile editor.Streams first): %w", StreamRevisions, err)
	}
	return &Store{js: js, kv: kv, revs: revs, base: base, Now: time.Now}, nil
}

// ValidationError lists what is wrong with a guide file; each problem names
// the line where the parser could tell.
type ValidationError struct {
	Problems []error
}

func (e *ValidationError) Error() string {
	msgs := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		msgs[i] = p.Error()
	}
	return "invalid guide: " + strings.Join(msgs, "; ")
}

// Errors of package editor.
var (
	ErrNoDraft  = errors.New("no draft")
	ErrConflict = errors.New("changed by someone else")
	// errRetiredRevision: a rollback to a revision that retired the guide.
	errRetiredRevision = errors.New("that revision retired the guide; publish a version instead")
)

// Validate parses markdown as the file of guide id and checks it against the
// current corpus (related ids must exist). It returns the guide or a
// *ValidationError.
func (s *Store) Validate(ctx context.Context, id string, markdown []byte) (knowledge.Guide, error) {
	g, err := knowledge.ParseGuide(id+".md", markdown)
	if err != nil {
		return knowledge.Guide{}, &ValidationError{Problems: unjoin(err)}
	}
	entries, err := s.List(ctx)
	if err != nil {
		return knowledge.Guide{}, err
	}
	known := map[string]bool{id: true}
	for _, e := range entries {
		if !e.Retired {
			known[e.Guide.ID] = true
		}
	}
	var probs []error
	for _, r := range g.Related {
		if !known[r] {
			probs = append(probs, &knowledge.ParseError{File: id + ".md", Line: g.ItemLine("related", r), Field: "related",
				Msg: fmt.Sprintf(fmtUnknownRelated, r), Format: fmtUnknownRelated, Args: []any{r}})
		}
	}
	if len(probs) > 0 {
		return knowledge.Guide{}, &ValidationError{Problems: probs}
	}
	return g, nil
}

// NormalizeNewlines makes CRLF and lone CR line ends LF and drops a leading
// byte order mark.
func NormalizeNewlines(s string) string {
	s = strings.TrimPrefix(s, "\ufeff")
	if !strings.Contains(s, "\r") {
		return s
	}
	return strings.ReplaceAll(strings.ReplaceAll(s, "\r\n", "\n"), "\r", "\n")
}

func unjoin(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	return []error{err}
}

// SaveDraft validates markdown and stores it as the draft of guide id. An
// invalid file is refused with a *ValidationError and nothing is stored.
// Line ends are stored as LF whatever the browser or client sent (CRLF, CR)
// and a byte order mark is dropped, so a file saved from Windows or a web
// form differs from the published one only where its text does.
func (s *Store) SaveDraft(ctx context.Context, id, markdown, editor string) (Draft, error) {
	markdown = NormalizeNewlines(markdown)
	if _, err := s.Validate(ctx, id, []byte(markdown)); err != nil {
		return Draft{}, err
	}
	d := Draft{GuideID: id, Markdown: markdown, Editor: editor, At: s.Now().UTC()}
	b, _ := json.Marshal(d)
	if _, err := s.kv.Put(ctx, keyDraft+id, b); err != nil {
		return Draft{}, fmt.Errorf("editor.SaveDraft: %w", err)
	}
	return d, nil
}

// Draft returns the draft of guide id, or ErrNoDraft.
func (s *Store) Draft(ctx context.Context, id string) (Draft, error) {
	var d Draft
	if err := s.getJSON(ctx, keyDraft+id, &d); err != nil {
		if errors.Is(err, jetstream.ErrKeyNotFound) {
			return Draft{}, ErrNoDraft
		}
		return Draft{}, fmt.Errorf("editor.Draft: %w", err)
	}
	return d, nil
}

// Drafts returns every draft, by guide id.
func (s *Store) Drafts(ctx context.Context) (map[string]Draft, error) {
	out := map[string]Draft{}
	keys, err := s.keys(ctx, keyDraft)
	if err != nil {
		return nil, err
	}
	for _, k := range keys {
		var d Draft
		if err := s.getJSON(ctx, k, &d); err == nil {
			out[d.GuideID] = d
		}
	}
	return out, nil
}

// DiscardDraft deletes the draft of guide id.
func (s *Store) DiscardDraft(ctx context.Context, id string) error {
	if err := s.kv.Delete(ctx, keyDraft+id); err != nil && !errors.Is(err, jetstream.ErrKeyNotFound) {
		return fmt.Errorf("editor.DiscardDraft: %w", err)
	}
	return nil
}

// Publish makes the draft of guide id live: it is validated again, appended
// to the revision history and written to the live key every instance follows.
func (s *Store) Publish(ctx context.Context, id, editor string) (Revision, error) {
	d, err := s.Draft(ctx, id)
	if err != nil {
		return Revision{}, err
	}
	if _, err := s.Validate(ctx, id, []byte(d.Markdown)); err != nil {
		return Revision{}, err
	}
	rev, err := s.commit(ctx, Revision{GuideID: id, Action: ActionPublish, Editor: editor, Markdown: d.Markdown})
	if err != nil {
		return Revision{}, err
	}
	_ = s.DiscardDraft(ctx, id)
	return rev, nil
}

// Retire removes guide id from what citizens are answered with. It is a
// revision like any other and can be rolled back.
func (s *Store) Retire(ctx context.Context, id, editor string) (Revision, error) {
	if _, ok, err := s.Current(ctx, id); err != nil {
		return Revision{}, err
	} else if !ok {
		return Revision{}, knowledge.ErrNotFound
	}
	return s.commit(ctx, Revision{GuideID: id, Action: ActionRetire, Editor: editor})
}

// Rollback publishes the content of an earlier revision (0 = the bundled
// version) as a new revision.
func (s *Store) Rollback(ctx context.Context, id string, number int, editor string) (Revision, error) {
	hist, err := s.History(ctx, id)
	if err != nil {
		return Revision{}, err
	}
	for _, r := range hist {
		if r.Number != number {
			continue
		}
		if r.Markdown == "" {
			return Revision{}, fmt.Errorf("editor.Rollback: revision %d: %w", number, errRetiredRevision)
		}
		if _, err := s.Validate(ctx, id, []byte(r.Markdown)); err != nil {
			return Revision{}, err
		}
		return s.commit(ctx, Revision{GuideID: id, Action: ActionRollback, Editor: editor,
			Markdown: r.Markdown, Note: fmt.Sprintf("về phiên bản %d", number)})
	}
	return Revision{}, fmt.Errorf("editor.Rollback: %s has no revision %d: %w", id, number, knowledge.ErrNotFound)
}

// commit appends r to the history with the next number and updates the live
// key. The stream's per-subject expected sequence makes two concurrent
// commits on one guide fail rather than both take the same number.
func (s *Store) commit(ctx context.Context, r Revision) (Revision, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	subj := subjRevision + r.GuideID
	var lastSeq uint64
	last, err := s.revs.GetLastMsgForSubject(ctx, subj)
	switch {
	case err == nil:
		var prev Revision
		if err := json.Unmarshal(last.Data, &prev); err != nil {
			return Revision{}, fmt.Errorf("editor.commit: stored revision: %w", err)
		}
		r.Number = prev.Number + 1
		lastSeq = last.Sequence
	case errors.Is(err, jetstream.ErrMsgNotFound):
		r.Number = 1
	default:
		return Revision{}, fmt.Errorf("editor.commit: %w", err)
	}
	r.At = s.Now().UTC()
	b, _ := json.Marshal(r)
	if _, err := s.js.Publish(ctx, subj, b, jetstream.WithExpectLastSequencePerSubject(lastSeq)); err != nil {
		var apiErr *jetstream.APIError
		if errors.As(err, &apiErr) && apiErr.ErrorCode == jetstream.JSErrCodeStreamWrongLastSequence {
			return Revision{}, ErrConflict
		}
		return Revision{}, fmt.Errorf("editor.commit: %w", err)
	}
	lv, _ := json.Marshal(live{Revision: r.Number, Markdown: r.Markdown, Retired: r.Action == ActionRetire})
	if _, err := s.kv.Put(ctx, keyLive+r.GuideID, lv); err != nil {
		return Revision{}, fmt.Errorf("editor.commit: live: %w", err)
	}
	return r, nil
}

// History returns the revisions of guide id, oldest first, starting with the
// bundled version (number 0) when there is one.
func (s *Store) History(ctx context.Context, id string) ([]Revision, error) {
	var out []Revision
	if raw, ok := s.base[id]; ok {
		out = append(out, Revision{GuideID: id, Number: 0, Action: "bundled", Editor: "", Markdown: string(raw)})
	}
	cons, err := s.revs.OrderedConsumer(ctx, jetstream.OrderedConsumerConfig{
		FilterSubjects: []string{subjRevision + id},
		DeliverPolicy:  jetstream.DeliverAllPolicy,
	})
	if err != nil {
		return nil, fmt.Errorf("editor.History: %w", err)
	}
	info, err := s.revs.Info(ctx, jetstream.WithSubjectFilter(subjRevision+id))
	if err != nil {
		return nil, fmt.Errorf("editor.History: %w", err)
	}
	want := int(info.State.Subjects[subjRevision+id])
	for got := 0; got < want; {
		batch, err := cons.Fetch(want-got, jetstream.FetchMaxWait(2*time.Second))
		if err != nil {
			return nil, fmt.Errorf("editor.History: %w", err)
		}
		n := 0
		for m := range batch.Messages() {
			var r Revision
			if err := json.Unmarshal(m.Data(), &r); err == nil {
				out = append(out, r)
			}
			n++
		}
		if n == 0 {
			break
		}
		got += n
	}
	return out, nil
}

// Current returns the guide id as citizens are answered with it now: the
// latest published revision, else the bundled file. ok is false when the
// guide does not exist or is retired.
func (s *Store) Current(ctx context.Context, id string) (knowledge.Guide, bool, error) {
	var lv live
	err := s.getJSON(ctx, keyLive+id, &lv)
	switch {
	case err == nil:
		if lv.Retired {
			return knowledge.Guide{}, false, nil
		}
		g, perr := knowledge.ParseGuide(id+".md", []byte(lv.Markdown))
		if perr != nil {
			return knowledge.Guide{}, false, fmt.Errorf("editor.Current %s: stored revision %d is invalid: %v", id, lv.Revision, perr)
		}
		return g, true, nil
	case errors.Is(err, jetstream.ErrKeyNotFound):
		raw, ok := s.base[id]
		if !ok {
			return knowledge.Guide{}, false, nil
		}
		g, perr := knowledge.ParseGuide(id+".md", raw)
		if perr != nil {
			return knowledge.Guide{}, false, fmt.Errorf("editor.Current %s: bundled file is invalid: %v", id, perr)
		}
		return g, true, nil
	default:
		return knowledge.Guide{}, false, fmt.Errorf("editor.Current: %w", err)
	}
}

// Markdown returns the file text of the current version of guide id.
func (s *Store) Markdown(ctx context.Context, id string) (string, int, error) {
	var lv live
	err := s.getJSON(ctx, keyLive+id, &lv)
	if err == nil && !lv.Retired {
		return lv.Markdown, lv.Revision, nil
	}
	if err != nil && !errors.Is(err, jetstream.ErrKeyNotFound) {
		return "", 0, fmt.Errorf("editor.Markdown: %w", err)
	}
	if err == nil && lv.Retired {
		return "", lv.Revision, knowledge.ErrNotFound
	}
	if raw, ok := s.base[id]; ok {
		return string(raw), 0, nil
	}
	return "", 0, knowledge.ErrNotFound
}

// List returns every guide known to the store (bundled and editor-made),
// with its draft and flag, sorted by id.
func (s *Store) List(ctx context.Context) ([]Entry, error) {
	ids := map[string]bool{}
	for id := range s.base {
		ids[id] = true
	}
	lives, err := s.keys(ctx, keyLive)
	if err != nil {
		return nil, err
	}
	for _, k := range lives {
		ids[strings.TrimPrefix(k, keyLive)] = true
	}
	drafts, err := s.Drafts(ctx)
	if err != nil {
		return nil, err
	}
	for id := range drafts {
		ids[id] = true
	}
	out := make([]Entry, 0, len(ids))
	for id := range ids {
		e := Entry{}
		var lv live
		if err := s.getJSON(ctx, keyLive+id, &lv); err == nil {
			e.Revision, e.Edited, e.Retired = lv.Revision, true, lv.Retired
		}
		if !e.Retired {
			if g, ok, err := s.Current(ctx, id); err == nil && ok {
				e.Guide = g
			}
		}
		if e.Guide.ID == "" {
			e.Guide.ID = id
		}
		if d, ok := drafts[id]; ok {
			d := d
			e.Draft = &d
			if e.Guide.Title == "" {
				if g, err := knowledge.ParseGuide(id+".md", []byte(d.Markdown)); err == nil {
					e.Guide = g
				}
			}
		}
		var f Flag
		if err := s.getJSON(ctx, keyFlag+id, &f); err == nil {
			e.Flag = &f
		}
		out = append(out, e)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Guide.ID < out[j].Guide.ID })
	return out, nil
}

// SetFlag marks (reason != "") or unmarks guide id as having a changed legal basis.
func (s *Store) SetFlag(ctx context.Context, id, reason, editor string) error {
	if reason == "" {
		if err := s.kv.Delete(ctx, keyFlag+id); err != nil && !errors.Is(err, jetstream.ErrKeyNotFound) {
			return fmt.Errorf("editor.SetFlag: %w", err)
		}
		return nil
	}
	b, _ := json.Marshal(Flag{Reason: reason, Editor: editor, At: s.Now().UTC()})
	if _, err := s.kv.Put(ctx, keyFlag+id, b); err != nil {
		return fmt.Errorf("editor.SetFlag: %w", err)
	}
	return nil
}

// Stale returns the live guides reviewed more than age ago or flagged.
func (s *Store) Stale(ctx context.Context, age time.Duration) ([]Entry, error) {
	all, err := s.List(ctx)
	if err != nil {
		return nil, err
	}
	cut := s.Now().Add(-age)
	var out []Entry
	for _, e := range all {
		if e.Retired || e.Guide.Title == "" {
			continue
		}
		if e.Flag != nil || e.Guide.Reviewed.Before(cut) {
			out = append(out, e)
		}
	}
	return out, nil
}

// Synonyms returns the editors' extra synonym rules (vntext rule syntax).
func (s *Store) Synonyms(ctx context.Context) (string, error) {
	e, err := s.kv.Get(ctx, keySynonyms)
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("editor.Synonyms: %w", err)
	}
	return string(e.Value()), nil
}

// SetSynonyms stores the editors' extra synonym rules; validate them first.
func (s *Store) SetSynonyms(ctx context.Context, rules string) error {
	if _, err := s.kv.Put(ctx, keySynonyms, []byte(rules)); err != nil {
		return fmt.Errorf("editor.SetSynonyms: %w", err)
	}
	return nil
}

func (s *Store) getJSON(ctx context.Context, key string, v any) error {
	e, err := s.kv.Get(ctx, key)
	if err != nil {
		return err
	}
	return json.Unmarshal(e.Value(), v)
}

func (s *Store) keys(ctx context.Context, prefix string) ([]string, error) {
	l, err := s.kv.ListKeys(ctx)
	if err != nil {
		return nil, fmt.Errorf("editor: list keys: %w", err)
	}
	var out []string
	for k := range l.Keys() {
		if strings.HasPrefix(k, prefix) {
			out = append(out, k)
		}
	}
	return out, nil
}
