package webauth

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/gofiber/fiber/v2"
)

// Config tunes an Auth. The zero value gets the defaults listed per field.
type Config struct {
	CookieName    string        // default "botdvc_session"
	CookiePath    string        // default "/"
	Insecure      bool          // leave false: cookies are Secure. True only for plain-http development off localhost
	TTL           time.Duration // session lifetime; default 12 h
	MaxFailures   int           // failed sign-ins per IP and account before 429; default 5
	FailureWindow time.Duration // how long failures count; default 15 min
	Realm         string        // HTTP Basic realm; default "botdvc"
	Now           func() time.Time
}

func (c *Config) defaults() {
	if c.CookieName == "" {
		c.CookieName = "botdvc_session"
	}
	if c.CookiePath == "" {
		c.CookiePath = "/"
	}
	if c.TTL == 0 {
		c.TTL = 12 * time.Hour
	}
	if c.MaxFailures == 0 {
		c.MaxFailures = 5
	}
	if c.FailureWindow == 0 {
		c.FailureWindow = 15 * time.Minute
	}
	if c.Realm == "" {
		c.Realm = "botdvc"
	}
	if c.Now == nil {
		c.Now = time.Now
	}
}

// Auth checks credentials and sessions for one site (one accounts file).
type Auth struct {
	accounts Accounts
	store    Store
	cfg      Config
	logger   *slog.Logger
	fails    *limiter
}

// New returns an Auth for the given accounts and session store.
func New(accounts Accounts, store Store, cfg Config, logger *slog.Logger) *Auth {
	cfg.defaults()
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &Auth{accounts: accounts, store: store, cfg: cfg, logger: logger.With("component", "webauth"),
		fails: &limiter{max: cfg.MaxFailures, window: cfg.FailureWindow, now: cfg.Now, m: map[string]*failures{}}}
}

// Locals keys set by the Require handlers.
const (
	localAccount = "webauth.account"
	localCSRF    = "webauth.csrf"
)

// Account returns the signed-in account of a request that passed a Require
// handler, or "".
func Account(c *fiber.Ctx) string {
	s, _ := c.Locals(localAccount).(string)
	return s
}

// CSRFToken returns the CSRF token of the request's session ("" for Basic).
// Pages put it in a hidden _csrf field of every form.
func CSRFToken(c *fiber.Ctx) string {
	s, _ := c.Locals(localCSRF).(string)
	return s
}

// Check verifies user and password, counting failures per client IP and
// account. It returns an error wrapping ErrRateLimited while the pair is
// locked out (without checking the password), or ErrBadCredentials.
func (a *Auth) Check(ip, user, pass string) error {
	keys := []string{"ip|" + ip, "acct|" + ip + "|" + user}
	if a.fails.blocked(keys[1], 1) || a.fails.blocked(keys[0], 4) {
		return fmt.Errorf("webauth.Check: %w", ErrRateLimited)
	}
	if !a.accounts.Verify(user, pass) {
		a.fails.add(keys...)
		a.logger.Info("sign-in failed") // no account name, no IP: personal data
		return fmt.Errorf("webauth.Check: %w", ErrBadCredentials)
	}
	a.fails.reset(keys[1])
	return nil
}

// SignIn checks the credentials, creates a session and sets its cookie.
// Errors wrap ErrRateLimited or ErrBadCredentials (see Check) or come from the store.
func (a *Auth) SignIn(c *fiber.Ctx, user, pass string) error {
	if err := a.Check(c.IP(), user, pass); err != nil {
		return fmt.Errorf("webauth.SignIn: %w", err)
	}
	now := a.cfg.Now()
	s := Session{ID: randomToken(), Account: user, CSRF: randomToken(), Created: now, Expires: now.Add(a.cfg.TTL)}
	if err := a.store.Put(c.UserContext(), s); err != nil {
		return fmt.Errorf("webauth.SignIn: %w", err)
	}
	c.Cookie(&fiber.Cookie{Name: a.cfg.CookieName, Value: s.ID, Path: a.cfg.CookiePath, Expires: s.Expires,
		Secure: !a.cfg.Insecure, HTTPOnly: true, SameSite: fiber.CookieSameSiteStrictMode})
	return nil
}

// SignOut deletes the request's session and clears its cookie.
func (a *Auth) SignOut(c *fiber.Ctx) error {
	if id := c.Cookies(a.cfg.CookieName); id != "" {
		if err := a.store.Delete(c.UserContext(), id); err != nil {
			return fmt.Errorf("webauth.SignOut: %w", err)
		}
	}
	c.Cookie(&fiber.Cookie{Name: a.cfg.CookieName, Value: "", Path: a.cfg.CookiePath, MaxAge: -1,
		Expires: time.Unix(0, 0), Secure: !a.cfg.Insecure, HTTPOnly: true, SameSite: fiber.CookieSameSiteStrictMode})
	return nil
}

// session returns the valid session of the request, or an error wrapping ErrNoSession.
func (a *Auth) session(c *fiber.Ctx) (Session, error) {
	id := c.Cookies(a.cfg.CookieName)
	if id == "" {
		return Session{}, ErrNoSession
	}
	s, err := a.store.Get(c.UserContext(), strings.Clone(id))
	if err != nil {
		return Session{}, err
	}
	if !a.cfg.Now().Before(s.Expires) {
		_ = a.store.Delete(c.UserContext(), s.ID)
		return Session{}, ErrNoSession
	}
	return s, nil
}

