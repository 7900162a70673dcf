package messenger

import (
	"net/http"
	"strings"

	"github.com/prometheus/client_golang/prometheus"
)

// DefaultGraphURL is the Graph API base the Send API is called on when
// Config.GraphURL is empty: the current version as Meta's docs show it
// (../shared/spec/channels.md B5). Keep the version in one place.
const DefaultGraphURL = "https://graph.facebook.com/v25.0"

// DefaultMaxBody is the largest webhook body accepted, in bytes.
const DefaultMaxBody = 1 << 20

// DefaultGetStarted is the postback payload of the Get Started button when
// Config.GetStartedPayload is empty.
const DefaultGetStarted = "GET_STARTED"

// Metadata is the prefix of the message metadata the Client attaches to
// every send; an echo carrying it is the service's own message.
const Metadata = "botdvc"

// Config configures the Messenger channel. Only AppSecret is required for
// the webhook, only PageToken for the client.
type Config struct {
	AppSecret   string // FB_APP_SECRET: key of X-Hub-Signature-256; empty switches the channel off
	VerifyToken string // FB_VERIFY_TOKEN: answered in the GET hub.challenge handshake
	PageToken   string // FB_PAGE_TOKEN: Page access token for the Send API
	GraphURL    string // FB_GRAPH_URL: Graph API base with version, no trailing slash; default DefaultGraphURL
	// AppID is the app's own id (optional). Echoes whose app_id matches are
	// the service's own sends even when their metadata was lost.
	AppID string
	// GetStartedPayload is the payload of the Get Started button; a postback
	// with it is a bot.KindFollow. Default DefaultGetStarted.
	GetStartedPayload string
	MaxBody           int                   // webhook body limit in bytes; default DefaultMaxBody
	RatePerSecond     float64               // Send API calls per second at most; default 250 (Meta allows 300 per Page)
	HTTPClient        *http.Client          // default: a client with a 15 s timeout
	Metrics           prometheus.Registerer // nil: metrics are kept but not exported
}

// Enabled reports whether the webhook is switched on: it is when the app
// secret is set, since unsigned traffic is never accepted.
func (c Config) Enabled() bool { return c.AppSecret != "" }

func (c Config) withDefaults() Config {
	c.GraphURL = strings.TrimRight(c.GraphURL, "/")
	if c.GraphURL == "" {
		c.GraphURL = DefaultGraphURL
	}
	if c.GetStartedPayload == "" {
		c.GetStartedPayload = DefaultGetStarted
	}
	if c.MaxBody <= 0 {
		c.MaxBody = DefaultMaxBody
	}
	if c.RatePerSecond <= 0 {
		c.RatePerSecond = 250
	}
	return c
}
