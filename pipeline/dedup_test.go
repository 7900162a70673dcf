package pipeline

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"botdvc/bot"
)

// A channel's dedup scope is what it declares (Config.UniqueIDs, filled by
// cmd/botd from channel.Info.UniqueIDs), not its id: a stand-in channel
// whose ids a client chooses (it declares nothing) gets ids scoped by the
// user, so two of its users may both send "1" and both are answered; the
// platforms' ids keep their "channel:id" keys and the web chat its
// "web:<hash>:id", byte for byte as before.
func TestDedupScopeIsDeclared(t *testing.T) {
	const kiosk bot.Channel = "kiosk"
	ns := MustStartServer(t)
	_, js := MustConnect(t, ns)
	c := testConfig()
	c.Channels = append(c.Channels, kiosk)
	c.UniqueIDs = []bot.Channel{bot.Zalo, bot.Messenger}
	mustReconcile(t, js, c)
	p := New(js, echo, nil, c)
	ctx := context.Background()
	in := []bot.Message{
		{Channel: kiosk, ID: "1", UserID: "kiosk-a", Kind: bot.KindText, Text: "hỏi"},
		{Channel: kiosk, ID: "1", UserID: "kiosk-b", Kind: bot.KindText, Text: "hỏi"},
		{Channel: kiosk, ID: "1", UserID: "kiosk-a", Kind: bot.KindText, Text: "hỏi"}, // a redelivery
		{Channel: bot.Web, ID: "w1", UserID: "session-a", Kind: bot.KindText, Text: "hỏi"},
		{Channel: bot.Zalo, ID: "cb31dff1c39642cc1b83", UserID: "246845883529197922", Kind: bot.KindText, Text: "hỏi"},
		{Channel: bot.Messenger, ID: "m_abc", UserID: "psid-1", Kind: bot.KindText, Text: "hỏi"},
	}
	for _, m := range in {
		if err := p.Accept(ctx, m); err != nil {
			t.Fatal(err)
		}
	}
	hash := func(user string) string { h := sha256.Sum256([]byte(user)); return hex.EncodeToString(h[:8]) }
	want := []string{
		"kiosk:" + hash("kiosk-a") + ":1", "kiosk:" + hash("kiosk-b") + ":1",
		"web:" + hash("session-a") + ":w1", "zalo:cb31dff1c39642cc1b83", "messenger:m_abc",
	}
	s, err := js.Stream(ctx, InboundStream)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for seq := uint64(1); ; seq++ {
		m, err := s.GetMsg(ctx, seq)
		if err != nil {
			break
		}
		got = append(got, m.Header.Get(nats.MsgIdHdr))
	}
	if !slices.Equal(got, want) {
		t.Errorf("Nats-Msg-Id of the stored messages\n got %q\nwant %q", got, want)
	}

	rec := &recorder{}
	p.Senders[kiosk] = rec
	if err := p.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = p.Stop(ctx) })
	checkFor(t, 5*time.Second, 20*time.Millisecond, func() error {
		users := map[string]int{}
		for _, o := range rec.all() {
			users[o.UserID]++
			if !strings.HasPrefix(o.ID, "kiosk:"+hash(o.UserID)+":1") {
				return fmt.Errorf("reply id %q is not scoped by its user", o.ID)
			}
		}
		if users["kiosk-a"] != 1 || users["kiosk-b"] != 1 || len(users) != 2 {
			return fmt.Errorf("kiosk replies by user %v, want one each", users)
		}
		return nil
	})
}
