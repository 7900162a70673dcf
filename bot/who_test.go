package bot

import "testing"

func TestWhoIn(t *testing.T) {
	for q, want := range map[string]string{
		"làm căn cước cho con cần gì":                "con bạn",
		"Con tôi 10 tuổi có làm căn cước được không": "con bạn",
		"bé nhà em chưa có giấy khai sinh":           "con bạn",
		"lam giay khai sinh cho be o dau":            "con bạn",
		"lam can cuoc cho con 14 tuoi":               "con bạn",
		"con 5 tuoi lam ho chieu":                    "con bạn",
		"làm giấy chứng tử cho bố":                   "bố bạn",
		"mẹ tôi mất, làm khai tử thế nào":            "mẹ bạn",
		"đăng ký tạm trú cho vợ":                     "vợ bạn",
		"làm hộ chiếu cho bố mẹ":                     "bố mẹ bạn",
		"liên thông khai sinh cho trẻ em":            "con bạn",
		"còn lệ phí thì sao":                         "",
		"con le phi thi sao":                         "",
		"con minh thi sao":                           "", // "còn mình thì sao"
		"con toi thi lam o dau":                      "", // "còn tôi thì làm ở đâu"
		"cho bo di dau":                              "", // no diacritics: "bỏ", "bộ"?
		"đổi căn cước ở đâu":                         "",
		"con dấu công ty bị mất":                     "",
	} {
		if got := whoIn(q); got != want {
			t.Errorf("whoIn(%q) = %q, want %q", q, got, want)
		}
	}
}
