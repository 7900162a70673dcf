package zalo

import (
	"context"
	"fmt"
	"time"

	"botdvc/bot"
	"botdvc/channel"
	"botdvc/webhooks"
)

// Info describes Zalo OA to the rest of the service (label, reply window,
// the console's notes, when an announcement reaches a follower). The
// window (../shared/spec/channels.md A7): 8 free consultation messages
// within 48 hours of the citizen's last message, then paid ones, none
// after 7 days (error -230). free is
// the client's count of free messages left for a citizen (Client.Window);
// nil: unknown (the channel is off).
func Info(free func(userID string) (left int, known bool)) channel.Info {
	return channel.Info{
		ID: bot.Zalo, UniqueIDs: true, Label: "Zalo", Color: "#0068ff",
		Window: func(last time.Time) channel.Window {
			return channel.Window{Standard: last.Add(freeWindow), Final: last.Add(hardWindow)}
		},
		PastStandard: "quá 48 giờ: tin có thể bị tính phí",
		Note: func(userID string, w channel.Window, now time.Time) string {
			switch {
			case now.After(w.Final):
				return "Đã quá 7 ngày từ tin nhắn cuối của người dân: nền tảng không cho gửi thêm."
			case now.After(w.Standard):
				return "Zalo: đã quá 48 giờ, tin tư vấn có thể bị tính phí; sau 7 ngày không gửi được."
			}
			if free != nil {
				if left, ok := free(userID); ok {
					return fmt.Sprintf("Zalo: còn %d/%d tin tư vấn miễn phí trong 48 giờ kể từ tin cuối của người dân.", left, freeReplies)
				}
			}
			return "Zalo: trong 48 giờ được gửi tối đa 8 tin tư vấn miễn phí."
		},
		FreeLeft: free,
		Push:     func(last time.Time) time.Time { return last.Add(freeWindow) },
		PushNote: "ngay nếu bạn đã nhắn cho Zalo OA trong vòng 48 giờ trước đó",
	}
}

// Channel returns the Zalo OA channel for cmd/botd to open. Off (no OA
// secret or app id: the webhook answers 404, replies wait) it has its Info
// only. On, it has the webhook, the client as sender, whose count of free
// messages the console and announcements read, and the token refresh as
// its background work; tokens and echoes are kept in JetStream (buckets
// TokenBucket and EchoBucketConfig, declared by botd).
func Channel(cfg Config) webhooks.ChannelOpener {
	return webhooks.ChannelOpener{Info: Info(nil), Open: func(ctx context.Context, env webhooks.ChannelEnv) (webhooks.Channel, error) {
		if !cfg.Enabled() {
			return webhooks.Channel{Info: Info(nil)}, nil
		}
		if cfg.Metrics == nil {
			cfg.Metrics = env.Metrics
		}
		store, err := OpenKVTokens(ctx, env.JS, DefaultTokenBucket, cfg.AppID)
		if err != nil {
			return webhooks.Channel{}, err
		}
		zc := NewClient(cfg, store)
		if zc.Echoes, err = OpenKVEchoes(ctx, env.JS); err != nil { // echoes known on every instance
			return webhooks.Channel{}, err
		}
		if env.Logger != nil {
			zc.SetLogger(env.Logger)
		}
		zh := NewHandler(cfg, env.Inbox, env.Logger)
		zh.Tracker = zc
		free := func(userID string) (int, bool) { w, ok := zc.Window(userID); return w.FreeLeft, ok }
		return webhooks.Channel{Info: Info(free), Routes: zh, Sender: zc,
			Run: func(ctx context.Context) { zc.Tokens().Run(ctx, 10*time.Minute) }}, nil
	}}
}
