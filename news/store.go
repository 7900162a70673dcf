package news

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"botdvc/bot"
	"botdvc/channel"
	"botdvc/pipeline"
)

// Buckets and keys.
const (
	// BucketNews holds the announcements ("a.<id>": Announcement JSON) and
	// the dispatch marks ("sent.<id>": the announcement was delivered to
	// its followers; created once, by whichever instance got there first).
	BucketNews = "NEWS"
	// BucketFollowers holds one Follower per conversation that follows a
	// topic ("f.<hash of the conversation>"), read from the stream's leader
	// (pipeline.LeaderReadKV) because it is updated with revision checks
	// from every instance. A follower lapses a year after their last
	// message (FollowerTTL).
	BucketFollowers = "NEWS_FOLLOWERS"
	// FollowerTTL is how long a follower is kept after the record was last
	// written (every message they send refreshes it, at most every 10 minutes).
	FollowerTTL = 365 * 24 * time.Hour

	keyAnn  = "a."
	keySent = "sent."
)

// Errors.
var (
	ErrNotFound = errors.New("news: announcement not found")
	ErrConflict = errors.New("news: changed by someone else")
)

// Buckets returns the announcements bucket, for the service's topology.
func Buckets() []jetstream.KeyValueConfig {
	return []jetstream.KeyValueConfig{{
		Bucket:      BucketNews,
		Description: "announcements (bản tin) and their dispatch marks",
		History:     5,
		Storage:     jetstream.FileStorage,
	}}
}

// Streams returns the followers bucket's stream (a bucket read from the
// leader), for the service's topology.
func Streams() []jetstream.StreamConfig {
	return []jetstream.StreamConfig{pipeline.LeaderReadKV(jetstream.KeyValueConfig{
		Bucket:      BucketFollowers,
		Description: "conversations following topics: channel, user id, guides, last message, pending announcements",
		History:     1,
		TTL:         FollowerTTL,
		Storage:     jetstream.FileStorage,
	})}
}

// Outbox puts a message on its way to a citizen (pipeline.Pipeline.Enqueue).
// The id of the Outbound is its dedup key.
type Outbox interface {
	Enqueue(ctx context.Context, o bot.Outbound) error
}

// Config holds the service's tunables; zero values take the defaults.
type Config struct {
	// Guides gives a guide's title, and whether the id exists (the live
	// library): announcements may only name existing guides.
	Guides func(id string) (title string, ok bool)
	// Sessions is the engine's session store: "theo dõi" follows the guide
	// of the conversation's last answer.
	Sessions bot.SessionStore
	// Channels are the channels the service carries: each says until when
	// an announcement reaches a follower at once (channel.Info.Push,
	// FreeLeft) and how to tell them (PushNote). Nil: announcements wait
	// for the follower's next message.
	Channels *channel.Registry
	// Margin is kept before a window closes: a send this close to the end
	// waits for the citizen's next message instead (5 minutes).
	Margin time.Duration
	// Every is how often due announcements are looked for, besides every
	// change (30 s): an announcement whose From is in the future is sent
	// when it becomes current.
	Every  time.Duration
	Now    func() time.Time
	Logger *slog.Logger
}

// Service keeps announcements and followers in JetStream, answers the chat
// commands (Middleware), delivers announcements to followers (Run) and
// serves the public pages (Pages).
type Service struct {
	cfg       Config
	news      jetstream.KeyValue
	followers jetstream.KeyValue

	mu     sync.RWMutex
	all    map[string]Announcement // snapshot, kept by Run's watch and local writes
	outbox Outbox
	wake   chan struct{}
}

// Open binds to the buckets (declared by Buckets and Streams, reconciled
// beforehand) and loads the announcements.
func Open(ctx context.Context, js jetstream.JetStream, cfg Config) (*Service, error) {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Margin <= 0 {
		cfg.Margin = 5 * time.Minute
	}
	if cfg.Every <= 0 {
		cfg.Every = 30 * time.Second
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	nkv, err := js.KeyValue(ctx, BucketNews)
	if err != nil {
		return nil, fmt.Errorf("news.Open: bucket %s (not declared? reconcile news.Buckets first): %w", BucketNews, err)
	}
	fkv, err := js.KeyValue(ctx, BucketFollowers)
	if err != nil {
		return nil, fmt.Errorf("news.Open: bucket %s (not declared? reconcile news.Streams first): %w", BucketFollowers, err)
	}
	s := &Service{cfg: cfg, news: nkv, followers: fkv, all: map[string]Announcement{}, wake: make(chan struct{}, 1)}
	list, err := s.List(ctx)
	if err != nil {
		return nil, err
	}
	for _, a := range list {
		s.all[a.ID] = a
	}
	return s, nil
}

// SetOutbox gives the service the way to reach citizens (the pipeline,
// built after the handler chain that holds the service's middleware).
func (s *Service) SetOutbox(o Outbox) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.outbox = o
}

// List returns every announcement (past, current and future), newest From first.
func (s *Service) List(ctx context.Context) ([]Announcement, error) {
	keys, err := s.news.ListKeysFiltered(ctx, keyAnn+"*")
	if err != nil {
		return nil, fmt.Errorf("news.List: %w", err)
	}
	var out []Announcement
	for k := range keys.Keys() {
		a, _, err := s.get(ctx, strings.TrimPrefix(k, keyAnn))
		if errors.Is(err, ErrNotFound) {
			continue // deleted meanwhile
		}
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	sortNewest(out)
	return out, nil
}

// Get returns one announcement.
func (s *Service) Get(ctx context.Context, id string) (Announcement, error) {
	a, _, err := s.get(ctx, id)
	return a, err
}

func (s *Service) get(ctx context.Context, id string) (Announcement, uint64, error) {
	if !validAnnID(id) {
		return Announcement{}, 0, ErrNotFound
	}
	e, err := s.news.Get(ctx, keyAnn+id)
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return Announcement{}, 0, ErrNotFound
	}
	if err != nil {
		return Announcement{}, 0, fmt.Errorf("news.Get: %w", err)
	}
	var a Announcement
	if err := json.Unmarshal(e.Value(), &a); err != nil {
		return Announcement{}, 0, fmt.Errorf("news.Get %s: %w", id, err)
	}
	return a, e.Revision(), nil
}

