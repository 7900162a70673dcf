package hotline

import (
	"bufio"
	"fmt"
	"strconv"
	"strings"
	"time"

	"botdvc/bot"
)

// Vietnam has no daylight saving time: a fixed +07:00 zone is exact and
// needs no tzdata on the host.
var hanoi = time.FixedZone("Asia/Ho_Chi_Minh", 7*3600)

// Shift is one opening period on one weekday, in minutes after midnight.
type Shift struct {
	Day        time.Weekday
	Start, End int
}

// Hours are the hotline's opening hours in a time zone.
type Hours struct {
	Loc    *time.Location
	Shifts []Shift
}

// DefaultHoursSpec is DefaultHours in ParseHours' notation (the default of
// BOT_HOTLINE_HOURS).
const DefaultHoursSpec = "Mon-Fri 07:30-17:00; Sat 07:30-11:30"

// DefaultHours are 7:30–17:00 Monday to Friday and 7:30–11:30 Saturday,
// Asia/Ho_Chi_Minh time, as the one-stop offices keep them.
func DefaultHours() Hours {
	h, err := ParseHours(DefaultHoursSpec)
	if err != nil {
		panic(err) // a constant; covered by tests
	}
	return h
}

var dayNames = map[string]time.Weekday{"sun": time.Sunday, "mon": time.Monday, "tue": time.Tuesday,
	"wed": time.Wednesday, "thu": time.Thursday, "fri": time.Friday, "sat": time.Saturday}

// ParseHours reads opening hours, one rule a line (or separated by ';'):
// "Mon-Fri 07:30-17:00", "Sat 07:30-11:30". Days are English three-letter
// names; a range wraps over the week end ("Sat-Mon"). Times are HH:MM in
// Asia/Ho_Chi_Minh, start before end. Lines starting with # are comments.
// Errors wrap ErrBadFile and name the line.
func ParseHours(s string) (Hours, error) {
	h := Hours{Loc: hanoi}
	sc := bufio.NewScanner(strings.NewReader(strings.ReplaceAll(s, ";", "\n")))
	line := 0
	for sc.Scan() {
		line++
		text := strings.TrimSpace(sc.Text())
		if text == "" || strings.HasPrefix(text, "#") {
			continue
		}
		f := strings.Fields(text)
		if len(f) != 2 {
			return Hours{}, fmt.Errorf("hotline.ParseHours: line %d: want \"DAYS HH:MM-HH:MM\", got %q: %w", line, text, ErrBadFile)
		}
		days, err := parseDays(f[0])
		if err != nil {
			return Hours{}, fmt.Errorf("hotline.ParseHours: line %d: %v: %w", line, err, ErrBadFile)
		}
		a, b, ok := strings.Cut(f[1], "-")
		start, err1 := parseClock(a)
		end, err2 := parseClock(b)
		if !ok || err1 != nil || err2 != nil || start >= end {
			return Hours{}, fmt.Errorf("hotline.ParseHours: line %d: bad time range %q (HH:MM-HH:MM, start before end): %w", line, f[1], ErrBadFile)
		}
		for _, d := range days {
			h.Shifts = append(h.Shifts, Shift{Day: d, Start: start, End: end})
		}
	}
	if len(h.Shifts) == 0 {
		return Hours{}, fmt.Errorf("hotline.ParseHours: no opening hours: %w", ErrBadFile)
	}
	return h, nil
}

func parseDays(s string) ([]time.Weekday, error) {
	a, b, isRange := strings.Cut(strings.ToLower(s), "-")
	from, ok1 := dayNames[a]
	if !isRange {
		if !ok1 {
			return nil, fmt.Errorf("unknown day %q (Mon, Tue, ... Sun)", s)
		}
		return []time.Weekday{from}, nil
	}
	to, ok2 := dayNames[b]
	if !ok1 || !ok2 {
		return nil, fmt.Errorf("unknown day range %q (e.g. Mon-Fri)", s)
	}
	var out []time.Weekday
	for d := from; ; d = (d + 1) % 7 {
		out = append(out, d)
		if d == to {
			return out, nil
		}
	}
}

func parseClock(s string) (int, error) {
	hh, mm, ok := strings.Cut(s, ":")
	h, err1 := strconv.Atoi(hh)
	m, err2 := strconv.Atoi(mm)
	if !ok || err1 != nil || err2 != nil || len(mm) != 2 || h < 0 || h > 24 || m < 0 || m > 59 || h*60+m > 24*60 {
		return 0, fmt.Errorf("bad time %q", s)
	}
	return h*60 + m, nil
}

func (h Hours) loc() *time.Location {
	if h.Loc == nil {
		return hanoi
	}
	return h.Loc
}

