package complaint

import (
	"bufio"
	"fmt"
	"strings"
	"time"
)

// Hanoi is the time zone deadlines and reports are counted in. Vietnam has
// no daylight saving time: a fixed +07:00 zone is exact and needs no tzdata.
var Hanoi = time.FixedZone("Asia/Ho_Chi_Minh", 7*3600)

// Calendar counts working days: Monday to Friday in Hà Nội, minus the
// listed public holidays (the city sets them each year, some by the lunar
// calendar, so none are built in: give them with ParseHolidays).
type Calendar struct {
	Holidays map[string]bool // "2026-09-02" → true
}

// Working reports whether the day of t (in Hà Nội) is a working day.
func (c Calendar) Working(t time.Time) bool {
	t = t.In(Hanoi)
	if wd := t.Weekday(); wd == time.Saturday || wd == time.Sunday {
		return false
	}
	return !c.Holidays[t.Format(time.DateOnly)]
}

// Deadline returns the end (23:59:59 Hà Nội) of the n-th working day after
// the day of from: the day a complaint arrives is not counted, the next
// working day is the first.
func (c Calendar) Deadline(from time.Time, n int) time.Time {
	d := from.In(Hanoi)
	d = time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, Hanoi)
	for left := n; left > 0; {
		d = d.AddDate(0, 0, 1)
		if c.Working(d) {
			left--
		}
	}
	return d.Add(24*time.Hour - time.Second)
}

// WorkingDaysLeft counts the working days from the day after now's to the
// deadline's day, both included: 0 on the last day, negative when late
// (the working days since the deadline).
func (c Calendar) WorkingDaysLeft(now, deadline time.Time) int {
	day := func(t time.Time) time.Time {
		t = t.In(Hanoi)
		return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, Hanoi)
	}
	a, b := day(now), day(deadline)
	n := 0
	switch {
	case a.Before(b):
		for d := a.AddDate(0, 0, 1); !d.After(b); d = d.AddDate(0, 0, 1) {
			if c.Working(d) {
				n++
			}
		}
	case b.Before(a):
		for d := b.AddDate(0, 0, 1); !d.After(a); d = d.AddDate(0, 0, 1) {
			if c.Working(d) {
				n--
			}
		}
	}
	return n
}

// ParseHolidays reads public holidays: dates as YYYY-MM-DD separated by
// commas, spaces or new lines; "#" starts a comment to the end of the line.
// Errors wrap ErrBadFile and name the line.
func ParseHolidays(s string) (map[string]bool, error) {
	out := map[string]bool{}
	sc := bufio.NewScanner(strings.NewReader(s))
	line := 0
	for sc.Scan() {
		line++
		text, _, _ := strings.Cut(sc.Text(), "#")
		for _, f := range strings.FieldsFunc(text, func(r rune) bool { return r == ',' || r == ';' || r == ' ' || r == '\t' }) {
			d, err := time.Parse(time.DateOnly, f)
			if err != nil {
				return nil, fmt.Errorf("complaint.ParseHolidays: line %d: %q is not a date YYYY-MM-DD: %w", line, truncate(f, 30), ErrBadFile)
			}
			out[d.Format(time.DateOnly)] = true
		}
	}
	return out, nil
}