// Create validates in and stores a new announcement by author.
func (s *Service) Create(ctx context.Context, in Input, author string) (Announcement, error) {
	now := s.cfg.Now()
	a, err := in.Build(now, s.exists)
	if err != nil {
		return Announcement{}, err
	}
	a.ID, a.Author, a.Created, a.Updated = newID(now), author, now, now
	b, _ := json.Marshal(a)
	if _, err := s.news.Create(ctx, keyAnn+a.ID, b); err != nil {
		return Announcement{}, fmt.Errorf("news.Create: %w", err)
	}
	s.put(a)
	return a, nil
}

// Update replaces announcement id with in. It is not delivered again to
// followers who already got it.
func (s *Service) Update(ctx context.Context, id string, in Input, author string) (Announcement, error) {
	old, rev, err := s.get(ctx, id)
	if err != nil {
		return Announcement{}, err
	}
	now := s.cfg.Now()
	in2 := in
	if strings.TrimSpace(in2.From) == "" {
		in2.From = old.From.Format(time.RFC3339) // an edit keeps the start unless given
	}
	a, err := in2.Build(now, s.exists)
	if err != nil {
		return Announcement{}, err
	}
	a.ID, a.Author, a.Created, a.Updated = id, author, old.Created, now
	b, _ := json.Marshal(a)
	if _, err := s.news.Update(ctx, keyAnn+id, b, rev); err != nil {
		if errors.Is(err, jetstream.ErrKeyRevisionMismatch) || errors.Is(err, jetstream.ErrKeyExists) {
			return Announcement{}, ErrConflict
		}
		return Announcement{}, fmt.Errorf("news.Update: %w", err)
	}
	s.put(a)
	return a, nil
}

// Delete removes announcement id: it leaves the pages, the feed and the
// answers, and is no longer delivered to anyone who has it pending.
func (s *Service) Delete(ctx context.Context, id string) error {
	if _, _, err := s.get(ctx, id); err != nil {
		return err
	}
	if err := s.news.Delete(ctx, keyAnn+id); err != nil {
		return fmt.Errorf("news.Delete: %w", err)
	}
	s.mu.Lock()
	delete(s.all, id)
	s.mu.Unlock()
	return nil
}

func (s *Service) exists(id string) bool {
	if s.cfg.Guides == nil {
		return true
	}
	_, ok := s.cfg.Guides(id)
	return ok
}

// title returns a guide's title, or its id.
func (s *Service) title(id string) string {
	if s.cfg.Guides != nil {
		if t, ok := s.cfg.Guides(id); ok {
			return t
		}
	}
	return id
}

func (s *Service) put(a Announcement) {
	s.mu.Lock()
	s.all[a.ID] = a
	s.mu.Unlock()
	s.poke()
}

// poke wakes the dispatcher.
func (s *Service) poke() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// Current returns the announcements current at now, newest From first.
func (s *Service) Current(now time.Time) []Announcement {
	s.mu.RLock()
	defer s.mu.RUnlock()
	var out []Announcement
	for _, a := range s.all {
		if a.Current(now) {
			out = append(out, a)
		}
	}
	sortNewest(out)
	return out
}

// published returns an announcement whose From has come (current or past),
// from the snapshot.
func (s *Service) published(id string, now time.Time) (Announcement, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	a, ok := s.all[id]
	if !ok || now.Before(a.From) {
		return Announcement{}, false
	}
	return a, true
}

// watch keeps the snapshot in step with the bucket (changes made on other
// instances) until ctx ends.
func (s *Service) watch(ctx context.Context) error {
	w, err := s.news.Watch(ctx, keyAnn+"*")
	if err != nil {
		return fmt.Errorf("news: watch: %w", err)
	}
	defer w.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case e, ok := <-w.Updates():
			if !ok {
				return nil
			}
			if e == nil {
				continue // the initial values are in
			}
			id := strings.TrimPrefix(e.Key(), keyAnn)
			if e.Operation() != jetstream.KeyValuePut {
				s.mu.Lock()
				delete(s.all, id)
				s.mu.Unlock()
				continue
			}
			var a Announcement
			if err := json.Unmarshal(e.Value(), &a); err != nil {
				s.cfg.Logger.Warn("announcement not readable", "id", id, "err", err)
				continue
			}
			s.put(a)
		}
	}
}

func sortNewest(as []Announcement) {
	sort.Slice(as, func(i, j int) bool {
		if !as[i].From.Equal(as[j].From) {
			return as[i].From.After(as[j].From)
		}
		return as[i].ID > as[j].ID
	})
}

// newID returns "bt-20261203-k3f9qa": the day and six random characters.
func newID(now time.Time) string {
	const alphabet = "abcdefghijkmnpqrstuvwxyz23456789"
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return "bt-" + now.In(hanoi).Format("20060102") + "-" + string(b)
}

// validAnnID reports whether id can be an announcement id (it becomes a key).
func validAnnID(id string) bool {
	if id == "" || len(id) > 40 {
		return false
	}
	for _, r := range id {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-') {
			return false
		}
	}
	return true
}
