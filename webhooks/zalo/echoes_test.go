package zalo

import (
	"context"
	"testing"

	"botdvc/bot"
	"botdvc/internal/natstest"
)

// TestEchoSeenByAnotherInstance: two instances share the send records in
// JetStream KV. The echo of a message instance A sent reaches instance B's
// webhook (a load balancer in front); B knows it as the service's own and
// drops it, during A's send as after it, while an OA admin's reply still
// goes to the inbox as bot.KindAgentEcho.
func TestEchoSeenByAnotherInstance(t *testing.T) {
	js := natstest.JetStream(t)
	natstest.Declare(t, js, nil, EchoBucketConfig())
	ctx := context.Background()
	f, srv := newFakeZalo(t, nil)
	f.access["AT0"] = true
	shared := func() EchoStore {
		s, err := OpenKVEchoes(ctx, js)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	a := newTestClient(t, srv, &MemTokens{}, Config{})
	a.Echoes = shared()
	b := newTestClient(t, srv, &MemTokens{}, Config{})
	b.Echoes = shared()
	inbox := &recordingInbox{}
	appB := newApp(t, testCfg, inbox, b)

	const user = "2468458835296197922"
	echo := func(msgID, ts string) string {
		return `{"app_id":"1","event_name":"oa_send_text","timestamp":"` + ts + `","sender":{"id":"oa"},"recipient":{"id":"` + user + `"},"message":{"text":"x","msg_id":"` + msgID + `"}}`
	}
	// The echo arrives at B while A's call is still in flight.
	f.failOn = func(csRequest) string {
		if status, _ := do(t, appB, signed(echo("not-yet-known", "1677721200001"))); status != 200 {
			t.Errorf("echo during the send: status %d", status)
		}
		return ""
	}
	if err := a.Send(ctx, out("Xin chào")); err != nil {
		t.Fatal(err)
	}
	f.failOn = nil
	// The same message's echo, with the id Zalo returned, after the send.
	if status, _ := do(t, appB, signed(echo("msg01", "1677721200002"))); status != 200 {
		t.Fatalf("echo after the send: status %d", status)
	}
	if got := inbox.messages(); len(got) != 0 {
		t.Fatalf("B took A's own messages for an OA admin's reply: %+v", got)
	}
	// An OA admin writes from the OA inbox: that one is not ours.
	if status, _ := do(t, appB, signed(echo("admin-1", "1677721200003"))); status != 200 {
		t.Fatalf("admin echo: status %d", status)
	}
	if got := inbox.messages(); len(got) != 1 || got[0].Kind != bot.KindAgentEcho || got[0].ID != "admin-1" {
		t.Fatalf("inbox = %+v, want the admin's reply as an agent echo", got)
	}
}
