package bot

import (
	"context"
	"sync"
	"time"
)

// MemorySessions is an in-memory SessionStore with a time to live, for
// botctl and tests. The service keeps sessions in JetStream KV instead.
// It is safe for concurrent use.
type MemorySessions struct {
	// TTL is how long a session lives after its last save; 0 means forever.
	TTL time.Duration
	// Now is the clock; tests fix it.
	Now func() time.Time

	mu sync.Mutex
	m  map[string]memEntry
}

type memEntry struct {
	s       Session
	expires time.Time
}

var _ SessionStore = (*MemorySessions)(nil)

// NewMemorySessions returns an empty store whose sessions expire ttl after
// their last save.
func NewMemorySessions(ttl time.Duration) *MemorySessions {
	return &MemorySessions{TTL: ttl, Now: time.Now, m: map[string]memEntry{}}
}

// Load returns the session under key, or the zero Session when there is none
// or it expired. It never fails.
func (ms *MemorySessions) Load(ctx context.Context, key string) (Session, error) {
	ms.mu.Lock()
	defer ms.mu.Unlock()
	e, ok := ms.m[key]
	if !ok {
		return Session{}, nil
	}
	if ms.TTL > 0 && !ms.now().Before(e.expires) {
		delete(ms.m, key)
		return Session{}, nil
	}
	return cloneSession(e.s), nil
}

// Save stores s under key. It never fails.
func (ms *MemorySessions) Save(ctx context.Context, key string, s Session) error {
	ms.mu.Lock()
	defer ms.mu.Unlock()
	if ms.m == nil {
		ms.m = map[string]memEntry{}
	}
	ms.m[key] = memEntry{s: cloneSession(s), expires: ms.now().Add(ms.TTL)}
	return nil
}

func (ms *MemorySessions) now() time.Time {
	if ms.Now == nil {
		return time.Now()
	}
	return ms.Now()
}

// cloneSession copies the slices so callers cannot change a stored session.
func cloneSession(s Session) Session {
	s.Options = append([]string(nil), s.Options...)
	s.Transcript = append([]Turn(nil), s.Transcript...)
	return s
}
