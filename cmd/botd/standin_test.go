package main

import (
	"botdvc/webhooks/channels"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"

	"botdvc/bot"
	"botdvc/channel"
	"botdvc/webhooks"
)

// kiosk is a stand-in channel, defined here and nowhere else: a ward
// office's kiosk that posts what a citizen typed to /webhooks/kiosk and
// takes replies through its sender. Its platform (made up for the test)
// answers within 2 hours of the citizen's last message, and not at all
// after 6 hours; an announcement reaches a kiosk user within 2 hours.
// Adding it to botd is its opener (below) and one registration line
// (Main.Channels in the test; channelList for a real channel).
type kiosk struct {
	mu   sync.Mutex
	sent []bot.Outbound
}

const kioskChannel bot.Channel = "kiosk"

func (k *kiosk) opener() webhooks.ChannelOpener {
	info := channel.Info{ID: kioskChannel, Label: "Ki-ốt phường", Color: "#aa5500",
		Window: func(last time.Time) channel.Window {
			return channel.Window{Standard: last.Add(2 * time.Hour), Final: last.Add(6 * time.Hour)}
		},
		PastStandard: "quá 2 giờ: ki-ốt có thể đã tắt",
		Note: func(userID string, w channel.Window, now time.Time) string {
			return fmt.Sprintf("Ki-ốt: trả lời được đến %s.", w.Final.UTC().Format("15:04"))
		},
		Push:     func(last time.Time) time.Time { return last.Add(2 * time.Hour) },
		PushNote: "ngay nếu bạn vừa dùng ki-ốt trong vòng 2 giờ",
	}
	return webhooks.ChannelOpener{Info: info, Open: func(_ context.Context, env webhooks.ChannelEnv) (webhooks.Channel, error) {
		return webhooks.Channel{Info: info, Sender: k, Routes: kioskRoutes{env.Inbox}}, nil
	}}
}

// Send implements bot.Sender: the kiosk shows the reply.
func (k *kiosk) Send(_ context.Context, o bot.Outbound) error {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.sent = append(k.sent, o)
	return nil
}

// to returns the texts sent to user so far.
func (k *kiosk) to(user string) []string {
	k.mu.Lock()
	defer k.mu.Unlock()
	var out []string
	for _, o := range k.sent {
		if o.UserID == user {
			out = append(out, o.Reply.Text)
		}
	}
	return out
}

// kioskRoutes is the kiosk's webhook: {"user","id","text","at"} (at: Unix
// milliseconds of the message, default now), accepted into the pipeline
// before it answers 200.
type kioskRoutes struct{ inbox webhooks.Inbox }

func (r kioskRoutes) Mount(app fiber.Router) {
	app.Post("/webhooks/kiosk", func(c *fiber.Ctx) error {
		var in struct {
			User, ID, Text string
			At             int64
		}
		if err := json.Unmarshal(c.Body(), &in); err != nil {
			return c.Status(400).JSON(fiber.Map{"error": err.Error()})
		}
		at := time.Now()
		if in.At != 0 {
			at = time.UnixMilli(in.At)
		}
		m := bot.Message{Channel: kioskChannel, ID: in.ID, UserID: in.User, Kind: bot.KindText, Text: in.Text, Time: at}
		if err := r.inbox.Accept(c.UserContext(), m); err != nil {
			return c.Status(500).JSON(fiber.Map{"error": "not accepted"})
		}
		return c.SendStatus(200)
	})
}