func unsafeMethod(m string) bool {
	return m != fiber.MethodGet && m != fiber.MethodHead && m != fiber.MethodOptions
}

func tokenEqual(a, b string) bool {
	return a != "" && subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}

// RequirePage lets a request through only with a valid session cookie; other
// requests are redirected (303) to loginPath. Unsafe methods (POST...) must
// carry the session's CSRF token in the _csrf form field or the X-CSRF-Token
// header, else 403.
func (a *Auth) RequirePage(loginPath string) fiber.Handler {
	return func(c *fiber.Ctx) error {
		s, err := a.session(c)
		if err != nil {
			if c.Method() == fiber.MethodGet || c.Method() == fiber.MethodHead {
				return c.Redirect(loginPath, fiber.StatusSeeOther)
			}
			return c.Status(fiber.StatusUnauthorized).SendString("Phiên đăng nhập đã hết hạn. Vui lòng đăng nhập lại.")
		}
		if unsafeMethod(c.Method()) {
			tok := c.FormValue("_csrf")
			if tok == "" {
				tok = c.Get("X-CSRF-Token")
			}
			if !tokenEqual(tok, s.CSRF) {
				return c.Status(fiber.StatusForbidden).SendString("Yêu cầu không hợp lệ (thiếu mã CSRF). Vui lòng tải lại trang.")
			}
		}
		c.Locals(localAccount, s.Account)
		c.Locals(localCSRF, s.CSRF)
		return c.Next()
	}
}

// RequireAPI lets a request through with HTTP Basic credentials of an
// account, or with a valid session cookie (then unsafe methods need the
// X-CSRF-Token header). It answers 401 with a JSON error and a
// WWW-Authenticate header otherwise, 429 while the client is locked out
// after failed attempts, 403 on a missing CSRF token.
func (a *Auth) RequireAPI() fiber.Handler {
	return func(c *fiber.Ctx) error {
		if h := c.Get(fiber.HeaderAuthorization); h != "" {
			user, pass, ok := parseBasic(h)
			if !ok {
				return a.deny(c, fiber.StatusUnauthorized, "malformed Authorization header")
			}
			if err := a.Check(c.IP(), user, pass); err != nil {
				if errors.Is(err, ErrRateLimited) {
					c.Set(fiber.HeaderRetryAfter, fmt.Sprint(int(a.cfg.FailureWindow.Seconds())))
					return a.deny(c, fiber.StatusTooManyRequests, "too many failed sign-ins; try again later")
				}
				return a.deny(c, fiber.StatusUnauthorized, "wrong account or password")
			}
			c.Locals(localAccount, strings.Clone(user))
			return c.Next()
		}
		s, err := a.session(c)
		if err != nil {
			return a.deny(c, fiber.StatusUnauthorized, "sign in or send HTTP Basic credentials")
		}
		if unsafeMethod(c.Method()) && !tokenEqual(c.Get("X-CSRF-Token"), s.CSRF) {
			return a.deny(c, fiber.StatusForbidden, "missing or wrong X-CSRF-Token header")
		}
		c.Locals(localAccount, s.Account)
		c.Locals(localCSRF, s.CSRF)
		return c.Next()
	}
}

func (a *Auth) deny(c *fiber.Ctx, status int, msg string) error {
	if status == fiber.StatusUnauthorized {
		c.Set(fiber.HeaderWWWAuthenticate, `Basic realm="`+a.cfg.Realm+`", charset="UTF-8"`)
	}
	return c.Status(status).JSON(fiber.Map{"error": msg})
}

func parseBasic(h string) (user, pass string, ok bool) {
	const prefix = "Basic "
	if len(h) < len(prefix) || !strings.EqualFold(h[:len(prefix)], prefix) {
		return "", "", false
	}
	b, err := base64.StdEncoding.DecodeString(strings.TrimSpace(h[len(prefix):]))
	if err != nil {
		return "", "", false
	}
	user, pass, ok = strings.Cut(string(b), ":")
	return user, pass, ok && user != ""
}

func randomToken() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go 1.24+)
	return base64.RawURLEncoding.EncodeToString(b)
}

// limiter counts failures per key in a sliding window.
type limiter struct {
	mu     sync.Mutex
	max    int
	window time.Duration
	now    func() time.Time
	m      map[string]*failures
}

type failures struct{ times []time.Time }

func (l *limiter) prune(f *failures, now time.Time) {
	i := 0
	for i < len(f.times) && now.Sub(f.times[i]) >= l.window {
		i++
	}
	f.times = f.times[i:]
}

// blocked reports whether key has max*factor failures in the window.
func (l *limiter) blocked(key string, factor int) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	f, ok := l.m[key]
	if !ok {
		return false
	}
	l.prune(f, l.now())
	if len(f.times) == 0 {
		delete(l.m, key)
		return false
	}
	return len(f.times) >= l.max*factor
}

func (l *limiter) add(keys ...string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	if len(l.m) > 100000 { // bound memory under a spray of keys
		for k, f := range l.m {
			if l.prune(f, now); len(f.times) == 0 {
				delete(l.m, k)
			}
		}
	}
	for _, k := range keys {
		f, ok := l.m[k]
		if !ok {
			f = &failures{}
			l.m[k] = f
		}
		f.times = append(f.times, now)
		if len(f.times) > 4*l.max {
			f.times = f.times[len(f.times)-4*l.max:]
		}
	}
}

func (l *limiter) reset(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.m, key)
}
