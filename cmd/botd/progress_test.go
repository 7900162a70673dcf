package main

import (
	"log/slog"
	"strings"
	"testing"
	"time"
)

// TestLogWhile: a long step logs that it is still at work until it ends,
// and nothing after.
func TestLogWhile(t *testing.T) {
	var out lockedBuffer
	log := slog.New(slog.NewTextHandler(&out, nil))
	stop := logWhile(log, 10*time.Millisecond, "still building the search index", "guides", 2621)
	deadline := time.Now().Add(10 * time.Second)
	for strings.Count(out.String(), "still building") < 2 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	stop()
	stop() // twice is harmless
	n := strings.Count(out.String(), "still building")
	if n < 2 || !strings.Contains(out.String(), `msg="still building the search index" guides=2621 so_far=`) {
		t.Fatalf("progress lines: %d\n%s", n, out.String())
	}
	time.Sleep(50 * time.Millisecond)
	if m := strings.Count(out.String(), "still building"); m != n {
		t.Errorf("logged %d more lines after stop", m-n)
	}
}
