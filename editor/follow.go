package editor

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"

	"github.com/nats-io/nats.go/jetstream"

	"botdvc/knowledge"
)

// Target is what Follow applies published changes to: the Library the engine
// reads guides from and the search index. cmd/botd passes both.
type Target struct {
	Library *knowledge.Library
	Index   knowledge.Index
	// Base returns the bundled guide to restore when a published overlay
	// disappears (the key was purged); may be nil.
	Base func(id string) (knowledge.Guide, bool)
	// Synonyms, when set, is called with the editors' synonym rules at start
	// and whenever they change.
	Synonyms func(rules string) error
	// Changed, when set, is called after guide changes were applied (once
	// after the initial state, then after each later change), e.g. to let the
	// engine recompute its word weights.
	Changed func()
}

// Follow watches the published keys and the synonym rules and applies every
// change to t until ctx ends. It first applies the current state, then calls
// ready (if not nil), then follows updates as they happen: a publish on any
// instance reaches every instance in well under a second. Drafts are not
// followed. A stored revision that no longer parses is logged and skipped;
// the guide keeps its previous version.
func (s *Store) Follow(ctx context.Context, t Target, logger *slog.Logger, ready func()) error {
	w, err := s.kv.WatchAll(ctx)
	if err != nil {
		return fmt.Errorf("editor.Follow: %w", err)
	}
	defer w.Stop()
	initial := true
	for {
		select {
		case <-ctx.Done():
			return nil
		case e, ok := <-w.Updates():
			if !ok {
				return nil
			}
			if e == nil { // end of the current state
				if t.Changed != nil {
					t.Changed()
				}
				if initial && ready != nil {
					ready()
				}
				initial = false
				continue
			}
			if err := s.apply(ctx, t, e); err != nil {
				logger.Error("guide update not applied", "key", e.Key(), "revision", e.Revision(), "err", err)
				continue
			}
			if !initial && t.Changed != nil && strings.HasPrefix(e.Key(), keyLive) {
				t.Changed()
			}
		}
	}
}

func (s *Store) apply(ctx context.Context, t Target, e jetstream.KeyValueEntry) error {
	key := e.Key()
	switch {
	case key == keySynonyms:
		if t.Synonyms == nil {
			return nil
		}
		if e.Operation() != jetstream.KeyValuePut {
			return t.Synonyms("")
		}
		return t.Synonyms(string(e.Value()))
	case strings.HasPrefix(key, keyLive):
		id := strings.TrimPrefix(key, keyLive)
		if e.Operation() != jetstream.KeyValuePut {
			if t.Base != nil {
				if g, ok := t.Base(id); ok {
					return s.put(ctx, t, g)
				}
			}
			return s.remove(ctx, t, id)
		}
		var lv live
		if err := json.Unmarshal(e.Value(), &lv); err != nil {
			return err
		}
		if lv.Retired {
			return s.remove(ctx, t, id)
		}
		g, err := knowledge.ParseGuide(id+".md", []byte(lv.Markdown))
		if err != nil {
			return err
		}
		return s.put(ctx, t, g)
	}
	return nil
}

func (s *Store) put(ctx context.Context, t Target, g knowledge.Guide) error {
	if t.Index != nil {
		if err := t.Index.Upsert(ctx, g); err != nil {
			return err
		}
	}
	if t.Library != nil {
		t.Library.Put(g)
	}
	return nil
}

func (s *Store) remove(ctx context.Context, t Target, id string) error {
	if t.Library != nil {
		t.Library.Delete(id)
	}
	if t.Index != nil {
		return t.Index.Delete(ctx, id)
	}
	return nil
}
