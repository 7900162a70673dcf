package audit

import (
	"strings"
	"testing"
	"time"

	"botdvc/knowledge"
)

var today = time.Date(2026, 12, 3, 0, 0, 0, 0, time.UTC)

// guide builds a curated guide file from its fee, legal basis lines and
// extra front matter, and parses it (so lines are real).
func guide(t *testing.T, id, code, fee string, legal []string, extra string) Input {
	t.Helper()
	var b strings.Builder
	b.WriteString("---\nid: " + id + "\n")
	if code != "" {
		b.WriteString("code: \"" + code + "\"\n")
	}
	b.WriteString("title: Thủ tục thử\naliases:\n  - thủ tục một\n  - thủ tục hai\n  - thủ tục ba\ndomain: thu\n")
	b.WriteString("agency: Cơ quan thử\nlevel: cấp tỉnh\nonline: một phần\n")
	b.WriteString("fee: |\n  " + strings.ReplaceAll(fee, "\n", "\n  ") + "\n")
	b.WriteString("duration: 5 ngày làm việc.\nwhere: Trụ sở.\ndocuments:\n  - Tờ khai.\nsteps:\n  - Nộp hồ sơ.\neligibility: Công dân.\n")
	b.WriteString("legal_basis:\n")
	for _, l := range legal {
		b.WriteString("  - " + l + "\n")
	}
	b.WriteString("source_url: https://dichvucong.gov.vn/x\n")
	if !strings.Contains(extra, "reviewed:") {
		b.WriteString("reviewed: 2026-11-25\n")
	}
	b.WriteString(extra)
	b.WriteString("---\n")
	text := b.String()
	g, err := knowledge.ParseGuide(id+".md", []byte(text))
	if err != nil {
		t.Fatalf("fixture %s: %v\n%s", id, err, text)
	}
	return Input{Guide: g, Text: text}
}

// rec builds a catalogue record.
func rec(code, domain string, fees []string, legal ...string) knowledge.Guide {
	g := knowledge.Guide{ID: "tthc-" + code, Code: code, Title: "Thủ tục " + code, Domain: domain, Source: knowledge.SourceCatalog,
		SourceURL: "https://dichvucong.gov.vn/" + code, LegalBasis: legal}
	for _, f := range fees {
		g.Methods = append(g.Methods, knowledge.Method{Channel: "Trực tiếp", Fee: f})
	}
	return g
}

// The passport case: a guide on the 25/2021 fee schedule that lacks the
// time-limited 64/2025 rate other records of that schedule give, while its
// own record still carries an expired 44/2023 rate.
func passportCatalog() *Catalog {
	return NewCatalog([]knowledge.Guide{
		rec("1.000001", "xnc", []string{
			"160,000 Việt Nam Đồng (+ 160.000/hộ chiếu (áp dụng đến hết ngày 31/12/2023 theo Thông tư số 44/2023/TT-BTC ngày 29/6/2023 của Bộ tài chính).)",
			"200,000 Việt Nam Đồng (200.000đ/ hộ chiếu. Trường hợp cấp lại do bị hỏng hoặc bị mất: 400.000đ/hộ chiếu (Thông tư số 25/2021/TT-BTC ngày 07/4/2021 của Bộ Tài chính).)",
		}, "QUY ĐỊNH MỨC THU PHÍ XUẤT NHẬP CẢNH (25/2021/TT-BTC)",
			"Thông tư số 44/2023/TT-BTC ngày 29 tháng 6 năm 2023 của Bộ trưởng Bộ Tài chính. Có hiệu lực từ ngày 01 tháng 7 năm 2023 đến hết ngày 31 tháng 12 năm 2023",
			"Thông tư về mẫu hộ chiếu (31/2023/TT-BCA)"),
		rec("1.000002", "xnc", []string{
			"50,000 Việt Nam Đồng (- 50.000đ/tem “AB” (Thông tư số 25/2021/TT-BTC ngày 07/4/2021 của Bộ Tài chính). - 25.000đ/tem “AB” (áp dụng đến hết ngày 31/12/2026 theo Thông tư số 64/2025/TT-BTC ngày 30/6/2025 của Bộ Tài chính).)",
		}, "QUY ĐỊNH MỨC THU PHÍ XUẤT NHẬP CẢNH (25/2021/TT-BTC)", "Thông tư quy định mức thu, miễn một số khoản phí (64/2025/TT-BTC)"),
		rec("1.000009", "khac", []string{"10,000 Việt Nam Đồng (Thông tư số 99/2020/TT-BTC)"}, "Thông tư phí khác (99/2020/TT-BTC)"),
	})
}

