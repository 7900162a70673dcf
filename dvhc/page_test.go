package dvhc_test

import (
	"io"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/gofiber/fiber/v2"

	"botdvc/dvhc"
)

func getPage(t *testing.T, app *fiber.App, query string) (int, string) {
	t.Helper()
	resp, err := app.Test(httptest.NewRequest("GET", "/tra-cuu-phuong-xa"+query, nil), -1)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestLookupPage(t *testing.T) {
	dir, err := dvhc.Load()
	if err != nil {
		t.Fatal(err)
	}
	app := fiber.New()
	(&dvhc.Page{Dir: dir}).Mount(app)

	code, body := getPage(t, app, "")
	if code != 200 || !strings.Contains(body, "Tra cứu phường, xã") || strings.Contains(body, "Đơn vị cũ (trước") {
		t.Fatalf("empty page: %d", code)
	}
	cases := []struct {
		q    string
		want []string
	}{
		{"?q=" + url.QueryEscape("dich vong hau"), []string{"Phường Dịch Vọng Hậu", "phường Cầu Giấy (một phần)", "phường Nghĩa Đô (phần còn lại)"}},
		{"?q=" + url.QueryEscape("phường Hồng Hà"), []string{"Đơn vị mới (từ 01/7/2025)", "Phường Phúc Xá", "Phường Chương Dương"}},
		{"?q=" + url.QueryEscape("Minh Khai"), []string{"Phường Minh Khai (quận Hai Bà Trưng)", "Phường Minh Khai (quận Bắc Từ Liêm)", "Xã Minh Khai"}},
		{"?tinh=*&q=" + url.QueryEscape("minh quang"), []string{"Tuyên Quang", "huyện Kiến Xương"}},
		{"?q=" + url.QueryEscape("Dịch Vọ"), []string{"các tên bắt đầu bằng", "Phường Dịch Vọng Hậu"}},
		{"?q=" + url.QueryEscape("<script>alert(1)</script>"), []string{"Không tìm thấy", "&lt;script&gt;"}},
	}
	for _, c := range cases {
		code, body := getPage(t, app, c.q)
		if code != 200 {
			t.Errorf("%s: status %d", c.q, code)
		}
		for _, w := range c.want {
			if !strings.Contains(body, w) {
				t.Errorf("%s: page lacks %q", c.q, w)
			}
		}
		if strings.Contains(body, "<script>alert") {
			t.Errorf("%s: query not escaped", c.q)
		}
	}
	if code, body := getPage(t, app, "?q="+strings.Repeat("a", 101)); code != 400 || !strings.Contains(body, "tối đa 100 ký tự") {
		t.Errorf("long query: %d", code)
	}
}
