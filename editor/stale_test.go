package editor

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"botdvc/knowledge"
	"botdvc/knowledge/audit"
)

// The stale page lists the audit's findings for the live guides, with the
// line in the guide file and a link to the catalogue record: the same list
// botctl audit prints.
func TestStalePageShowsAudit(t *testing.T) {
	ctx := context.Background()
	js := declaredJetStream(t)
	guide := strings.Replace(sampleGuide, "id: cap-phep-thu\n", "id: cap-phep-thu\ncode: \"1.000777\"\n", 1)
	guide = withFee(guide, "Phí theo Thông tư 244/2016/TT-BTC; giảm còn 10.000 đồng đến hết 31/12/2025.")
	st, err := Open(ctx, js, map[string][]byte{"cap-phep-thu": []byte(guide)})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 12, 3, 9, 0, 0, 0, time.UTC)
	st.Now = func() time.Time { return now }
	cat := audit.NewCatalog([]knowledge.Guide{{ID: "tthc-1-000777", Code: "1.000777", Title: "Cấp phép thử", Source: knowledge.SourceCatalog,
		SourceURL: "https://dichvucong.gov.vn/thu-tuc-hanh-chinh/thu", Domain: "thu",
		Methods: []knowledge.Method{{Channel: "Trực tiếp", Fee: "20,000 Việt Nam Đồng (20.000 đồng/lần)"}}}})
	app, user, pass := adminApp(t, &Admin{Store: st, Now: func() time.Time { return now }, AuditCatalog: func() *audit.Catalog { return cat }})

	form := url.Values{"user": {user}, "password": {pass}}
	req, _ := http.NewRequest("POST", "/admin/login", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := app.Test(req)
	if err != nil || resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign in: %v %v", resp.StatusCode, err)
	}
	req, _ = http.NewRequest("GET", "/admin/stale", nil)
	for _, c := range resp.Cookies() {
		req.AddCookie(c)
	}
	resp, err = app.Test(req, 10000)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	page := string(body)
	if resp.StatusCode != 200 {
		t.Fatalf("GET /admin/stale: %d\n%s", resp.StatusCode, page)
	}
	feeLine := strings.Count(guide[:strings.Index(guide, "fee: ")], "\n") + 1
	for _, want := range []string{
		"Kiểm tra tự động",
		"244/2016/TT-BTC",                // replaced by 16/2025 (bundled register)
		"Mốc thời hạn 31/12/2025 đã qua", // past time limit
		"Số tiền 10.000 đồng",            // no record gives it
		`href="https://dichvucong.gov.vn/thu-tuc-hanh-chinh/thu"`,
		"<td>" + strconv.Itoa(feeLine) + "</td><td>fee</td>",
	} {
		if !strings.Contains(page, want) {
			t.Errorf("stale page lacks %q", want)
		}
	}
	if t.Failed() {
		t.Log(page)
	}
}
