// Package messenger is the Facebook Messenger channel: the webhook handler
// (GET hub.challenge handshake, signed POSTs) and the Send API client.
//
// Inbound, Handler reads the raw body (size-limited), verifies
// X-Hub-Signature-256 (HMAC-SHA256 with the app secret, constant time) over
// those exact bytes, decodes every entry[] and messaging[] item with ids as
// strings, and hands each message to the webhooks.Inbox in event-time order
// before answering 200. Message.ID is the platform mid, so a redelivered
// webhook is dropped by the inbox. Text, quick-reply taps and postbacks
// (Get Started is a bot.KindFollow) go to the inbox; attachments go as
// bot.KindAttachment; echoes of the service's own sends (metadata "botdvc"
// or the configured app id) are ignored, other echoes (a Page admin writing
// from the Page inbox) go as bot.KindAgentEcho. Delivery, read, reaction,
// standby and unknown events, and the App Dashboard test shape, are counted
// and answered 200. A bad signature is answered 401 and a malformed body
// 400; neither reaches the inbox. Without an app secret nothing is mounted.
//
// Outbound, Client implements bot.Sender: RESPONSE inside 24 hours of the
// citizen's last message, MESSAGE_TAG/HUMAN_AGENT for staff up to 7 days,
// ErrWindowClosed after that; text split below 2000 characters, options as
// quick replies, mark_seen and typing_on as separate requests. Graph error
// 190 stops the client (ErrNeedsReauth); window and invalid-request errors
// wrap bot.ErrUndeliverable; rate limits (4, 613, ...) pause the client and
// like 5xx return a plain error for the caller to retry.
//
// See doc/channels.md and ../shared/spec/channels.md (Part B).
package messenger
