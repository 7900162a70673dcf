package bot_test

import (
	"testing"
	"time"

	"botdvc/bot"
)

// TestWithCatalogue loads the bundled corpus and the national catalogue
// (../shared/data) together: curated guides must still answer the questions
// they cover, and a procedure only the catalogue has answers from its record.
func TestWithCatalogue(t *testing.T) {
	if testing.Short() {
		t.Skip("indexes 2,600 catalogue records")
	}
	_, all := withCatalogue(t)
	e := MustOpenEngine(t, all, bot.NewMemorySessions(time.Hour))
	tests := []struct {
		q, guide string
		// orAsk: asking back with the guide first is right too. "sổ đỏ"
		// is in the names of three land guides, so "sang tên sổ đỏ" has a
		// calibrated confidence of 0.85–0.87, on the line where answering
		// (the wrong cost) and asking back are worth the same; a refit
		// moves it to either side. What must hold is that no catalogue
		// record comes before the curated guide.
		orAsk bool
	}{
		{"làm lại căn cước bị mất", "cap-lai-the-can-cuoc", false},
		{"dang ky khai sinh cho con", "dang-ky-khai-sinh", false},
		{"đổi giấy phép lái xe hết hạn", "cap-doi-giay-phep-lai-xe", false},
		{"xin phiếu lý lịch tư pháp", "cap-phieu-ly-lich-tu-phap", false},
		{"đăng ký kết hôn cần gì", "dang-ky-ket-hon", false},
		{"sang tên sổ đỏ", "dang-ky-bien-dong-dat-dai", true},
	}
	for i, tt := range tests {
		r := (&chat{t: t, e: e, user: "c" + string(rune('a'+i))}).say(tt.q)
		asked := tt.orAsk && r.Action == bot.ActionClarify && len(r.Options) > 0 && r.Options[0].Payload == bot.PayloadGuide+tt.guide
		if !asked && (r.Action != bot.ActionAnswer || r.GuideID != tt.guide) {
			t.Errorf("%q: %s %s, want answer %s (candidates %v)", tt.q, r.Action, r.GuideID, tt.guide, r.Candidates)
		}
	}
	r := (&chat{t: t, e: e, user: "tree"}).say("thủ tục cấp giấy phép chặt hạ cây xanh")
	if r.Action != bot.ActionAnswer || r.Code != "1.002693" {
		t.Fatalf("catalogue-only question: %s %s %s", r.Action, r.GuideID, r.Code)
	}
}