// TestStandInChannel adds a channel that botd has never heard of, by its
// opener and one registration line, and sees it work where a channel
// matters: its messages flow through the pipeline to its sender; its
// topology (outbound subjects, sender consumers) exists; the hotline
// console names it and shows its reply window and note; "theo dõi" tells
// its users its own delivery rule, and an announcement reaches a follower
// inside its window at once and one outside it only with their next
// message.
func TestStandInChannel(t *testing.T) {
	dir := t.TempDir()
	k := &kiosk{}
	m := mustRunMainWith(t, dir+"/data", staffEnv(t, dir), func(m *Main) {
		m.Channels = append(m.Channels, k.opener()) // the registration line
	})
	base := m.URL()
	say := func(user, id, text string, at time.Time) string {
		t.Helper()
		n := len(k.to(user))
		body := fmt.Sprintf(`{"user":%q,"id":%q,"text":%q,"at":%d}`, user, id, text, at.UnixMilli())
		if code := postJSON(t, base+"/webhooks/kiosk", body, nil); code != 200 {
			t.Fatalf("kiosk webhook: %d", code)
		}
		waitFor(t, 20*time.Second, func() bool { return len(k.to(user)) > n })
		return k.to(user)[len(k.to(user))-1]
	}

	// 1. Through the pipeline to its sender.
	now := time.Now()
	if r := say("K-1", "k1", "cấp đổi thẻ căn cước cần giấy tờ gì", now); !strings.Contains(r, "Cấp đổi thẻ căn cước") {
		t.Fatalf("answer on the kiosk: %q", r)
	}
	if ids := m.Pipeline.Config().Channels; ids[len(ids)-1] != kioskChannel {
		t.Errorf("pipeline channels %v: the kiosk is not last", ids)
	}

	// 2. The console: a hand-off from the kiosk, named and timed by it.
	say("K-2", "k2", "cho tôi gặp tổng đài viên", now)
	var list struct {
		Tickets []struct {
			ID       string
			Channel  bot.Channel
			LastUser time.Time `json:"last_user"`
			Window   channel.Window
		}
	}
	code, body := api(t, "GET", base+"/api/v1/hotline/tickets", "lan", "mật khẩu tổng đài", "")
	if code != 200 {
		t.Fatalf("tickets: %d %s", code, body)
	}
	if err := json.Unmarshal(body, &list); err != nil || len(list.Tickets) != 1 || list.Tickets[0].Channel != kioskChannel {
		t.Fatalf("tickets: %v %s", err, body)
	}
	tk := list.Tickets[0]
	if !tk.Window.Final.Equal(tk.LastUser.Add(6*time.Hour)) || !tk.Window.Standard.Equal(tk.LastUser.Add(2*time.Hour)) {
		t.Errorf("ticket window %+v, last message %v: not the kiosk's", tk.Window, tk.LastUser)
	}
	_, cookie := signInAt(t, base, "hotline", "lan", "mật khẩu tổng đài")
	if cookie == nil {
		t.Fatal("no staff session")
	}
	for _, page := range []string{"/hotline/", "/hotline/t/" + tk.ID} {
		code, html, _ := send(t, "GET", base+page, "", "", withCookie(cookie.Name, cookie.Value))
		if code != 200 || !strings.Contains(html, "Ki-ốt phường") {
			t.Errorf("%s (%d) does not name the kiosk", page, code)
		}
		if page != "/hotline/" && !strings.Contains(html, "Ki-ốt: trả lời được đến "+tk.Window.Final.UTC().Format("15:04")+".") {
			t.Errorf("%s lacks the kiosk's window note", page)
		}
	}

	// 3. Announcements: the kiosk's rule, told and kept.
	say("K-1", "k3", "theo dõi", now)
	if r := k.to("K-1"); !strings.Contains(r[len(r)-1], "Khi có bản tin mới, mình gửi cho bạn ngay nếu bạn vừa dùng ki-ốt trong vòng 2 giờ;") {
		t.Errorf("follow reply: %q", r[len(r)-1])
	}
	then := now.Add(-3 * time.Hour) // K-3 used the kiosk 3 hours ago: outside its 2 hours
	say("K-3", "k4", "cấp đổi thẻ căn cước cần giấy tờ gì", then)
	say("K-3", "k5", "theo dõi", then.Add(time.Minute))
	post := `{"title":"Lệ phí đổi thẻ căn cước đến hết 2026","body":"Đến hết 31/12/2026 lệ phí cấp đổi thẻ căn cước chỉ thu 50%.","guides":["cap-doi-the-can-cuoc"],"until":"2026-12-31"}`
	if code, body := api(t, "POST", base+"/api/v1/announcements", "bientap", "mật khẩu biên tập", post); code != 201 {
		t.Fatalf("announcement: %d %s", code, body)
	}
	pushed := func(user string) bool {
		for _, txt := range k.to(user) {
			if strings.Contains(txt, "chỉ thu 50%") {
				return true
			}
		}
		return false
	}
	waitFor(t, 20*time.Second, func() bool { return pushed("K-1") })
	time.Sleep(time.Second) // a push to K-3 would have been sent by now
	if pushed("K-3") {
		t.Fatal("announcement pushed to a kiosk follower outside the kiosk's window")
	}
	if r := say("K-3", "k6", "đăng ký khai sinh cho con cần gì", now); !strings.Contains(r, "chỉ thu 50%") {
		t.Errorf("the late follower's next answer lacks the announcement: %q", r)
	}
}

// TestEveryChannelDescribesItself: every channel botd registers names
// itself for staff, has a colour in the editors' charts, a line for the
// console and a sentence for its followers, and decides its reply window
// (none only where the platform sets none: the web chat), so no channel
// reaches staff as a raw id with no window.
func TestEveryChannelDescribesItself(t *testing.T) {
	m := NewMain(Config{})
	list := m.channelList(front{})
	// The outbound subjects and sender consumers (send-<channel>-<p>) are
	// those of before the channels registered themselves, in that order.
	if got := fmt.Sprint(channelIDs(list)); got != "[web zalo messenger]" {
		t.Fatalf("channels %s, want [web zalo messenger]", got)
	}
	// The list the tools and other packages' tests name channels by
	// (webhooks/channels) is botd's.
	if got := fmt.Sprint(channels.Registry(nil).IDs()); got != fmt.Sprint(channelIDs(list)) {
		t.Errorf("webhooks/channels lists %s, botd opens %v", got, channelIDs(list))
	}
	windowless := map[bot.Channel]bool{bot.Web: true}
	for _, o := range list {
		if o.Label == "" || o.Color == "" || o.Note == nil || o.PushNote == "" || o.Push == nil {
			t.Errorf("channel %q does not describe itself: %+v", o.ID, o.Info)
		}
		if (o.Window == nil) != windowless[o.ID] {
			t.Errorf("channel %q: reply window not decided", o.ID)
		}
	}
}

// TestDedupScopes: the platforms declare their message ids unique across
// users, so their dedup ids stay "zalo:<msg_id>" and "messenger:<mid>";
// the web chat (ids from the browser) and a stand-in that declares
// nothing are scoped by the user in the pipeline botd builds.
func TestDedupScopes(t *testing.T) {
	m := NewMain(Config{})
	list := append(m.channelList(front{}), (&kiosk{}).opener())
	if got := fmt.Sprint(uniqueIDs(list)); got != "[zalo messenger]" {
		t.Errorf("channels with unique ids %s, want [zalo messenger]", got)
	}
}
