package main

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"botdvc/bot"
	"botdvc/hotline"
	"botdvc/pipeline"
)

// TestAnsweringHasNoStrayEffects runs the whole binary on the three defects
// of issue 17 that followed from an engine with side effects: the editors'
// live preview opened a real ticket; a redelivered message was answered
// again from the session its first delivery had saved (a second fallback
// in a row: a hand-off and a ticket); a hand-off whose filing failed was
// lost (the session, fails reset, was saved before the error, and the retry
// gave a plain fallback). Each check fails on the code before issue 17.
func TestAnsweringHasNoStrayEffects(t *testing.T) {
	dir := t.TempDir()
	m := MustRunMain(t, filepath.Join(dir, "data"), staffEnv(t, dir))
	base := m.URL()
	js, err := jetstream.New(m.NATS)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	const offTopic1, offTopic2 = "Hôm nay thời tiết Hà Nội thế nào", "kể chuyện cười đi"

	t.Run("preview files nothing", func(t *testing.T) {
		code, body := api(t, "POST", base+"/api/v1/preview/ask", "bientap", "mật khẩu biên tập", `{"text":"cho tôi gặp tổng đài viên"}`)
		var out struct{ Live bot.AskResult }
		if err := json.Unmarshal(body, &out); code != 200 || err != nil || out.Live.Action != bot.ActionHandoff {
			t.Fatalf("preview: %d %s", code, body)
		}
		if n := len(ticketsOf(t, js, "")); n != 0 {
			t.Fatalf("the preview opened %d tickets", n)
		}
	})

	t.Run("a redelivered message is answered the same", func(t *testing.T) {
		w := &webChat{t: t, base: base, session: "redelivery-session-0123456789"}
		first := w.say(offTopic1)
		if filed(first) {
			t.Fatalf("first off-topic message handed off: %q", first)
		}
		// Deliver m1 again as JetStream does when its first delivery's ack
		// and delivery record were lost (an instance killed after the
		// handler ran): same message, no "handled" record.
		msg := bot.Message{ID: "m1", Channel: bot.Web, UserID: w.session, Kind: bot.KindText, Text: offTopic1, Time: time.Now()}
		redeliver(t, m, js, msg)
		if ts := ticketsOf(t, js, w.session); len(ts) != 0 {
			t.Fatalf("the redelivered message was answered differently: it opened ticket %s (%s)", ts[0].ID, ts[0].Reason)
		}
		if r := w.say(offTopic2); !filed(r) || len(ticketsOf(t, js, w.session)) != 1 {
			t.Fatalf("the second off-topic message: %q, %d tickets", r, len(ticketsOf(t, js, w.session)))
		}
	})

	t.Run("a hand-off survives a failed filing", func(t *testing.T) {
		w := &webChat{t: t, base: base, session: "filing-fails-session-0123456789"}
		w.say(offTopic1)
		// The ticket store goes away: filing the hand-off fails, the
		// pipeline retries; the store comes back before a retry.
		if err := js.DeleteKeyValue(ctx, hotline.BucketTickets); err != nil {
			t.Fatal(err)
		}
		retries := counter(t, m, "bot_messages_handled_total", "retry")
		done := make(chan string, 1)
		go func() { done <- w.say(offTopic2) }()
		waitFor(t, 60*time.Second, func() bool { return counter(t, m, "bot_messages_handled_total", "retry") > retries })
		if err := pipeline.Reconcile(ctx, js, m.Topology); err != nil {
			t.Fatal(err)
		}
		r := <-done
		ts := ticketsOf(t, js, w.session)
		if len(ts) != 1 || !filed(r) {
			t.Fatalf("the hand-off was lost: reply %q, %d tickets", r, len(ts))
		}
	})
}

// filed tells whether a reply is the text of a filed hand-off: the
// citizen's place in the queue, or when staff are back.
func filed(reply string) bool {
	return strings.Contains(reply, "đã chuyển cho tổng đài viên") &&
		(strings.Contains(reply, "vị trí số") || strings.Contains(reply, "ngoài giờ làm việc"))
}

// redeliver publishes msg on the inbound stream again and removes the
// record of its first handling, then waits until a worker handled it.
func redeliver(t *testing.T, m *Main, js jetstream.JetStream, msg bot.Message) {
	t.Helper()
	ctx := context.Background()
	h := sha256.Sum256([]byte(msg.UserID))
	key := "in." + base64.RawURLEncoding.EncodeToString([]byte("web:"+hex.EncodeToString(h[:8])+":"+msg.ID)) // pipeline's delivery record
	kv, err := js.KeyValue(ctx, pipeline.DeliveryBucket)
	if err != nil {
		t.Fatal(err)
	}
	// The worker writes the record after it published the reply, so the
	// reply may arrive first: wait for the record.
	waitFor(t, 30*time.Second, func() bool {
		_, err := kv.Get(ctx, key)
		return err == nil
	})
	if err := kv.Delete(ctx, key); err != nil {
		t.Fatal(err)
	}
	info, err := js.Stream(ctx, pipeline.InboundStream)
	if err != nil {
		t.Fatal(err)
	}
	prefix := strings.TrimRight(info.CachedInfo().Config.Subjects[0], "*>") // "bot.in.*"
	data, _ := json.Marshal(msg)
	out := &nats.Msg{Subject: prefix + strconv.Itoa(pipeline.Partition(msg.Conversation(), m.Pipeline.Config().Partitions)), Data: data, Header: nats.Header{}}
	out.Header.Set(nats.MsgIdHdr, "redelivery:"+msg.ID)
	if _, err := js.PublishMsg(ctx, out); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 60*time.Second, func() bool {
		e, err := kv.Get(ctx, key)
		return err == nil && e.Operation() == jetstream.KeyValuePut
	})
}

// ticketsOf returns the hotline tickets of a web chat session (all tickets
// when session is ""), read from their bucket.
func ticketsOf(t *testing.T, js jetstream.JetStream, session string) []hotline.Ticket {
	t.Helper()
	ctx := context.Background()
	kv, err := js.KeyValue(ctx, hotline.BucketTickets)
	if err != nil {
		t.Fatal(err)
	}
	keys, err := kv.ListKeys(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var out []hotline.Ticket
	for k := range keys.Keys() {
		e, err := kv.Get(ctx, k)
		if errors.Is(err, jetstream.ErrKeyNotFound) {
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		var tk hotline.Ticket
		if json.Unmarshal(e.Value(), &tk) != nil || tk.ID == "" {
			continue // not a ticket (an index entry)
		}
		if session == "" || tk.UserID == session {
			out = append(out, tk)
		}
	}
	return out
}
