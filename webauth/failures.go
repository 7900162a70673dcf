package webauth

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// Failures is an account's count of failed sign-ins and the time of the
// last one.
type Failures struct {
	Count int       `json:"n"`
	Last  time.Time `json:"last"`
}

// FailureStore keeps failed sign-in counters by key. Get of an unknown (or
// forgotten) key returns a zero Failures and no error. Add counts one more
// failure at now and returns the new state; it must be atomic across the
// instances sharing the store.
type FailureStore interface {
	Get(ctx context.Context, key string) (Failures, error)
	Add(ctx context.Context, key string, now time.Time) (Failures, error)
	Reset(ctx context.Context, key string) error
}

// MemoryFailures is a FailureStore in process memory (one instance).
type MemoryFailures struct {
	mu     sync.Mutex
	window time.Duration
	m      map[string]Failures
}

var _ FailureStore = (*MemoryFailures)(nil)

// NewMemoryFailures returns an empty store that forgets a key window after
// its last failure.
func NewMemoryFailures(window time.Duration) *MemoryFailures {
	return &MemoryFailures{window: window, m: map[string]Failures{}}
}

// Get implements FailureStore.
func (s *MemoryFailures) Get(_ context.Context, key string) (Failures, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.m[key], nil
}

// Add implements FailureStore.
func (s *MemoryFailures) Add(_ context.Context, key string, now time.Time) (Failures, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.m) > 10000 { // bound memory under a spray of account names
		for k, f := range s.m {
			if now.Sub(f.Last) >= s.window {
				delete(s.m, k)
			}
		}
	}
	f := s.m[key]
	if now.Sub(f.Last) >= s.window {
		f = Failures{}
	}
	f.Count++
	f.Last = now
	s.m[key] = f
	return f, nil
}

// Reset implements FailureStore.
func (s *MemoryFailures) Reset(_ context.Context, key string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.m, key)
	return nil
}

// KVFailures is a FailureStore in a JetStream KV bucket shared by every
// instance (see FailuresBucket): its TTL forgets a key FailureWindow after
// its last failure, and updates are compare-and-set on the revision, so
// failures counted on different instances add up.
type KVFailures struct{ kv jetstream.KeyValue }

var _ FailureStore = (*KVFailures)(nil)

// NewKVFailures returns a FailureStore backed by kv.
func NewKVFailures(kv jetstream.KeyValue) *KVFailures { return &KVFailures{kv: kv} }

func (s *KVFailures) get(ctx context.Context, key string) (Failures, uint64, error) {
	e, err := s.kv.Get(ctx, key)
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return Failures{}, 0, nil
	}
	if err != nil {
		return Failures{}, 0, fmt.Errorf("webauth.KVFailures: %w", err)
	}
	var f Failures
	if json.Unmarshal(e.Value(), &f) != nil {
		return Failures{}, e.Revision(), nil // unreadable: start again
	}
	return f, e.Revision(), nil
}

// Get implements FailureStore.
func (s *KVFailures) Get(ctx context.Context, key string) (Failures, error) {
	f, _, err := s.get(ctx, key)
	return f, err
}

// Add implements FailureStore.
func (s *KVFailures) Add(ctx context.Context, key string, now time.Time) (Failures, error) {
	for range 10 {
		f, rev, err := s.get(ctx, key)
		if err != nil {
			return f, err
		}
		f.Count++
		f.Last = now
		b, _ := json.Marshal(f)
		if rev == 0 {
			_, err = s.kv.Create(ctx, key, b)
		} else {
			_, err = s.kv.Update(ctx, key, b, rev)
		}
		if err == nil {
			return f, nil
		}
		if !errors.Is(err, jetstream.ErrKeyExists) && !isWrongSequence(err) {
			return f, fmt.Errorf("webauth.KVFailures.Add: %w", err)
		}
		// Another instance counted a failure in between: read again.
	}
	return Failures{}, errors.New("webauth.KVFailures.Add: too much contention")
}

// isWrongSequence reports a compare-and-set conflict on Update.
func isWrongSequence(err error) bool {
	var apiErr *jetstream.APIError
	return errors.As(err, &apiErr) && (apiErr.ErrorCode == jetstream.JSErrCodeStreamWrongLastSequence ||
		apiErr.ErrorCode == jetstream.JSErrCodeStreamWrongLastSequenceConstant)
}

// Reset implements FailureStore.
func (s *KVFailures) Reset(ctx context.Context, key string) error {
	if err := s.kv.Delete(ctx, key); err != nil && !errors.Is(err, jetstream.ErrKeyNotFound) {
		return fmt.Errorf("webauth.KVFailures.Reset: %w", err)
	}
	return nil
}
