package webauth

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// Session is one signed-in browser.
type Session struct {
	ID      string    `json:"-"`    // the cookie value; stores keep only its hash
	Site    string    `json:"site"` // the site that made it (Config.Site); valid nowhere else
	Account string    `json:"account"`
	Key     string    `json:"key"` // fingerprint of the account's password hash when signed in
	CSRF    string    `json:"csrf"`
	Created time.Time `json:"created"`
	Expires time.Time `json:"expires"`
}

// Store keeps sessions by id, and the time each account's sessions were
// last revoked.
//
// Get returns an error wrapping ErrNoSession when there is no such session;
// expiry is checked by the caller. Delete of a missing session is not an
// error. RevokedAt returns the zero time for an account never revoked.
type Store interface {
	Get(ctx context.Context, id string) (Session, error)
	Put(ctx context.Context, s Session) error
	Delete(ctx context.Context, id string) error
	Revoke(ctx context.Context, account string, at time.Time) error
	RevokedAt(ctx context.Context, account string) (time.Time, error)
}

// storeKey is the key a store uses for a session id: a hash, so that reading
// the store does not hand out live cookies.
func storeKey(id string) string {
	h := sha256.Sum256([]byte(id))
	return hex.EncodeToString(h[:])
}

// revokeKey is the key of an account's revocation time.
func revokeKey(account string) string { return "revoked." + storeKey(account) }

// MemoryStore is a Store in process memory, for a single instance.
type MemoryStore struct {
	mu      sync.Mutex
	m       map[string]Session
	revoked map[string]time.Time
}

var _ Store = (*MemoryStore)(nil)

// NewMemoryStore returns an empty MemoryStore.
func NewMemoryStore() *MemoryStore {
	return &MemoryStore{m: map[string]Session{}, revoked: map[string]time.Time{}}
}

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

// Revoke records that account's sessions made until at are revoked.
func (s *MemoryStore) Revoke(_ context.Context, account string, at time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.revoked[revokeKey(account)] = at
	return nil
}

// RevokedAt returns when account's sessions were last revoked.
func (s *MemoryStore) RevokedAt(_ context.Context, account string) (time.Time, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.revoked[revokeKey(account)], nil
}

// KVStore is a Store in a JetStream KV bucket, shared by all instances on
// one NATS. Give the bucket a TTL at least as long as Config.TTL so that
// abandoned sessions disappear (see KVConfig).
type KVStore struct{ kv jetstream.KeyValue }

var _ Store = (*KVStore)(nil)

// KVConfig returns the bucket configuration for sessions of one site (name
// such as "HOTLINE_SESSIONS"), with a TTL of ttl and one replica (see Buckets).
func KVConfig(name string, ttl time.Duration) jetstream.KeyValueConfig {
	return jetstream.KeyValueConfig{Bucket: name, Description: "web sessions (webauth)",
		History: 1, TTL: ttl, Storage: jetstream.FileStorage, Replicas: 1}
}

// FailuresBucket is the KV bucket of failed sign-in counters, shared by
// every site (keys are per site and account).
const FailuresBucket = "WEBAUTH_FAILURES"

// SessionBucket is the KV bucket of one site's sessions: "hotline" →
// HOTLINE_SESSIONS, "admin" → ADMIN_SESSIONS. Each site has its own, so no
// reading or listing of one site's bucket reaches the other's sessions.
func SessionBucket(site string) string { return strings.ToUpper(site) + "_SESSIONS" }

// SessionTTL is how long a session bucket keeps an entry after its last
// write: longer than any session (Config.TTL, 12 h by default) and than a
// revocation must be remembered.
const SessionTTL = 24 * time.Hour

// Buckets returns the KV buckets webauth uses for the given sites, with
// replicas replicas (BOT_NATS_REPLICAS), for the service's one JetStream
// topology. failureWindow is the TTL of the failure counters (Config.FailureWindow;
// 0 takes the default 15 minutes).
func Buckets(replicas int, failureWindow time.Duration, sites ...string) []jetstream.KeyValueConfig {
	if replicas < 1 {
		replicas = 1
	}
	if failureWindow <= 0 {
		failureWindow = 15 * time.Minute
	}
	var out []jetstream.KeyValueConfig
	for _, s := range sites {
		c := KVConfig(SessionBucket(s), SessionTTL)
		c.Description = s + " sign-in sessions (webauth)"
		c.Replicas = replicas
		out = append(out, c)
	}
	return append(out, jetstream.KeyValueConfig{Bucket: FailuresBucket,
		Description: "failed sign-ins per site and account (webauth back-off)",
		History:     1, TTL: failureWindow, Storage: jetstream.FileStorage, Replicas: replicas})
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

// Revoke records that account's sessions made until at are revoked.
func (s *KVStore) Revoke(ctx context.Context, account string, at time.Time) error {
	b, _ := at.UTC().MarshalText()
	if _, err := s.kv.Put(ctx, revokeKey(account), b); err != nil {
		return fmt.Errorf("webauth.KVStore.Revoke: %w", err)
	}
	return nil
}

// RevokedAt returns when account's sessions were last revoked.
func (s *KVStore) RevokedAt(ctx context.Context, account string) (time.Time, error) {
	e, err := s.kv.Get(ctx, revokeKey(account))
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return time.Time{}, nil
	}
	if err != nil {
		return time.Time{}, fmt.Errorf("webauth.KVStore.RevokedAt: %w", err)
	}
	var t time.Time
	if err := t.UnmarshalText(e.Value()); err != nil {
		return time.Now(), nil // unreadable: treat every session as revoked
	}
	return t, nil
}

// Delete removes a session.
func (s *KVStore) Delete(ctx context.Context, id string) error {
	err := s.kv.Delete(ctx, storeKey(id))
	if err != nil && !errors.Is(err, jetstream.ErrKeyNotFound) {
		return fmt.Errorf("webauth.KVStore.Delete: %w", err)
	}
	return nil
}
