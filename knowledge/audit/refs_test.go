package audit

import (
	"reflect"
	"testing"
	"time"
)

func TestRefs(t *testing.T) {
	cases := []struct {
		text string
		keys []string
	}{
		{"Thông tư 25/2021/TT-BTC về phí", []string{"25/2021/TT-BTC"}},
		{"Nghị định 70/2024/NĐ-CP; Nghị quyết 190/2025/QH15", []string{"70/2024/NĐ-CP", "190/2025/QH15"}},
		{"190/2025/NQ-QH15", []string{"190/2025/QH15"}},
		{"Thông tư số 06/2025/TT-BCA", []string{"6/2025/TT-BCA"}},
		{"Quyết định 1025/QĐ-BCA (công bố)", []string{"1025/QĐ-BCA"}},
		{"Quyết định số 52/2025/QĐ-TTg ngày 30/12/2025", []string{"52/2025/QĐ-TTg"}},
		{"Nghị quyết 66.7/2025/NQ-CP", []string{"66.7/2025/NQ-CP"}},
		// catalogue cells run together
		{"Luật 49/2019/QH1449/2019/QH14", []string{"49/2019/QH14", "49/2019/QH14"}},
		{"…31/2023/TT-BCAThông tư 110/2020/TT-BCA", []string{"31/2023/TT-BCA", "110/2020/TT-BCA"}},
		{"Thông tư số 53/2025/TT-BCAngày 01/7/2025", []string{"53/2025/TT-BCA"}},
		{"Luật Khiếu nại  năm 201102/2011/QH13Quy định", []string{"2/2011/QH13"}},
		{"Nghị định 05/2012/NĐ-CPNghị định", []string{"5/2012/NĐ-CP"}},
		{"LỆ PHÍ (25/2021/TT-BTC)QUY ĐỊNH", []string{"25/2021/TT-BTC"}},
		{"46/2005/TTLT/BQP-BKHĐT-BTC-BLĐTBXH", []string{"46/2005/TTLT-BQP-BKHĐT-BTC-BLĐTBXH"}},
		{"Luật Doanh nghiệp59/2020/QH1447/2019/TT-BTC", []string{"59/2020/QH14", "47/2019/TT-BTC"}},
		{"ban hành năm 2022.65/2025/TT-BTC ngày", []string{"65/2025/TT-BTC"}},
		// not documents
		{"từ 01/7/2025 đến hết 31/12/2026, mẫu 04/2025/LLTP, mã 1.001456", nil},
	}
	for _, c := range cases {
		var got []string
		for _, r := range Refs(c.text) {
			got = append(got, r.Key)
			if c.text[r.Start:r.End] != r.Text {
				t.Errorf("%q: Text %q is not text[%d:%d] %q", c.text, r.Text, r.Start, r.End, c.text[r.Start:r.End])
			}
		}
		if !reflect.DeepEqual(got, c.keys) {
			t.Errorf("Refs(%q) = %q, want %q", c.text, got, c.keys)
		}
	}
	r := Refs("Thông tư 64/2025/TT-BTC")[0]
	if !r.Circular() || !r.Finance() || r.Year != 2025 {
		t.Errorf("64/2025/TT-BTC: circular %v finance %v year %d", r.Circular(), r.Finance(), r.Year)
	}
	if r := Refs("Thông tư 17/2024/TT-BCA")[0]; r.Finance() {
		t.Errorf("17/2024/TT-BCA reported as a Ministry of Finance circular")
	}
}

func TestUntilsAndDates(t *testing.T) {
	text := "Từ 01/7/2025 đến hết 31/12/2026 thu 50%; Có hiệu lực từ ngày 01 tháng 7 năm 2023 đến hết ngày 31 tháng 12 năm 2023. Đến hết ngày 31/02/2026 (sai)."
	us := Untils(text)
	var got []string
	for _, u := range us {
		got = append(got, u.Date.Format("2006-01-02"))
	}
	if want := []string{"2026-12-31", "2023-12-31"}; !reflect.DeepEqual(got, want) {
		t.Errorf("Untils = %v, want %v", got, want)
	}
	ds := Dates("từ 01/01/2027, hoặc 1 tháng 1 năm 2027; mã 1.001456; 12/2025")
	if len(ds) != 2 || !ds[0].Equal(time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)) || !ds[1].Equal(ds[0]) {
		t.Errorf("Dates = %v", ds)
	}
}

func TestAmounts(t *testing.T) {
	vals := func(as []Amount) []int64 {
		var v []int64
		for _, a := range as {
			v = append(v, a.Value)
		}
		return v
	}
	fee := "Lệ phí 200.000 đồng; cấp lại 400.000 đ. Trực tuyến 160.000/320.000 đồng. Mã 1.001456, ngày 31/12/2026, 2.000 đồng/trang, 160,000 Việt Nam Đồng"
	if got, want := vals(Amounts(fee, false)), []int64{200000, 400000, 160000, 320000, 2000, 160000}; !reflect.DeepEqual(got, want) {
		t.Errorf("Amounts(fee) = %v, want %v", got, want)
	}
	faq := "Khoảng 1.000 người làm; lệ phí 100.000/200.000 đồng, còn 5.000 để dành"
	if got, want := vals(Amounts(faq, true)), []int64{100000, 200000}; !reflect.DeepEqual(got, want) {
		t.Errorf("Amounts(faq, unit) = %v, want %v", got, want)
	}
	if got := Percents("bằng 50% mức thu, 10 % khác"); !reflect.DeepEqual(got, []int{50, 10}) {
		t.Errorf("Percents = %v", got)
	}
}