func find(fs []Finding, kind Kind, doc string) *Finding {
	for i := range fs {
		if fs[i].Kind == kind && (doc == "" || fs[i].Doc == doc) {
			return &fs[i]
		}
	}
	return nil
}

func TestAuditSameFeeSchedule(t *testing.T) {
	in := guide(t, "ho-chieu", "1.000001",
		"Lệ phí 200.000 đồng/hộ chiếu; cấp lại do bị hỏng hoặc bị mất 400.000 đồng (Thông tư 25/2021/TT-BTC).",
		[]string{"Thông tư 25/2021/TT-BTC", "Thông tư 31/2023/TT-BCA"}, "")
	fs := Run([]Input{in}, Options{Today: today, Catalog: passportCatalog()})

	mc := find(fs, MissingCircular, "64/2025/TT-BTC")
	if mc == nil || !mc.Open() || mc.Other != "25/2021/TT-BTC" || mc.Field != "legal_basis" || mc.Line != in.Guide.Line("legal_basis") ||
		strings.Join(mc.Records, ",") != "1.000002" || !mc.Date.Equal(time.Date(2026, 12, 31, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("missing 64/2025 on the same fee schedule: got %+v\nall: %v", mc, fs)
	}
	fr := find(fs, FeeRate, "64/2025/TT-BTC")
	if fr == nil || !fr.Open() || fr.Line != in.Guide.Line("fee") {
		t.Errorf("fee without the 64/2025 rate: got %+v", fr)
	}
	if f := find(fs, MissingCircular, "44/2023/TT-BTC"); f != nil {
		t.Errorf("44/2023 ended on 31/12/2023 and must not be asked for: %v", f)
	}
	if f := find(fs, MissingCircular, "99/2020/TT-BTC"); f != nil {
		t.Errorf("a record on another schedule linked in: %v", f)
	}
	if f := find(fs, UnknownAmount, ""); f != nil {
		t.Errorf("200.000 and 400.000 are on the record: %v", f)
	}
	if len(fs) != 2 {
		t.Errorf("want exactly the two findings, got %d:\n%v", len(fs), fs)
	}

	// The fixed guide: the rate, until when, what comes after, the circular.
	fixed := guide(t, "ho-chieu", "1.000001",
		"Lệ phí 200.000 đồng/hộ chiếu; cấp lại do bị hỏng hoặc bị mất 400.000 đồng (Thông tư 25/2021/TT-BTC).\n"+
			"Từ 01/7/2025 đến hết 31/12/2026 thu 50%: 100.000 đồng, cấp lại 200.000 đồng (Thông tư 64/2025/TT-BTC). Từ 01/01/2027 trở lại mức đầy đủ nếu không có văn bản mới.",
		[]string{"Thông tư 25/2021/TT-BTC", "Thông tư 64/2025/TT-BTC", "Thông tư 31/2023/TT-BCA"}, "")
	fs = Run([]Input{fixed}, Options{Today: today, Catalog: passportCatalog()})
	for _, f := range fs {
		if f.Open() {
			t.Errorf("fixed guide still has an open finding: %v", f)
		}
	}
	if f := find(fs, RateEnding, ""); f == nil || f.Explained == "" || f.Line != fixed.Guide.Line("fee")+2 {
		t.Errorf("the 31/12/2026 limit should be listed as explained on the fee's second line (%d): %+v", fixed.Guide.Line("fee")+2, f)
	}
	if f := find(fs, UnknownAmount, ""); f == nil || f.Amount != 100000 || f.Explained == "" {
		t.Errorf("100.000 is on no record; the sentence cites 64/2025 of the legal basis, so it is explained: %+v", f)
	}
}

func TestAuditOwnRecordsAndOmnibus(t *testing.T) {
	// 64/2025 is cited from three domains: a cross-cutting circular, which
	// links no records as "the same fee schedule".
	cat := NewCatalog([]knowledge.Guide{
		rec("1.000011", "a", []string{"(áp dụng đến hết ngày 31/12/2026 theo Thông tư số 64/2025/TT-BTC) và Thông tư số 11/2020/TT-BTC"}, "Thông tư mẫu (7/2024/TT-BCA)"),
		rec("1.000012", "b", []string{"(áp dụng đến hết ngày 31/12/2026 theo Thông tư số 64/2025/TT-BTC); (Thông tư số 12/2020/TT-BTC)"}),
		rec("1.000013", "c", []string{"(áp dụng đến hết ngày 31/12/2026 theo Thông tư số 64/2025/TT-BTC); (Thông tư số 13/2020/TT-BTC)"}),
	})
	in := guide(t, "mot", "1.000011", "Miễn lệ phí.", []string{"Thông tư 64/2025/TT-BTC", "Thông tư 11/2020/TT-BTC"}, "")
	fs := Run([]Input{in}, Options{Today: today, Catalog: cat})
	if f := find(fs, MissingCircular, "12/2020/TT-BTC"); f != nil {
		t.Errorf("linked through a cross-cutting circular: %v", f)
	}
	f := find(fs, MissingCircular, "7/2024/TT-BCA")
	if f == nil || f.Other != "" || strings.Join(f.Records, ",") != "1.000011" {
		t.Errorf("own record's circular 07/2024/TT-BCA: %+v\nall %v", f, fs)
	}
	// Named in the body rather than the legal basis: explained.
	in = guide(t, "mot", "1.000011", "Miễn lệ phí.", []string{"Thông tư 64/2025/TT-BTC", "Thông tư 11/2020/TT-BTC"}, "")
	in.Guide.Body = "## Lưu ý\n\nTrang thủ tục còn dẫn Thông tư 07/2024/TT-BCA về biểu mẫu."
	fs = Run([]Input{in}, Options{Today: today, Catalog: cat})
	if f := find(fs, MissingCircular, "7/2024/TT-BCA"); f == nil || f.Open() {
		t.Errorf("named in the body: want explained, got %+v", f)
	}
}

func TestAuditReplacedAndAmended(t *testing.T) {
	reg, err := ParseRegister(strings.NewReader("# test\n16/2025/TT-BTC\treplaces\t244/2016/TT-BTC\thttps://example.gov.vn/tt16\n71/2025/TT-BTC\tamends\t73/2024/TT-BTC\thttps://example.gov.vn/tt71\n"))
	if err != nil {
		t.Fatal(err)
	}
	// The catalogue states one amendment in a fee note, one in a title.
	cat := NewCatalog([]knowledge.Guide{
		rec("1.000021", "cu-tru", []string{"Miễn phí (thuộc diện được miễn theo Điều 4 Thông tư số 75/2022/TT-BTC ngày 22/12/2022 được sửa đổi, bổ sung tại Thông tư số 71/2025/TT-BTC ngày 01/7/2025)"}),
		rec("1.000022", "cu-tru", nil, "Thông tư số 53/2025/TT-BCA sửa đổi, bổ sung một số điều của Thông tư số 55/2021/TT-BCA (53/2025/TT-BCA)"),
	})
	if rels := cat.Relations(); len(rels) != 2 {
		t.Fatalf("catalogue relations = %+v, want 71/2025 amends 75/2022 and 53/2025 amends 55/2021", rels)
	}
	in := guide(t, "phieu", "", "Phí theo Thông tư 244/2016/TT-BTC; đã có Thông tư 16/2025/TT-BTC mới.",
		[]string{"Thông tư 244/2016/TT-BTC; Thông tư 16/2025/TT-BTC", "Thông tư 73/2024/TT-BTC", "Thông tư 75/2022/TT-BTC", "Thông tư 55/2021/TT-BCA"}, "")
	fs := Run([]Input{in}, Options{Today: today, Catalog: cat, Register: reg})
	var replaced []Finding
	for _, f := range fs {
		if f.Kind == Replaced {
			replaced = append(replaced, f)
		}
	}
	if len(replaced) != 2 || !replaced[0].Open() || !replaced[1].Open() || replaced[0].Other != "16/2025/TT-BTC" || replaced[0].Source != "https://example.gov.vn/tt16" {
		t.Errorf("244/2016 cited in the fee and the legal basis beside 16/2025 without saying it was replaced: %+v", replaced)
	}
	for _, want := range [][2]string{{"73/2024/TT-BTC", "71/2025/TT-BTC"}, {"75/2022/TT-BTC", "71/2025/TT-BTC"}, {"55/2021/TT-BCA", "53/2025/TT-BCA"}} {
		f := find(fs, Amended, want[0])
		if f == nil || f.Other != want[1] || f.Field != "legal_basis" || f.Line != in.Guide.ItemLine("legal_basis", "Thông tư "+want[0]) {
			t.Errorf("%s amended by %s: got %+v", want[0], want[1], f)
		}
	}

	fixed := guide(t, "phieu", "", "Phí theo Thông tư 16/2025/TT-BTC.",
		[]string{"Thông tư 16/2025/TT-BTC (thay thế Thông tư 244/2016/TT-BTC)", "Thông tư 73/2024/TT-BTC, sửa đổi bởi Thông tư 71/2025/TT-BTC", "Thông tư 75/2022/TT-BTC", "Thông tư 55/2021/TT-BCA, 53/2025/TT-BCA"}, "")
	fs = Run([]Input{fixed}, Options{Today: today, Catalog: cat, Register: reg})
	for _, f := range fs {
		if f.Open() {
			t.Errorf("fixed guide: open finding %v", f)
		}
	}
	if f := find(fs, Replaced, ""); f == nil || f.Explained == "" {
		t.Errorf("replacement stated in the item: want an explained finding, got %+v", f)
	}
}

func TestAuditTimeLimitsAndReview(t *testing.T) {
	in := guide(t, "han", "",
		"Giảm còn 115.000 đồng đến hết 31/12/2025.\nMức 170.000 đồng trực tuyến áp dụng đến hết 31/12/2025, nay đã hết.\nGiảm 50% đến hết ngày 31/12/2026.\nMức khác đến hết 30/6/2027.",
		[]string{"Luật thử"}, "reviewed: 2025-11-30\n")
	fs := Run([]Input{in}, Options{Today: today})
	var ended, ending []Finding
	for _, f := range fs {
		switch f.Kind {
		case RateEnded:
			ended = append(ended, f)
		case RateEnding:
			ending = append(ending, f)
		}
	}
	feeLine := in.Guide.Line("fee")
	if len(ended) != 2 || !ended[0].Open() || ended[1].Open() || ended[0].Line != feeLine+1 || ended[1].Line != feeLine+2 {
		t.Errorf("past limits: want an open one on line %d and an explained one on line %d, got %+v", feeLine+1, feeLine+2, ended)
	}
	if len(ending) != 1 || !ending[0].Open() || ending[0].Line != feeLine+3 {
		t.Errorf("31/12/2026 is 28 days after %s: want one open finding on line %d, got %+v", today.Format("2006-01-02"), feeLine+3, ending)
	}
	if f := find(fs, ReviewOld, ""); f == nil || f.Line != in.Guide.Line("reviewed") {
		t.Errorf("reviewed 2025-11-30 is more than 12 months before %s: %+v", today.Format("2006-01-02"), f)
	}
	if len(fs) != 4 {
		t.Errorf("30/6/2027 is beyond 60 days and must not be listed; got %v", fs)
	}
	in = guide(t, "han", "", "Giảm 50% đến hết ngày 31/12/2026; từ 01/01/2027 thu đủ 70.000 đồng.", []string{"Luật thử"}, "reviewed: 2025-12-03\n")
	fs = Run([]Input{in}, Options{Today: today})
	if len(fs) != 1 || fs[0].Kind != RateEnding || fs[0].Open() {
		t.Errorf("limit with what applies the next day, reviewed exactly 12 months ago: want one explained finding, got %v", fs)
	}
}

func TestAuditAmounts(t *testing.T) {
	cat := NewCatalog([]knowledge.Guide{
		rec("1.000031", "x", []string{"50,000 Việt Nam Đồng (50.000 đồng/thẻ; Kể từ ngày 01/7/2025 đến hết ngày 31/12/2026 mức thu bằng 50% mức thu nêu trên theo quy định tại Thông tư số 64/2025/TT-BTC)"}),
	})
	in := guide(t, "the", "1.000031", "Lệ phí 50.000 đồng/thẻ, hiện thu 25.000 đồng (50%). Đổi từ thẻ cũ 30.000 đồng.", []string{"Thông tư 64/2025/TT-BTC"},
		"faq:\n  - q: Bao nhiêu tiền?\n    a: Lệ phí 45.000 đồng, khoảng 2.000 người làm mỗi ngày.\n")
	fs := Run([]Input{in}, Options{Today: today, Catalog: cat})
	var amounts []int64
	for _, f := range fs {
		if f.Kind == UnknownAmount {
			amounts = append(amounts, f.Amount)
			if !f.Open() {
				t.Errorf("%d has no source in its sentence: %+v", f.Amount, f)
			}
		}
	}
	if len(amounts) != 2 || amounts[0] != 30000 || amounts[1] != 45000 {
		t.Errorf("unknown amounts = %v, want [30000 45000] (25.000 is 50%% of 50.000; 2.000 has no currency word)", amounts)
	}
	if f := find(fs, UnknownAmount, ""); f == nil || f.Line != in.Guide.Line("fee")+1 {
		t.Errorf("the 30.000 finding should point at the fee text line %d: %+v", in.Guide.Line("fee")+1, f)
	}
	// Without a catalogue the amount and circular checks do not run.
	if fs := Run([]Input{in}, Options{Today: today}); len(fs) != 0 {
		t.Errorf("no catalogue: %v", fs)
	}
}

func TestRegister(t *testing.T) {
	rs := DefaultRegister()
	if len(rs) == 0 {
		t.Fatal("the bundled register is empty")
	}
	for _, r := range rs {
		if r.Source == "" || r.New == "" || r.Old == "" {
			t.Errorf("register line %d incomplete: %+v", r.Line, r)
		}
	}
	_, err := ParseRegister(strings.NewReader("16/2025/TT-BTC\treplaces\t244/2016/TT-BTC\n16/2025/TT-BTC\tsupersedes\t244/2016/TT-BTC\tx\nThông tư\tamends\t1/2020/TT-BTC\tx\n1/2020/TT-BTC\tamends\t1/2020/TT-BTC\tx\n"))
	if err == nil {
		t.Fatal("bad register accepted")
	}
	for _, want := range []string{"line 1: want 4", "line 2: relation \"supersedes\"", "line 3: \"Thông tư\" is not one document", "line 4: a document cannot amends itself"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("register errors %q lack %q", err, want)
		}
	}
}

