package editor

import (
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"botdvc/internal/natstest"
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
