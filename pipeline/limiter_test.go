package pipeline

import (
	"strconv"
	"testing"
	"time"
)

func TestLimiter(t *testing.T) {
	l := newLimiter(6, 2) // one token every 10 s, burst 2
	now := time.Date(2026, 11, 25, 8, 0, 0, 0, time.UTC)
	for i, want := range []bool{true, true, false, false} {
		if ok, _ := l.allow("a", now); ok != want {
			t.Fatalf("message %d: allowed %v, want %v", i, ok, want)
		}
	}
	if ok, _ := l.allow("b", now); !ok {
		t.Fatal("another conversation is limited")
	}
	if ok, _ := l.allow("a", now.Add(10*time.Second)); !ok {
		t.Fatal("no token after 10 s")
	}
	// Notices: once a minute.
	l2 := newLimiter(6, 1)
	l2.allow("c", now)
	if _, n := l2.allow("c", now); !n {
		t.Error("first refusal not told")
	}
	if _, n := l2.allow("c", now.Add(time.Second)); n {
		t.Error("second refusal within a minute told again")
	}
	// A conversation keeps its state across a generation change, and
	// memory stays bounded when many conversations pass.
	for i := 0; i < 10000; i++ {
		l.allow("x"+strconv.Itoa(i), now)
	}
	later := now.Add(l.window + time.Second)
	if ok, _ := l.allow("a", later); !ok {
		t.Error("a refused after a full window")
	}
	l.allow("a", later)
	if ok, _ := l.allow("a", later); ok {
		t.Error("a's bucket was lost at the generation change")
	}
	much := later.Add(3 * l.window)
	for i := 0; i < 2000; i++ { // enough to touch every shard
		l.allow("y"+strconv.Itoa(i), much)
	}
	total := 0
	for i := range l.shards {
		total += len(l.shards[i].cur) + len(l.shards[i].prev)
	}
	if total != 2000 {
		t.Errorf("%d buckets kept, want old ones dropped", total)
	}
}

func BenchmarkLimiter(b *testing.B) {
	l := newLimiter(20, 8)
	now := time.Now()
	i := 0
	for b.Loop() {
		i++
		l.allow(strconv.Itoa(i), now.Add(time.Duration(i)*time.Microsecond))
	}
}
