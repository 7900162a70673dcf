package webhooks

import (
	"errors"
	"log/slog"
	"net"
	"net/netip"
	"os"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"botdvc/internal/clientaddr"
)

// ConnLimits caps the connections the HTTP server holds, below the
// process's file descriptor limit (doc/operations.md, "Security").
type ConnLimits struct {
	// Max is the most connections held at once (0: no cap).
	Max int
	// MaxPerClient is the most connections one client address holds (0: no
	// cap). Trusted proxies (Proxies) are exempt: they carry many clients.
	MaxPerClient int
	Proxies      *clientaddr.Proxies
	// MinIdle is how long a connection must have been quiet (no bytes read
	// or written) before it may be closed to make room (1s).
	MinIdle time.Duration
}

// Listener wraps the server's listener: it keeps the accept loop alive
// when the process runs out of file descriptors, and holds the connection
// caps.
//
// At a cap, a new connection takes the place of the connection that has
// been quiet longest (of the same client for the per-client cap, of anyone
// for the total), if one has been quiet for MinIdle; otherwise the new
// connection is closed at once. So a client flooding the server with idle
// connections only ever evicts its own, and a citizen arriving later still
// gets in.
//
// An accept that fails for lack of descriptors (EMFILE, ENFILE) is not
// fatal: the listener closes the quietest connection to free one, or, with
// none to close, accepts and closes one waiting client with a descriptor
// kept in reserve (so the queue does not hang), then waits (backing off up
// to a second) and tries again. It logs at most once a second.
type Listener struct {
	net.Listener
	cfg    ConnLimits
	logger *slog.Logger
	now    func() time.Time
	sleep  func(time.Duration)

	mu      sync.Mutex
	conns   map[*trackedConn]struct{}
	perIP   map[string]int
	reserve *os.File
	lastLog time.Time
	muted   int // log lines suppressed since lastLog

	open    prometheus.Gauge
	refused *prometheus.CounterVec
}

// NewListener wraps ln with the limits. reg, when set, gets the metrics
// bot_http_connections and bot_http_connections_closed_total.
func NewListener(ln net.Listener, cfg ConnLimits, logger *slog.Logger, reg prometheus.Registerer) *Listener {
	if cfg.MinIdle <= 0 {
		cfg.MinIdle = time.Second
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	l := &Listener{Listener: ln, cfg: cfg, logger: logger, now: time.Now, sleep: time.Sleep,
		conns: map[*trackedConn]struct{}{}, perIP: map[string]int{},
		open: prometheus.NewGauge(prometheus.GaugeOpts{Name: "bot_http_connections", Help: "HTTP connections held open."}),
		refused: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "bot_http_connections_closed_total",
			Help: "Connections closed by the caps: reason = evicted (quiet, made room), refused (no room), shed (out of descriptors)."}, []string{"reason"}),
	}
	l.reserve, _ = os.Open(os.DevNull)
	if reg != nil {
		reg.MustRegister(l.open, l.refused)
	}
	return l
}

// outOfDescriptors reports an accept error caused by the descriptor limit.
func outOfDescriptors(err error) bool {
	return errors.Is(err, syscall.EMFILE) || errors.Is(err, syscall.ENFILE) ||
		errors.Is(err, syscall.ENOBUFS) || errors.Is(err, syscall.ENOMEM)
}

// Accept returns the next connection within the caps. It returns an error
// only when the listener is closed or fails for another reason than
// running out of descriptors.
func (l *Listener) Accept() (net.Conn, error) {
	wait := 5 * time.Millisecond
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return nil, err
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				l.sleep(wait)
				continue
			}
			if outOfDescriptors(err) {
				l.logLimited("accept failed: out of file descriptors; closing quiet connections and retrying", "err", err)
				if victim := l.evict(""); victim != nil {
					victim.Close()
					l.refused.WithLabelValues("evicted").Inc()
					continue
				}
				l.shed()
				l.sleep(wait)
				wait = min(2*wait, time.Second)
				continue
			}
			return nil, err
		}
		wait = 5 * time.Millisecond
		tc := &trackedConn{Conn: c, l: l, ip: peerAddr(c)}
		tc.touch(l.now())
		if victim, ok := l.admit(tc); ok {
			if victim != nil {
				victim.Close()
				l.refused.WithLabelValues("evicted").Inc()
			}
			return tc, nil
		}
		c.Close()
		l.refused.WithLabelValues("refused").Inc()
		l.logLimited("connection refused: at the connection cap with no quiet connection to close")
	}
}

// admit registers tc within the caps. It returns the connection to close
// to make room (or nil), and false when there is no room.
func (l *Listener) admit(tc *trackedConn) (*trackedConn, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	var victim *trackedConn
	if l.cfg.MaxPerClient > 0 && !l.cfg.Proxies.Trusted(tc.ip) && l.perIP[tc.ip] >= l.cfg.MaxPerClient {
		if victim = l.evictLocked(tc.ip); victim == nil {
			return nil, false
		}
	}
	if victim == nil && l.cfg.Max > 0 && len(l.conns) >= l.cfg.Max {
		if victim = l.evictLocked(""); victim == nil {
			return nil, false
		}
	}
	l.conns[tc] = struct{}{}
	l.perIP[tc.ip]++
	l.open.Set(float64(len(l.conns)))
	return victim, true
}

func (l *Listener) evict(ip string) *trackedConn {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.evictLocked(ip)
}

