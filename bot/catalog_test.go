package bot_test

import (
	"testing"
	"time"

	"botdvc/bot"
	"botdvc/knowledge"
	"botdvc/knowledge/catalog"
	"botdvc/knowledge/guides"
)

// TestWithCatalogue loads the bundled corpus and the national catalogue
// (../shared/data) together: curated guides must still answer the questions
// they cover, and a procedure only the catalogue has answers from its record.
func TestWithCatalogue(t *testing.T) {
	if testing.Short() {
		t.Skip("indexes 2,600 catalogue records")
	}
	curated, err := guides.Load()
	if err != nil {
		t.Fatal(err)
	}
	cat, _, err := catalog.ReadFile("../../shared/data/dvcqg-procedures.jsonl.gz", nil)
	if err != nil {
		t.Skipf("catalogue: %v", err)
	}
	e := MustOpenEngine(t, knowledge.Merge(curated, cat), bot.NewMemorySessions(time.Hour))
	tests := []struct{ q, guide string }{
		{"làm lại căn cước bị mất", "cap-lai-the-can-cuoc"},
		{"dang ky khai sinh cho con", "dang-ky-khai-sinh"},
		{"đổi giấy phép lái xe hết hạn", "cap-doi-giay-phep-lai-xe"},
		{"xin phiếu lý lịch tư pháp", "cap-phieu-ly-lich-tu-phap"},
		{"đăng ký kết hôn cần gì", "dang-ky-ket-hon"},
		{"sang tên sổ đỏ", "dang-ky-bien-dong-dat-dai"},
	}
	for i, tt := range tests {
		r := (&chat{t: t, e: e, user: "c" + string(rune('a'+i))}).say(tt.q)
		if r.Action != bot.ActionAnswer || r.GuideID != tt.guide {
			t.Errorf("%q: %s %s, want answer %s (candidates %v)", tt.q, r.Action, r.GuideID, tt.guide, r.Candidates)
		}
	}
	r := (&chat{t: t, e: e, user: "tree"}).say("thủ tục cấp giấy phép chặt hạ cây xanh")
	if r.Action != bot.ActionAnswer || r.Code != "1.002693" {
		t.Fatalf("catalogue-only question: %s %s %s", r.Action, r.GuideID, r.Code)
	}
}
