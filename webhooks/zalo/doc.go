// Package zalo is the Zalo Official Account channel: the webhook handler,
// the OA API v3 client, and the OAuth token manager with its stores.
//
// Inbound, Handler reads the raw body (size-limited), verifies
// X-ZEvent-Signature: plain SHA-256 (not HMAC) of app id + raw body + the
// body's timestamp string + OA secret key, constant time. Messages go to
// the webhooks.Inbox before the 200: user_send_text (bot.KindText, or
// bot.KindPayload when it starts with ButtonPrefix, the marker of the
// service's own buttons), image/file/sticker/gif/location/... events
// (bot.KindAttachment), follow and user_click_chatnow (bot.KindFollow),
// and oa_send_* echoes that the Tracker does not recognise as the service's
// own (bot.KindAgentEcho: an OA admin replied from the OA inbox). Events
// without msg_id get the id event:user:timestamp for deduplication.
// unfollow, user_received_message and user_seen_message (msg_id or
// msg_ids), reactions, anonymous and unknown events are counted only. A bad
// signature is answered 401 (or 200 and dropped with AckBadSignature); a
// malformed body 400; neither reaches the inbox. The domain verification
// page is served from Config.SiteVerification.
//
// Outbound, Client implements bot.Sender on POST /v3.0/oa/message/cs with
// the access_token header: text split at 2000 characters, options as
// numbered lines and, with Config.Buttons, oa.query.hide buttons. It keeps
// each citizen's reply window (8 free replies within 48 hours, nothing
// after 7 days) for staff to see (Client.Window). -216/-220 renew the token
// and retry once; -32 backs off; window codes wrap ErrWindowClosed.
// TokenManager refreshes through OAuth v4 (secret_key header) 6 hours
// before the 25-hour expiry, one refresh at a time, and stores the new
// single-use refresh token (KVTokens: JetStream KV) before using it.
//
// See doc/channels.md and ../shared/spec/channels.md (Part A).
package zalo
