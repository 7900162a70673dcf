package hotline

import (
	"errors"
	"strings"
	"testing"
	"time"

	"botdvc/bot"
)

func TestHours(t *testing.T) {
	h := DefaultHours()
	if got, want := h.String(), "7:30–17:00 từ thứ Hai đến thứ Sáu; 7:30–11:30 thứ Bảy"; got != want {
		t.Errorf("String = %q, want %q", got, want)
	}
	at := func(d, hh, mm int) time.Time { return time.Date(2026, 11, d, hh, mm, 0, 0, hanoi) } // 23 Nov 2026 is a Monday
	tests := []struct {
		name string
		t    time.Time
		open bool
		next time.Time
	}{
		{"monday 7:29", at(23, 7, 29), false, at(23, 7, 30)},
		{"monday 7:30", at(23, 7, 30), true, at(23, 7, 30)},
		{"friday 16:59", at(27, 16, 59), true, at(27, 16, 59)},
		{"friday 17:00", at(27, 17, 0), false, at(28, 7, 30)},
		{"saturday 11:30", at(28, 11, 30), false, at(30, 7, 30)},
		{"sunday", at(29, 10, 0), false, at(30, 7, 30)},
		{"utc input", time.Date(2026, 11, 23, 1, 0, 0, 0, time.UTC), true, time.Date(2026, 11, 23, 1, 0, 0, 0, time.UTC)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := h.Open(tt.t); got != tt.open {
				t.Errorf("Open = %v, want %v", got, tt.open)
			}
			if got := h.Next(tt.t); !got.Equal(tt.next) {
				t.Errorf("Next = %v, want %v", got, tt.next)
			}
		})
	}
}

func TestParseHoursErrors(t *testing.T) {
	for in, want := range map[string]string{
		"":                           "no opening hours",
		"Mon-Fri":                    "line 1: want",
		"# c\nMonday 07:00-17:00":    "line 2: unknown day",
		"Mon 17:00-07:00":            "line 1: bad time range",
		"Mon 7:3-9:00":               "bad time range",
		"Mon 07:00-25:00":            "bad time range",
		"Sat-Mon 08:00-09:00; Xyz 1": "line 2",
	} {
		_, err := ParseHours(in)
		if err == nil || !errors.Is(err, ErrBadFile) || !strings.Contains(err.Error(), want) {
			t.Errorf("ParseHours(%q) = %v, want error with %q", in, err, want)
		}
	}
	h, err := ParseHours("Sat-Mon 08:00-12:00")
	if err != nil || len(h.Shifts) != 3 || h.String() != "8:00–12:00 từ thứ Bảy đến thứ Hai" {
		t.Errorf("wrapping range: %+v %v %q", h, err, h.String())
	}
}

func FuzzParseHours(f *testing.F) {
	for _, s := range []string{"Mon-Fri 07:30-17:00\nSat 07:30-11:30", "Sun 00:00-24:00", "Sat-Mon 1:00-2:00;Tue 03:00-04:00", "x", "Mon 24:00-24:01"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		h, err := ParseHours(s)
		if err != nil {
			if !errors.Is(err, ErrBadFile) {
				t.Fatalf("error %v does not wrap ErrBadFile", err)
			}
			return
		}
		now := time.Date(2026, 11, 25, 12, 0, 0, 0, hanoi)
		next := h.Next(now)
		if next.IsZero() || next.Before(now) || !h.Open(next) {
			t.Fatalf("Next(%v) = %v for %q", now, next, s)
		}
		_ = h.String()
	})
}

func TestCanned(t *testing.T) {
	c := DefaultCanned()
	if len(c) < 5 || c[0].Title != "Chào hỏi" || strings.Contains(c[0].Text, "##") {
		t.Fatalf("default canned = %+v", c)
	}
	for in, want := range map[string]string{
		"hello\n## A\nx":                     "line 1: text before",
		"## A\n\n## B\nx":                    "line 1: reply \"A\" has no text",
		"## A\nx\n## A\ny":                   "line 3: title \"A\" already used on line 1",
		"# c\n## \nx":                        "line 2: empty title",
		"## A\n" + strings.Repeat("ạ", 2001): "at most 2000",
	} {
		_, err := ParseCanned(strings.NewReader(in))
		if err == nil || !errors.Is(err, ErrBadFile) || !strings.Contains(err.Error(), want) {
			t.Errorf("ParseCanned(%q) = %v, want error with %q", in, err, want)
		}
	}
}

func FuzzParseCanned(f *testing.F) {
	f.Add(defaultCanned)
	f.Add("## A\nx\n## B\ny\n")
	f.Add("#\n##\n## \n")
	f.Fuzz(func(t *testing.T, s string) {
		c, err := ParseCanned(strings.NewReader(s))
		if err != nil {
			if !errors.Is(err, ErrBadFile) {
				t.Fatalf("error %v does not wrap ErrBadFile", err)
			}
			return
		}
		for _, r := range c {
			if r.Title == "" || r.Text == "" {
				t.Fatalf("empty canned reply %+v", r)
			}
		}
	})
}

func TestParseRating(t *testing.T) {
	tests := []struct {
		m       bot.Message
		score   int
		comment string
		ok      bool
	}{
		{bot.Message{Payload: "hotline_rating:4"}, 4, "", true},
		{bot.Message{Payload: "hotline_rating:9"}, 0, "", false},
		{bot.Message{Text: "5"}, 5, "", true},
		{bot.Message{Text: "5 sao, cán bộ nhiệt tình"}, 5, "cán bộ nhiệt tình", true},
		{bot.Message{Text: "3 điểm - chờ hơi lâu"}, 3, "chờ hơi lâu", true},
		{bot.Message{Text: " 1/5 "}, 1, "", true},
		{bot.Message{Text: "12 giờ trưa có làm không"}, 0, "", false},
		{bot.Message{Text: "0912345678"}, 0, "", false},
		{bot.Message{Text: "6"}, 0, "", false},
		{bot.Message{Text: "làm hộ chiếu"}, 0, "", false},
	}
	for _, tt := range tests {
		s, c, ok := ParseRating(tt.m)
		if s != tt.score || c != tt.comment || ok != tt.ok {
			t.Errorf("ParseRating(%+v) = %d %q %v, want %d %q %v", tt.m, s, c, ok, tt.score, tt.comment, tt.ok)
		}
	}
}

func TestReceiptTextOpen(t *testing.T) {
	got := ReceiptText(bot.Receipt{TicketID: "HLX", Position: 3, Open: true, Hours: DefaultHours().String()})
	want := "Mình đã chuyển câu hỏi của bạn đến cán bộ tổng đài; cán bộ sẽ trả lời ngay trong cuộc trò chuyện này. Bạn đang ở vị trí số 3 trong hàng chờ. Giờ làm việc của tổng đài: 7:30–17:00 từ thứ Hai đến thứ Sáu; 7:30–11:30 thứ Bảy. Bạn vui lòng chờ trong giây lát."
	if got != want {
		t.Errorf("ReceiptText =\n%q\nwant\n%q", got, want)
	}
}

func TestSpan(t *testing.T) {
	for d, want := range map[time.Duration]string{
		30 * time.Second: "dưới 1 phút", 45 * time.Minute: "45 phút", 3*time.Hour + 5*time.Minute: "3 giờ 5 phút",
		2 * time.Hour: "2 giờ", 50 * time.Hour: "2 ngày 2 giờ", 48 * time.Hour: "2 ngày",
	} {
		if got := Span(d); got != want {
			t.Errorf("Span(%v) = %q, want %q", d, got, want)
		}
	}
}
