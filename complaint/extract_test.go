package complaint

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestExtract(t *testing.T) {
	gs := bundled(t)
	for _, tc := range []struct {
		text                      string
		procedure, place, when, c string
	}{
		{"cán bộ phường Cầu Giấy hẹn đi hẹn lại khi tôi làm căn cước cho con, hôm qua", "cap-the-can-cuoc-lan-dau", "phường Cầu Giấy", "hôm qua", ""},
		{"UBND xã Minh Quang trả kết quả đăng ký khai sinh chậm, ngày 12/5/2026, sđt 0987.654.321", "dang-ky-khai-sinh", "xã Minh Quang", "12/5/2026", "0987654321"},
		{"đăng ký tạm trú online bị trả hồ sơ 3 lần, tuần trước, email lan.nguyen@gmail.com", "dang-ky-tam-tru", "", "tuần trước", "lan.nguyen@gmail.com"},
		{"phuong hoan kiem lam kho dan", "", "", "", ""},
		{"cán bộ thái độ không tốt", "", "", "", ""},
	} {
		g, _ := matchProcedure(tc.text, gs)
		if g.ID != tc.procedure || findPlace(tc.text) != tc.place || findWhen(tc.text) != tc.when || findContact(tc.text) != tc.c {
			t.Errorf("%q: procedure %q place %q when %q contact %q", tc.text, g.ID, findPlace(tc.text), findWhen(tc.text), findContact(tc.text))
		}
	}
	if !thin("tôi muốn phản ánh") || !thin("kiến nghị ạ") || thin("cán bộ một cửa quát nạt người dân") {
		t.Error("thin")
	}
}

func TestAnonymize(t *testing.T) {
	in := "Tôi là Trần Thị Lan, nhà số 12 ngõ 34 phố Huế, hồ sơ H26.01-251125-0001, gọi 0912345678. Cán bộ Nguyễn Văn Bình ở quầy số 3 quát tôi. Mã PA-4829-1736."
	out := Anonymize(in)
	for _, gone := range []string{"Trần Thị Lan", "ngõ 34", "H26.01-251125-0001", "0912345678", "Nguyễn Văn Bình"} {
		if strings.Contains(out, gone) {
			t.Errorf("Anonymize kept %q: %s", gone, out)
		}
	}
	for _, kept := range []string{"quầy số 3", "PA-4829-1736", "quát tôi"} {
		if !strings.Contains(out, kept) {
			t.Errorf("Anonymize removed %q: %s", kept, out)
		}
	}
}

// FuzzExtract: the readers of free text never panic, and what they return
// is valid UTF-8 taken from the input.
func FuzzExtract(f *testing.F) {
	for _, s := range []string{"phường Cầu Giấy hôm qua 0912345678", "xã  12/13/2026", "ngày 3 tháng 5", "a@b.cc", "phường", "\xff\xfe"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, got := range []string{findPlace(s), findWhen(s), findContact(s), Anonymize(s), clip(s, 20)} {
			if utf8.ValidString(s) && !utf8.ValidString(got) {
				t.Fatalf("invalid UTF-8 from %q: %q", s, got)
			}
		}
		if c := findContact(s); c != "" && strings.ContainsAny(c, " \t") {
			t.Fatalf("contact with spaces: %q", c)
		}
		_ = thin(s)
	})
}
