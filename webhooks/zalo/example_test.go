package zalo_test

import (
	"context"
	"log/slog"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"

	"botdvc/bot"
	"botdvc/webhooks"
	"botdvc/webhooks/zalo"
)

// Example shows the wiring cmd/botd does: tokens in JetStream KV, the
// client as the channel's sender and as the handler's Tracker, the token
// refresh loop, the handler mounted (no webhook route without
// ZALO_OA_SECRET and ZALO_APP_ID).
func Example() {
	var (
		ctx     = context.Background()
		js      jetstream.JetStream // the service's JetStream context
		inbox   webhooks.Inbox      // the pipeline
		senders = map[bot.Channel]bot.Sender{}
		reg     = prometheus.NewRegistry()
		logger  = slog.Default()
		srv     = webhooks.NewServer(logger, webhooks.ServerConfig{Registry: reg})
	)
	cfg := zalo.Config{
		AppID:        "ZALO_APP_ID value",
		AppSecret:    "ZALO_APP_SECRET value",
		OASecret:     "ZALO_OA_SECRET value",
		AccessToken:  "ZALO_ACCESS_TOKEN value",
		RefreshToken: "ZALO_REFRESH_TOKEN value",
		APIURL:       "https://openapi.zalo.me",   // ZALO_API_URL
		OAuthURL:     "https://oauth.zaloapp.com", // ZALO_OAUTH_URL (bare host or full token URL)
		Metrics:      reg,
	}
	h := zalo.NewHandler(cfg, inbox, logger)
	if cfg.Enabled() {
		// The bucket zalo.TokenBucket() is declared in the service's
		// topology and reconciled before this (pipeline.Reconcile).
		store, err := zalo.OpenKVTokens(ctx, js, zalo.DefaultTokenBucket, cfg.AppID)
		if err != nil {
			panic(err) // cmd/botd returns the error
		}
		client := zalo.NewClient(cfg, store)
		client.SetLogger(logger)
		go client.Tokens().Run(ctx, 10*time.Minute)
		h.Tracker = client
		senders[bot.Zalo] = client
	}
	srv.Mount(h)
}
