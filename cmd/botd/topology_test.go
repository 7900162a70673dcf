package main

import (
	"context"
	"log/slog"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"botdvc/internal/natstest"
	"botdvc/pipeline"
)

// TestTopologyIsComplete: after start, the server holds exactly the streams
// and buckets of the declared topology (nothing created on the side by a
// package, so nothing escapes BOT_NATS_REPLICAS), each with the configured
// replicas. The three-node cluster test checks the same with replicas 3.
func TestTopologyIsComplete(t *testing.T) {
	m := MustRunMain(t, t.TempDir(), map[string]string{"BOT_NATS_REPLICAS": "1"})
	js, err := jetstream.New(m.NATS)
	if err != nil {
		t.Fatal(err)
	}
	checkTopology(t, js, m.Topology.StreamNames(), 1)
}

// checkTopology fails unless the server holds exactly the named streams
// (buckets as KV_<name>), each with the given replicas.
func checkTopology(tb testing.TB, js jetstream.JetStream, declared []string, replicas int) {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	var held []string
	lister := js.ListStreams(ctx)
	for info := range lister.Info() {
		held = append(held, info.Config.Name)
		if info.Config.Replicas != replicas {
			tb.Errorf("stream %s has %d replicas, want %d", info.Config.Name, info.Config.Replicas, replicas)
		}
		if !slices.Contains(declared, info.Config.Name) {
			tb.Errorf("stream %s exists but is not in the declared topology", info.Config.Name)
		}
	}
	if err := lister.Err(); err != nil {
		tb.Fatal(err)
	}
	for _, n := range declared {
		if !slices.Contains(held, n) {
			tb.Errorf("declared stream %s does not exist", n)
		}
	}
	if len(declared) < 10 {
		tb.Errorf("only %d streams declared: %v", len(declared), declared)
	}
}

// TestConcurrentReconcile: three instances starting at once on a fresh
// three-node cluster reconcile the whole topology together (botd's own
// start-up loop, which tries again what timed out on a loaded machine),
// and every stream and bucket ends up with three replicas.
// (jetstream.CreateOrUpdateStream, which updates first, hung every
// instance for the whole 20 s of an item here: see
// pipeline.createOrUpdateStream.)
func TestConcurrentReconcile(t *testing.T) {
	if testing.Short() {
		t.Skip("cluster test skipped in -short mode")
	}
	cl := natstest.StartCluster(t, 3)
	topo := declare(Config{NATSReplicas: 3, Retention: 90 * 24 * time.Hour}, pipeline.Config{Replicas: 3})
	var wg sync.WaitGroup
	for i := 0; i < 3; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			nc, err := nats.Connect(cl.URLs())
			if err != nil {
				t.Error(err)
				return
			}
			defer nc.Close()
			js, err := jetstream.New(nc)
			if err != nil {
				t.Error(err)
				return
			}
			ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
			defer cancel()
			start := time.Now()
			if err := reconcile(ctx, js, topo, slog.New(slog.DiscardHandler)); err != nil {
				t.Errorf("instance %d: %v after %v", i, err, time.Since(start).Round(time.Millisecond))
			}
		}()
	}
	wg.Wait()
	nc, err := nats.Connect(cl.URLs())
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	js, _ := jetstream.New(nc)
	checkTopology(t, js, topo.StreamNames(), 3)
}
