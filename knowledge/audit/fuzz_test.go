package audit

import (
	"strings"
	"testing"

	"botdvc/knowledge"
)

// The text readers must never panic and must return offsets into the text.
func FuzzRefs(f *testing.F) {
	for _, s := range []string{"Thông tư 25/2021/TT-BTC", "Luật 49/2019/QH1449/2019/QH14", "năm 2022.65/2025/TT-BTC", "…cước.53/2025/TT-BCANghị",
		"66.7/2025/NQ-CP", "46/2005/TTLT/BQP-BKHĐT-BTC", "1025/QĐ-TTg", "01/7/2025", "//TT-", "9999/9999/QH99-QH99-", "1/2000/NQ-QH15"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, r := range Refs(s) {
			if r.Start < 0 || r.End > len(s) || r.Start > r.End || s[r.Start:r.End] != r.Text || r.Key == "" {
				t.Fatalf("Refs(%q): bad ref %+v", s, r)
			}
			if rs := Refs(r.Key); len(rs) == 0 {
				t.Fatalf("Refs(%q): key %q does not read back", s, r.Key)
			}
		}
		for _, u := range Untils(s) {
			if u.Start < 0 || u.End > len(s) || u.Start > u.End || u.Date.IsZero() {
				t.Fatalf("Untils(%q): bad %+v", s, u)
			}
		}
		Dates(s)
		Percents(s)
		segments(s)
		repairRows(strings.Split(s, "|"))
	})
}

func FuzzAmounts(f *testing.F) {
	for _, s := range []string{"200.000 đồng", "160.000/320.000 đồng", "1.001456", "2.000 đ/trang", "160,000 Việt Nam Đồng", "999.999.999.999.999.999.999.999 đồng", "đ"} {
		f.Add(s, true)
	}
	f.Fuzz(func(t *testing.T, s string, unit bool) {
		for _, a := range Amounts(s, unit) {
			if a.Start < 0 || a.End > len(s) || s[a.Start:a.End] != a.Text || a.Value <= 0 {
				t.Fatalf("Amounts(%q): bad %+v", s, a)
			}
		}
	})
}

func FuzzParseRegister(f *testing.F) {
	f.Add(registerTSV)
	f.Add("16/2025/TT-BTC\treplaces\t244/2016/TT-BTC\tx\n\n#c\n\t\t\t\n")
	f.Fuzz(func(t *testing.T, s string) {
		rs, _ := ParseRegister(strings.NewReader(s))
		for _, r := range rs {
			if r.New == "" || r.Old == "" || r.New == r.Old || r.Source == "" || r.Line <= 0 || r.Unrelated && !knowledge.ValidCode(r.Old) {
				t.Fatalf("ParseRegister(%q): bad relation %+v", s, r)
			}
		}
	})
}
