package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// auditRecord is one national catalogue record in the portal's shape (the
// fields botctl audit reads: code, fee table, legal basis).
func auditRecord(code, methods, legal string) string {
	b, _ := json.Marshal(map[string]string{
		"ma_thu_tuc": code, "ten_thu_tuc": "Thủ tục " + code, "linh_vuc": "Xuất nhập cảnh",
		"detail_url":          "https://dichvucong.gov.vn/thu-tuc-hanh-chinh/" + code,
		"cach_thuc_thuc_hien": "Hình thức nộpThời gianPhí, lệ phíMô tả" + methods,
		"can_cu_phap_ly":      "Tên văn bản pháp lýMã văn bản" + legal,
	})
	return string(b)
}

func TestAuditCommand(t *testing.T) {
	dir := t.TempDir()
	guide := strings.NewReplacer(
		`code: "1.001193"`, `code: "1.000001"`,
		"fee: Miễn lệ phí khi đăng ký đúng hạn.", "fee: Lệ phí 200.000 đồng (Thông tư 25/2021/TT-BTC).",
		"legal_basis: [Luật Hộ tịch số 60/2014/QH13]", "legal_basis: [Thông tư 25/2021/TT-BTC]",
	).Replace(lintGood)
	if err := os.WriteFile(filepath.Join(dir, "dang-ky-khai-sinh.md"), []byte(guide), 0o644); err != nil {
		t.Fatal(err)
	}
	cat := filepath.Join(t.TempDir(), "catalogue.jsonl")
	lines := auditRecord("1.000001", "Trực tiếp8 Ngày làm việc200,000 Việt Nam Đồng(200.000đ/ hộ chiếu (Thông tư số 25/2021/TT-BTC ngày 07/4/2021 của Bộ Tài chính).)",
		"Quy định mức thu phí25/2021/TT-BTC") + "\n" +
		auditRecord("1.000002", "Trực tiếp5 Ngày làm việc50,000 Việt Nam Đồng(- 50.000đ/tem (Thông tư số 25/2021/TT-BTC). - 25.000đ/tem (áp dụng đến hết ngày 31/12/2026 theo Thông tư số 64/2025/TT-BTC ngày 30/6/2025 của Bộ Tài chính).)",
			"Quy định mức thu phí25/2021/TT-BTCThông tư quy định mức thu, miễn một số khoản phí64/2025/TT-BTC") + "\n"
	if err := os.WriteFile(cat, []byte(lines), 0o644); err != nil {
		t.Fatal(err)
	}

	code, out, _ := runBotctl(t, "audit", "--guides", dir, "--catalog", cat, "--today", "2026-12-03")
	file := filepath.Join(dir, "dang-ky-khai-sinh.md")
	for _, want := range []string{
		file + ":10: fee: fee-rate: the fee does not mention the rate 64/2025/TT-BTC sets until 31/12/2026 in records on the same fee schedule (25/2021/TT-BTC): 1.000002",
		file + ":16: legal_basis: missing-circular: legal basis lacks 64/2025/TT-BTC",
		"1 guides audited as of 2026-12-03 against 2 catalogue records: 2 open findings, 0 explained by the guides",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("audit output lacks %q:\n%s", want, out)
		}
	}
	if code != 1 {
		t.Errorf("open findings: exit %d, want 1", code)
	}

	code, out, _ = runBotctl(t, "audit", "--guides", dir, "--catalog", cat, "--today", "2026-12-03", "--json")
	var first struct {
		Guide, Kind, Doc string
		Line             int
		Records          []string
	}
	if err := json.Unmarshal([]byte(strings.SplitN(out, "\n", 2)[0]), &first); err != nil || first.Guide != "dang-ky-khai-sinh" || first.Line != 10 || first.Doc != "64/2025/TT-BTC" {
		t.Errorf("--json first line: %+v %v\n%s", first, err, out)
	}

	// Without a catalogue: only what needs none; the guide then passes.
	code, out, errOut := runBotctl(t, "audit", "--guides", dir, "--today", "2026-12-03", "--catalog", "")
	if code != 0 || !strings.Contains(out, "0 open findings") || !strings.Contains(errOut, "no catalogue") {
		t.Errorf("no catalogue: code %d\n%s\n%s", code, out, errOut)
	}
	if code, _, errOut := runBotctl(t, "audit", "--today", "3/12/2026"); code != 1 || !strings.Contains(errOut, "want YYYY-MM-DD") {
		t.Errorf("bad --today: code %d %q", code, errOut)
	}
}
