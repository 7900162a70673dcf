package main

import (
	"botdvc/complaint"
	"botdvc/editor"
	"botdvc/hotline"
	"botdvc/news"
	"botdvc/pipeline"
	"botdvc/webauth"
	"botdvc/webhooks"
	"botdvc/webhooks/webchat"
	"botdvc/webhooks/zalo"
)

// declare returns the service's whole JetStream topology: every stream,
// consumer and bucket of every package, reconciled in one pass at start
// with BOT_NATS_REPLICAS replicas (pipeline.Reconcile applies them to all).
// The packages only bind to what exists. A package with new state adds one
// line here; TestTopologyIsComplete fails when something is created
// outside it.
func declare(c Config, pcfg pipeline.Config) pipeline.Topology {
	t := pipeline.Declare(pcfg)
	t.Replicas = c.NATSReplicas
	t.AddStreams(webchat.StreamConfig(c.NATSReplicas))
	hcfg := hotline.Config{Replicas: c.NATSReplicas, Retention: c.Retention}
	t.AddStreams(hotline.Streams(hcfg)...)
	t.AddBuckets(hotline.Buckets(hcfg)...)
	t.AddStreams(editor.Streams(c.Retention)...)
	for _, kc := range editor.Buckets() { // a publish must see the draft just saved, whichever replica answers
		t.AddStreams(pipeline.LeaderReadKV(kc))
	}
	// Zalo's, declared whether or not Zalo is on: one shape everywhere.
	t.AddBuckets(zalo.TokenBucket())
	t.AddStreams(pipeline.LeaderReadKV(zalo.EchoBucketConfig())) // an echo must see the send another instance just recorded
	ct := complaint.Declare(complaint.Config{Replicas: c.NATSReplicas, Retention: c.Retention})
	t.AddBuckets(ct.Buckets...)
	t.AddObjects(ct.Objects...)
	t.AddBuckets(news.Buckets()...)
	t.AddStreams(news.Streams()...) // followers: revision-checked from every instance, read from the leader
	// Security: per-client limits of the web chat and ask API, sign-in
	// sessions of each site and failed sign-ins, shared by every instance.
	t.AddStreams(webhooks.ClientLimitStreams(c.ClientRate, c.ClientSessions, c.NATSReplicas)...)
	t.AddBuckets(webauth.Buckets(c.NATSReplicas, 0, "hotline", "admin")...)
	return t
}
