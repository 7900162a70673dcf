package knowledge

import (
	"strings"
	"testing"
	"time"
)

func TestFormatGuideRoundTrip(t *testing.T) {
	g, err := ParseGuide("dang-ky-khai-sinh.md", []byte(validGuide))
	if err != nil {
		t.Fatal(err)
	}
	g.OtherCodes = []string{"1.004884", "2.000100"}
	g.Related = []string{"lien-thong-khai-sinh"}
	g.Methods = []Method{{Channel: "Trực tiếp", Duration: "1 Ngày làm việc", Fee: "Lệ phí : 8.000 Đồng"}, {Channel: "Trực tuyến"}}
	g.Aliases = append(g.Aliases, "yes", "1.5", "null", "- gạch đầu dòng", "a: b", "#không phải chú thích", "---")
	g.Eligibility = "Dòng 1\n\n  thụt lề\nDòng cuối"
	out := FormatGuide(g)
	if !strings.Contains(string(out), `code: "1.001193"`) {
		t.Errorf("code not quoted:\n%s", out)
	}
	g2, err := ParseGuide("dang-ky-khai-sinh.md", out)
	if err != nil {
		t.Fatalf("parse formatted guide: %v\n%s", err, out)
	}
	if !guidesEqual(g, g2) {
		t.Errorf("round trip changed the guide\nbefore %#v\nafter  %#v\nfile:\n%s", g, g2, out)
	}
	// Catalogue guides keep their source.
	c := Guide{ID: "tthc-1-001193", Source: SourceCatalog, Code: "1.001193", Title: "Đăng ký khai sinh", SourceURL: "https://dichvucong.gov.vn/x", Path: "tthc-1-001193.md"}
	c2, err := ParseGuide("tthc-1-001193.md", FormatGuide(c))
	if err != nil || !guidesEqual(c, c2) {
		t.Errorf("catalogue round trip: %v\n%#v\n%#v", err, c, c2)
	}
}

// FuzzParseGuide checks that ParseGuide never panics, that every problem
// names the file, and that whatever it reads survives FormatGuide and a
// second ParseGuide unchanged.
func FuzzParseGuide(f *testing.F) {
	f.Add([]byte(validGuide))
	f.Add([]byte("---\nid: x\n---\n"))
	f.Add([]byte("---\n---\n"))
	f.Add([]byte("---\nid: &a x\ntitle: *a\naliases: [a, b, c]\n---\nbody\n---\n"))
	f.Add([]byte("---\nfaq:\n  - q: |\n      hỏi\n    a: \"đáp\\n\"\nmethods:\n  - channel: Trực tiếp\n    fee: 'x'\n---"))
	f.Add([]byte("---\r\ncode: 1.001193\r\nreviewed: 2026-02-30\r\nsource_url: http://[::1\r\n---\r\n"))
	f.Add([]byte("\xef\xbb\xbf---\nid: x\nid: y\nalias: z\n---\n"))
	f.Add([]byte("---\ntitle: \"a\\tb\\u0085c\"\nfee: \"  x\\n  y  \"\n---\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		g, err := ParseGuide("f.md", data)
		if err != nil {
			for _, line := range strings.Split(err.Error(), "\n") {
				if !strings.HasPrefix(line, "f.md:") {
					t.Fatalf("problem does not name the file: %q", line)
				}
			}
		}
		if g.Source == "" {
			return // the front matter could not be read at all
		}
		out := FormatGuide(g)
		g2, _ := ParseGuide("f.md", out)
		if !guidesEqual(g, g2) {
			t.Fatalf("round trip changed the guide\nbefore %#v\nafter  %#v\nfile:\n%s", g, g2, out)
		}
	})
}

// FuzzFormatGuide builds guides from arbitrary text and checks that
// FormatGuide writes them so that ParseGuide reads back the same text.
func FuzzFormatGuide(f *testing.F) {
	f.Add("Đăng ký khai sinh", "Miễn phí\nquá hạn: 8.000 đồng", "## Lưu ý\n\n---\nx", "1.001193")
	f.Add("yes", "  thụt\n\tđầu  \n", "", "no")
	f.Add("a: b", "#c", "---", "")
	f.Fuzz(func(t *testing.T, title, fee, body, alias string) {
		// Guides hold text, which is valid UTF-8 (ParseGuide and the
		// catalogue reader guarantee it).
		title, fee = strings.ToValidUTF8(title, "\uFFFD"), strings.ToValidUTF8(fee, "\uFFFD")
		body, alias = strings.ToValidUTF8(body, "\uFFFD"), strings.ToValidUTF8(alias, "\uFFFD")
		g := Guide{
			ID: "f", Source: SourceCurated, Path: "f.md",
			Title: clean(title), Fee: clean(fee), Body: clean(body),
			Reviewed: time.Date(2026, 1, 2, 0, 0, 0, 0, time.UTC),
		}
		if a := clean(alias); a != "" {
			g.Aliases = []string{a}
			g.FAQ = []FAQ{{Q: a, A: g.Fee + "x"}}
		}
		out := FormatGuide(g)
		g2, err := ParseGuide("f.md", out)
		if g2.Source == "" {
			t.Fatalf("formatted guide unreadable: %v\n%s", err, out)
		}
		if !guidesEqual(g, g2) {
			t.Fatalf("round trip changed the guide\nbefore %#v\nafter  %#v\nfile:\n%s", g, g2, out)
		}
	})
}

// BenchmarkParseGuide measures parsing one complete guide file.
func BenchmarkParseGuide(b *testing.B) {
	data := []byte(validGuide)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseGuide("dang-ky-khai-sinh.md", data); err != nil {
			b.Fatal(err)
		}
	}
}
