package complaint

import (
	"botdvc/webhooks/channels"
	"context"
	"flag"
	"fmt"
	"net"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"
	"golang.org/x/crypto/bcrypt"

	"botdvc/bot"
	"botdvc/hotline"
	"botdvc/internal/browsertest"
	"botdvc/internal/natstest"
	"botdvc/knowledge"
	"botdvc/webauth"
)

var updateScreenshots = flag.Bool("update", false, "write the screenshots to ../doc")

func screenshot(t *testing.T, b *browsertest.Browser, name string) {
	t.Helper()
	if *updateScreenshots {
		b.Screenshot(t, filepath.Join("..", "doc", name))
	}
}

// TestBrowserConsoleAndPublicPage drives the staff console's complaints
// tab and the public page in headless Chromium: sign in on the hotline
// console, go to the tab beside the tickets, see the list with an overdue
// complaint highlighted, open one, forward it, answer it (the answer goes
// to the citizen's Zalo), publish it anonymised, and find it on /phan-anh
// without the citizen's phone number or name. Run with -update to refresh
// the screenshots in doc/.
func TestBrowserConsoleAndPublicPage(t *testing.T) {
	b := browsertest.Start(t)
	ctx := context.Background()
	js := natstest.JetStream(t)
	clk := newClock("2026-05-12T08:30:00+07:00")
	out := &outbox{}
	gs := bundled(t)
	cfg := Config{Now: clk.Now, Guides: func() []knowledge.Guide { return gs },
		Channels: channels.Registry(nil)}
	if err := Declare(cfg).Reconcile(ctx, js); err != nil {
		t.Fatal(err)
	}
	d, err := Open(ctx, js, out, cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	hcfg := hotline.Config{Tabs: []hotline.Tab{{Label: "Phản ánh, kiến nghị", URL: "/hotline/complaints/"}}}
	natstest.Declare(t, js, hotline.Streams(hcfg), hotline.Buckets(hcfg)...)
	q, err := hotline.New(js, out, hcfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { q.Close() })
	hash, _ := bcrypt.GenerateFromPassword([]byte(staffPassword), bcrypt.MinCost)
	accounts, _ := webauth.ParseHtpasswd(strings.NewReader("lan:" + string(hash) + "\n"))
	auth := webauth.New(accounts, webauth.NewMemoryStore(), webauth.Config{}, nil)
	app := fiber.New(fiber.Config{DisableStartupMessage: true})
	q.Console(auth).Mount(app)
	d.Console(auth).Mount(app)
	d.Public().Mount(app)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go app.Listener(ln)
	t.Cleanup(func() { app.ShutdownWithTimeout(5 * time.Second) })
	// localhost is a secure context for Chromium: the Secure cookie is kept over plain http.
	base := fmt.Sprintf("http://localhost:%d", ln.Addr().(*net.TCPAddr).Port)

	// Complaints received over three weeks, so the deadlines differ.
	file := func(at string, f Filing) Case {
		t.Helper()
		tm, _ := time.Parse(time.RFC3339, at)
		clk.mu.Lock()
		clk.t = tm
		clk.mu.Unlock()
		f.ID, f.LastUser = "seed:"+at, tm
		c, err := d.File(ctx, f)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	file("2026-05-12T08:30:00+07:00", Filing{Source: SourceChat, Channel: bot.Messenger, UserID: "psid-a",
		Text:      "Nộp hồ sơ cấp giấy phép xây dựng nhà ở riêng lẻ từ đầu tháng 4, quá hẹn 3 tuần vẫn chưa có kết quả, gọi đường dây nóng không ai nghe.",
		Procedure: "Cấp giấy phép xây dựng nhà ở riêng lẻ", ProcedureID: "cap-giay-phep-xay-dung-nha-o-rieng-le", Place: "xã Gia Lâm", When: "đầu tháng 4"})
	file("2026-05-21T14:10:00+07:00", Filing{Source: SourceWeb, Text: "Thủ tục đăng ký tạm trú trực tuyến yêu cầu tải lại giấy tờ đã có trong cơ sở dữ liệu dân cư, đề nghị bỏ yêu cầu này.",
		Procedure: "Đăng ký tạm trú", ProcedureID: "dang-ky-tam-tru", Place: "phường Hoàng Mai"})
	target := file("2026-05-28T09:45:00+07:00", Filing{Source: SourceChat, Channel: bot.Zalo, UserID: "zalo-b",
		Text:      "Tôi là Trần Thị Lan, hôm qua cán bộ phường Cầu Giấy hẹn đi hẹn lại nhiều lần khi tôi làm căn cước cho con, lần này lại bảo thiếu giấy khai sinh bản sao. SĐT 0912345678.",
		Procedure: "Cấp thẻ căn cước lần đầu", ProcedureID: "cap-the-can-cuoc-lan-dau", Place: "phường Cầu Giấy", When: "hôm qua",
		Contact: "0912345678", Consent: true})
	file("2026-06-01T07:50:00+07:00", Filing{Source: SourceChat, Channel: bot.Web, UserID: "web-session-0123456789",
		Text: "Cán bộ tiếp dân thái độ quát nạt khi người dân hỏi lại về lệ phí chứng thực.", Place: "phường Hồng Hà"})
	clk.mu.Lock()
	clk.t, _ = time.Parse(time.RFC3339, "2026-06-01T10:00:00+07:00")
	clk.mu.Unlock()

	b.MustEval(t, fmt.Sprintf("location.href = %q", base+"/hotline/"))
	b.WaitJS(t, "the sign-in page", `location.pathname === "/hotline/login" && document.readyState === "complete"`)
	b.MustEval(t, fmt.Sprintf(`document.getElementById("user").value = "lan";
		document.getElementById("password").value = %q;
		document.getElementById("signin").click()`, staffPassword))
	b.WaitJS(t, "the tickets queue", `location.pathname === "/hotline/" && document.readyState === "complete" && !!document.getElementById("queue")`)
	// The complaints tab sits beside the tickets.
	b.MustEval(t, `[...document.querySelectorAll(".tabs a")].find(a => a.textContent.includes("Phản ánh")).click()`)
	b.WaitJS(t, "the complaints tab", `location.pathname === "/hotline/complaints/" && document.readyState === "complete" && document.querySelectorAll("#complaints tbody tr[data-code]").length === 4`)
	if v := b.MustEval(t, `[...document.querySelectorAll("#complaints tr.late")].map(r => r.textContent).join("|")`); !strings.Contains(v.(string), "giấy phép xây dựng") {
		t.Errorf("the overdue complaint is not highlighted: %v", v)
	}
	if v := b.MustEval(t, `document.getElementById("tab-complaints").textContent`); !strings.Contains(v.(string), "1 quá hạn") {
		t.Errorf("tab counts: %v", v)
	}
	screenshot(t, b, "complaints-console.png")

	// Filter by ward.
	b.MustEval(t, `document.getElementById("f-ward").value = "cau giay"; document.querySelector("form.filters").submit()`)
	b.WaitJS(t, "the filtered list", `location.search.includes("ward=") && document.readyState === "complete" && document.querySelectorAll("#complaints tbody tr[data-code]").length === 1`)

	b.MustEval(t, fmt.Sprintf(`document.querySelector('tr[data-code=%q] a').click()`, target.Code))
	b.WaitJS(t, "the complaint", fmt.Sprintf(`location.pathname === "/hotline/complaints/c/%s" && document.readyState === "complete" && !!document.getElementById("forward")`, target.Code))
	if v := b.MustEval(t, `document.getElementById("contact").textContent`); !strings.Contains(v.(string), "0912345678") {
		t.Errorf("staff do not see the consented contact: %v", v)
	}
	if v := b.MustEval(t, `document.getElementById("case-text").textContent`); strings.Contains(v.(string), "0912345678") {
		t.Errorf("the text shows the phone number: %v", v)
	}
	b.MustEval(t, `document.getElementById("agency").value = "UBND phường Cầu Giấy"; document.getElementById("forward").click()`)
	b.WaitJS(t, "forwarded", `location.search.includes("ok=status") && document.readyState === "complete"`)
	b.MustEval(t, `document.getElementById("answer-text").value = "Chào chị Trần Thị Lan, UBND phường Cầu Giấy đã làm việc với cán bộ tiếp nhận. Hồ sơ căn cước cho con chị không cần bản sao giấy khai sinh vì thông tin đã có trong Cơ sở dữ liệu quốc gia về dân cư; phường xin lỗi chị và hẹn trả thẻ trong thời hạn quy định.";`)
	b.MustEval(t, `document.getElementById("send-answer").click()`)
	b.WaitJS(t, "answered", `location.search.includes("ok=reply") && document.readyState === "complete" && !!document.getElementById("publish")`)
	sent := out.all()
	if len(sent) != 1 || sent[0].Channel != bot.Zalo || sent[0].UserID != "zalo-b" || sent[0].Staff != "lan" || !strings.Contains(sent[0].Reply.Text, "xin lỗi chị") {
		t.Fatalf("the answer did not go to the citizen's Zalo: %+v", sent)
	}
	if v := b.MustEval(t, `document.getElementById("pub-text").value + document.getElementById("pub-answer").value`); strings.Contains(v.(string), "Trần Thị Lan") || strings.Contains(v.(string), "0912345678") {
		t.Errorf("the publish draft is not anonymised: %v", v)
	}
	screenshot(t, b, "complaints-case.png")
	b.MustEval(t, `document.getElementById("publish").click()`)
	b.WaitJS(t, "published", `location.search.includes("ok=publish") && document.readyState === "complete"`)

	b.MustEval(t, fmt.Sprintf("location.href = %q", base+"/phan-anh"))
	b.WaitJS(t, "the public page", fmt.Sprintf(`document.readyState === "complete" && !!document.getElementById(%q)`, target.Code))
	page := b.MustEval(t, `document.body.innerText`).(string)
	for _, private := range []string{"0912345678", "Trần Thị Lan", "zalo-b"} {
		if strings.Contains(page, private) {
			t.Errorf("/phan-anh shows %q", private)
		}
	}
	if !strings.Contains(page, "không cần bản sao giấy khai sinh") || !strings.Contains(page, "phường Cầu Giấy") {
		t.Errorf("/phan-anh lacks the answer:\n%s", page)
	}
	b.MustEval(t, `document.querySelector('input[name="q"]').value = "can cuoc"; document.querySelector('form[role="search"]').submit()`)
	b.WaitJS(t, "the search", fmt.Sprintf(`location.search.includes("q=can") && document.readyState === "complete" && !!document.getElementById(%q)`, target.Code))
	screenshot(t, b, "phan-anh.png")
}
