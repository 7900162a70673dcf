// Package channels describes the service's channels (channel.Info) in the
// order cmd/botd opens them (Main.channelList), for what names channels
// without opening them: botctl's hotline view and the tests of the hotline,
// news and complaints, which the channel packages' own imports would make
// cyclic or heavy to list again in each place.
package channels

import (
	"botdvc/channel"
	"botdvc/webhooks/messenger"
	"botdvc/webhooks/webchat"
	"botdvc/webhooks/zalo"
)

// Registry returns the service's channels, with free as Zalo's count of
// the free messages a follower has left (nil: unknown).
func Registry(free func(userID string) (int, bool)) *channel.Registry {
	return channel.NewRegistry(webchat.Info(), zalo.Info(free), messenger.Info())
}
