package complaint

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestCheckDigit(t *testing.T) {
	// The worked example published with the Damm algorithm: 572 → 4.
	if got := checkDigit("572"); got != '4' {
		t.Fatalf("checkDigit(572) = %c, want 4", got)
	}
	if checkDigit("5724") != '0' {
		t.Fatal("a number with its check digit must check to 0")
	}
	// Every single wrong digit and every swap of two different neighbours is caught.
	for i := 0; i < 200; i++ {
		code := newCode("filing-"+itoa(i), 0)
		d := strings.ReplaceAll(strings.TrimPrefix(code, "PA-"), "-", "")
		if checkDigit(d) != '0' {
			t.Fatalf("%s does not check", code)
		}
		for p := 0; p < len(d); p++ {
			for x := byte('0'); x <= '9'; x++ {
				if x == d[p] {
					continue
				}
				if checkDigit(d[:p]+string(x)+d[p+1:]) == '0' {
					t.Fatalf("%s: digit %d changed to %c not caught", code, p, x)
				}
			}
			if p+1 < len(d) && d[p] != d[p+1] {
				if checkDigit(d[:p]+string(d[p+1])+string(d[p])+d[p+2:]) == '0' {
					t.Fatalf("%s: swap at %d not caught", code, p)
				}
			}
		}
	}
}

func TestParseCode(t *testing.T) {
	code := newCode("x", 0)
	d := strings.ReplaceAll(strings.TrimPrefix(code, "PA-"), "-", "")
	for _, in := range []string{code, strings.ToLower(code), "PA " + d[:4] + " " + d[4:], "PA" + d, " pa-" + d[:4] + "." + d[4:] + " "} {
		got, err := ParseCode(in)
		if err != nil || got != code {
			t.Errorf("ParseCode(%q) = %q, %v; want %s", in, got, err, code)
		}
	}
	for _, in := range []string{"", "PA-123-4567", "PA-1234-56789", "xPA-" + d, d, "PA-" + d[:7] + string('0'+(d[7]-'0'+1)%10)} {
		if _, err := ParseCode(in); !errors.Is(err, ErrBadCode) {
			t.Errorf("ParseCode(%q): %v, want ErrBadCode", in, err)
		}
	}
	if c, valid, found := FindCode("cho mình tra cứu phản ánh " + strings.ToLower(code) + " với"); !found || !valid || c != code {
		t.Errorf("FindCode in a sentence: %q %v %v", c, valid, found)
	}
}

func FuzzParseCode(f *testing.F) {
	for _, s := range []string{"PA-4829-1736", "pa 4829 1736", "PA48291736", "", "PA-", "PA-1234-5678-9", "ＰＡ-１２３４"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		code, err := ParseCode(s)
		if err != nil {
			if !errors.Is(err, ErrBadCode) {
				t.Fatalf("error does not wrap ErrBadCode: %v", err)
			}
			return
		}
		if !validKey(code) {
			t.Fatalf("ParseCode(%q) = %q, not a valid key", s, code)
		}
		if again, err := ParseCode(code); err != nil || again != code {
			t.Fatalf("not idempotent: %q → %q → %q %v", s, code, again, err)
		}
	})
}

func TestCalendar(t *testing.T) {
	day := func(s string) time.Time {
		t, err := time.ParseInLocation("2006-01-02 15:04", s, Hanoi)
		if err != nil {
			panic(err)
		}
		return t
	}
	hol, err := ParseHolidays("# test holidays\n2026-06-03, 2026-06-04\n")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		cal  Calendar
		from string
		n    int
		want string
	}{
		{Calendar{}, "2026-06-01 09:00", 10, "2026-06-15"},             // Monday: days counted from Tuesday
		{Calendar{}, "2026-06-05 16:00", 1, "2026-06-08"},              // Friday → Monday
		{Calendar{}, "2026-06-06 10:00", 1, "2026-06-08"},              // Saturday → Monday
		{Calendar{Holidays: hol}, "2026-06-01 09:00", 3, "2026-06-08"}, // Wed and Thu are holidays
		{Calendar{}, "2026-05-31 23:30", 1, "2026-06-01"},              // Sunday night in Hà Nội
	} {
		got := tc.cal.Deadline(day(tc.from), tc.n)
		if got.Format("2006-01-02 15:04:05") != tc.want+" 23:59:59" {
			t.Errorf("Deadline(%s, %d) = %s, want %s end of day", tc.from, tc.n, got, tc.want)
		}
	}
	// UTC input is counted in Hà Nội: 2026-06-05 18:00 UTC is Saturday 01:00 there.
	if got := (Calendar{}).Deadline(time.Date(2026, 6, 5, 18, 0, 0, 0, time.UTC), 1); got.Day() != 8 {
		t.Errorf("UTC input: %s", got)
	}
	c := Calendar{}
	dl := c.Deadline(day("2026-06-01 09:00"), 10)
	for _, tc := range []struct {
		now  string
		want int
	}{{"2026-06-01 10:00", 10}, {"2026-06-12 10:00", 1}, {"2026-06-15 10:00", 0}, {"2026-06-16 10:00", -1}, {"2026-06-22 10:00", -5}} {
		if got := c.WorkingDaysLeft(day(tc.now), dl); got != tc.want {
			t.Errorf("WorkingDaysLeft(%s) = %d, want %d", tc.now, got, tc.want)
		}
	}
	if _, err := ParseHolidays("2026-06-01\n2026-13-01"); !errors.Is(err, ErrBadFile) || !strings.Contains(err.Error(), "line 2") {
		t.Errorf("bad holiday: %v", err)
	}
}

func FuzzParseHolidays(f *testing.F) {
	f.Add("2026-01-01, 2026-04-30\n# c\n2026-05-01")
	f.Add("2026-02-30")
	f.Fuzz(func(t *testing.T, s string) {
		h, err := ParseHolidays(s)
		if err != nil {
			if !errors.Is(err, ErrBadFile) || !strings.Contains(err.Error(), "line ") {
				t.Fatalf("error without line or ErrBadFile: %v", err)
			}
			return
		}
		for d := range h {
			if _, err := time.Parse(time.DateOnly, d); err != nil {
				t.Fatalf("kept %q", d)
			}
		}
	})
}
