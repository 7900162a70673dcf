package zalo

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/nats-io/nats.go/jetstream"
)

// DefaultTokenBucket is the JetStream KeyValue bucket of the OA tokens.
const DefaultTokenBucket = "zalo_tokens"

// KVTokens is a TokenStore in a JetStream KeyValue bucket, shared by every
// instance connected to the same NATS. Save is a compare-and-set on the
// key's revision, so two instances cannot silently overwrite each other.
type KVTokens struct {
	kv  jetstream.KeyValue
	key string
}

var _ TokenStore = (*KVTokens)(nil)

// NewKVTokens returns a store over kv keeping the tokens under key (use
// the app id when one NATS serves several OAs).
func NewKVTokens(kv jetstream.KeyValue, key string) *KVTokens {
	return &KVTokens{kv: kv, key: key}
}

// TokenBucket returns the configuration of the token bucket (file storage,
// the last 5 revisions kept for inspection), for the service's topology,
// which cmd/botd reconciles before OpenKVTokens.
func TokenBucket() jetstream.KeyValueConfig {
	return jetstream.KeyValueConfig{
		Bucket:      DefaultTokenBucket,
		Description: "Zalo OA OAuth tokens (single-use refresh token)",
		History:     5,
		Storage:     jetstream.FileStorage,
	}
}

// OpenKVTokens binds to the token bucket (declared by TokenBucket and
// reconciled beforehand; an empty bucket name means DefaultTokenBucket) and
// returns a store over it.
func OpenKVTokens(ctx context.Context, js jetstream.JetStream, bucket, key string) (*KVTokens, error) {
	if bucket == "" {
		bucket = DefaultTokenBucket
	}
	kv, err := js.KeyValue(ctx, bucket)
	if err != nil {
		return nil, fmt.Errorf("zalo.OpenKVTokens %s (not declared? reconcile zalo.TokenBucket first): %w", bucket, err)
	}
	return NewKVTokens(kv, key), nil
}

// Load returns the stored tokens with their revision, or ErrNoTokens.
func (s *KVTokens) Load(ctx context.Context) (Tokens, error) {
	e, err := s.kv.Get(ctx, s.key)
	if errors.Is(err, jetstream.ErrKeyNotFound) || errors.Is(err, jetstream.ErrKeyDeleted) {
		return Tokens{}, ErrNoTokens
	}
	if err != nil {
		return Tokens{}, fmt.Errorf("zalo.KVTokens.Load: %w", err)
	}
	var t Tokens
	if err := json.Unmarshal(e.Value(), &t); err != nil {
		return Tokens{}, fmt.Errorf("zalo.KVTokens.Load: stored tokens unreadable: %v", err)
	}
	t.Revision = e.Revision()
	return t, nil
}

// Save stores t if the key is still at t.Revision (absent when 0).
func (s *KVTokens) Save(ctx context.Context, t Tokens) (uint64, error) {
	b, err := json.Marshal(t)
	if err != nil {
		return 0, fmt.Errorf("zalo.KVTokens.Save: %v", err)
	}
	var rev uint64
	if t.Revision == 0 {
		rev, err = s.kv.Create(ctx, s.key, b)
	} else {
		rev, err = s.kv.Update(ctx, s.key, b, t.Revision)
	}
	switch {
	case errors.Is(err, jetstream.ErrKeyExists), errors.Is(err, jetstream.ErrKeyRevisionMismatch):
		return 0, fmt.Errorf("zalo.KVTokens.Save: %w", ErrTokenConflict)
	case err != nil:
		return 0, fmt.Errorf("zalo.KVTokens.Save: %w", err)
	}
	return rev, nil
}
