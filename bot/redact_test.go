package bot

import (
	"strings"
	"testing"
)

func TestRedact(t *testing.T) {
	tests := []struct{ in, want string }{
		{"sđt của em 0912345678 ạ", "sđt của em [số điện thoại] ạ"},
		{"gọi 0912 345 678", "gọi [số điện thoại]"},
		{"+84912345678", "[số điện thoại]"},
		{"số cccd 001203004567", "số cccd [số giấy tờ]"},
		{"cmnd 012345678 cũ", "cmnd [số giấy tờ] cũ"},
		{"mail a.b@gmail.com nhé", "mail [email] nhé"},
		{"mã hồ sơ H26.01-251125-0001 đến đâu rồi", "mã hồ sơ H26.01-251125-0001 đến đâu rồi"},
		{"làm căn cước lần đầu", "làm căn cước lần đầu"},
		{"lệ phí 50.000 đồng", "lệ phí 50.000 đồng"},
	}
	for _, tt := range tests {
		if got := Redact(tt.in); got != tt.want {
			t.Errorf("Redact(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// The formats the security review found passing through (issue 12).
func TestRedactMoreFormats(t *testing.T) {
	tests := []struct{ in, want string }{
		{"cccd 001-099-012-345 ạ", "cccd [số giấy tờ] ạ"},
		{"cccd 001 099 012 345", "cccd [số giấy tờ]"},
		{"bàn 024 3825 1234 nhé", "bàn [số điện thoại] nhé"},
		{"máy bàn 02438251234", "máy bàn [số điện thoại]"},
		{"(024) 3825-1234", "[số điện thoại]"},
		{"hộ chiếu C1234567 hết hạn", "hộ chiếu [số giấy tờ] hết hạn"},
		{"hộ chiếu số c1234567", "hộ chiếu số [số giấy tờ]"},
		{"sđt ０９１２３４５６７８", "sđt [số điện thoại]"},
		{"cccd ００１２０３００４５６７", "cccd [số giấy tờ]"},
		{"stk 0011004567890 vietcombank", "stk [số tài khoản] vietcombank"},
		{"thẻ 9704 1234 5678 9012", "thẻ [số tài khoản]"},
		{"tài khoản 19036812345012", "tài khoản [số tài khoản]"},
		{"mail ａ.ｂ＠gmail.com", "mail [email]"},
		// Kept: what staff need and what is not personal.
		{"mã hồ sơ 000.00.17.H26-250101-0001", "mã hồ sơ 000.00.17.H26-250101-0001"},
		{"lệ phí 1.500.000 đồng", "lệ phí 1.500.000 đồng"},
		{"phạt 150.000.000 đồng", "phạt 150.000.000 đồng"},
		{"ngày 01.07.2025", "ngày 01.07.2025"},
		{"tổng đài 1900 1234", "tổng đài 1900 1234"},
		{"thủ tục 1.001193", "thủ tục 1.001193"},
		// Years, law names, short hotlines and ports are not account
		// numbers (an account or card number has 8 digits or more).
		{"con tôi sinh năm 2019", "con tôi sinh năm 2019"},
		{"theo Luật Đất đai 2024", "theo Luật Đất đai 2024"},
		{"gọi tổng đài 1022", "gọi tổng đài 1022"},
		{"dial tcp 127.0.0.1:18799: connection refused", "dial tcp 127.0.0.1:18799: connection refused"},
		{"stk 12345678", "stk [số tài khoản]"},
	}
	for _, tt := range tests {
		if got := Redact(tt.in); got != tt.want {
			t.Errorf("Redact(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func FuzzRedact(f *testing.F) {
	for _, s := range []string{"0912345678", "001-099-012-345", "C1234567", "０９１２", "9704 1234 5678 9012", "a@b.vn"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out := Redact(s)
		if Redact(out) != out {
			t.Errorf("Redact is not idempotent on %q: %q then %q", s, out, Redact(out))
		}
		for _, pii := range []string{"0912345678", "001099012345"} {
			if strings.Contains(s, pii) && strings.Contains(out, pii) {
				t.Errorf("Redact(%q) kept %s", s, pii)
			}
		}
	})
}
