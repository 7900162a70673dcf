// Package natstest gives tests a real NATS server with JetStream. Test-only:
// imported by _test.go files.
//
// JetStream returns a connection to an embedded nats-server (JetStream on,
// store in a temp dir, in-process connection, no listener, no signal
// handlers), or, when TEST_NATS_URL is set, to that external server. An
// external server must be a disposable test server: every stream and KV
// bucket on it is deleted before each test, so run the packages one at a
// time there:
//
//	TEST_NATS_URL=nats://127.0.0.1:4222 go test -p 1 ./...
//
// Run and Connect are for tests that restart the embedded server on the same
// store directory, which an external server cannot do.
package natstest

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// JetStream returns a JetStream handle on a fresh server: embedded, or the
// one at TEST_NATS_URL with every stream deleted first.
func JetStream(tb testing.TB) jetstream.JetStream {
	tb.Helper()
	if url := os.Getenv("TEST_NATS_URL"); url != "" {
		nc, err := nats.Connect(url, nats.Name("botdvc-test"))
		if err != nil {
			tb.Fatalf("TEST_NATS_URL: %v", err)
		}
		tb.Cleanup(nc.Close)
		js, err := jetstream.New(nc)
		if err != nil {
			tb.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		names := js.StreamNames(ctx)
		var all []string
		for n := range names.Name() {
			all = append(all, n)
		}
		for _, n := range all {
			if err := js.DeleteStream(ctx, n); err != nil {
				tb.Fatalf("TEST_NATS_URL: deleting stream %s: %v", n, err)
			}
		}
		return js
	}
	_, js := Connect(tb, Run(tb, tb.TempDir()))
	return js
}

// Run starts an embedded nats-server with JetStream storing under dir; it is
// shut down at the end of the test (shutting it down earlier is fine).
func Run(tb testing.TB, dir string) *server.Server {
	tb.Helper()
	ns, err := server.NewServer(&server.Options{JetStream: true, StoreDir: dir, DontListen: true, NoLog: true, NoSigs: true})
	if err != nil {
		tb.Fatal(err)
	}
	ns.Start()
	if !ns.ReadyForConnections(10 * time.Second) {
		tb.Fatal("nats-server not ready")
	}
	tb.Cleanup(func() { ns.Shutdown(); ns.WaitForShutdown() })
	return ns
}

// Connect opens an in-process connection to ns and its JetStream handle,
// closed at the end of the test.
func Connect(tb testing.TB, ns *server.Server) (*nats.Conn, jetstream.JetStream) {
	tb.Helper()
	nc, err := nats.Connect("", nats.InProcessServer(ns))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(nc.Close)
	js, err := jetstream.New(nc)
	if err != nil {
		tb.Fatal(err)
	}
	return nc, js
}

// CheckFor polls f every `every` until it returns nil, and fails the test
// with f's last error when total has passed (nats-server's checkFor).
func CheckFor(tb testing.TB, total, every time.Duration, f func() error) {
	tb.Helper()
	deadline := time.Now().Add(total)
	var err error
	for time.Now().Before(deadline) {
		if err = f(); err == nil {
			return
		}
		time.Sleep(every)
	}
	tb.Fatalf("after %v: %v", total, err)
}

// Declare creates (or updates) streams and buckets as cmd/botd's one
// reconcile pass does in production, for tests of a package that only binds
// to its declared resources (hotline.New, editor.Open …).
func Declare(tb testing.TB, js jetstream.JetStream, streams []jetstream.StreamConfig, buckets ...jetstream.KeyValueConfig) {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for _, sc := range streams {
		if _, err := js.CreateOrUpdateStream(ctx, sc); err != nil {
			tb.Fatalf("natstest.Declare: stream %s: %v", sc.Name, err)
		}
	}
	for _, bc := range buckets {
		if _, err := js.CreateOrUpdateKeyValue(ctx, bc); err != nil {
			tb.Fatalf("natstest.Declare: bucket %s: %v", bc.Bucket, err)
		}
	}
}
