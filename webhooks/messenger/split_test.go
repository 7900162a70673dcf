package messenger

import (
	"botdvc/bot"

	"strings"
	"testing"
	"unicode/utf8"
)

func TestSplit(t *testing.T) {
	para := strings.Repeat("Thủ tục đăng ký thường trú cần giấy tờ sau. ", 20) // ~880 runes
	text := para + "\n\n" + para + "\n\n" + para + "\n\n" + "Hết."
	got := bot.SplitFunc(text, maxText, utf16Len)
	if len(got) < 2 {
		t.Fatalf("got %d pieces, want at least 2", len(got))
	}
	for i, p := range got {
		if n := utf16Len(p); n > maxText {
			t.Errorf("piece %d has %d units, limit %d", i, n, maxText)
		}
		if !utf8.ValidString(p) {
			t.Errorf("piece %d is not valid UTF-8", i)
		}
	}
	// Paragraph boundaries are preferred: the first piece ends where a
	// paragraph ends.
	if !strings.HasSuffix(got[0], strings.TrimSpace(para)) {
		t.Errorf("first piece does not end at a paragraph boundary: ...%q", got[0][len(got[0])-30:])
	}
	if strings.Join(strings.Fields(strings.Join(got, " ")), " ") != strings.Join(strings.Fields(text), " ") {
		t.Error("pieces do not add up to the text")
	}
	// A word longer than the limit is cut, not lost.
	long := strings.Repeat("đ", 45)
	got = bot.SplitFunc(long, 20, utf16Len)
	if strings.Join(got, "") != long || len(got) != 3 {
		t.Errorf("long word split = %q", got)
	}
	// Emoji count as two UTF-16 units.
	got = bot.SplitFunc(strings.Repeat("😀", 10), 5, utf16Len)
	if len(got) != 5 { // two emoji (4 units) per piece
		t.Errorf("emoji split into %d pieces, want 5", len(got))
	}
	if got := bot.SplitFunc("  \n ", 10, utf16Len); len(got) != 0 {
		t.Errorf("blank text gave %q", got)
	}
}
