package pipeline

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/nats-io/nats.go/jetstream"

	"botdvc/bot"
)

// Sessions is a bot.SessionStore on a JetStream key-value bucket. The bucket's
// TTL expires idle sessions; keys are the base64url form of the conversation
// key, since conversation keys contain characters KV keys do not allow.
type Sessions struct {
	kv jetstream.KeyValue
}

var _ bot.SessionStore = (*Sessions)(nil)

// OpenSessions binds to the session bucket, which Reconcile created.
func OpenSessions(ctx context.Context, js jetstream.JetStream) (*Sessions, error) {
	kv, err := js.KeyValue(ctx, SessionBucket)
	if err != nil {
		return nil, fmt.Errorf("pipeline.OpenSessions: %w", err)
	}
	return &Sessions{kv: kv}, nil
}

func sessionKey(key string) string { return base64.RawURLEncoding.EncodeToString([]byte(key)) }

// Load returns the session of a conversation, or the zero Session when there is none.
func (s *Sessions) Load(ctx context.Context, key string) (bot.Session, error) {
	var e jetstream.KeyValueEntry
	err := retry(ctx, func(ctx context.Context) error {
		var err error
		e, err = s.kv.Get(ctx, sessionKey(key))
		return err
	})
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return bot.Session{}, nil
	}
	if err != nil {
		return bot.Session{}, fmt.Errorf("pipeline.Sessions.Load: %w", err)
	}
	var sess bot.Session
	if err := json.Unmarshal(e.Value(), &sess); err != nil {
		return bot.Session{}, fmt.Errorf("pipeline.Sessions.Load: decode: %w", err)
	}
	return sess, nil
}

// Save stores the session of a conversation; its TTL starts again.
func (s *Sessions) Save(ctx context.Context, key string, sess bot.Session) error {
	b, err := json.Marshal(sess)
	if err != nil {
		return fmt.Errorf("pipeline.Sessions.Save: encode: %w", err)
	}
	if err := retry(ctx, func(ctx context.Context) error { _, err := s.kv.Put(ctx, sessionKey(key), b); return err }); err != nil {
		return fmt.Errorf("pipeline.Sessions.Save: %w", err)
	}
	return nil
}
