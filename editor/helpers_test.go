package editor

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"botdvc/bot"
	"botdvc/internal/natstest"
	"botdvc/knowledge"
	"botdvc/knowledge/bleveindex"
	"botdvc/knowledge/guides"
)

func discard() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// declaredJetStream is a fresh JetStream with the editors' streams and
// bucket declared, as cmd/botd's reconcile pass does at start.
func declaredJetStream(tb testing.TB) jetstream.JetStream {
	tb.Helper()
	js := natstest.JetStream(tb)
	natstest.Declare(tb, js, Streams(time.Hour), Buckets()...)
	return js
}

// testEngine is the real engine over the bundled guides and an in-memory
// bleve index.
func testEngine(t *testing.T) *bot.Engine {
	t.Helper()
	e, _ := testEngineSessions(t)
	return e
}

// testEngineSessions returns an engine over the bundled guides and the
// session store it reads (bot.Remember saves it).
func testEngineSessions(t *testing.T) (*bot.Engine, bot.SessionStore) {
	t.Helper()
	gs, err := guides.Load()
	if err != nil {
		t.Fatal(err)
	}
	idx, err := bleveindex.Open("")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = idx.Close() })
	if err := idx.Upsert(context.Background(), gs...); err != nil {
		t.Fatal(err)
	}
	sessions := bot.NewMemorySessions(time.Hour)
	return bot.NewEngine(idx, knowledge.NewLibrary(gs...), sessions), sessions
}
