package news

import (
	"botdvc/channel"
	"botdvc/webhooks/messenger"
	"botdvc/webhooks/webchat"
	"botdvc/webhooks/zalo"
)

// channels are the service's channels as cmd/botd registers them, with
// free as Zalo's count of free messages (nil: unknown).
func channels(free func(userID string) (int, bool)) *channel.Registry {
	return channel.NewRegistry(webchat.Info(), zalo.Info(free), messenger.Info())
}
