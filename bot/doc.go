// Package bot is the domain of the citizen help service and its answer
// engine: Message in, Reply out, channel-neutral.
//
// The engine is deterministic given its Searcher, guide Library and
// SessionStore: it detects intent and aspect, searches the guides, decides
// between answering, asking back and handing off, and composes the reply in
// Vietnamese. It only decides: it reads the conversation's session and
// returns the new one with the reply (Reply.Session) and, for a hand-off,
// the escalation to file (Reply.Handoff.Escalation). Remember, the
// outermost middleware of a chain, saves the session once the chain
// succeeded and gives a redelivered message the reply it got. Adapters
// (webhooks/...) translate platform events to Message and Reply to platform
// payloads; the hotline package's middleware files hand-offs as tickets.
//
// Engine.Answer, in order: the message kind (follow → welcome and menu,
// attachment → "I read text only", agent echo → silent); option payloads
// and a bare number picking an offered option; Telex leftovers ("ddawng
// kys") read as the words meant; the intent of the text
// (greeting, thanks, menu, a request for a person, a complaint, a dossier
// code); a follow-up that names no new procedure is answered from the
// session's last guide; otherwise the question is searched and the hits are
// ranked by the engine itself (see rank.go and doc/engine.md), which
// answers, asks back with 2–5 numbered options, or falls back honestly; a
// second fallback in a row hands off. Text analysis (folding, the synonym
// dictionary, stop words) is package knowledge/vntext's, the same the
// search backends use.
//
// Also here: Split (cut a reply at a channel's size limit) and
// MemorySessions (an in-memory SessionStore with a TTL for botctl and tests).
package bot
