// Package pipeline is the durable message pipeline of the citizen help
// service, on NATS JetStream.
//
// Flow:
//
//	adapter ─Accept─► stream BOT_INBOUND  (subjects bot.in.<partition>)
//	                    │ one durable pull consumer per partition, MaxAckPending=1,
//	                    ▼ shared by every instance
//	                  worker: handler chain (engine, hotline middleware)
//	                    │ publish bot.Outbound (dedup id = inbound id + ":r"), then ack
//	                    ▼
//	                  stream BOT_OUTBOUND (subjects bot.out.<channel>.<partition>)
//	                    │ one durable pull consumer per channel and partition, MaxAckPending=1
//	                    ▼
//	                  sender: bot.Sender of the channel; ack after hand-off,
//	                  NakWithDelay on transient errors, park on ErrUndeliverable
//	                    │
//	                    ▼ (failures that retrying cannot fix)
//	                  stream BOT_DEAD (subjects bot.dead.in, bot.dead.out.<channel>)
//
// Ordering: a conversation (channel and user) hashes to one of P partitions
// (FNV-1a modulo P). Each partition has one durable consumer with
// MaxAckPending=1, so JetStream hands out the next message of a partition only
// after the previous one was acked, whichever instance pulled it. Messages of
// one conversation are therefore answered, and their replies sent, in the
// order they were accepted. P bounds the parallelism of the whole cluster
// (default 16); every instance must use the same P.
//
// At most one reply per accepted message: Accept publishes with Nats-Msg-Id
// = channel + ":" + platform message id, so a redelivered webhook inside the
// streams' duplicate window (24 hours) is dropped. A worker publishes the reply
// with a Nats-Msg-Id derived from the inbound id before it acks the inbound
// message; if it dies in between, the redelivered message produces the same
// reply id, which JetStream drops. The delivery records (DeliveryBucket) close
// the rest: a worker records a message as handled after its reply was stored
// and a sender records a reply as delivered right after the platform accepted
// it (piece by piece for split replies); both check the record before doing
// anything, so a message JetStream delivers again (lost ack, dead consumer
// leader, killed instance) is only acked. What remains is the window between
// the platform's answer and the record's write.
//
// The inbound and outbound streams use limits retention (7 days), not
// work-queue retention: after a server restart JetStream rebuilds its
// duplicate table from the messages it still holds, so acked messages must
// stay for the duplicate window or their ids would be forgotten.
//
// Accept publishes over Publishers (connections of its own) when set, so the
// accepting path does not queue behind the workers' traffic; at most
// Config.Workers messages are answered at once per instance, so a burst of
// webhooks is acked first and answered from the stream.
//
// Streams, consumers and the session bucket are declared as data (Topology)
// and reconciled at start (Reconcile): created when missing, updated when
// their configuration changed.
package pipeline
