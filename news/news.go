package news

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"botdvc/knowledge"
)

// Limits of an announcement.
const (
	MaxTitle  = 200  // characters
	MaxBody   = 4000 // characters
	MaxGuides = 20
)

// hanoi is Vietnam's time zone: a date without a time is a day in Hà Nội.
var hanoi = time.FixedZone("ICT", 7*3600)

// Announcement is one bản tin: news about a change in procedures that
// editors publish. It is current from From (inclusive) until Until
// (exclusive; zero means no end).
type Announcement struct {
	ID      string    `json:"id"`
	Title   string    `json:"title"`
	Body    string    `json:"body"`
	Guides  []string  `json:"guides"`
	From    time.Time `json:"from"`
	Until   time.Time `json:"until,omitzero"`
	Author  string    `json:"author,omitempty"`
	Created time.Time `json:"created"`
	Updated time.Time `json:"updated"`
}

// Current reports whether a is current at now.
func (a Announcement) Current(now time.Time) bool {
	return !now.Before(a.From) && (a.Until.IsZero() || now.Before(a.Until))
}

// About reports whether a concerns the guide id.
func (a Announcement) About(id string) bool {
	for _, g := range a.Guides {
		if g == id {
			return true
		}
	}
	return false
}

// Input is the body of POST and PUT /api/v1/announcements (the contract in
// ../shared/DESIGN.md): title, body, the guide ids it concerns, and when it
// is current. From and Until are a day ("2026-12-01", in Hà Nội time: from
// the start of that day, until the end of that day) or a moment in RFC 3339
// ("2026-12-01T08:00:00+07:00"); an empty From means now, an empty Until no end.
type Input struct {
	Title  string   `json:"title"`
	Body   string   `json:"body"`
	Guides []string `json:"guides"`
	From   string   `json:"from"`
	Until  string   `json:"until"`
}

// Problem is one thing wrong with an Input, on one field. Messages are in
// Vietnamese: editors read them on the admin page.
type Problem struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

// ValidationError lists what is wrong with an Input.
type ValidationError struct{ Problems []Problem }

func (e *ValidationError) Error() string {
	var parts []string
	for _, p := range e.Problems {
		parts = append(parts, p.Field+": "+p.Message)
	}
	return "news: invalid announcement: " + strings.Join(parts, "; ")
}

// ErrMalformed is returned by DecodeInput for a body that is not the
// announcement object.
var ErrMalformed = errors.New("news: malformed announcement")

// DecodeInput reads a request body: a JSON object with the fields of Input
// and no others. The error wraps ErrMalformed and says what is wrong.
func DecodeInput(body []byte) (Input, error) {
	var in Input
	if !utf8.Valid(body) {
		return in, fmt.Errorf("%w: body is not valid UTF-8", ErrMalformed)
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&in); err != nil {
		return in, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	if dec.More() {
		return in, fmt.Errorf("%w: more than one JSON value", ErrMalformed)
	}
	return in, nil
}

// Build checks in and returns the announcement it describes (without id,
// author or timestamps). exists tells whether a guide id is known; nil
// accepts every well-formed id.
func (in Input) Build(now time.Time, exists func(id string) bool) (Announcement, error) {
	var probs []Problem
	add := func(field, msg string, args ...any) { probs = append(probs, Problem{field, fmt.Sprintf(msg, args...)}) }
	a := Announcement{Title: clean(in.Title), Body: strings.TrimSpace(norm.NFC.String(strings.ReplaceAll(in.Body, "\r\n", "\n")))}
	switch n := utf8.RuneCountInString(a.Title); {
	case n == 0:
		add("title", "Cần có tiêu đề.")
	case n > MaxTitle:
		add("title", "Tiêu đề dài %d ký tự, tối đa %d.", n, MaxTitle)
	}
	switch n := utf8.RuneCountInString(a.Body); {
	case n == 0:
		add("body", "Cần có nội dung.")
	case n > MaxBody:
		add("body", "Nội dung dài %d ký tự, tối đa %d.", n, MaxBody)
	}
	if len(in.Guides) > MaxGuides {
		add("guides", "Tối đa %d thủ tục cho một bản tin.", MaxGuides)
	}
	seen := map[string]bool{}
	for _, g := range in.Guides {
		g = strings.TrimSpace(g)
		switch {
		case g == "" || seen[g]:
			continue
		case !knowledge.ValidID(g):
			add("guides", "Mã hướng dẫn %q không hợp lệ (chữ thường không dấu, nối bằng dấu -).", g)
		case exists != nil && !exists(g):
			add("guides", "Không có hướng dẫn %q.", g)
		default:
			a.Guides = append(a.Guides, g)
		}
		seen[g] = true
	}
	var err error
	if strings.TrimSpace(in.From) == "" {
		a.From = now
	} else if a.From, err = parseWhen(in.From, false); err != nil {
		add("from", "Ngày bắt đầu %q không đọc được: dùng dạng 2026-12-01 hoặc 2026-12-01T08:00:00+07:00.", in.From)
	}
	if strings.TrimSpace(in.Until) != "" {
		if a.Until, err = parseWhen(in.Until, true); err != nil {
			add("until", "Ngày kết thúc %q không đọc được: dùng dạng 2026-12-31 hoặc 2026-12-31T17:00:00+07:00.", in.Until)
		} else if !a.From.IsZero() && !a.Until.After(a.From) {
			add("until", "Ngày kết thúc phải sau ngày bắt đầu.")
		}
	}
	if len(probs) > 0 {
		return Announcement{}, &ValidationError{Problems: probs}
	}
	if a.Guides == nil {
		a.Guides = []string{}
	}
	return a, nil
}

// parseWhen reads a day or a moment; a day as an end means the end of it.
func parseWhen(s string, end bool) (time.Time, error) {
	s = strings.TrimSpace(s)
	if d, err := time.ParseInLocation("2006-01-02", s, hanoi); err == nil {
		if end {
			d = d.AddDate(0, 0, 1)
		}
		return d, nil
	}
	return time.Parse(time.RFC3339, s)
}

// clean returns s in NFC on one line with blanks collapsed.
func clean(s string) string { return strings.Join(strings.Fields(norm.NFC.String(s)), " ") }

// Day renders a moment as a Hà Nội date: "01/12/2026".
func Day(t time.Time) string { return t.In(hanoi).Format("02/01/2006") }

// Period says when a is current, in Vietnamese: "từ 01/12/2026 đến hết
// 31/12/2026", "từ 01/12/2026".
func (a Announcement) Period() string {
	s := "từ " + Day(a.From)
	if !a.Until.IsZero() {
		last := a.Until.Add(-time.Nanosecond)
		s += " đến hết " + Day(last)
	}
	return s
}

// Input returns the Input that describes a (for an edit form): days where
// the period starts and ends at midnight in Hà Nội, moments otherwise.
func (a Announcement) Input() Input {
	in := Input{Title: a.Title, Body: a.Body, Guides: append([]string(nil), a.Guides...), From: when(a.From, false)}
	if !a.Until.IsZero() {
		in.Until = when(a.Until, true)
	}
	return in
}

func when(t time.Time, end bool) string {
	l := t.In(hanoi)
	if l.Hour() == 0 && l.Minute() == 0 && l.Second() == 0 && l.Nanosecond() == 0 {
		if end {
			l = l.AddDate(0, 0, -1)
		}
		return l.Format("2006-01-02")
	}
	return l.Format(time.RFC3339)
}
