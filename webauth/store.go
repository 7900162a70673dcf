package webauth

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// Session is one signed-in browser.
type Session struct {
	ID      string    `json:"-"` // the cookie value; stores keep only its hash
	Account string    `json:"account"`
	CSRF    string    `json:"csrf"`
	Created time.Time `json:"created"`
	Expires time.Time `json:"expires"`
}

// Store keeps sessions by id.
//
// Get returns an error wrapping ErrNoSession when there is no such session;
// expiry is checked by the caller. Delete of a missing session is not an error.
type Store interface {
	Get(ctx context.Context, id string) (Session, error)
	Put(ctx context.Context, s Session) error
	Delete(ctx context.Context, id string) error
}

// storeKey is the key a store uses for a session id: a hash, so that reading
// the store does not hand out live cookies.
func storeKey(id string) string {
	h := sha256.Sum256([]byte(id))
	return hex.EncodeToString(h[:])
}

// MemoryStore is a Store in process memory, for a single instance.
type MemoryStore struct {
	mu sync.Mutex
	m  map[string]Session
}

var _ Store = (*MemoryStore)(nil)

// NewMemoryStore returns an empty MemoryStore.
func NewMemoryStore() *MemoryStore { return &MemoryStore{m: map[string]Session{}} }

// Get returns the session with the given id.
func (s *MemoryStore) Get(_ context.Context, id string) (Session, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	v, ok := s.m[storeKey(id)]
	if !ok {
		return Session{}, fmt.Errorf("webauth.MemoryStore.Get: %w", ErrNoSession)
	}
	v.ID = id
	return v, nil
}

// Put stores a session and drops expired ones.
func (s *MemoryStore) Put(_ context.Context, v Session) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for k, old := range s.m {
		if old.Expires.Before(v.Created) {
			delete(s.m, k)
		}
	}
	s.m[storeKey(v.ID)] = v
	return nil
}

// Delete removes a session.
func (s *MemoryStore) Delete(_ context.Context, id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.m, storeKey(id))
	return nil
}

// KVStore is a Store in a JetStream KV bucket, shared by all instances on
// one NATS. Give the bucket a TTL at least as long as Config.TTL so that
// abandoned sessions disappear (see KVConfig).
type KVStore struct{ kv jetstream.KeyValue }

var _ Store = (*KVStore)(nil)

// KVConfig returns the bucket configuration for sessions of one site (name
// such as "HOTLINE_SESSIONS"), with a TTL of ttl.
func KVConfig(name string, ttl time.Duration) jetstream.KeyValueConfig {
	return jetstream.KeyValueConfig{Bucket: name, Description: "web sessions (webauth)",
		History: 1, TTL: ttl, Storage: jetstream.FileStorage}
}

// NewKVStore returns a Store backed by kv.
func NewKVStore(kv jetstream.KeyValue) *KVStore { return &KVStore{kv: kv} }

// Get returns the session with the given id.
func (s *KVStore) Get(ctx context.Context, id string) (Session, error) {
	e, err := s.kv.Get(ctx, storeKey(id))
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return Session{}, fmt.Errorf("webauth.KVStore.Get: %w", ErrNoSession)
	}
	if err != nil {
		return Session{}, fmt.Errorf("webauth.KVStore.Get: %w", err)
	}
	var v Session
	if err := json.Unmarshal(e.Value(), &v); err != nil {
		return Session{}, fmt.Errorf("webauth.KVStore.Get: %v: %w", err, ErrNoSession)
	}
	v.ID = id
	return v, nil
}

// Put stores a session.
func (s *KVStore) Put(ctx context.Context, v Session) error {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("webauth.KVStore.Put: %w", err)
	}
	if _, err := s.kv.Put(ctx, storeKey(v.ID), b); err != nil {
		return fmt.Errorf("webauth.KVStore.Put: %w", err)
	}
	return nil
}

// Delete removes a session.
func (s *KVStore) Delete(ctx context.Context, id string) error {
	err := s.kv.Delete(ctx, storeKey(id))
	if err != nil && !errors.Is(err, jetstream.ErrKeyNotFound) {
		return fmt.Errorf("webauth.KVStore.Delete: %w", err)
	}
	return nil
}
