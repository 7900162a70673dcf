package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"botdvc/internal/browsertest"
)

var updateScreenshots = flag.Bool("update", false, "write the admin screenshots to ../../doc")

func shot(t *testing.T, b *browsertest.Browser, name string) {
	t.Helper()
	if *updateScreenshots {
		b.Screenshot(t, filepath.Join("..", "..", "doc", name))
	}
}

// TestAdminInBrowser drives the editors' pages of the whole binary in
// headless Chromium: sign in, edit a guide's file, preview the draft's
// answer next to the live one, publish, and see the bot's answer change
// (asked through the public /api/v1/ask). Run with -update to refresh the
// screenshots in doc/.
func TestAdminInBrowser(t *testing.T) {
	b := browsertest.Start(t)
	dir := t.TempDir()
	hash, err := bcrypt.GenerateFromPassword([]byte("mật khẩu biên tập"), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	pw := filepath.Join(dir, "editors.htpasswd")
	if err := os.WriteFile(pw, []byte("bientap:"+string(hash)+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	m := MustRunMain(t, filepath.Join(dir, "data"), map[string]string{"BOT_EDITOR_FILE": pw})
	// localhost is a secure context for Chromium, so the Secure session cookie is kept over plain http.
	base := strings.Replace(m.URL(), "127.0.0.1", "localhost", 1)

	// Some citizen traffic for the summary and the gap report.
	for i, q := range []string{"làm lại căn cước bị mất ở đâu", "đăng kí khai sinh cho con", "giá vàng hôm nay bao nhiêu",
		"giá vàng hôm nay thế nào", "thủ tục nuôi chó cảnh", "dk tam tru online"} {
		if code := postJSON(t, m.URL()+"/api/v1/chat", fmt.Sprintf(`{"session":"admin-browser-session-%02d","text":%q}`, i, q), nil); code != 202 {
			t.Fatalf("chat: %d", code)
		}
	}

	const question = "làm lại căn cước bị mất hết bao nhiêu tiền"
	const marker = "Lệ phí thử trên trang biên tập: 12.345 đồng."
	var before struct {
		GuideID string `json:"guide_id"`
		Text    string `json:"text"`
	}
	postJSON(t, m.URL()+"/api/v1/ask", fmt.Sprintf(`{"text":%q}`, question), &before)
	if before.GuideID != "cap-lai-the-can-cuoc" || strings.Contains(before.Text, marker) {
		t.Fatalf("before: %s %q", before.GuideID, before.Text)
	}

	b.MustEval(t, fmt.Sprintf("location.href = %q", base+"/admin/"))
	b.WaitJS(t, "the sign-in page", `location.pathname === "/admin/login" && document.readyState === "complete"`)
	b.MustEval(t, `document.getElementById("user").value = "bientap";
		document.getElementById("password").value = "mật khẩu biên tập";
		document.querySelector("form").submit()`)
	b.WaitJS(t, "the guide list", `location.pathname === "/admin/" && document.readyState === "complete" && document.querySelectorAll("tbody tr").length >= 56`)
	shot(t, b, "admin-guides.png")

	b.MustEval(t, fmt.Sprintf("location.href = %q", base+"/admin/guides/cap-lai-the-can-cuoc?tab=raw"))
	b.WaitJS(t, "the raw editor", `document.readyState === "complete" && !!document.getElementById("markdown")`)
	b.MustEval(t, fmt.Sprintf(`const ta = document.getElementById("markdown");
		ta.value = ta.value.replace("fee: |\n", "fee: |\n  " + %q + "\n");
		ta.form.submit()`, marker))
	b.WaitJS(t, "the saved draft", `document.readyState === "complete" && location.search.includes("ok=") && !!document.getElementById("publish")`)

	// Not yet published: citizens still get the old fee.
	var mid struct{ Text string }
	postJSON(t, m.URL()+"/api/v1/ask", fmt.Sprintf(`{"text":%q}`, question), &mid)
	if strings.Contains(mid.Text, marker) {
		t.Fatal("a draft reached citizens")
	}

	b.MustEval(t, fmt.Sprintf(`document.getElementById("ptext").value = %q; document.getElementById("ptext").form.submit()`, question))
	b.WaitJS(t, "the preview", `document.readyState === "complete" && !!document.getElementById("draft-answer")`)
	if v := b.MustEval(t, fmt.Sprintf(`document.getElementById("draft-answer").textContent.includes(%q) && !document.getElementById("live-answer").textContent.includes(%q)`, marker, marker)); v != true {
		t.Fatalf("preview: draft answer lacks the new fee or the live one has it")
	}
	shot(t, b, "admin-preview.png")

	b.MustEval(t, fmt.Sprintf("location.href = %q", base+"/admin/guides/cap-lai-the-can-cuoc"))
	b.WaitJS(t, "the guide page", `document.readyState === "complete" && !!document.getElementById("publish")`)
	shot(t, b, "admin-edit.png")
	b.MustEval(t, `document.getElementById("publish").click()`)
	b.WaitJS(t, "the publish confirmation", `document.readyState === "complete" && location.search.includes("ok=") && !document.getElementById("publish")`)

	waitFor(t, 2*time.Second, func() bool {
		var after struct{ Text string }
		postJSON(t, m.URL()+"/api/v1/ask", fmt.Sprintf(`{"text":%q}`, question), &after)
		return strings.Contains(after.Text, marker)
	})

	b.MustEval(t, fmt.Sprintf("location.href = %q", base+"/admin/summary?days=7"))
	b.WaitJS(t, "the summary", `document.readyState === "complete" && document.querySelectorAll("svg rect").length > 0`)
	shot(t, b, "admin-summary.png")
	// The monthly report: the same question figures, with the complaints.
	if code := postJSON(t, m.URL()+"/api/v1/complaints", `{"text":"Cán bộ một cửa hẹn đi hẹn lại khi cấp lại căn cước","procedure":"cấp lại thẻ căn cước","place":"phường Cầu Giấy"}`, nil); code != 201 {
		t.Fatalf("complaint: %d", code)
	}
	b.MustEval(t, fmt.Sprintf("location.href = %q", base+"/admin/report"))
	b.WaitJS(t, "the monthly report", `document.readyState === "complete" && document.getElementById("q-total").textContent !== "0" && document.getElementById("c-received").textContent === "1"`)
	shot(t, b, "admin-report.png")
	b.MustEval(t, fmt.Sprintf("location.href = %q", base+"/admin/gaps?days=7"))
	b.WaitJS(t, "the gap report", `document.readyState === "complete" && document.body.textContent.includes("giá vàng")`)
	shot(t, b, "admin-gaps.png")

	// The history shows the publish with its diff.
	var hist []json.RawMessage
	req := fmt.Sprintf("%s/admin/guides/cap-lai-the-can-cuoc/history", base)
	b.MustEval(t, fmt.Sprintf("location.href = %q", req))
	b.WaitJS(t, "the history", `document.readyState === "complete" && document.querySelectorAll(".diff .add").length > 0`)
	_ = hist

	// The stale page carries the audit of the live guides (botctl audit's
	// checks; without BOT_CATALOG only those that need no catalogue).
	b.MustEval(t, fmt.Sprintf("location.href = %q", base+"/admin/stale"))
	b.WaitJS(t, "the stale page's audit", `document.readyState === "complete" && !!document.getElementById("kiem-tra") && document.body.textContent.includes("Chưa nạp danh mục")`)
}

// TestAdminStaleAuditInBrowser opens the stale page of a botd that loaded
// the national catalogue (BOT_CATALOG) after an editor published a fee no
// catalogue record gives: the audit lists it with the line of the guide
// file. It builds a catalogue-sized index, so it is skipped with -short or
// without ../shared/data; -update writes doc/admin-stale.png.
func TestAdminStaleAuditInBrowser(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a catalogue-sized index")
	}
	const catalogue = "../../../shared/data/dvcqg-procedures.jsonl.gz"
	if _, err := os.Stat(catalogue); err != nil {
		t.Skipf("national catalogue not available: %v", err)
	}
	b := browsertest.Start(t)
	dir := t.TempDir()
	hash, err := bcrypt.GenerateFromPassword([]byte("mật khẩu biên tập"), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	pw := filepath.Join(dir, "editors.htpasswd")
	if err := os.WriteFile(pw, []byte("bientap:"+string(hash)+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	m := MustRunMain(t, filepath.Join(dir, "data"), map[string]string{"BOT_EDITOR_FILE": pw, "BOT_CATALOG": catalogue})
	base := strings.Replace(m.URL(), "127.0.0.1", "localhost", 1)

	b.MustEval(t, fmt.Sprintf("location.href = %q", base+"/admin/"))
	b.WaitJS(t, "the sign-in page", `location.pathname === "/admin/login" && document.readyState === "complete"`)
	b.MustEval(t, `document.getElementById("user").value = "bientap";
		document.getElementById("password").value = "mật khẩu biên tập";
		document.querySelector("form").submit()`)
	b.WaitJS(t, "the guide list", `location.pathname === "/admin/" && document.readyState === "complete"`)

	// An editor publishes a passport fee that no catalogue record gives.
	const stale = "Lệ phí cũ theo bảng giá tự ghi: 123.000 đồng."
	b.MustEval(t, fmt.Sprintf("location.href = %q", base+"/admin/guides/cap-ho-chieu-pho-thong?tab=raw"))
	b.WaitJS(t, "the raw editor", `document.readyState === "complete" && !!document.getElementById("markdown")`)
	b.MustEval(t, fmt.Sprintf(`const ta = document.getElementById("markdown");
		ta.value = ta.value.replace("fee: |\n", "fee: |\n  " + %q + "\n");
		ta.form.submit()`, stale))
	b.WaitJS(t, "the saved draft", `document.readyState === "complete" && !!document.getElementById("publish")`)
	b.MustEval(t, `document.getElementById("publish").click()`)
	b.WaitJS(t, "the publish confirmation", `document.readyState === "complete" && location.search.includes("ok=") && !document.getElementById("publish")`)

	b.MustEval(t, fmt.Sprintf("location.href = %q", base+"/admin/stale"))
	b.WaitJS(t, "the audit finding", `document.readyState === "complete" && !!document.getElementById("kiem-tra") && document.body.textContent.includes("Số tiền 123.000 đồng")`)
	b.MustEval(t, `document.getElementById("kiem-tra").scrollIntoView()`)
	shot(t, b, "admin-stale.png")
}