func TestMessages(t *testing.T) {
	f := Finding{Guide: "g", File: "knowledge/guides/g.md", Line: 7, Field: "legal_basis", Kind: MissingCircular, Doc: "64/2025/TT-BTC",
		Other: "25/2021/TT-BTC", Records: []string{"1", "2", "3", "4", "5", "6"}, Date: time.Date(2026, 12, 31, 0, 0, 0, 0, time.UTC)}
	want := "knowledge/guides/g.md:7: legal_basis: missing-circular: legal basis lacks 64/2025/TT-BTC, which records on the same fee schedule (25/2021/TT-BTC) cite with the fee (a rate until 31/12/2026): 1, 2, 3, 4, 5 (+1)"
	if f.String() != want {
		t.Errorf("String() =\n%s\nwant\n%s", f, want)
	}
	for _, k := range []Kind{MissingCircular, FeeRate, UnknownAmount, Replaced, Amended, RateEnded, RateEnding, ReviewOld} {
		f.Kind = k
		if f.Message() == string(k) || f.Vietnamese() == string(k) {
			t.Errorf("%s has no message", k)
		}
	}
}

// A citation the register marks as a portal data error is not asked for.
func TestAuditUnrelatedCitation(t *testing.T) {
	cat := NewCatalog([]knowledge.Guide{rec("2.000041", "x", nil, "Thông tư sửa đổi phí tần số vô tuyến điện (65/2025/TT-BTC)", "Luật thử (26/2023/QH15)")})
	in := guide(t, "doi", "2.000041", "Miễn lệ phí.", []string{"Luật 26/2023/QH15"}, "")
	if f := find(Run([]Input{in}, Options{Today: today, Catalog: cat}), MissingCircular, "65/2025/TT-BTC"); f == nil {
		t.Fatal("without the register entry the record's circular is asked for")
	}
	reg, err := ParseRegister(strings.NewReader("65/2025/TT-BTC\tunrelated\t2.000041\ttên văn bản: phí tần số vô tuyến điện\n"))
	if err != nil || len(reg) != 1 || !reg[0].Unrelated {
		t.Fatalf("register: %+v %v", reg, err)
	}
	if fs := Run([]Input{in}, Options{Today: today, Catalog: cat, Register: reg}); len(fs) != 0 {
		t.Errorf("marked unrelated, still found: %v", fs)
	}
	if _, err := ParseRegister(strings.NewReader("65/2025/TT-BTC\tunrelated\tcăn cước\tx\n")); err == nil || !strings.Contains(err.Error(), "not a national procedure code") {
		t.Errorf("bad code accepted: %v", err)
	}
}
