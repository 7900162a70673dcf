package webhooks

import (
	"bytes"
	"errors"
	"log/slog"
	"net"
	"os"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// fakeListener hands out the errors and connections it is given, in order.
type fakeListener struct {
	mu    sync.Mutex
	queue []any // error or net.Conn
	done  chan struct{}
	once  sync.Once
}

func (f *fakeListener) Accept() (net.Conn, error) {
	for {
		f.mu.Lock()
		if len(f.queue) > 0 {
			x := f.queue[0]
			f.queue = f.queue[1:]
			f.mu.Unlock()
			if err, ok := x.(error); ok {
				return nil, err
			}
			return x.(net.Conn), nil
		}
		f.mu.Unlock()
		select {
		case <-f.done:
			return nil, net.ErrClosed
		case <-time.After(time.Millisecond):
		}
	}
}

func (f *fakeListener) Close() error   { f.once.Do(func() { close(f.done) }); return nil }
func (f *fakeListener) Addr() net.Addr { return &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1)} }

// pipeConn is one end of a pipe that says it comes from addr.
type pipeConn struct {
	net.Conn
	addr net.Addr
}

func (p pipeConn) RemoteAddr() net.Addr { return p.addr }

func conn(ip string) net.Conn {
	a, _ := net.Pipe()
	return pipeConn{a, &net.TCPAddr{IP: net.ParseIP(ip), Port: 40000}}
}

type syncBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuf) Write(p []byte) (int, error) { s.mu.Lock(); defer s.mu.Unlock(); return s.b.Write(p) }
func (s *syncBuf) String() string              { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

// Running out of descriptors is not fatal: Accept retries, logs once a
// second, and hands out the next connection (regression for issue 12:
// fasthttp stopped on "accept4: too many open files").
func TestListenerSurvivesEMFILE(t *testing.T) {
	emfile := &net.OpError{Op: "accept", Net: "tcp", Err: os.NewSyscallError("accept4", syscall.EMFILE)}
	f := &fakeListener{done: make(chan struct{})}
	for range 50 {
		f.queue = append(f.queue, emfile)
	}
	f.queue = append(f.queue, conn("192.0.2.1"))
	var logs syncBuf
	l := NewListener(f, ConnLimits{}, slog.New(slog.NewTextHandler(&logs, nil)), nil)
	defer l.Close()
	now := time.Unix(1000, 0)
	var slept time.Duration
	l.now = func() time.Time { return now }
	l.sleep = func(d time.Duration) { now = now.Add(d); slept += d } // a fake clock: no real waiting
	c, err := l.Accept()
	if err != nil {
		t.Fatalf("Accept: %v", err)
	}
	c.Close()
	// Backing off 5 ms, 10 ms … up to 1 s: 50 failures wait about 43 s,
	// logged about once a second of that.
	if n := strings.Count(logs.String(), "out of file descriptors"); n < 30 || n > 50 || slept < 40*time.Second || slept > 50*time.Second {
		t.Errorf("%d log lines for 50 failed accepts over %v, want about one a second:\n%s", n, slept, logs.String())
	}
	f.Close()
	if _, err := l.Accept(); !errors.Is(err, net.ErrClosed) {
		t.Errorf("after close: %v", err)
	}
}

// At the per-client cap a new connection evicts the same client's quietest
// one (quiet for MinIdle), or is refused when none is quiet; other clients
// are not touched; at the total cap anyone's quietest one goes.
func TestListenerCaps(t *testing.T) {
	f := &fakeListener{done: make(chan struct{})}
	l := NewListener(f, ConnLimits{Max: 4, MaxPerClient: 2, MinIdle: time.Second}, nil, nil)
	defer l.Close()
	now := time.Unix(1000, 0)
	l.now = func() time.Time { return now }
	accept := func(ip string) *trackedConn {
		f.mu.Lock()
		f.queue = append(f.queue, conn(ip))
		f.mu.Unlock()
		done := make(chan net.Conn, 1)
		go func() { c, _ := l.Accept(); done <- c }()
		select {
		case c := <-done:
			return c.(*trackedConn)
		case <-time.After(50 * time.Millisecond):
			return nil // refused: Accept is waiting for the next one
		}
	}
	a1 := accept("192.0.2.1")
	now = now.Add(2 * time.Second)
	a2 := accept("192.0.2.1")
	b1 := accept("198.51.100.1")
	if a1 == nil || a2 == nil || b1 == nil || l.Len() != 3 {
		t.Fatalf("first connections: %v %v %v, %d held", a1, a2, b1, l.Len())
	}
	// a's third: a1 has been quiet for 2 s and goes.
	a3 := accept("192.0.2.1")
	if a3 == nil || l.Len() != 3 {
		t.Fatalf("third of a: %v, %d held", a3, l.Len())
	}
	l.mu.Lock()
	_, kept := l.conns[a1]
	l.mu.Unlock()
	if kept {
		t.Error("a's quietest connection was not evicted")
	}
	// a's fourth: a2 and a3 are recent, so it is refused (closed at once).
	a2.touch(now)
	a3.touch(now)
	f.mu.Lock()
	f.queue = append(f.queue, conn("192.0.2.1"), conn("203.0.113.9"))
	f.mu.Unlock()
	c, err := l.Accept() // skips the refused one, returns c's
	if err != nil || c.(*trackedConn).ip != "203.0.113.9" || l.Len() != 4 {
		t.Fatalf("after a refused connection: %v %v, %d held", c, err, l.Len())
	}
	// Total cap 4: a fifth client evicts the quietest of all (b1).
	now = now.Add(3 * time.Second)
	b1.touch(now.Add(-10 * time.Second))
	if d := accept("198.51.100.77"); d == nil || l.Len() != 4 {
		t.Fatalf("at the total cap: %v, %d held", d, l.Len())
	}
	l.mu.Lock()
	_, kept = l.conns[b1]
	l.mu.Unlock()
	if kept {
		t.Error("the quietest connection of all was not evicted")
	}
}

func TestStreams(t *testing.T) {
	s := NewStreams(3, 2, nil)
	r1, ok1 := s.Acquire("192.0.2.1")
	_, ok2 := s.Acquire("192.0.2.1")
	_, ok3 := s.Acquire("192.0.2.1")
	_, ok4 := s.Acquire("198.51.100.1")
	_, ok5 := s.Acquire("198.51.100.2")
	if !ok1 || !ok2 || ok3 || !ok4 || ok5 {
		t.Fatalf("acquire: %v %v %v %v %v", ok1, ok2, ok3, ok4, ok5)
	}
	r1()
	r1() // twice is harmless
	if _, ok := s.Acquire("192.0.2.1"); !ok {
		t.Error("no place after a release")
	}
}
