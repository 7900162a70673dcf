package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/crypto/bcrypt"

	"botdvc/internal/browsertest"
)

// TestNewsInBrowser drives the announcement pages of the whole binary in
// headless Chromium: an editor signs in, writes a bản tin in /admin (a
// wrong guide id is refused with its field named), sees it listed, and a
// citizen reads it on /tin-moi; the ward lookup page answers a search. Run
// with -update to refresh the screenshots in doc/.
func TestNewsInBrowser(t *testing.T) {
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
	base := strings.Replace(m.URL(), "127.0.0.1", "localhost", 1) // a secure context keeps the Secure cookie

	b.MustEval(t, fmt.Sprintf("location.href = %q", base+"/admin/news"))
	b.WaitJS(t, "the sign-in page", `location.pathname === "/admin/login" && document.readyState === "complete"`)
	b.MustEval(t, `document.getElementById("user").value = "bientap";
		document.getElementById("password").value = "mật khẩu biên tập";
		document.querySelector("form").submit()`)
	b.WaitJS(t, "the admin", `location.pathname.startsWith("/admin") && location.pathname !== "/admin/login" && document.readyState === "complete"`)
	b.MustEval(t, fmt.Sprintf("location.href = %q", base+"/admin/news/new"))
	b.WaitJS(t, "the form", `document.readyState === "complete" && !!document.getElementById("title")`)
	fill := func(guides string) {
		b.MustEval(t, fmt.Sprintf(`document.getElementById("title").value = "Mẫu tờ khai CT01 theo Thông tư 53/2025/TT-BCA";
			document.getElementById("body").value = "Khi đăng ký thường trú, tạm trú, bạn dùng Tờ khai thay đổi thông tin cư trú (mẫu CT01) ban hành kèm Thông tư 53/2025/TT-BCA.\n\nHỏi thêm: nhắn \"đăng ký thường trú\" cho trợ lý.";
			document.getElementById("guides").value = %q;
			document.getElementById("from").value = "2026-12-01";
			document.getElementById("until").value = "2027-03-31";
			document.querySelector("form.card").submit()`, guides))
	}
	fill("dang-ky-thuong-tru, khong-co-thu-tuc-nay")
	b.WaitJS(t, "the refusal", `document.readyState === "complete" && document.querySelector(".err") !== null`)
	if v := b.MustEval(t, `document.querySelector(".err").textContent.includes("khong-co-thu-tuc-nay") && document.getElementById("title").value.includes("CT01")`); v != true {
		t.Fatal("the refusal does not name the guide, or the form lost what was typed")
	}
	fill("dang-ky-thuong-tru")
	b.WaitJS(t, "the list", `location.pathname === "/admin/news" && document.readyState === "complete" && document.body.textContent.includes("Mẫu tờ khai CT01")`)
	shot(t, b, "admin-news.png")

	b.MustEval(t, fmt.Sprintf("location.href = %q", base+"/tin-moi"))
	b.WaitJS(t, "the public page", `document.readyState === "complete" && document.querySelectorAll("article").length === 1`)
	if v := b.MustEval(t, `document.querySelector("article").textContent.includes("cho trợ lý.") && document.querySelector("article .guides a").textContent === "Đăng ký thường trú"`); v != true {
		t.Fatal("/tin-moi does not show the body and its guide")
	}
	shot(t, b, "tin-moi.png")

	b.MustEval(t, fmt.Sprintf("location.href = %q", base+"/tra-cuu-phuong-xa?q=minh+khai"))
	b.WaitJS(t, "the lookup page", `document.readyState === "complete" && document.querySelectorAll(".card").length >= 3`)
	shot(t, b, "tra-cuu-phuong-xa.png")
}
