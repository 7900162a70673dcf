package messenger_test

import (
	"log/slog"

	"github.com/prometheus/client_golang/prometheus"

	"botdvc/bot"
	"botdvc/webhooks"
	"botdvc/webhooks/messenger"
)

// Example shows the wiring cmd/botd does: one Config from FB_* settings, the
// handler mounted on the server (it mounts nothing when FB_APP_SECRET is
// empty, so the route answers 404), the client as the channel's sender.
func Example() {
	var (
		inbox   webhooks.Inbox // the pipeline
		senders = map[bot.Channel]bot.Sender{}
		reg     = prometheus.NewRegistry()
		logger  = slog.Default()
		srv     = webhooks.NewServer(logger, webhooks.ServerConfig{Registry: reg})
	)
	cfg := messenger.Config{
		AppSecret:   "FB_APP_SECRET value",
		VerifyToken: "FB_VERIFY_TOKEN value",
		PageToken:   "FB_PAGE_TOKEN value",
		GraphURL:    "https://graph.facebook.com/v25.0", // FB_GRAPH_URL
		Metrics:     reg,
	}
	srv.Mount(messenger.NewHandler(cfg, inbox, logger))
	if cfg.Enabled() {
		client := messenger.NewClient(cfg)
		client.Logger = logger.With("component", "messenger")
		senders[bot.Messenger] = client
	}
}
