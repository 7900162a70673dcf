package main

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
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
