package bot

import "testing"

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
