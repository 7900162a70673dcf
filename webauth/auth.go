package webauth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/gofiber/fiber/v2"

	"botdvc/internal/clientaddr"
)

// SecureMode says when session cookies carry the Secure attribute
// (BOT_COOKIE_SECURE).
type SecureMode int

// Secure modes. The zero value is SecureAuto.
const (
	// SecureAuto marks the cookie Secure when the request came over TLS or
	// a trusted proxy said https (X-Forwarded-Proto, see clientaddr). A
	// browser drops a Secure cookie set over plain http, so this is what
	// lets sign-in work on http://<LAN address>:8080 without a proxy.
	SecureAuto SecureMode = iota
	// SecureAlways always marks the cookie Secure (the service is only
	// reached over HTTPS).
	SecureAlways
	// SecureNever never does (plain-http development only).
	SecureNever
)

// ParseSecureMode reads "auto", "always" or "never" ("" is auto).
func ParseSecureMode(s string) (SecureMode, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", "auto":
		return SecureAuto, nil
	case "always":
		return SecureAlways, nil
	case "never":
		return SecureNever, nil
	}
	return SecureAuto, fmt.Errorf("webauth: cookie secure mode %q: want auto, always or never", s)
}

func (m SecureMode) String() string {
	return [...]string{"auto", "always", "never"}[m]
}

// Config tunes an Auth. The zero value gets the defaults listed per field.
type Config struct {
	// Site names the site the sessions belong to ("hotline", "admin"). A
	// session is valid only on the site that made it, whatever cookie name
	// it arrives under. Default: CookieName.
	Site       string
	CookieName string        // default "botdvc_session"
	CookiePath string        // default "/"
	Secure     SecureMode    // when cookies are Secure; default SecureAuto
	TTL        time.Duration // session lifetime; default 12 h
	// MaxFailures is how many failed sign-ins an account may have before
	// back-off starts; default 5. Then each further attempt must wait
	// 1 s, 2 s, 4 s … up to MaxBackoff after the last failure, whatever
	// address it comes from.
	MaxFailures   int
	MaxBackoff    time.Duration // default 5 min
	FailureWindow time.Duration // failures are forgotten this long after the last one; default 15 min
	Realm         string        // HTTP Basic realm; default "botdvc"
	// Failures counts failed sign-ins; share one store (NewKVFailures)
	// between instances so that N instances back off as one. Default: in
	// this process's memory.
	Failures FailureStore
	Now      func() time.Time
}

