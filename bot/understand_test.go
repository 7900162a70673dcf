package bot

import (
	"testing"

	"botdvc/knowledge/vntext"
)

func TestAspect(t *testing.T) {
	dict := vntext.DefaultDict()
	tests := []struct {
		q     string
		title string // title of the guide the answer would use
		want  Aspect
	}{
		{"làm căn cước cần giấy tờ gì", "", AspectDocuments},
		{"lam can cuoc can giay to gi", "", AspectDocuments},
		{"hồ sơ gồm những gì", "", AspectDocuments},
		{"phải mang theo gì", "", AspectDocuments},
		{"lệ phí bao nhiêu", "", AspectFee},
		{"le phi bao nhieu", "", AspectFee},
		{"có mất tiền không", "", AspectFee},
		{"hết bao nhiêu tiền", "", AspectFee},
		{"mất bao lâu", "", AspectDuration},
		{"mat may ngay", "", AspectDuration},
		{"mất bao nhiêu ngày", "", AspectDuration},
		{"quá 60 ngày thì sao", "", AspectDuration},
		{"nộp ở đâu", "", AspectPlace},
		{"nop o dau", "", AspectPlace},
		{"mất bằng lái thì làm lại ở đâu", "", AspectPlace},
		{"làm thế nào", "", AspectSteps},
		{"lam the nao", "", AspectSteps},
		{"đổi căn cước thì làm sao", "", AspectSteps},
		{"làm online được không", "", AspectOnline},
		{"lam online dc ko", "", AspectOnline},
		{"nộp qua mạng được không", "", AspectOnline},
		{"ai được làm", "", AspectEligibility},
		{"điều kiện là gì", "", AspectNone},
		{"cần điều kiện gì", "", AspectEligibility},
		{"con tôi 10 tuổi có làm được không", "", AspectEligibility},
		{"có bắt buộc không", "", AspectEligibility},
		{"bao nhiêu tuổi thì được kết hôn", "", AspectEligibility},
		{"dịch vụ công toàn trình là gì", "", AspectNone},
		{"đăng ký khai sinh", "", AspectSteps},
		// The online words name the procedure itself: how to do it.
		{"làm sao nộp hồ sơ trực tuyến", "Nộp hồ sơ thủ tục hành chính trực tuyến", AspectSteps},
		// Only the online cue is left once the title's own words are set aside.
		{"thanh toán lệ phí online được không", "Thanh toán trực tuyến phí, lệ phí", AspectOnline},
	}
	for _, tt := range tests {
		q := understand(tt.q, dict)
		title := analyse(dict, tt.title).folded
		if got := q.aspectFor(title); got != tt.want {
			t.Errorf("aspect(%q) = %q, want %q (cues %v)", tt.q, got, tt.want, q.cues)
		}
	}
}

func TestIntent(t *testing.T) {
	dict := vntext.DefaultDict()
	tests := []struct {
		q    string
		want intent
	}{
		{"Xin chào", intentGreeting},
		{"chao ban", intentGreeting},
		{"alo ad ơi", intentGreeting},
		{"cảm ơn bạn nhiều", intentThanks},
		{"ok cam on nhe", intentThanks},
		{"menu", intentMenu},
		{"bạn giúp được gì", intentMenu},
		{"cho toi noi chuyen voi tong dai vien", intentPerson},
		{"Gặp nhân viên hỗ trợ", intentPerson},
		{"tôi muốn nói chuyện với người thật", intentPerson},
		{"Tôi muốn phản ánh việc cán bộ hẹn đi hẹn lại nhiều lần", intentComplaint},
		{"cán bộ phường có thái độ rất tệ", intentComplaint},
		{"làm sao gửi kiến nghị về thủ tục rườm rà", intentQuestion},
		{"chào bạn, làm căn cước ở đâu", intentQuestion},
		{"đăng ký khai sinh", intentQuestion},
		{"kể chuyện cười đi", intentQuestion},
	}
	for _, tt := range tests {
		if got := understand(tt.q, dict).intent; got != tt.want {
			t.Errorf("intent(%q) = %d, want %d", tt.q, got, tt.want)
		}
	}
}

func TestUnderstandDetails(t *testing.T) {
	dict := vntext.DefaultDict()
	if q := understand("2", dict); q.number != 2 {
		t.Errorf("number(2) = %d", q.number)
	}
	if q := understand("2 cái", dict); q.number != 0 {
		t.Errorf("number(2 cái) = %d, want 0", q.number)
	}
	for _, tt := range []struct{ in, want string }{
		{"hồ sơ H26.01-251125-0001 đến đâu rồi", "H26.01-251125-0001"},
		{"mã 000.00.20.H26-250101-0001 ạ", "000.00.20.H26-250101-0001"},
		{"thủ tục 1.001193 là gì", ""},
		{"sđt 0912.345.678", ""},
	} {
		if got := findDossier(tt.in); got != tt.want {
			t.Errorf("findDossier(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	q := understand("còn lệ phí thì sao?", dict)
	if len(q.content) != 0 || q.anyAspect() != AspectFee {
		t.Errorf("follow-up: content %v aspect %q, want none and fee", q.content, q.anyAspect())
	}
	q = understand("Cho em hỏi làm lại CCCD ở đâu ạ", dict)
	if got, want := join(q.content), "lam lai can cuoc"; got != want {
		t.Errorf("content = %q, want %q", got, want)
	}
}

func join(ws []string) string {
	s := ""
	for i, w := range ws {
		if i > 0 {
			s += " "
		}
		s += w
	}
	return s
}

func TestComplaintWithMoneyWord(t *testing.T) {
	dict := vntext.DefaultDict()
	if got := understand("cán bộ đòi tiền bồi dưỡng mới giải quyết hồ sơ", dict).intent; got != intentComplaint {
		t.Errorf("intent = %d, want complaint", got)
	}
	q := understand("đổi số điện thoại trên vneid", dict)
	title := analyse(dict, "Quên mật khẩu, khôi phục tài khoản hoặc đổi số điện thoại VNeID").folded
	if got := q.aspectFor(title); got != AspectSteps {
		t.Errorf("aspect = %q, want steps: \"trên VNeID\" is in the title", got)
	}
}

func TestOneEdit(t *testing.T) {
	for _, tt := range []struct {
		a, b string
		want bool
	}{
		{"sihn", "sinh", true}, {"sinh", "sinh", false}, {"kahi", "khai", true}, {"cuocc", "cuoc", true},
		{"xee", "xe", true}, {"sinh", "tinh", true}, {"sinh", "snih", true}, {"sinh", "shin", false}, {"abc", "abcde", false}, {"ab", "ba", true},
	} {
		if got := oneEdit(tt.a, tt.b); got != tt.want {
			t.Errorf("oneEdit(%q, %q) = %v, want %v", tt.a, tt.b, got, tt.want)
		}
	}
}

func TestIsComplaint(t *testing.T) {
	for text, want := range map[string]bool{
		"Tôi muốn phản ánh việc cán bộ hẹn đi hẹn lại nhiều lần": true,
		"kiến nghị phường xử lý chậm trễ hồ sơ của tôi":          true,
		"cán bộ một cửa thái độ quát nạt người dân":              true,
		"làm sao gửi kiến nghị về thủ tục rườm rà":               false, // how to: a procedure question
		"đăng ký khai sinh cần giấy tờ gì":                       false,
		"xin chào": false,
	} {
		if got := IsComplaint(text); got != want {
			t.Errorf("IsComplaint(%q) = %v, want %v", text, got, want)
		}
	}
}
