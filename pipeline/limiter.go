package pipeline

import (
	"hash/maphash"
	"sync"
	"time"
)

// limiter is a token bucket per conversation, in this instance's memory.
// With several instances behind a load balancer each keeps its own buckets,
// so the effective limit is at most instances × rate (see doc/operations.md).
//
// Buckets live in two generations per shard: every window the current map
// becomes the previous one and the old previous one is dropped, so memory
// and time stay bounded however many conversations pass, without scanning.
// A bucket idle for a whole window is full again and its notice is older
// than a minute, so dropping it changes nothing.
type limiter struct {
	rate   float64 // tokens a second
	burst  float64
	window time.Duration
	seed   maphash.Seed
	shards [16]limiterShard
}

type limiterShard struct {
	mu      sync.Mutex
	cur     map[string]*bucket
	prev    map[string]*bucket
	rotated time.Time
}

type bucket struct {
	tokens float64
	last   time.Time
	notice time.Time // last time the citizen was told they were refused
}

func newLimiter(perMinute float64, burst int) *limiter {
	l := &limiter{rate: perMinute / 60, burst: float64(burst), seed: maphash.MakeSeed()}
	l.window = time.Duration(l.burst/l.rate*float64(time.Second)) + time.Minute
	for i := range l.shards {
		l.shards[i].cur = map[string]*bucket{}
	}
	return l
}

// get returns key's bucket with the shard locked; the caller unlocks.
func (l *limiter) get(key string, now time.Time) (*bucket, *limiterShard) {
	s := &l.shards[maphash.String(l.seed, key)%uint64(len(l.shards))]
	s.mu.Lock()
	if s.rotated.IsZero() {
		s.rotated = now
	}
	if idle := now.Sub(s.rotated); idle >= l.window {
		s.prev, s.cur, s.rotated = s.cur, map[string]*bucket{}, now
		if idle >= 2*l.window { // the shard was idle: both generations are stale
			s.prev = nil
		}
	}
	b := s.cur[key]
	if b == nil {
		if b = s.prev[key]; b != nil {
			delete(s.prev, key)
		} else {
			b = &bucket{tokens: l.burst, last: now}
		}
		s.cur[key] = b
	}
	return b, s
}

// allow takes a token for key. When refused it also says whether the citizen
// should be told (at most once a minute), so a flood does not produce a flood
// of notices.
func (l *limiter) allow(key string, now time.Time) (ok, notify bool) {
	b, s := l.get(key, now)
	defer s.mu.Unlock()
	b.tokens += now.Sub(b.last).Seconds() * l.rate
	if b.tokens > l.burst {
		b.tokens = l.burst
	}
	b.last = now
	if b.tokens >= 1 {
		b.tokens--
		return true, false
	}
	return false, l.noticeLocked(b, now)
}

// notice says whether a citizen refused for another reason should be told,
// at most once a minute per conversation.
func (l *limiter) notice(key string, now time.Time) bool {
	b, s := l.get(key, now)
	defer s.mu.Unlock()
	return l.noticeLocked(b, now)
}

func (l *limiter) noticeLocked(b *bucket, now time.Time) bool {
	if now.Sub(b.notice) >= time.Minute {
		b.notice = now
		return true
	}
	return false
}
