package complaint

import (
	"context"
	"testing"
	"time"

	"botdvc/bot"
	"botdvc/channel"
	"botdvc/webhooks/channels"
)

// TestStandInChannel: a channel the desk has never heard of (a ward
// kiosk, defined here: answers within 6 hours of the citizen's last
// message) is named as it names itself, and an answer honours its window:
// sent inside it, kept for the citizen's next message after it.
func TestStandInChannel(t *testing.T) {
	const kiosk bot.Channel = "kiosk"
	clk := newClock("2026-06-01T09:00:00+07:00")
	d, out := MustOpenDesk(t, clk)
	d.cfg.Channels = channel.NewRegistry(append(channels.Registry(nil).All(), channel.Info{ID: kiosk, Label: "Ki-ốt phường",
		Window: func(last time.Time) channel.Window {
			return channel.Window{Standard: last.Add(2 * time.Hour), Final: last.Add(6 * time.Hour)}
		}})...)
	if got := d.channelName(kiosk); got != "Ki-ốt phường" {
		t.Errorf("desk names the kiosk %q", got)
	}
	ctx := context.Background()
	file := func(user string) string {
		c := newChat(t, d, clk, kiosk, user)
		c.say("Tôi muốn phản ánh cán bộ phường Tây Hồ thái độ không tốt khi tôi đăng ký tạm trú, sáng nay")
		c.say("bỏ qua")
		return codeOf(t, c.say("gửi"))
	}
	early, late := file("kiosk-1"), file("kiosk-2")
	clk.Add(5 * time.Hour) // inside the kiosk's 6 hours
	if _, err := d.Answer(ctx, early, "lan", "Phường đã nhắc nhở cán bộ."); err != nil {
		t.Fatal(err)
	}
	if sent := out.all(); len(sent) != 1 || sent[0].Channel != kiosk || sent[0].UserID != "kiosk-1" {
		t.Fatalf("inside the window: sent %+v", sent)
	}
	clk.Add(2 * time.Hour) // 7 hours: past it (Messenger's or Zalo's would still be open)
	if _, err := d.Answer(ctx, late, "lan", "Phường đã xin lỗi bạn."); err != nil {
		t.Fatal(err)
	}
	if n := len(out.all()); n != 1 {
		t.Fatalf("sent outside the kiosk's window: %d messages", n)
	}
	if got, _ := d.Get(ctx, late); !got.Delivered.IsZero() {
		t.Errorf("marked delivered outside the window: %+v", got)
	}
}
