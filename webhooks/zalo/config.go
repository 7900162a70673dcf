package zalo

import (
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Default hosts (channels.md A6, A8).
const (
	DefaultAPIURL   = "https://openapi.zalo.me"
	DefaultOAuthURL = "https://oauth.zaloapp.com" + oauthTokenPath
	oauthTokenPath  = "/v4/oa/access_token"
)

// DefaultMaxBody is the largest webhook body accepted, in bytes.
const DefaultMaxBody = 1 << 20

// ButtonPrefix marks the payloads of the service's own buttons. Zalo sends
// a tapped oa.query.hide button back as a user_send_text whose text is the
// payload (channels.md A5.1); the prefix tells it apart from typed text.
// It starts with '#', so it also passes Zalo's optional "syntax filter".
const ButtonPrefix = "#btn:"

// Config configures the Zalo OA channel.
type Config struct {
	AppID        string // ZALO_APP_ID: first input of the webhook MAC, app_id of OAuth calls
	AppSecret    string // ZALO_APP_SECRET: secret_key header of OAuth calls (not the OA secret)
	OASecret     string // ZALO_OA_SECRET: OA Secret Key, last input of the webhook MAC; empty switches the webhook off
	AccessToken  string // ZALO_ACCESS_TOKEN: seeds the TokenStore when it is empty or was seeded by another refresh token
	RefreshToken string // ZALO_REFRESH_TOKEN: idem
	APIURL       string // ZALO_API_URL: OA OpenAPI base; default DefaultAPIURL
	OAuthURL     string // ZALO_OAUTH_URL: token endpoint, or a bare host to which /v4/oa/access_token is added; default DefaultOAuthURL
	// SiteVerification is the code of Zalo's domain ownership check. When
	// set, GET /zalo_verifier<code>.html serves the page holding the meta tag
	// <meta name="zalo-platform-site-verification" content="<code>" />.
	SiteVerification string
	// AckBadSignature answers 200 (and drops the event) instead of 401 when
	// the signature does not verify. Off by default; see doc/channels.md.
	AckBadSignature bool
	// Buttons renders options as oa.query.hide buttons (at most 5) besides
	// the numbered text. Unverified on /message/cs (channels.md D2): the
	// client falls back to text alone when Zalo refuses them.
	Buttons bool
	// FreeOnly refuses replies that would fall outside the free window
	// (8 replies within 48 hours of the citizen's last message) instead of
	// sending them as paid messages.
	FreeOnly bool
	// RefreshBefore is how long before the access token's expiry it is
	// refreshed; default 6 hours (tokens live 25 hours).
	RefreshBefore time.Duration
	// MaxAge and MaxAhead bound an event's timestamp against the clock:
	// an event older than MaxAge (default 12 h, the longest redelivery
	// reported, channels.md A4; shorter than the 24 h dedup window, so a
	// replayed event is either a duplicate or too old) or more than
	// MaxAhead in the future (default 1 h of clock skew) is refused and
	// counted (bot_zalo_webhook_rejected_total{reason="stale"}).
	MaxAge, MaxAhead time.Duration
	MaxBody          int                   // webhook body limit in bytes; default DefaultMaxBody
	HTTPClient       *http.Client          // default: a client with a 15 s timeout
	Metrics          prometheus.Registerer // nil: metrics are kept but not exported
}

// Enabled reports whether the webhook is switched on: it needs the OA
// secret and the app id, the inputs of the signature.
func (c Config) Enabled() bool { return c.OASecret != "" && c.AppID != "" }

func (c Config) withDefaults() Config {
	if c.APIURL == "" {
		c.APIURL = DefaultAPIURL
	}
	if c.OAuthURL == "" {
		c.OAuthURL = DefaultOAuthURL
	} else if u, err := url.Parse(c.OAuthURL); err == nil && strings.Trim(u.Path, "/") == "" {
		// A bare host (https://oauth.zaloapp.com): add the token path.
		c.OAuthURL = strings.TrimRight(c.OAuthURL, "/") + oauthTokenPath
	}
	if c.MaxBody <= 0 {
		c.MaxBody = DefaultMaxBody
	}
	if c.MaxAge <= 0 {
		c.MaxAge = 12 * time.Hour
	}
	if c.MaxAhead <= 0 {
		c.MaxAhead = time.Hour
	}
	if c.RefreshBefore <= 0 {
		c.RefreshBefore = 6 * time.Hour
	}
	if c.HTTPClient == nil {
		c.HTTPClient = &http.Client{Timeout: 15 * time.Second}
	}
	return c
}