// Open reports whether staff are on duty at t.
func (h Hours) Open(t time.Time) bool {
	t = t.In(h.loc())
	m := t.Hour()*60 + t.Minute()
	for _, s := range h.Shifts {
		if s.Day == t.Weekday() && m >= s.Start && m < s.End {
			return true
		}
	}
	return false
}

// Next returns when staff are next on duty at or after t (t itself when
// open now), or the zero time when there are no shifts.
func (h Hours) Next(t time.Time) time.Time {
	if len(h.Shifts) == 0 {
		return time.Time{}
	}
	if h.Open(t) {
		return t
	}
	t = t.In(h.loc())
	day := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, h.loc())
	for i := 0; i <= 7; i++ {
		d := day.AddDate(0, 0, i)
		best := -1
		for _, s := range h.Shifts {
			if s.Day != d.Weekday() {
				continue
			}
			at := d.Add(time.Duration(s.Start) * time.Minute)
			if at.Before(t) {
				continue
			}
			if best < 0 || s.Start < best {
				best = s.Start
			}
		}
		if best >= 0 {
			return d.Add(time.Duration(best) * time.Minute)
		}
	}
	return time.Time{}
}

var viDays = [...]string{"Chủ nhật", "thứ Hai", "thứ Ba", "thứ Tư", "thứ Năm", "thứ Sáu", "thứ Bảy"}

func clock(m int) string { return fmt.Sprintf("%d:%02d", m/60, m%60) }

// String returns the hours in Vietnamese, e.g.
// "7:30–17:00 từ thứ Hai đến thứ Sáu; 7:30–11:30 thứ Bảy".
func (h Hours) String() string {
	type span struct{ start, end int }
	byTime := map[span][]time.Weekday{}
	var order []span
	for _, s := range h.Shifts {
		k := span{s.Start, s.End}
		if _, ok := byTime[k]; !ok {
			order = append(order, k)
		}
		byTime[k] = append(byTime[k], s.Day)
	}
	var parts []string
	for _, k := range order {
		days := byTime[k]
		var ds string
		// Consecutive days read as a range.
		consecutive := len(days) > 2
		for i := 1; i < len(days); i++ {
			if days[i] != (days[i-1]+1)%7 {
				consecutive = false
			}
		}
		if consecutive {
			ds = "từ " + viDays[days[0]] + " đến " + viDays[days[len(days)-1]]
		} else {
			names := make([]string, len(days))
			for i, d := range days {
				names[i] = viDays[d]
			}
			ds = strings.Join(names, ", ")
		}
		parts = append(parts, clock(k.start)+"–"+clock(k.end)+" "+ds)
	}
	return strings.Join(parts, "; ")
}

// When renders a moment for a citizen: "7:30 thứ Hai, ngày 01/12".
func When(t time.Time) string {
	t = t.In(hanoi)
	return fmt.Sprintf("%d:%02d %s, ngày %02d/%02d", t.Hour(), t.Minute(), viDays[t.Weekday()], t.Day(), int(t.Month()))
}

// ReceiptText is the Vietnamese sentence the bot sends when it hands a
// conversation to the hotline: that a staff member will answer here, the
// place in the queue, and the hours, or when staff are back.
func ReceiptText(r bot.Receipt) string {
	var b strings.Builder
	b.WriteString("Mình đã chuyển câu hỏi của bạn đến cán bộ tổng đài; cán bộ sẽ trả lời ngay trong cuộc trò chuyện này.")
	if r.Position == 1 {
		b.WriteString(" Bạn là người tiếp theo trong hàng chờ.")
	} else if r.Position > 1 {
		fmt.Fprintf(&b, " Bạn đang ở vị trí số %d trong hàng chờ.", r.Position)
	}
	if r.Open {
		if r.Hours != "" {
			fmt.Fprintf(&b, " Giờ làm việc của tổng đài: %s.", r.Hours)
		}
		b.WriteString(" Bạn vui lòng chờ trong giây lát.")
		return b.String()
	}
	b.WriteString(" Hiện đã ngoài giờ làm việc")
	if r.Hours != "" {
		fmt.Fprintf(&b, " (%s)", r.Hours)
	}
	if !r.NextOpen.IsZero() {
		fmt.Fprintf(&b, "; cán bộ sẽ trả lời bạn từ %s.", When(r.NextOpen))
	} else {
		b.WriteString("; cán bộ sẽ trả lời bạn trong giờ làm việc gần nhất.")
	}
	b.WriteString(" Bạn có thể nhắn thêm thông tin, cán bộ sẽ đọc toàn bộ cuộc trò chuyện.")
	return b.String()
}
