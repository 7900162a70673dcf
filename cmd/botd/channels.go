package main

import (
	"botdvc/bot"
	"botdvc/webhooks"
	"botdvc/webhooks/messenger"
	"botdvc/webhooks/webchat"
	"botdvc/webhooks/zalo"
)

// channelList is every channel the service carries, each opened by its
// own package from its own config, in the order their outbound subjects
// and sender consumers are declared. Adding a channel is one line here
// (doc/architecture.md, "Adding a channel"); Main.Channels adds tests'
// stand-ins after them.
func (m *Main) channelList(f front) []webhooks.ChannelOpener {
	c := m.Config
	return append([]webhooks.ChannelOpener{
		webchat.Channel(webchat.Config{ClientRate: f.clientRate, ClientSessions: f.clientSessions, MaxBacklog: c.WebMaxBacklog, Streams: f.streams}),
		zalo.Channel(zalo.Config{AppID: c.ZaloAppID, AppSecret: c.ZaloAppSecret, OASecret: c.ZaloOASecret,
			AccessToken: c.ZaloAccessToken, RefreshToken: c.ZaloRefreshToken, APIURL: c.ZaloAPIURL, OAuthURL: c.ZaloOAuthURL,
			SiteVerification: c.ZaloSiteVerify, Buttons: c.ZaloButtons, AckBadSignature: c.ZaloAckBadSig}),
		messenger.Channel(messenger.Config{AppSecret: c.FBAppSecret, VerifyToken: c.FBVerifyToken,
			PageToken: c.FBPageToken, GraphURL: c.FBGraphURL}),
	}, m.Channels...)
}

// channelIDs are the ids of list, in its order.
func channelIDs(list []webhooks.ChannelOpener) []bot.Channel {
	ids := make([]bot.Channel, len(list))
	for i, o := range list {
		ids[i] = o.ID
	}
	return ids
}

// uniqueIDs are the ids of the channels of list whose message ids the
// platform makes unique across users (channel.Info.UniqueIDs): the
// pipeline's dedup id for them is "channel:id", for the others it is
// scoped by the user.
func uniqueIDs(list []webhooks.ChannelOpener) []bot.Channel {
	var ids []bot.Channel
	for _, o := range list {
		if o.UniqueIDs {
			ids = append(ids, o.ID)
		}
	}
	return ids
}
