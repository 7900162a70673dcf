package zalo

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Tokens are the OA's OAuth tokens. The access token lives 25 hours; the
// refresh token 3 months and is single use: every refresh returns a new
// one, which must be stored before anything else happens (channels.md A8).
type Tokens struct {
	AccessToken  string    `json:"access_token"`
	RefreshToken string    `json:"refresh_token"`
	Expires      time.Time `json:"expires"`   // access token expiry; zero when unknown (seeded from configuration)
	Refreshed    time.Time `json:"refreshed"` // when these tokens were obtained
	// Seed identifies the configured refresh token that seeded the store
	// (a hash, never the token): new tokens in the configuration, after a
	// re-authorisation, replace what is stored.
	Seed string `json:"seed,omitempty"`
	// Revision is the store's revision of these tokens, set by Load and
	// Save; 0 means not stored yet.
	Revision uint64 `json:"-"`
}

// TokenStore keeps the OA tokens durably, shared by all instances.
//
// Load returns ErrNoTokens when nothing is stored. Save stores t if the
// stored revision is still t.Revision (0: nothing stored yet) and returns
// the new revision; it returns an error wrapping ErrTokenConflict if
// another writer got there first.
type TokenStore interface {
	Load(ctx context.Context) (Tokens, error)
	Save(ctx context.Context, t Tokens) (uint64, error)
}

// MemTokens is an in-memory TokenStore, for tests and single runs without
// JetStream. Tokens are lost on restart.
type MemTokens struct {
	mu  sync.Mutex
	t   Tokens
	has bool
}

var _ TokenStore = (*MemTokens)(nil)

// Load returns the stored tokens or ErrNoTokens.
func (s *MemTokens) Load(context.Context) (Tokens, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.has {
		return Tokens{}, ErrNoTokens
	}
	return s.t, nil
}

// Save stores t if the revision matches.
func (s *MemTokens) Save(_ context.Context, t Tokens) (uint64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if t.Revision != s.t.Revision {
		return 0, fmt.Errorf("zalo.MemTokens.Save: %w", ErrTokenConflict)
	}
	t.Revision++
	s.t, s.has = t, true
	return t.Revision, nil
}

// TokenManager hands out a valid OA access token. It refreshes it through
// the OAuth endpoint when less than Config.RefreshBefore is left or when
// the API says it is invalid, one refresh at a time, and stores the new
// tokens before using them. It is safe for concurrent use.
type TokenManager struct {
	cfg   Config
	store TokenStore
	m     *metrics

	// HTTP is the client for OAuth calls.
	HTTP *http.Client
	// Logger receives alerts when a refresh fails; never tokens.
	Logger *slog.Logger
	// Now is the clock for expiry.
	Now func() time.Time

	mu      sync.Mutex // held during load, refresh and save: one refresh at a time
	cur     Tokens
	loaded  bool
	unsaved bool // cur came from a refresh whose Save failed: save before use
}

// NewTokenManager returns a manager over store, seeded from
// cfg.AccessToken and cfg.RefreshToken.
func NewTokenManager(cfg Config, store TokenStore) *TokenManager {
	cfg = cfg.withDefaults()
	return &TokenManager{cfg: cfg, store: store, m: newMetrics(cfg.Metrics), HTTP: cfg.HTTPClient,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Now: time.Now}
}

// Token returns an access token, refreshing it first when it expires
// within Config.RefreshBefore.
func (tm *TokenManager) Token(ctx context.Context) (string, error) {
	tm.mu.Lock()
	defer tm.mu.Unlock()
	if err := tm.ready(ctx); err != nil {
		return "", fmt.Errorf("zalo.Token: %w", err)
	}
	if tm.fresh() {
		return tm.cur.AccessToken, nil
	}
	// Another instance may have refreshed already.
	if err := tm.reload(ctx); err != nil {
		return "", fmt.Errorf("zalo.Token: %w", err)
	}
	if tm.fresh() {
		return tm.cur.AccessToken, nil
	}
	if err := tm.refresh(ctx); err != nil {
		return "", fmt.Errorf("zalo.Token: %w", err)
	}
	return tm.cur.AccessToken, nil
}