func (c *Config) defaults() {
	if c.CookieName == "" {
		c.CookieName = "botdvc_session"
	}
	if c.Site == "" {
		c.Site = c.CookieName
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
	if c.MaxBackoff == 0 {
		c.MaxBackoff = 5 * time.Minute
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
	if c.Failures == nil {
		c.Failures = NewMemoryFailures(c.FailureWindow)
	}
}

// Auth checks credentials and sessions for one site (one accounts file).
type Auth struct {
	store  Store
	cfg    Config
	logger *slog.Logger

	mu       sync.RWMutex
	accounts Accounts
}

// New returns an Auth for the given accounts and session store.
func New(accounts Accounts, store Store, cfg Config, logger *slog.Logger) *Auth {
	cfg.defaults()
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &Auth{accounts: accounts, store: store, cfg: cfg, logger: logger.With("component", "webauth", "site", cfg.Site)}
}

// SetAccounts replaces the accounts. Sessions of an account that is gone,
// or whose password hash changed, stop working at their next request.
func (a *Auth) SetAccounts(accounts Accounts) {
	a.mu.Lock()
	a.accounts = accounts
	a.mu.Unlock()
}

func (a *Auth) accts() Accounts {
	a.mu.RLock()
	defer a.mu.RUnlock()
	return a.accounts
}

// WatchFile re-reads the htpasswd file at path whenever its size or
// modification time changes (checked every interval) until ctx is done,
// so removing an account or changing its password takes effect at once,
// without a restart. A file that does not parse is logged and the
// accounts in use are kept.
func (a *Auth) WatchFile(ctx context.Context, path string, every time.Duration) {
	stamp := func() string {
		st, err := os.Stat(path)
		if err != nil {
			return "missing"
		}
		return fmt.Sprint(st.Size(), st.ModTime().UnixNano())
	}
	last := stamp()
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		s := stamp()
		if s == last {
			continue
		}
		acc, err := LoadHtpasswd(path)
		if err != nil {
			a.logger.Error("accounts file changed but cannot be read; keeping the accounts in use", "err", err)
			last = s
			continue
		}
		a.SetAccounts(acc)
		last = s
		a.logger.Info("accounts file reloaded", "accounts", len(acc))
	}
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

// RateLimitedError is returned while an account is backing off after failed
// sign-ins. It wraps ErrRateLimited.
type RateLimitedError struct {
	Wait time.Duration // until the next attempt is allowed
}

func (e *RateLimitedError) Error() string {
	return fmt.Sprintf("%v: retry in %s", ErrRateLimited, e.Wait.Round(time.Second))
}

// Unwrap makes errors.Is(err, ErrRateLimited) true.
func (e *RateLimitedError) Unwrap() error { return ErrRateLimited }

// RetryAfter returns how long a sign-in refused with ErrRateLimited must
// wait (at least one second), or 0 for other errors.
func RetryAfter(err error) time.Duration {
	var rl *RateLimitedError
	if errors.As(err, &rl) {
		return max(time.Second, rl.Wait)
	}
	return 0
}

// backoff is the wait after the last failure once an account has n failures.
func (a *Auth) backoff(n int) time.Duration {
	over := n - a.cfg.MaxFailures
	if over < 0 {
		return 0
	}
	if over > 30 {
		return a.cfg.MaxBackoff
	}
	return min(a.cfg.MaxBackoff, time.Duration(math.Pow(2, float64(over)))*time.Second)
}

// failureKey names an account's failure counter: per site and account, not
// per client address (one client behind a proxy must not lock out others,
// and an attacker changing addresses must not escape the back-off).
func (a *Auth) failureKey(user string) string {
	h := sha256.Sum256([]byte(a.cfg.Site + "\x00" + user))
	return hex.EncodeToString(h[:16])
}

// Check verifies user and password. While the account is backing off after
// failed attempts it returns a *RateLimitedError (wrapping ErrRateLimited)
// without looking at the password; a wrong password or unknown account
// gives ErrBadCredentials, after the same bcrypt work either way.
func (a *Auth) Check(ctx context.Context, user, pass string) error {
	key := a.failureKey(user)
	now := a.cfg.Now()
	f, err := a.cfg.Failures.Get(ctx, key)
	if err != nil {
		a.logger.Warn("sign-in failure counter unavailable", "err", err)
	}
	if wait := f.Last.Add(a.backoff(f.Count)).Sub(now); f.Count >= a.cfg.MaxFailures && wait > 0 {
		return fmt.Errorf("webauth.Check: %w", &RateLimitedError{Wait: wait})
	}
	if !a.accts().Verify(user, pass) {
		if _, err := a.cfg.Failures.Add(ctx, key, now); err != nil {
			a.logger.Warn("sign-in failure not counted", "err", err)
		}
		a.logger.Info("sign-in failed") // no account name, no address: personal data
		return fmt.Errorf("webauth.Check: %w", ErrBadCredentials)
	}
	if f.Count > 0 {
		_ = a.cfg.Failures.Reset(ctx, key)
	}
	return nil
}

// crossSite reports whether the browser says the request was started by
// another site (Fetch Metadata, sent by every current browser).
func crossSite(c *fiber.Ctx) bool { return c.Get("Sec-Fetch-Site") == "cross-site" }

// SecureCookie reports whether cookies set on this request are Secure.
func (a *Auth) SecureCookie(c *fiber.Ctx) bool {
	switch a.cfg.Secure {
	case SecureAlways:
		return true
	case SecureNever:
		return false
	}
	return clientaddr.HTTPS(c)
}

// SignIn checks the credentials, creates a session and sets its cookie. It
// refuses a request another site started (ErrCrossSite: login CSRF).
// Errors wrap ErrCrossSite, ErrRateLimited or ErrBadCredentials (see Check),
// or come from the store.
func (a *Auth) SignIn(c *fiber.Ctx, user, pass string) error {
	if crossSite(c) {
		return fmt.Errorf("webauth.SignIn: %w", ErrCrossSite)
	}
	if err := a.Check(c.UserContext(), user, pass); err != nil {
		return fmt.Errorf("webauth.SignIn: %w", err)
	}
	// user may be borrowed from Fiber's request buffer (c.FormValue); a
	// MemoryStore keeps the string, so it must own it.
	user = strings.Clone(user)
	hash, _ := a.accts().hash(user)
	now := a.cfg.Now()
	s := Session{ID: randomToken(), Site: a.cfg.Site, Account: user, Key: fingerprint(hash), CSRF: randomToken(),
		Created: now, Expires: now.Add(a.cfg.TTL)}
	if err := a.store.Put(c.UserContext(), s); err != nil {
		return fmt.Errorf("webauth.SignIn: %w", err)
	}
	c.Cookie(&fiber.Cookie{Name: a.cfg.CookieName, Value: s.ID, Path: a.cfg.CookiePath, Expires: s.Expires,
		Secure: a.SecureCookie(c), HTTPOnly: true, SameSite: fiber.CookieSameSiteStrictMode})
	return nil
}

// SignOut deletes the request's session and clears its cookie.
func (a *Auth) SignOut(c *fiber.Ctx) error {
	if id := c.Cookies(a.cfg.CookieName); id != "" {
		if err := a.store.Delete(c.UserContext(), strings.Clone(id)); err != nil {
			return fmt.Errorf("webauth.SignOut: %w", err)
		}
	}
	a.clearCookie(c)
	return nil
}

func (a *Auth) clearCookie(c *fiber.Ctx) {
	c.Cookie(&fiber.Cookie{Name: a.cfg.CookieName, Value: "", Path: a.cfg.CookiePath, MaxAge: -1,
		Expires: time.Unix(0, 0), Secure: a.SecureCookie(c), HTTPOnly: true, SameSite: fiber.CookieSameSiteStrictMode})
}

// SignOutEverywhere ends every session of the request's account on this
// site (every browser it is signed in on) and clears the cookie. Use it
// behind a Require handler.
func (a *Auth) SignOutEverywhere(c *fiber.Ctx) error {
	acct := Account(c)
	if acct == "" {
		return fmt.Errorf("webauth.SignOutEverywhere: %w", ErrNoSession)
	}
	if err := a.Revoke(c.UserContext(), acct); err != nil {
		return fmt.Errorf("webauth.SignOutEverywhere: %w", err)
	}
	a.clearCookie(c)
	return nil
}

// Revoke ends every session of account on this site made until now. The
// operator's other ways are removing the account from the file or changing
// its password: sessions check both at every request.
func (a *Auth) Revoke(ctx context.Context, account string) error {
	if err := a.store.Revoke(ctx, account, a.cfg.Now()); err != nil {
		return fmt.Errorf("webauth.Revoke: %w", err)
	}
	a.logger.Info("sessions revoked")
	return nil
}

// session returns the valid session of the request, or an error wrapping
// ErrNoSession. A session is valid while it has not expired, belongs to
// this site, its account is still in the accounts file with the same
// password hash, and it was made after the account's last revocation.
func (a *Auth) session(c *fiber.Ctx) (Session, error) {
	id := c.Cookies(a.cfg.CookieName)
	if id == "" {
		return Session{}, ErrNoSession
	}
	ctx := c.UserContext()
	s, err := a.store.Get(ctx, strings.Clone(id))
	if err != nil {
		return Session{}, err
	}
	if !a.cfg.Now().Before(s.Expires) {
		_ = a.store.Delete(ctx, s.ID)
		return Session{}, ErrNoSession
	}
	if s.Site != a.cfg.Site {
		return Session{}, fmt.Errorf("webauth: session of another site: %w", ErrNoSession)
	}
	hash, ok := a.accts().hash(s.Account)
	if !ok || subtle.ConstantTimeCompare([]byte(fingerprint(hash)), []byte(s.Key)) != 1 {
		_ = a.store.Delete(ctx, s.ID)
		return Session{}, fmt.Errorf("webauth: account removed or password changed: %w", ErrNoSession)
	}
	revoked, err := a.store.RevokedAt(ctx, s.Account)
	if err != nil {
		return Session{}, err
	}
	if !revoked.IsZero() && !s.Created.After(revoked) {
		_ = a.store.Delete(ctx, s.ID)
		return Session{}, fmt.Errorf("webauth: session revoked: %w", ErrNoSession)
	}
	return s, nil
}

// fingerprint identifies an account's password hash in its sessions, so a
// new password ends the old sessions. It is a hash of the hash: the store
// does not hold anything a password could be tested against.
func fingerprint(hash []byte) string {
	h := sha256.Sum256(hash)
	return hex.EncodeToString(h[:8])
}

func unsafeMethod(m string) bool {
	return m != fiber.MethodGet && m != fiber.MethodHead && m != fiber.MethodOptions
}

func tokenEqual(a, b string) bool {
	return a != "" && subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}

// formToken returns the _csrf field of the request body (URL-encoded or
// multipart form), never of the query string: a token in a URL ends up in
// logs, history and Referer headers.
func formToken(c *fiber.Ctx) string {
	if v := c.Request().PostArgs().Peek("_csrf"); len(v) > 0 {
		return string(v)
	}
	if strings.HasPrefix(c.Get(fiber.HeaderContentType), fiber.MIMEMultipartForm) {
		if f, err := c.MultipartForm(); err == nil && len(f.Value["_csrf"]) > 0 {
			return f.Value["_csrf"][0]
		}
	}
	return ""
}

// A sign-in that succeeded redirects to its first page with AfterSignIn
// ("?signin=1"). When that request arrives without the session cookie, the
// browser did not keep it (a Secure cookie over plain http, cookies
// blocked): RequirePage sends it back to the sign-in page with
// "?cookie_lost=1", where LoginNotice says so instead of the sign-in page
// coming back without a word (issue 15). With the cookie, RequirePage
// redirects once more to the page without the marker.
const (
	afterSignInKey = "signin"
	cookieLostKey  = "cookie_lost"
	// AfterSignIn is the query a sign-in's redirect adds to its target.
	AfterSignIn = afterSignInKey + "=1"
)

// LoginNotice is the message a sign-in page shows when RequirePage sent the
// browser back because its session cookie did not come back; "" otherwise.
func (a *Auth) LoginNotice(c *fiber.Ctx) string {
	if c.Query(cookieLostKey) == "" {
		return ""
	}
	msg := "Mật khẩu đúng, nhưng trình duyệt không giữ phiên đăng nhập (cookie) nên trang đăng nhập hiện lại. "
	if a.SecureCookie(c) && !clientaddr.HTTPS(c) {
		return msg + "Máy chủ chỉ gửi cookie này qua HTTPS (BOT_COOKIE_SECURE=always) mà trang đang mở bằng http://: " +
			"hãy mở trang bằng địa chỉ https:// của dịch vụ, hoặc nhờ người quản trị đặt BOT_COOKIE_SECURE=auto."
	}
	return msg + "Hãy cho phép cookie cho trang này trong trình duyệt rồi đăng nhập lại."
}

// RequirePage lets a request through only with a valid session cookie; other
// requests are redirected (303) to loginPath. Unsafe methods (POST...) must
// carry the session's CSRF token in the _csrf field of the form body or the
// X-CSRF-Token header (never the query string), and must not come from
// another site, else 403.
func (a *Auth) RequirePage(loginPath string) fiber.Handler {
	return func(c *fiber.Ctx) error {
		s, err := a.session(c)
		if err != nil {
			if !unsafeMethod(c.Method()) {
				if c.Query(afterSignInKey) != "" { // signed in a moment ago, yet no cookie came back
					return c.Redirect(loginPath+"?"+cookieLostKey+"=1", fiber.StatusSeeOther)
				}
				return c.Redirect(loginPath, fiber.StatusSeeOther)
			}
			return c.Status(fiber.StatusUnauthorized).SendString("Phiên đăng nhập đã hết hạn. Vui lòng đăng nhập lại.")
		}
		if unsafeMethod(c.Method()) {
			tok := c.Get("X-CSRF-Token")
			if tok == "" {
				tok = formToken(c)
			}
			if crossSite(c) || !tokenEqual(tok, s.CSRF) {
				return c.Status(fiber.StatusForbidden).SendString("Yêu cầu không hợp lệ (thiếu mã CSRF). Vui lòng tải lại trang.")
			}
		}
		if c.Method() == fiber.MethodGet && c.Query(afterSignInKey) != "" {
			// The cookie came back: the page without the marker, so it is
			// not what the address bar shows and bookmarks keep.
			return c.Redirect(c.Path(), fiber.StatusSeeOther)
		}
		c.Locals(localAccount, s.Account)
		c.Locals(localCSRF, s.CSRF)
		return c.Next()
	}
}

// RequireAPI lets a request through with HTTP Basic credentials of an
// account, or with a valid session cookie (then unsafe methods need the
// X-CSRF-Token header). It answers 401 with a JSON error and a
// WWW-Authenticate header otherwise, 429 with Retry-After while the account
// backs off after failed attempts, 403 on a missing CSRF token or a
// cross-site request.
func (a *Auth) RequireAPI() fiber.Handler {
	return func(c *fiber.Ctx) error {
		if h := c.Get(fiber.HeaderAuthorization); h != "" {
			user, pass, ok := parseBasic(h)
			if !ok {
				return a.deny(c, fiber.StatusUnauthorized, "malformed Authorization header")
			}
			if err := a.Check(c.UserContext(), user, pass); err != nil {
				if errors.Is(err, ErrRateLimited) {
					c.Set(fiber.HeaderRetryAfter, fmt.Sprint(int(math.Ceil(RetryAfter(err).Seconds()))))
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
		if unsafeMethod(c.Method()) && (crossSite(c) || !tokenEqual(c.Get("X-CSRF-Token"), s.CSRF)) {
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

// WaitText says how long to wait in Vietnamese ("3 giây", "5 phút"), for
// sign-in pages that refuse during back-off.
func WaitText(d time.Duration) string {
	s := int(math.Ceil(d.Seconds()))
	if s < 60 {
		return fmt.Sprintf("%d giây", max(1, s))
	}
	return fmt.Sprintf("%d phút", (s+59)/60)
}
