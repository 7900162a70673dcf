package complaint

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"
	"golang.org/x/crypto/bcrypt"

	"botdvc/bot"
	"botdvc/webauth"
)

const staffPassword = "mật khẩu tổng đài"

// newApp mounts the desk's public and staff routes on a real Fiber app,
// signed in with a real htpasswd account "lan".
func newApp(t *testing.T, d *Desk) *fiber.App {
	t.Helper()
	hash, err := bcrypt.GenerateFromPassword([]byte(staffPassword), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	accounts, err := webauth.ParseHtpasswd(strings.NewReader("lan:" + string(hash) + "\n"))
	if err != nil {
		t.Fatal(err)
	}
	auth := webauth.New(accounts, webauth.NewMemoryStore(), webauth.Config{}, nil)
	app := fiber.New()
	d.Public().Mount(app)
	d.Console(auth).Mount(app)
	return app
}

func do(t *testing.T, app *fiber.App, method, path, body string, staff bool) (int, map[string]any, string) {
	t.Helper()
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if staff {
		req.SetBasicAuth("lan", staffPassword)
	}
	resp, err := app.Test(req, 10_000)
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := io.ReadAll(resp.Body)
	var m map[string]any
	_ = json.Unmarshal(raw, &m)
	return resp.StatusCode, m, string(raw)
}

func TestAPIRefusesBadInput(t *testing.T) {
	clk := newClock("2026-06-01T09:00:00+07:00")
	d, _ := MustOpenDesk(t, clk)
	app := newApp(t, d)
	for _, tc := range []struct {
		body string
		code int
		want string
	}{
		{`{"text":""}`, 400, `"text" is required`},
		{`{"text":"   "}`, 400, `"text" is required`},
		{`{"place":"phường Cầu Giấy"}`, 400, `"text" is required`},
		{``, 400, "empty body"},
		{`{"text":`, 400, "invalid JSON at byte"},
		{`{"text":5}`, 400, `field "text" must be a string`},
		{`{"text":"cán bộ hẹn lại nhiều lần","contact":"0912345678"}`, 400, `"consent": true`},
		{`{"text":"x","session":"bad session"}`, 400, `"session"`},
		{`{"text":"` + strings.Repeat("a", MaxText+1) + `"}`, 400, "at most 4000"},
	} {
		code, m, raw := do(t, app, "POST", "/api/v1/complaints", tc.body, false)
		if code != tc.code || !strings.Contains(m["error"].(string), tc.want) {
			t.Errorf("POST %.60q: %d %s, want %d with %q", tc.body, code, raw, tc.code, tc.want)
		}
	}
	if n := len(d.List(Filter{})); n != 0 {
		t.Errorf("%d complaints stored from bad input", n)
	}
	for path, want := range map[string]int{"/api/v1/complaints/PA-1234-5678": 400, "/api/v1/complaints/xyz": 400} {
		if code, _, raw := do(t, app, "GET", path, "", false); code != want {
			t.Errorf("GET %s: %d %s, want %d", path, code, raw, want)
		}
	}
}

func TestStaffRoutesNeedCredentials(t *testing.T) {
	clk := newClock("2026-06-01T09:00:00+07:00")
	d, _ := MustOpenDesk(t, clk)
	app := newApp(t, d)
	code, m, _ := do(t, app, "POST", "/api/v1/complaints", `{"text":"cán bộ phường thu tiền ngoài quy định"}`, false)
	if code != 201 {
		t.Fatal(code, m)
	}
	pa := m["code"].(string)
	for _, r := range []struct{ method, path string }{
		{"GET", "/api/v1/hotline/complaints"}, {"GET", "/api/v1/hotline/complaints/" + pa},
		{"POST", "/api/v1/hotline/complaints/" + pa + "/reply"}, {"POST", "/api/v1/hotline/complaints/" + pa + "/status"},
		{"POST", "/api/v1/hotline/complaints/" + pa + "/publish"}, {"GET", "/api/v1/hotline/complaints/" + pa + "/files/0"},
	} {
		if code, _, raw := do(t, app, r.method, r.path, `{"text":"x"}`, false); code != 401 {
			t.Errorf("%s %s without credentials: %d %s", r.method, r.path, code, raw)
		}
	}
	req := httptest.NewRequest("GET", "/hotline/complaints/", nil)
	resp, _ := app.Test(req)
	if resp.StatusCode != 303 || resp.Header.Get("Location") != "/hotline/login" {
		t.Errorf("console page without a session: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	req = httptest.NewRequest("GET", "/api/v1/hotline/complaints", nil)
	req.SetBasicAuth("lan", "wrong")
	if resp, _ := app.Test(req); resp.StatusCode != 401 {
		t.Errorf("wrong password: %d", resp.StatusCode)
	}
}

// The whole life over the API: filed by the form (with its chat session),
// listed and filtered, forwarded, answered (on the web chat), published
// anonymised, found on /phan-anh; the public status never shows personal data.
func TestAPILifecycle(t *testing.T) {
	clk := newClock("2026-06-01T09:00:00+07:00")
	d, out := MustOpenDesk(t, clk)
	app := newApp(t, d)
	const session = "form-session-0123456789"
	body := `{"text":"Ngày 28/5 tôi là Nguyễn Văn An nộp hồ sơ đăng ký khai sinh tại phường Hồng Hà, cán bộ hẹn 3 ngày nhưng đến nay chưa có. Gọi tôi 0912 345 678.",
		"place":"phường Hồng Hà","procedure":"đăng ký khai sinh","contact":"0912345678","consent":true,"session":"` + session + `"}`
	code, m, raw := do(t, app, "POST", "/api/v1/complaints", body, false)
	if code != 201 || m["status"] != "received" {
		t.Fatalf("file: %d %s", code, raw)
	}
	pa := m["code"].(string)
	if _, err := ParseCode(pa); err != nil {
		t.Fatalf("code %q: %v", pa, err)
	}

	// Public status: no text, no contact, no name.
	code, _, raw = do(t, app, "GET", "/api/v1/complaints/"+url.PathEscape(strings.ToLower(strings.ReplaceAll(pa, "-", " "))), "", false)
	if code != 200 || !strings.Contains(raw, `"status":"received"`) {
		t.Fatalf("view: %d %s", code, raw)
	}
	for _, secret := range []string{"0912", "Nguyễn Văn An", "hẹn 3 ngày", "contact", "user_id"} {
		if strings.Contains(raw, secret) {
			t.Errorf("public view shows %q: %s", secret, raw)
		}
	}

	// Staff: list with filters, then the case with the consented contact.
	for q, want := range map[string]int{"": 1, "?status=received": 1, "?status=answered": 0, "?procedure=khai+sinh": 1,
		"?procedure=dang-ky-khai-sinh": 1, "?ward=hong+ha": 1, "?ward=cau+giay": 0, "?older_than=1": 0, "?overdue=1": 0} {
		code, m, raw := do(t, app, "GET", "/api/v1/hotline/complaints"+q, "", true)
		if code != 200 || len(m["complaints"].([]any)) != want {
			t.Errorf("list%s: %d %s, want %d", q, code, raw, want)
		}
	}
	if code, _, raw := do(t, app, "GET", "/api/v1/hotline/complaints?status=nope", "", true); code != 400 {
		t.Errorf("bad status filter: %d %s", code, raw)
	}
	code, m, raw = do(t, app, "GET", "/api/v1/hotline/complaints/"+pa, "", true)
	if code != 200 || m["contact"] != "0912345678" || m["procedure_id"] != "dang-ky-khai-sinh" || strings.Contains(raw, "0912 345 678") || strings.Contains(raw, session) {
		t.Fatalf("staff get: %d %s", code, raw)
	}

	if code, _, raw := do(t, app, "POST", "/api/v1/hotline/complaints/"+pa+"/status", `{"status":"forwarded"}`, true); code != 400 || !strings.Contains(raw, "agency") {
		t.Errorf("forward without agency: %d %s", code, raw)
	}
	if code, _, raw := do(t, app, "POST", "/api/v1/hotline/complaints/"+pa+"/publish", `{}`, true); code != 409 {
		t.Errorf("publish before answer: %d %s", code, raw)
	}
	code, m, raw = do(t, app, "POST", "/api/v1/hotline/complaints/"+pa+"/status", `{"status":"forwarded","agency":"UBND phường Hồng Hà","note":"chuyển bộ phận tư pháp"}`, true)
	if code != 200 || m["status"] != "forwarded" || m["agency"] != "UBND phường Hồng Hà" {
		t.Fatalf("forward: %d %s", code, raw)
	}
	clk.Add(3 * 24 * time.Hour)
	code, m, raw = do(t, app, "POST", "/api/v1/hotline/complaints/"+pa+"/reply", `{"text":"Chào anh Nguyễn Văn An, UBND phường Hồng Hà đã trả kết quả đăng ký khai sinh ngày 4/6 và xin lỗi anh vì chậm trễ."}`, true)
	if code != 200 || m["status"] != "answered" {
		t.Fatalf("reply: %d %s", code, raw)
	}
	sent := out.all()
	if len(sent) != 1 || sent[0].Channel != bot.Web || sent[0].UserID != session || !strings.Contains(sent[0].Reply.Text, "xin lỗi anh") {
		t.Fatalf("answer on the web chat: %+v", sent)
	}

	code, m, raw = do(t, app, "POST", "/api/v1/hotline/complaints/"+pa+"/publish", `{}`, true)
	if code != 200 {
		t.Fatalf("publish: %d %s", code, raw)
	}
	for _, secret := range []string{"0912", "Nguyễn Văn An"} {
		if strings.Contains(raw, secret) {
			t.Errorf("published text holds %q: %s", secret, raw)
		}
	}
	resp, err := app.Test(httptest.NewRequest("GET", "/phan-anh?q="+url.QueryEscape("khai sinh hong ha"), nil))
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 || !strings.Contains(string(page), pa) || !strings.Contains(string(page), "xin lỗi anh") ||
		strings.Contains(string(page), "Nguyễn Văn An") || strings.Contains(string(page), "0912") {
		t.Fatalf("/phan-anh: %d\n%s", resp.StatusCode, page)
	}
	resp, _ = app.Test(httptest.NewRequest("GET", "/phan-anh?q=can+cuoc", nil))
	page, _ = io.ReadAll(resp.Body)
	if strings.Contains(string(page), pa) {
		t.Errorf("search for another procedure lists it")
	}
	code, _, raw = do(t, app, "GET", "/api/v1/complaints/"+pa, "", false)
	if code != 200 || !strings.Contains(raw, "xin lỗi anh") || strings.Contains(raw, "Nguyễn Văn An") {
		t.Errorf("public view after publishing: %d %s", code, raw)
	}
	resp, _ = app.Test(httptest.NewRequest("GET", "/phan-anh/"+pa, nil))
	if resp.StatusCode != 200 {
		t.Errorf("status page: %d", resp.StatusCode)
	}
	if code, _, _ := do(t, app, "POST", "/api/v1/hotline/complaints/"+pa+"/unpublish", ``, true); code != 200 {
		t.Errorf("unpublish: %d", code)
	}
	resp, _ = app.Test(httptest.NewRequest("GET", "/phan-anh", nil))
	page, _ = io.ReadAll(resp.Body)
	if strings.Contains(string(page), pa) {
		t.Errorf("unpublished complaint still on /phan-anh")
	}
	s := d.Stats(time.Date(2026, 6, 1, 0, 0, 0, 0, Hanoi), time.Date(2026, 7, 1, 0, 0, 0, 0, Hanoi))
	if s.Received != 1 || s.Answered != 1 || s.OnTime != 1 || s.OnTimeRate != 1 || s.ByStatus["answered"] != 1 || s.ByChannel["web"] != 1 {
		t.Errorf("stats: %+v", s)
	}
	// Retried with the same Idempotency-Key: one complaint.
	for range 2 {
		req := httptest.NewRequest("POST", "/api/v1/complaints", strings.NewReader(`{"text":"cán bộ phường quát nạt người dân"}`))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Idempotency-Key", "form-key-000001")
		if resp, _ := app.Test(req); resp.StatusCode != 201 {
			t.Fatal(resp.StatusCode)
		}
	}
	if n := len(d.List(Filter{})); n != 2 {
		t.Errorf("%d complaints after a retried POST, want 2", n)
	}
	_ = http.StatusOK
}