// Renew is called when the API rejected stale (error -216 or -220). It
// returns a newer token if one is already known (stored by another call or
// instance) and refreshes otherwise: concurrent callers holding the same
// stale token cause one refresh.
func (tm *TokenManager) Renew(ctx context.Context, stale string) (string, error) {
	tm.mu.Lock()
	defer tm.mu.Unlock()
	if err := tm.ready(ctx); err != nil {
		return "", fmt.Errorf("zalo.Renew: %w", err)
	}
	if tm.cur.AccessToken != stale && tm.cur.AccessToken != "" {
		return tm.cur.AccessToken, nil
	}
	if err := tm.reload(ctx); err != nil {
		return "", fmt.Errorf("zalo.Renew: %w", err)
	}
	if tm.cur.AccessToken != stale && tm.cur.AccessToken != "" {
		return tm.cur.AccessToken, nil
	}
	if err := tm.refresh(ctx); err != nil {
		return "", fmt.Errorf("zalo.Renew: %w", err)
	}
	return tm.cur.AccessToken, nil
}

// Run refreshes the token ahead of expiry every interval until ctx ends,
// so the refresh token stays alive even when nothing is sent for months.
// Failures are alerted by the refresh itself; Run keeps going.
func (tm *TokenManager) Run(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		if _, err := tm.Token(ctx); err != nil && ctx.Err() == nil {
			tm.Logger.Warn("zalo token check failed", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Current returns a copy of the tokens in use (for status pages: callers
// must not log them).
func (tm *TokenManager) Current() Tokens {
	tm.mu.Lock()
	defer tm.mu.Unlock()
	return tm.cur
}

func (tm *TokenManager) fresh() bool {
	if tm.cur.AccessToken == "" {
		return false
	}
	return tm.cur.Expires.IsZero() || tm.Now().Before(tm.cur.Expires.Add(-tm.cfg.RefreshBefore))
}

// ready loads the tokens once, seeds the store from the configuration
// when it is empty or was seeded by other tokens, and saves tokens whose
// earlier save failed. Called with mu held.
func (tm *TokenManager) ready(ctx context.Context) error {
	if tm.unsaved {
		if err := tm.save(ctx); err != nil {
			return err
		}
	}
	if tm.loaded {
		return nil
	}
	t, err := tm.store.Load(ctx)
	switch {
	case errors.Is(err, ErrNoTokens):
		t = Tokens{}
	case err != nil:
		return fmt.Errorf("load tokens: %w", err)
	}
	if seed := seedOf(tm.cfg.RefreshToken); seed != "" && t.Seed != seed {
		rev := t.Revision
		t = Tokens{AccessToken: tm.cfg.AccessToken, RefreshToken: tm.cfg.RefreshToken, Seed: seed, Refreshed: tm.Now().UTC(), Revision: rev}
		rev, err := tm.store.Save(ctx, t)
		if errors.Is(err, ErrTokenConflict) { // another instance seeded (or refreshed) first
			t, err = tm.store.Load(ctx)
		} else {
			t.Revision = rev
			tm.Logger.Info("zalo tokens seeded from configuration")
		}
		if err != nil {
			return fmt.Errorf("seed tokens: %w", err)
		}
	}
	if t.RefreshToken == "" && t.AccessToken == "" {
		return fmt.Errorf("no OA tokens stored or configured: %w", ErrNeedsReauth)
	}
	tm.cur, tm.loaded = t, true
	return nil
}

// reload takes the stored tokens if they are newer than ours.
func (tm *TokenManager) reload(ctx context.Context) error {
	t, err := tm.store.Load(ctx)
	if errors.Is(err, ErrNoTokens) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("load tokens: %w", err)
	}
	if t.Revision > tm.cur.Revision {
		tm.cur = t
	}
	return nil
}

// After a refused refresh, the store is polled adoptTries times adoptWait
// apart for tokens another instance obtained with the same refresh token.
const (
	adoptTries = 5
	adoptWait  = 200 * time.Millisecond
)

// tokenResponse is the OAuth v4 answer: tokens at the top level,
// expires_in a string or a number; errors as error/error_name.
type tokenResponse struct {
	AccessToken  string          `json:"access_token"`
	RefreshToken string          `json:"refresh_token"`
	ExpiresIn    json.RawMessage `json:"expires_in"`
	Error        json.Number     `json:"error"`
	ErrorName    string          `json:"error_name"`
}

// refresh trades the refresh token for new tokens and stores them. Called
// with mu held.
func (tm *TokenManager) refresh(ctx context.Context) error {
	used := tm.cur.RefreshToken
	if used == "" {
		return tm.fail("rejected", fmt.Errorf("no refresh token: %w", ErrNeedsReauth))
	}
	form := url.Values{"refresh_token": {used}, "app_id": {tm.cfg.AppID}, "grant_type": {"refresh_token"}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, tm.cfg.OAuthURL, strings.NewReader(form.Encode()))
	if err != nil {
		return fmt.Errorf("refresh: %v", redactURL(err))
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("secret_key", tm.cfg.AppSecret)
	resp, err := tm.HTTP.Do(req)
	if err != nil {
		return tm.fail("error", fmt.Errorf("refresh request: %v", redactURL(err)))
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode >= 500 {
		return tm.fail("error", fmt.Errorf("refresh: OAuth server answered HTTP %d", resp.StatusCode))
	}
	var tr tokenResponse
	if err := json.Unmarshal(body, &tr); err != nil || tr.AccessToken == "" || tr.RefreshToken == "" {
		// Refused (used or expired refresh token, wrong secret...). Another
		// instance may have used it first: wait a moment for it to store
		// the result, and adopt that.
		for i := 0; i < adoptTries; i++ {
			if err := tm.reload(ctx); err == nil && tm.cur.RefreshToken != used {
				tm.m.refreshes.WithLabelValues("adopted").Inc()
				tm.m.refreshFailed.Set(0)
				return nil
			}
			select {
			case <-ctx.Done():
				return tm.fail("error", fmt.Errorf("refresh refused, waiting for another instance's tokens: %w", ctx.Err()))
			case <-time.After(adoptWait):
			}
		}
		return tm.fail("rejected", fmt.Errorf("refresh refused (HTTP %d, error %s %q): %w", resp.StatusCode, tr.Error, tr.ErrorName, ErrNeedsReauth))
	}
	now := tm.Now().UTC()
	secs := int64(90000) // 25 hours, when Zalo does not say
	if v, err := strconv.ParseInt(strings.Trim(string(tr.ExpiresIn), `" `), 10, 64); err == nil && v > 0 {
		secs = v
	}
	tm.cur = Tokens{AccessToken: tr.AccessToken, RefreshToken: tr.RefreshToken, Expires: now.Add(time.Duration(secs) * time.Second),
		Refreshed: now, Seed: tm.cur.Seed, Revision: tm.cur.Revision}
	tm.unsaved = true
	if err := tm.save(ctx); err != nil {
		// Keep the new tokens in memory (the old refresh token is spent)
		// but do not use them until they are stored.
		return tm.fail("error", err)
	}
	tm.m.refreshes.WithLabelValues("ok").Inc()
	tm.m.refreshFailed.Set(0)
	tm.Logger.Info("zalo access token refreshed", "expires", tm.cur.Expires)
	return nil
}

// save stores cur; on a conflict it overwrites the newer revision, since
// cur holds the only live refresh token after our refresh.
func (tm *TokenManager) save(ctx context.Context) error {
	rev, err := tm.store.Save(ctx, tm.cur)
	if errors.Is(err, ErrTokenConflict) {
		if latest, lerr := tm.store.Load(ctx); lerr == nil {
			t := tm.cur
			t.Revision = latest.Revision
			rev, err = tm.store.Save(ctx, t)
		}
	}
	if err != nil {
		tm.Logger.Error("ALERT zalo new tokens could not be stored; retrying before use", "err", err)
		return fmt.Errorf("store refreshed tokens: %w", err)
	}
	tm.cur.Revision, tm.unsaved = rev, false
	return nil
}

func (tm *TokenManager) fail(result string, err error) error {
	tm.m.refreshes.WithLabelValues(result).Inc()
	tm.m.refreshFailed.Set(1)
	tm.Logger.Error("ALERT zalo token refresh failed", "result", result, "err", err)
	return err
}

func seedOf(refresh string) string {
	if refresh == "" {
		return ""
	}
	sum := sha256.Sum256([]byte(refresh))
	return hex.EncodeToString(sum[:8])
}

// redactURL drops the URL from an error.
func redactURL(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return fmt.Errorf("%s: %v", ue.Op, ue.Err)
	}
	return err
}
