package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func runBotctl(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = Main(context.Background(), args, strings.NewReader(""), &out, &errb)
	return code, out.String(), errb.String()
}

const lintGood = `---
id: dang-ky-khai-sinh
code: "1.001193"
title: Đăng ký khai sinh
aliases: [làm giấy khai sinh, khai sinh cho con, giấy khai sinh]
domain: ho-tich
agency: Ủy ban nhân dân cấp xã
level: cấp xã
online: toàn trình
fee: Miễn lệ phí khi đăng ký đúng hạn.
duration: Trong ngày
where: Trung tâm Phục vụ hành chính công cấp xã
documents: [Tờ khai đăng ký khai sinh]
steps: [Nộp hồ sơ]
eligibility: Cha hoặc mẹ của trẻ
legal_basis: [Luật Hộ tịch số 60/2014/QH13]
source_url: https://dichvucong.gov.vn/
reviewed: 2026-11-25
---
`

func TestLintCommand(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "dang-ky-khai-sinh.md"), []byte(lintGood), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, _ := runBotctl(t, "lint", dir)
	if code != 0 || !strings.Contains(out, "1 guides, 0 errors, 0 warnings") {
		t.Errorf("lint good dir: code %d, out %q", code, out)
	}

	bad := strings.Replace(lintGood, "reviewed: 2026-11-25", "reviewd: 2026-11-25", 1)
	if err := os.WriteFile(filepath.Join(dir, "dang-ky-khai-sinh.md"), []byte(bad), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, _ = runBotctl(t, "lint", dir)
	want := filepath.Join(dir, "dang-ky-khai-sinh.md") + `:18: reviewd: unknown field (did you mean "reviewed"?)`
	if code != 1 || !strings.Contains(out, want) || !strings.Contains(out, "reviewed: required field is missing") {
		t.Errorf("lint bad dir: code %d, out %q\nwant a line %q", code, out, want)
	}

	// The embedded corpus.
	code, out, _ = runBotctl(t, "lint")
	if !strings.Contains(out, "knowledge/guides (embedded):") {
		t.Errorf("lint embedded: code %d out %q", code, out)
	}
	if code, _, _ := runBotctl(t, "lint", "a", "b"); code == 0 {
		t.Error("lint with two directories succeeded")
	}
}

func TestGuidesCommand(t *testing.T) {
	dir := t.TempDir()
	g := strings.Replace(lintGood, "domain: ho-tich\n", "domain: ho-tich\nrelated: []\n", 1)
	if err := os.WriteFile(filepath.Join(dir, "dang-ky-khai-sinh.md"), []byte(g), 0o644); err != nil {
		t.Fatal(err)
	}
	cat := filepath.Join(dir, "cat.jsonl")
	lines := `{"ma_thu_tuc":"1.001193","ten_thu_tuc":"Thủ tục đăng ký khai sinh","detail_url":"https://dichvucong.gov.vn/a"}
{"ma_thu_tuc":"1.000001","ten_thu_tuc":"Thủ tục khác","detail_url":"https://dichvucong.gov.vn/b"}
`
	if err := os.WriteFile(cat, []byte(lines), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errs := runBotctl(t, "guides", "--json", "--guides", dir, "--catalog", cat)
	if code != 0 {
		t.Fatalf("guides: code %d, stderr %q", code, errs)
	}
	var list []guideInfo
	if err := json.Unmarshal([]byte(out), &list); err != nil {
		t.Fatalf("guides --json output is not a JSON array: %v\n%s", err, out)
	}
	if len(list) != 2 || list[0].ID != "dang-ky-khai-sinh" || list[1].ID != "tthc-1-000001" {
		t.Fatalf("guides = %+v; want the curated guide and the one catalogue record it does not cover", list)
	}
	c := list[0]
	if c.Code != "1.001193" || c.Reviewed != "2026-11-25" || c.SourceURL != "https://dichvucong.gov.vn/" || c.Source != "curated" ||
		len(c.Missing) != 0 || strings.Join(c.Filled, ",") != "id,code,title,aliases,domain,agency,level,online,fee,duration,where,documents,steps,eligibility,legal_basis,source_url,reviewed" {
		t.Errorf("curated entry = %+v", c)
	}
	if k := list[1]; k.Source != "catalog" || k.Reviewed != "2026-07-01" || strings.Join(k.Filled, ",") != "id,code,title,source_url,reviewed" {
		t.Errorf("catalogue entry = %+v", k)
	}

	code, out, _ = runBotctl(t, "guides", "--guides", dir)
	if code != 0 || !strings.Contains(out, "dang-ky-khai-sinh") || !strings.Contains(out, "1 guides") {
		t.Errorf("guides text: code %d out %q", code, out)
	}
}

func TestImportCatalogCommand(t *testing.T) {
	dir := t.TempDir()
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write([]byte(`{"ma_thu_tuc":"1.001193","ten_thu_tuc":"Thủ tục đăng ký khai sinh","detail_url":"https://dichvucong.gov.vn/a","linh_vuc":"Hộ tịch"}
{"ma_thu_tuc":"1.000002","ten_thu_tuc":
{"ma_thu_tuc":"","ten_thu_tuc":"Không mã"}
`))
	zw.Close()
	file := filepath.Join(dir, "cat.jsonl.gz")
	if err := os.WriteFile(file, gz.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "out")
	code, stdout, stderr := runBotctl(t, "import-catalog", "--out", out, file)
	if code != 0 {
		t.Fatalf("import-catalog: code %d stderr %q", code, stderr)
	}
	for _, want := range []string{file + ":2: -: dropped: not a JSON record", file + ":3: -: dropped: no ma_thu_tuc", "3 lines, 1 guides, 2 problems (2 records dropped), 1 guide files written"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("output lacks %q:\n%s", want, stdout)
		}
	}
	if !strings.Contains(stderr, "3/3") {
		t.Errorf("no progress line on stderr: %q", stderr)
	}
	if code, lint, _ := runBotctl(t, "lint", out); code != 0 {
		t.Errorf("written guides do not lint: %s", lint)
	}

	code, stdout, _ = runBotctl(t, "import-catalog", "--json", "--quiet", file)
	var rep importReport
	if err := json.Unmarshal([]byte(stdout), &rep); code != 0 || err != nil {
		t.Fatalf("--json: code %d err %v out %q", code, err, stdout)
	}
	if rep.Guides != 1 || rep.Dropped != 2 || len(rep.Problems) != 2 || rep.Problems[0].Line != 2 {
		t.Errorf("report = %+v", rep)
	}
	if code, _, _ := runBotctl(t, "import-catalog", filepath.Join(dir, "missing.gz")); code != 1 {
		t.Errorf("missing file: code %d, want 1", code)
	}
}
