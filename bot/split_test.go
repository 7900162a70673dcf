package bot

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestSplit(t *testing.T) {
	tests := []struct {
		name  string
		text  string
		limit int
		want  []string
	}{
		{"fits", "Xin chào", 2000, []string{"Xin chào"}},
		{"empty", "  ", 10, nil},
		{"no limit", "a b c", 0, []string{"a b c"}},
		{"paragraphs", "Đoạn một.\n\nĐoạn hai.\n\nĐoạn ba.", 20, []string{"Đoạn một.\n\nĐoạn hai.", "Đoạn ba."}},
		{"lines", "dòng một\ndòng hai\ndòng ba", 18, []string{"dòng một\ndòng hai", "dòng ba"}},
		{"words", "một hai ba bốn năm", 8, []string{"một hai", "ba bốn", "năm"}},
		{"long word", "abcdefghij", 4, []string{"abcd", "efgh", "ij"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Split(tt.text, tt.limit)
			if strings.Join(got, "|") != strings.Join(tt.want, "|") || len(got) != len(tt.want) {
				t.Errorf("Split(%q, %d) = %q, want %q", tt.text, tt.limit, got, tt.want)
			}
		})
	}
}

// FuzzSplit checks that pieces respect the limit and keep every word in order.
func FuzzSplit(f *testing.F) {
	f.Add("Cấp lại thẻ căn cước (mã 1.014064)\n\nLệ phí: 70.000 đồng.\n\n- một\n- hai", 12)
	f.Add("một hai ba", 1)
	f.Add("\n\n\n", 5)
	f.Fuzz(func(t *testing.T, text string, limit int) {
		if limit <= 0 || limit > 5000 || !utf8.ValidString(text) {
			return
		}
		parts := Split(text, limit)
		for _, p := range parts {
			if n := utf8.RuneCountInString(p); n > limit {
				t.Fatalf("piece of %d runes > limit %d: %q", n, limit, p)
			}
			if p == "" {
				t.Fatal("empty piece")
			}
		}
		if got, want := strings.Join(strings.Fields(strings.Join(parts, " ")), ""), strings.Join(strings.Fields(text), ""); got != want {
			t.Fatalf("content changed:\n got %q\nwant %q", got, want)
		}
	})
}
