package messenger

import (
	"context"
	"time"

	"botdvc/bot"
	"botdvc/channel"
	"botdvc/webhooks"
)

// Info describes Messenger to the rest of the service (label, reply
// window, the console's notes, when an announcement reaches a follower).
// The window (../shared/spec/channels.md B6): standard messaging for 24
// hours after the citizen's last message, then a person may answer with
// the HUMAN_AGENT tag until 7 days.
func Info() channel.Info {
	return channel.Info{
		ID: bot.Messenger, UniqueIDs: true, Label: "Messenger", Color: "#a334fa",
		Window: func(last time.Time) channel.Window {
			return channel.Window{Standard: last.Add(responseWindow), Final: last.Add(humanAgentLimit)}
		},
		PastStandard: "quá 24 giờ: gửi kèm HUMAN_AGENT",
		Note: func(_ string, w channel.Window, now time.Time) string {
			switch {
			case now.After(w.Final):
				return "Đã quá 7 ngày từ tin nhắn cuối của người dân: nền tảng không cho gửi thêm."
			case now.After(w.Standard):
				return "Đã quá 24 giờ: trả lời được gửi kèm thẻ HUMAN_AGENT (chỉ cán bộ trả lời, tối đa 7 ngày)."
			}
			return "Messenger: trong 24 giờ trả lời bình thường; sau đó gửi kèm thẻ HUMAN_AGENT đến hết 7 ngày."
		},
		Push:     func(last time.Time) time.Time { return last.Add(responseWindow) },
		PushNote: "ngay nếu bạn đã nhắn cho trang trong vòng 24 giờ trước đó",
	}
}

// Channel returns the Messenger channel for cmd/botd to open. Off (no app
// secret: the webhook answers 404, replies wait) it has its Info only; on,
// the webhook and the Send API client as sender.
func Channel(cfg Config) webhooks.ChannelOpener {
	return webhooks.ChannelOpener{Info: Info(), Open: func(_ context.Context, env webhooks.ChannelEnv) (webhooks.Channel, error) {
		ch := webhooks.Channel{Info: Info()}
		if !cfg.Enabled() {
			return ch, nil
		}
		if cfg.Metrics == nil {
			cfg.Metrics = env.Metrics
		}
		fc := NewClient(cfg)
		if env.Logger != nil {
			fc.Logger = env.Logger.With("component", "messenger")
		}
		ch.Sender = fc
		ch.Routes = NewHandler(cfg, env.Inbox, env.Logger) // the adapters name their component in their logs
		return ch, nil
	}}
}
