package main

import (
	"bytes"
	"context"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"
	"golang.org/x/crypto/bcrypt"

	"botdvc/bot"
	"botdvc/hotline"
	"botdvc/internal/natstest"
	"botdvc/webauth"
)

type recordingOutbox struct {
	mu  sync.Mutex
	got []bot.Outbound
}

func (o *recordingOutbox) Enqueue(_ context.Context, m bot.Outbound) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.got = append(o.got, m)
	return nil
}

// TestHotlineCommands runs botctl hotline against a real service: embedded
// NATS, the hotline queue, its API on a Fiber app listening on loopback.
func TestHotlineCommands(t *testing.T) {
	js := natstest.JetStream(t)
	natstest.Declare(t, js, hotline.Streams(hotline.Config{}), hotline.Buckets(hotline.Config{})...)
	out := &recordingOutbox{}
	q, err := hotline.New(js, out, hotline.Config{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	line, _ := webauth.HashLine("lan", "bí mật", bcrypt.MinCost)
	accts, _ := webauth.ParseHtpasswd(strings.NewReader(line))
	app := fiber.New(fiber.Config{DisableStartupMessage: true})
	q.Console(webauth.New(accts, webauth.NewMemoryStore(), webauth.Config{Site: "hotline"}, nil)).Mount(app)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go app.Listener(ln)
	t.Cleanup(func() { q.Close(); app.ShutdownWithTimeout(5 * time.Second) })

	r, err := q.Escalate(context.Background(), bot.Escalation{ID: "zalo:m1", Category: bot.CategoryStatus, Channel: bot.Zalo,
		UserID: "z1", Question: "hồ sơ H26.01-251120-0042 đến đâu rồi", LastUser: time.Now(),
		Created: time.Date(2026, 11, 24, 2, 5, 0, 0, time.UTC)}) // 09:05 in Hà Nội
	if err != nil {
		t.Fatal(err)
	}
	pwFile := filepath.Join(t.TempDir(), "pw")
	os.WriteFile(pwFile, []byte("bí mật\n"), 0o600)
	// Credentials as every botctl command that signs in takes them (the
	// same as export-guides).
	t.Setenv("BOTCTL_URL", "http://"+ln.Addr().String())
	t.Setenv("BOTCTL_USER", "lan")
	t.Setenv("BOTCTL_PASSWORD_FILE", pwFile)
	t.Setenv("BOTCTL_PASSWORD", "")

	run := func(args ...string) (int, string, string) {
		var o, e bytes.Buffer
		code := Main(context.Background(), append([]string{"hotline"}, args...), strings.NewReader("đọc từ stdin"), &o, &e)
		return code, o.String(), e.String()
	}
	if code, o, e := run("list", "--status", "open"); code != 0 || !strings.Contains(o, r.TicketID) || !strings.Contains(o, "Tra cứu hồ sơ") ||
		!strings.Contains(o, "CHỦ ĐỀ") || !strings.Contains(o, "hồ sơ H26.01-251120-0042 đến đâu rồi") ||
		!strings.Contains(o, "  Zalo  ") { // the channel as the console names it
		t.Fatalf("list: %d %q %q", code, o, e)
	}
	if code, o, _ := run("claim", r.TicketID); code != 0 || !strings.Contains(o, "người nhận: lan") {
		t.Fatalf("claim: %d %q", code, o)
	}
	if code, _, e := run("reply", r.TicketID, "Hồ sơ", "đang được xử lý ạ."); code != 0 {
		t.Fatalf("reply: %d %q", code, e)
	}
	if code, _, e := run("note", r.TicketID, "-"); code != 0 {
		t.Fatalf("note: %d %q", code, e)
	}
	if code, o, _ := run("show", r.TicketID); code != 0 || !strings.Contains(o, "Cán bộ lan:\n      Hồ sơ đang được xử lý ạ.") || !strings.Contains(o, "lan:\n      đọc từ stdin") {
		t.Fatalf("show: %d %q", code, o)
	} else if !strings.Contains(o, "Chuyển đến: 09:05 24/11/2026 (giờ Hà Nội)") {
		t.Errorf("show does not print Hà Nội time like the console:\n%s", o)
	}
	if code, _, e := run("close", r.TicketID, "--resolution", "Đã trả lời", "--handback", "--guide", "tra-cuu-ho-so"); code != 0 {
		t.Fatalf("close: %d %q", code, e)
	}
	if code, o, _ := run("--json", "show", r.TicketID); code != 0 || !strings.Contains(o, `"status": "closed"`) || !strings.Contains(o, `"guide_id": "tra-cuu-ho-so"`) {
		t.Fatalf("show --json: %d %q", code, o)
	}
	if len(out.got) != 2 || out.got[0].Reply.Text != "Hồ sơ đang được xử lý ạ." || out.got[0].Staff != "lan" {
		t.Fatalf("outbox: %+v", out.got)
	}
	// Errors are clear and exit 1.
	if code, _, e := run("claim", "HLAAAAAAAAAA"); code != 1 || !strings.Contains(e, "404") {
		t.Errorf("claim unknown: %d %q", code, e)
	}
	if code, _, e := run("close", r.TicketID); code != 1 || !strings.Contains(e, "400") {
		t.Errorf("close without resolution: %d %q", code, e)
	}
	// The hotline's older variables still work when the BOTCTL_ ones are unset.
	t.Setenv("BOTCTL_URL", "")
	t.Setenv("BOTCTL_USER", "")
	t.Setenv("BOTCTL_PASSWORD_FILE", "")
	t.Setenv("BOT_HOTLINE_URL", "http://"+ln.Addr().String())
	t.Setenv("BOT_HOTLINE_USER", "lan")
	t.Setenv("BOT_HOTLINE_PASSWORD", "bí mật")
	if code, o, e := run("list"); code != 0 || !strings.Contains(o, r.TicketID) {
		t.Errorf("list with BOT_HOTLINE_*: %d %q %q", code, o, e)
	}
	os.WriteFile(pwFile, []byte("sai\n"), 0o600)
	if code, _, e := run("--password-file", pwFile, "list"); code != 1 || !strings.Contains(e, "401") {
		t.Errorf("wrong password: %d %q", code, e)
	}
	t.Setenv("BOT_HOTLINE_PASSWORD", "")
	if code, _, e := run("list"); code != 1 || !strings.Contains(e, "--password-file") {
		t.Errorf("no password: %d %q", code, e)
	}
}
