package webchat

import (
	"context"
	"time"

	"botdvc/bot"
	"botdvc/channel"
	"botdvc/webhooks"
)

// PushWindow is how long after a citizen's last message on the web chat
// an announcement still reaches them at once: while the page is likely
// open (the conversation is kept longer, but nobody reads it).
const PushWindow = time.Hour

// Info describes the web chat to the rest of the service: no platform
// limits its replies; an announcement reaches a follower at once within
// PushWindow of their last message.
func Info() channel.Info {
	return channel.Info{
		ID: bot.Web, Label: "Web", LongLabel: "Web chat", Color: "#1f9d55",
		Note: func(string, channel.Window, time.Time) string {
			return "Kênh web: không có hạn trả lời của nền tảng."
		},
		Push:     func(last time.Time) time.Time { return last.Add(PushWindow) },
		PushNote: "ngay nếu bạn vừa hỏi trên trang này trong vòng 1 giờ",
	}
}

// Config configures the web chat channel. Every field is optional.
type Config struct {
	// ClientRate limits the messages one client address posts
	// (BOT_CLIENT_RATE), ClientSessions the distinct sessions it starts
	// (BOT_CLIENT_SESSIONS); nil: no limit.
	ClientRate, ClientSessions webhooks.Limiter
	// MaxBacklog: posts are answered 503 while the inbound backlog
	// (ChannelEnv.Backlog) is over it (BOT_WEB_MAX_BACKLOG; 0: never).
	MaxBacklog int
	// Streams caps event streams and long polls (nil: no cap).
	Streams *webhooks.Streams
}

// Channel returns the web chat for cmd/botd to open: always on, its routes
// are the page at / and the chat API (Handler), its sender appends replies
// to the conversation's stream (Sender), and closing it ends the event
// streams.
func Channel(cfg Config) webhooks.ChannelOpener {
	return webhooks.ChannelOpener{Info: Info(), Open: func(_ context.Context, env webhooks.ChannelEnv) (webhooks.Channel, error) {
		logger := env.Logger
		if logger != nil {
			logger = logger.With("component", "webchat")
		}
		h := NewHandler(env.Inbox, env.NATS, env.JS, logger)
		h.ClientRate, h.ClientSessions = cfg.ClientRate, cfg.ClientSessions
		if env.Backlog != nil {
			h.Backlog, h.MaxBacklog = env.Backlog, cfg.MaxBacklog
		}
		h.Streams = cfg.Streams
		return webhooks.Channel{Info: Info(), Routes: h, Sender: NewSender(env.JS), Close: h.Close}, nil
	}}
}
