package pipeline

import (
	"sync"
	"time"
)

// limiter is a token bucket per conversation, in this instance's memory.
// With several instances behind a load balancer each keeps its own buckets,
// so the effective limit is at most instances × rate (see doc/operations.md).
type limiter struct {
	mu      sync.Mutex
	rate    float64 // tokens a second
	burst   float64
	buckets map[string]*bucket
	calls   int
}

type bucket struct {
	tokens float64
	last   time.Time
	notice time.Time // last time the citizen was told they were refused
}

func newLimiter(perMinute float64, burst int) *limiter {
	return &limiter{rate: perMinute / 60, burst: float64(burst), buckets: map[string]*bucket{}}
}

// allow takes a token for key. When refused it also says whether the citizen
// should be told (at most once a minute), so a flood does not produce a flood
// of notices.
func (l *limiter) allow(key string, now time.Time) (ok, notify bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.calls++
	if l.calls%4096 == 0 {
		l.sweep(now)
	}
	b := l.buckets[key]
	if b == nil {
		b = &bucket{tokens: l.burst, last: now}
		l.buckets[key] = b
	}
	b.tokens += now.Sub(b.last).Seconds() * l.rate
	if b.tokens > l.burst {
		b.tokens = l.burst
	}
	b.last = now
	if b.tokens >= 1 {
		b.tokens--
		return true, false
	}
	if now.Sub(b.notice) >= time.Minute {
		b.notice = now
		return false, true
	}
	return false, false
}

// notice says whether a citizen refused for another reason should be told,
// at most once a minute per conversation.
func (l *limiter) notice(key string, now time.Time) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.buckets[key]
	if b == nil {
		b = &bucket{tokens: l.burst, last: now}
		l.buckets[key] = b
	}
	if now.Sub(b.notice) >= time.Minute {
		b.notice = now
		return true
	}
	return false
}

// sweep drops buckets that are full again and idle.
func (l *limiter) sweep(now time.Time) {
	full := time.Duration(l.burst/l.rate*float64(time.Second)) + time.Minute
	for k, b := range l.buckets {
		if now.Sub(b.last) > full && now.Sub(b.notice) > time.Minute {
			delete(l.buckets, k)
		}
	}
}
