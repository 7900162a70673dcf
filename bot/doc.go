// Package bot is the domain of the citizen help service and its answer
// engine: Message in, Reply out, channel-neutral.
//
// The engine is deterministic given its Searcher, guide Library and
// SessionStore: it detects intent and aspect, searches the guides, decides
// between answering, asking back and handing off, and composes the reply in
// Vietnamese. It does no I/O of its own. Adapters (webhooks/...) translate
// platform events to Message and Reply to platform payloads; the hotline
// package turns hand-offs into tickets.
package bot
