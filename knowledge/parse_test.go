package knowledge

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"
)

// validGuide is a complete curated guide; tests break one thing at a time.
const validGuide = `---
id: dang-ky-khai-sinh
code: 1.001193
title: Đăng ký khai sinh
aliases:
  - làm giấy khai sinh
  - khai sinh cho con
  - "giấy khai sinh"
domain: ho-tich
agency: Ủy ban nhân dân cấp xã
level: cấp xã
online: toàn trình
fee: |
  Miễn lệ phí khi đăng ký đúng hạn.
  Quá hạn: xem mức HĐND thành phố quy định.
duration: Trong ngày
where: Trung tâm Phục vụ hành chính công cấp xã
documents:
  - Tờ khai đăng ký khai sinh
  - Giấy chứng sinh
steps:
  - Nộp hồ sơ
  - Nhận kết quả
eligibility: Cha, mẹ hoặc người thân thích của trẻ
legal_basis:
  - Luật Hộ tịch số 60/2014/QH13
source_url: https://dichvucong.gov.vn/p/home/dvc-tthc-thu-tuc-hanh-chinh-chi-tiet.html?ma_thu_tuc=1.001193
reviewed: 2026-11-25
faq:
  - q: Quá 60 ngày thì sao?
    a: Vẫn đăng ký được.
---

## Lưu ý

Mang bản chính giấy tờ.
`

func TestParseGuideValid(t *testing.T) {
	g, err := ParseGuide("dang-ky-khai-sinh.md", []byte(validGuide))
	if err != nil {
		t.Fatalf("ParseGuide: %v", err)
	}
	want := Guide{
		ID: "dang-ky-khai-sinh", Code: "1.001193", Title: "Đăng ký khai sinh",
		Aliases: []string{"làm giấy khai sinh", "khai sinh cho con", "giấy khai sinh"},
		Domain:  "ho-tich", Agency: "Ủy ban nhân dân cấp xã", Level: "cấp xã", Online: OnlineFull,
		Fee:      "Miễn lệ phí khi đăng ký đúng hạn.\nQuá hạn: xem mức HĐND thành phố quy định.",
		Duration: "Trong ngày", Where: "Trung tâm Phục vụ hành chính công cấp xã",
		Documents: []string{"Tờ khai đăng ký khai sinh", "Giấy chứng sinh"},
		Steps:     []string{"Nộp hồ sơ", "Nhận kết quả"}, Eligibility: "Cha, mẹ hoặc người thân thích của trẻ",
		LegalBasis: []string{"Luật Hộ tịch số 60/2014/QH13"},
		SourceURL:  "https://dichvucong.gov.vn/p/home/dvc-tthc-thu-tuc-hanh-chinh-chi-tiet.html?ma_thu_tuc=1.001193",
		Reviewed:   time.Date(2026, 11, 25, 0, 0, 0, 0, time.UTC),
		FAQ:        []FAQ{{Q: "Quá 60 ngày thì sao?", A: "Vẫn đăng ký được."}},
		Body:       "## Lưu ý\n\nMang bản chính giấy tờ.",
		Source:     SourceCurated,
		Path:       "dang-ky-khai-sinh.md",
	}
	if !guidesEqual(g, want) {
		t.Errorf("got  %#v\nwant %#v", g, want)
	}
	if got := g.Line("code"); got != 3 {
		t.Errorf("Line(code) = %d, want 3", got)
	}
}

// guidesEqual compares guides ignoring line bookkeeping.
func guidesEqual(a, b Guide) bool {
	a.lines, b.lines = nil, nil
	return reflect.DeepEqual(a, b)
}

