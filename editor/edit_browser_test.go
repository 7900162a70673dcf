package editor

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"botdvc/internal/browsertest"
)

// TestEditInBrowser drives the guide editor in headless Chromium: one field
// changed in the form is the one change in the history (the browser sends
// its textareas with CRLF), and a refused raw save leaves the cursor on the
// first problem's line, scrolled into view.
func TestEditInBrowser(t *testing.T) {
	b := browsertest.Start(t)
	ctx := context.Background()
	js := declaredJetStream(t)
	raw, _ := baseFiles(t)
	st, err := Open(ctx, js, raw)
	if err != nil {
		t.Fatal(err)
	}
	_, base := serveAdmin(t, &Admin{Store: st})
	const id = "cap-ho-chieu-pho-thong"

	b.MustEval(t, fmt.Sprintf("location.href = %q", base+"/admin/login"))
	b.WaitJS(t, "the sign-in page", `document.readyState === "complete" && !!document.getElementById("user")`)
	b.MustEval(t, `document.getElementById("user").value = "bientap";
		document.getElementById("password").value = "mat-khau-thu";
		document.querySelector("form").submit()`)
	b.WaitJS(t, "the guide list", `location.pathname === "/admin/" && document.readyState === "complete"`)

	// The form: change the fee only (two lines, as an editor types them).
	b.MustEval(t, fmt.Sprintf("location.href = %q", base+"/admin/guides/"+id))
	b.WaitJS(t, "the form", `document.readyState === "complete" && !!document.getElementById("fee")`)
	b.MustEval(t, `const fee = document.getElementById("fee");
		fee.value = "Lệ phí 200.000 đồng/hộ chiếu.\nNhận qua bưu chính thì trả thêm cước.";
		fee.form.submit()`)
	b.WaitJS(t, "the saved draft", `document.readyState === "complete" && location.search.includes("ok=") && !!document.getElementById("publish")`)
	b.MustEval(t, `document.getElementById("publish").click()`)
	b.WaitJS(t, "the publish", `document.readyState === "complete" && location.search.includes("ok=") && !document.getElementById("publish")`)
	hist, err := st.History(ctx, id)
	if err != nil || len(hist) != 2 {
		t.Fatalf("history: %d revisions, %v", len(hist), err)
	}
	if strings.Contains(hist[1].Markdown, "\r") {
		t.Error("the published file has CR")
	}
	changed := map[string]bool{}
	for _, l := range Diff(hist[0].Markdown, hist[1].Markdown) {
		if l.Op != ' ' {
			if k, _, ok := strings.Cut(l.Text, ":"); ok && !strings.HasPrefix(l.Text, " ") {
				changed[k] = true
			}
		}
	}
	if len(changed) > 1 || (len(changed) == 1 && !changed["fee"]) {
		t.Errorf("the history shows changes in %v, want fee only", changed)
	}
	onlyFee(t, id, hist[0].Markdown, hist[1].Markdown)
	// The history page shows the one-field diff.
	b.MustEval(t, fmt.Sprintf("location.href = %q", base+"/admin/guides/"+id+"/history"))
	b.WaitJS(t, "the history", `document.readyState === "complete" && document.querySelectorAll(".diff .add").length > 0`)
	if v := b.MustEval(t, `[...document.querySelectorAll(".diff .add, .diff .del")].filter(e => /^[+-]?[a-z_]+:/.test(e.textContent.trim())).map(e => e.textContent.trim().replace(/^[+-]\s*/, "").split(":")[0]).every(k => k === "fee")`); v != true {
		t.Error("the history page shows other fields changed")
	}

	// The raw editor: a refused save puts the cursor on the problem's line.
	b.MustEval(t, fmt.Sprintf("location.href = %q", base+"/admin/guides/dang-ky-khai-sinh?tab=raw"))
	b.WaitJS(t, "the raw editor", `document.readyState === "complete" && !!document.getElementById("markdown")`)
	b.MustEval(t, `const ta = document.getElementById("markdown");
		ta.value = ta.value.replace("\nrelated:\n", "\nrelated:\n  - khong-ton-tai\n");
		ta.form.submit()`)
	b.WaitJS(t, "the refused save", `document.readyState === "complete" && !!document.getElementById("problems")`)
	b.WaitJS(t, "the cursor on the bad line", `(() => {
		const ta = document.getElementById("markdown");
		const line = parseInt(ta.dataset.errorLine, 10);
		const before = ta.value.slice(0, ta.selectionStart).split("\n").length;
		const sel = ta.value.slice(ta.selectionStart, ta.selectionEnd);
		return document.activeElement === ta && before === line && sel.includes("khong-ton-tai") && ta.scrollTop > 0;
	})()`)
	if v := b.MustEval(t, `document.getElementById("problems").textContent`); !strings.Contains(fmt.Sprint(v), "không có hướng dẫn nào mã") {
		t.Errorf("problems: %v", v)
	}
}
