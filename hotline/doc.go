// Package hotline hands conversations from the bot to people and back.
//
// A hand-off (bot.Escalation) becomes a Ticket: the category (unanswered,
// complaint, asked for a person, status lookup), the redacted question, the
// bot's best guesses, the transcript so far, the channel and its reply
// window (Messenger: 24 h, then 7 days with the HUMAN_AGENT tag; Zalo: 48 h
// free consultation window, 7 days at most). Queue.Escalate publishes the
// hand-off on the HOTLINE_ESCALATIONS stream with Nats-Msg-Id set to the
// escalation id and creates the ticket in the HOTLINE_TICKETS KV bucket
// under an id derived from it, so the same hand-off always yields one
// ticket. Every later change (claim, reply, note, close, a citizen's new
// message) is a revision-checked KV Update: two staff members can never
// both claim a ticket, and nothing is kept in process memory that another
// instance would need. All instances watch the bucket; each change is an
// Event for their console clients (Server-Sent Events).
//
// The engine only decides a hand-off; Queue.Middleware files it on the way
// back (the escalation the reply carries) and tells the citizen their place
// in the queue, so a chain without the middleware (/api/v1/ask, the
// editors' preview) never opens a ticket, and a filing that fails fails the
// message (the pipeline retries it) instead of losing the hand-off.
//
// While a conversation has an open ticket, Queue.Middleware answers its
// messages with bot.ActionSilent and appends them to the ticket; a reply
// from the platform's own inbox (bot.KindAgentEcho) opens or claims a
// ticket for PageInbox. Closing with hand-back gives the conversation back
// to the bot; closing without it keeps follow-ups for Config.Hold (they
// reopen the ticket). On close the citizen is asked, through the Outbox, to
// rate the help from 1 to 5; the middleware takes the answer.
//
// Staff work in the console (Queue.Console, mounted at /hotline) or the JSON
// API at /api/v1/hotline, signed in with package webauth. Replies go to the
// citizen through the Outbox as bot.Outbound with Staff and LastUser set, so
// the channel sender applies the platform's rules.
//
// See doc/hotline.md for the routes, the NATS layout and the wiring.
package hotline