func TestParseGuideErrors(t *testing.T) {
	replace := func(old, new string) string {
		if !strings.Contains(validGuide, old) {
			panic("test bug: " + old)
		}
		return strings.Replace(validGuide, old, new, 1)
	}
	tests := []struct {
		name, file, data string
		want             []string // "line: field: msg substring"
	}{
		{"invalid utf-8", "x.md", replace("title: Đăng", "title: \xff\xfeĐăng"), []string{"4: file: invalid UTF-8"}},
		{"no front matter", "x.md", "# Đăng ký khai sinh\n", []string{"1: front matter: missing"}},
		{"front matter not closed", "x.md", "---\nid: x\ntitle: y\n", []string{"1: front matter: not closed"}},
		{"yaml syntax", "dang-ky-khai-sinh.md", replace("domain: ho-tich", "domain: [ho-tich"), []string{"front matter: YAML syntax"}},
		{"not a mapping", "x.md", "---\n- a\n- b\n---\n", []string{"2: front matter: must be a set of fields"}},
		{"unknown field typo", "dang-ky-khai-sinh.md", replace("aliases:", "alias:"),
			[]string{`5: alias: unknown field (did you mean "aliases"?)`, "aliases: required field is missing"}},
		{"duplicate field", "dang-ky-khai-sinh.md", replace("domain: ho-tich", "domain: ho-tich\ndomain: cu-tru"), []string{"10: domain: duplicate field (first at line 9)"}},
		{"list instead of text", "dang-ky-khai-sinh.md", replace("title: Đăng ký khai sinh", "title:\n  - Đăng ký khai sinh"), []string{"5: title: want a single text, got a list"}},
		{"text instead of list", "dang-ky-khai-sinh.md", replace("documents:\n  - Tờ khai đăng ký khai sinh\n  - Giấy chứng sinh", "documents: Tờ khai"), []string{"18: documents: want a list"}},
		{"mapping in list item", "dang-ky-khai-sinh.md", replace("  - Giấy chứng sinh", "  - Giấy chứng sinh: bản chính"), []string{"20: documents: each list item must be a single text"}},
		{"missing required", "dang-ky-khai-sinh.md", replace("where: Trung tâm Phục vụ hành chính công cấp xã\n", ""), []string{"31: where: required field is missing"}},
		{"empty required", "dang-ky-khai-sinh.md", replace("agency: Ủy ban nhân dân cấp xã", "agency:"), []string{"10: agency: required field is empty"}},
		{"bad date", "dang-ky-khai-sinh.md", replace("reviewed: 2026-11-25", "reviewed: 25/11/2026"), []string{`28: reviewed: "25/11/2026" is not a date`}},
		{"impossible date", "dang-ky-khai-sinh.md", replace("reviewed: 2026-11-25", "reviewed: 2026-13-01"), []string{`28: reviewed: "2026-13-01" is not a date`}},
		{"relative url", "dang-ky-khai-sinh.md", replace("source_url: https://dichvucong.gov.vn/p/home/dvc-tthc-thu-tuc-hanh-chinh-chi-tiet.html?ma_thu_tuc=1.001193", "source_url: dichvucong.gov.vn/abc"), []string{"27: source_url: \"dichvucong.gov.vn/abc\" is not a web address"}},
		{"ftp url", "dang-ky-khai-sinh.md", replace("source_url: https://", "source_url: ftp://"), []string{"27: source_url:", "not a web address"}},
		{"bad online", "dang-ky-khai-sinh.md", replace("online: toàn trình", "online: có"), []string{`12: online: "có" is not an online level`}},
		{"id mismatch", "dang-ky-ket-hon.md", validGuide, []string{`2: id: id "dang-ky-khai-sinh" does not match the file name "dang-ky-ket-hon.md"`}},
		{"bad id", "Dang Ky.md", replace("id: dang-ky-khai-sinh", "id: Dang Ky"), []string{`2: id: "Dang Ky" is not a valid id`}},
		{"bad code", "dang-ky-khai-sinh.md", replace("code: 1.001193", "code: 1001193"), []string{`3: code: "1001193" is not a national procedure code`}},
		{"too few aliases", "dang-ky-khai-sinh.md", replace("  - khai sinh cho con\n", ""), []string{"5: aliases: give at least 3 aliases"}},
		{"empty list item", "dang-ky-khai-sinh.md", replace("  - khai sinh cho con", "  -"), []string{"7: aliases: empty list item"}},
		{"faq missing answer", "dang-ky-khai-sinh.md", replace("    a: Vẫn đăng ký được.\n", ""), []string{"30: faq: each item needs both q"}},
		{"faq unknown key", "dang-ky-khai-sinh.md", replace("    a: Vẫn", "    answer: Vẫn"), []string{`31: faq: unknown field "answer"`}},
		{"several problems at once", "dang-ky-khai-sinh.md",
			replace("online: toàn trình", "online: full\nalias: x\nreviewed2: 2026-01-01"),
			[]string{"12: online:", "13: alias: unknown field", "14: reviewed2: unknown field"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseGuide(tt.file, []byte(tt.data))
			if err == nil {
				t.Fatalf("ParseGuide: no error, want %q", tt.want)
			}
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("error %T is not a *ParseError: %v", err, err)
			}
			msg := err.Error()
			for _, w := range tt.want {
				if !strings.Contains(msg, w) {
					t.Errorf("error does not contain %q:\n%s", w, msg)
				}
			}
			for _, line := range strings.Split(msg, "\n") {
				if !strings.HasPrefix(line, tt.file+":") {
					t.Errorf("problem does not name the file %q: %s", tt.file, line)
				}
			}
		})
	}
}

func TestParseGuideNFCAndCRLF(t *testing.T) {
	// "Đăng ký" with NFD combining marks, CRLF line ends, unquoted code.
	nfd := "Đa\u0306ng ky\u0301 khai sinh"
	data := strings.ReplaceAll(strings.Replace(validGuide, "title: Đăng ký khai sinh", "title: "+nfd, 1), "\n", "\r\n")
	g, err := ParseGuide("dang-ky-khai-sinh.md", []byte(data))
	if err != nil {
		t.Fatal(err)
	}
	if g.Title != "Đăng ký khai sinh" {
		t.Errorf("Title = %q, want NFC %q", g.Title, "Đăng ký khai sinh")
	}
	if strings.Contains(g.Body, "\r") || strings.Contains(g.Fee, "\r") {
		t.Errorf("CR left in text: %q %q", g.Body, g.Fee)
	}
	if g.Code != "1.001193" {
		t.Errorf("Code = %q, want 1.001193 as written", g.Code)
	}
}

func TestParseGuideCodeKeepsZeros(t *testing.T) {
	g, err := ParseGuide("dang-ky-khai-sinh.md", []byte(strings.Replace(validGuide, "code: 1.001193", "code: 2.000100", 1)))
	if err != nil {
		t.Fatal(err)
	}
	if g.Code != "2.000100" {
		t.Errorf("Code = %q, want 2.000100 (trailing zeros kept)", g.Code)
	}
}

func TestParseGuideCatalogSource(t *testing.T) {
	data := "---\nid: tthc-1-001193\nsource: catalog\ncode: \"1.001193\"\ntitle: Đăng ký khai sinh\nsource_url: https://dichvucong.gov.vn/x\n---\n"
	g, err := ParseGuide("tthc-1-001193.md", []byte(data))
	if err != nil {
		t.Fatal(err)
	}
	if g.Source != SourceCatalog {
		t.Errorf("Source = %q", g.Source)
	}
	_, err = ParseGuide("tthc-1-001193.md", []byte(strings.Replace(data, "code: \"1.001193\"\n", "", 1)))
	if err == nil || !strings.Contains(err.Error(), "code: required field is missing") {
		t.Errorf("catalogue guide without code: err = %v", err)
	}
}