// evictLocked picks the connection (of ip, or of anyone when ip is "")
// quiet for longest, at least MinIdle, and unregisters it; the caller
// closes it after unlocking.
func (l *Listener) evictLocked(ip string) *trackedConn {
	cut := l.now().Add(-l.cfg.MinIdle).UnixNano()
	var victim *trackedConn
	oldest := cut
	for c := range l.conns {
		if ip != "" && c.ip != ip {
			continue
		}
		if t := c.last.Load(); t <= oldest {
			victim, oldest = c, t
		}
	}
	if victim != nil {
		l.removeLocked(victim)
	}
	return victim
}

func (l *Listener) remove(c *trackedConn) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.removeLocked(c)
}

func (l *Listener) removeLocked(c *trackedConn) {
	if _, ok := l.conns[c]; !ok {
		return
	}
	delete(l.conns, c)
	if l.perIP[c.ip]--; l.perIP[c.ip] <= 0 {
		delete(l.perIP, c.ip)
	}
	l.open.Set(float64(len(l.conns)))
}

// shed frees the reserve descriptor to accept one waiting client and close
// it at once, so clients queue in the kernel no longer than they must.
func (l *Listener) shed() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.reserve == nil {
		return
	}
	l.reserve.Close()
	l.reserve = nil
	if tl, ok := l.Listener.(*net.TCPListener); ok {
		_ = tl.SetDeadline(time.Now().Add(10 * time.Millisecond))
		if c, err := tl.Accept(); err == nil {
			c.Close()
			l.refused.WithLabelValues("shed").Inc()
		}
		_ = tl.SetDeadline(time.Time{})
	}
	l.reserve, _ = os.Open(os.DevNull)
}

// logLimited logs at most once a second, counting what it left out.
func (l *Listener) logLimited(msg string, args ...any) {
	l.mu.Lock()
	now := l.now()
	if now.Sub(l.lastLog) < time.Second {
		l.muted++
		l.mu.Unlock()
		return
	}
	muted := l.muted
	l.lastLog, l.muted = now, 0
	l.mu.Unlock()
	l.logger.Warn(msg, append(args, "similar_events_since_last_line", muted, "open_connections", l.Len())...)
}

// Len returns the number of connections held.
func (l *Listener) Len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.conns)
}

// Close closes the listener and the reserve descriptor.
func (l *Listener) Close() error {
	l.mu.Lock()
	if l.reserve != nil {
		l.reserve.Close()
		l.reserve = nil
	}
	l.mu.Unlock()
	return l.Listener.Close()
}

func peerAddr(c net.Conn) string {
	if a, ok := c.RemoteAddr().(*net.TCPAddr); ok {
		if ip, ok := netip.AddrFromSlice(a.IP); ok {
			return ip.Unmap().String()
		}
	}
	host, _, _ := net.SplitHostPort(c.RemoteAddr().String())
	return host
}

// trackedConn is a connection the Listener counts; it notes when bytes last
// moved, and unregisters itself when closed.
type trackedConn struct {
	net.Conn
	l    *Listener
	ip   string
	last atomic.Int64 // unix nanoseconds of the last read or write
	once sync.Once
}

func (c *trackedConn) touch(t time.Time) { c.last.Store(t.UnixNano()) }

func (c *trackedConn) Read(b []byte) (int, error) {
	n, err := c.Conn.Read(b)
	if n > 0 {
		c.touch(time.Now())
	}
	return n, err
}

func (c *trackedConn) Write(b []byte) (int, error) {
	n, err := c.Conn.Write(b)
	if n > 0 {
		c.touch(time.Now())
	}
	return n, err
}

func (c *trackedConn) Close() error {
	var err error
	c.once.Do(func() {
		c.l.remove(c)
		err = c.Conn.Close()
	})
	return err
}

// Streams caps long-lived responses (server-sent event streams, long
// polls), in all and per client address, so that they cannot take every
// connection the server may hold.
type Streams struct {
	Max          int // in all (0: no cap)
	MaxPerClient int // per client key (clientaddr.Key; 0: no cap)

	mu     sync.Mutex
	n      int
	per    map[string]int
	active prometheus.Gauge
}

// NewStreams returns a stream gate; reg, when set, gets bot_http_streams.
func NewStreams(max, perClient int, reg prometheus.Registerer) *Streams {
	s := &Streams{Max: max, MaxPerClient: perClient, per: map[string]int{},
		active: prometheus.NewGauge(prometheus.GaugeOpts{Name: "bot_http_streams", Help: "Event streams and long polls open."})}
	if reg != nil {
		reg.MustRegister(s.active)
	}
	return s
}

// Acquire takes a place for one stream of client. It returns false when a
// cap is reached; otherwise release must be called once when the stream ends.
func (s *Streams) Acquire(client string) (release func(), ok bool) {
	if s == nil {
		return func() {}, true
	}
	key := clientaddr.Key(client)
	s.mu.Lock()
	defer s.mu.Unlock()
	if (s.Max > 0 && s.n >= s.Max) || (s.MaxPerClient > 0 && s.per[key] >= s.MaxPerClient) {
		return nil, false
	}
	s.n++
	s.per[key]++
	s.active.Set(float64(s.n))
	var once sync.Once
	return func() {
		once.Do(func() {
			s.mu.Lock()
			defer s.mu.Unlock()
			s.n--
			if s.per[key]--; s.per[key] <= 0 {
				delete(s.per, key)
			}
			s.active.Set(float64(s.n))
		})
	}, true
}
