// Package editor is the editors' side of the service: the live guide corpus,
// the record of what citizens asked, and the reports built from it.
//
// The bundled guides are the base. Editors' changes are kept in NATS
// JetStream: the current draft and published version of each changed guide
// in a KV bucket, and every published revision, with who and when, in a
// stream. Every botd instance watches the bucket and applies a published
// change to its Library and search index within a second, without a restart
// (Store.Follow). Drafts never reach citizens: only the published keys are
// followed; drafts are seen only by the preview engine.
//
// Recorder is a bot.Middleware that records the outcome of every question
// (redacted text, action, guide, channel) in a stream with a retention period;
// the gap report groups the questions that ended in fallback, an unpicked
// clarify or a hand-off, and the summary counts questions per day.
package editor
