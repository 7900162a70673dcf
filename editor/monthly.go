package editor

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"sort"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"

	"botdvc/bot"
)

// ComplaintStats are the complaints desk's figures of a period (package
// complaint's Stats, adapted by cmd/botd): complaints received in the
// period, with their status now.
type ComplaintStats struct {
	Received    int                  `json:"received"`
	ByStatus    map[string]int       `json:"by_status"`
	ByChannel   map[string]int       `json:"by_channel"`
	ByProcedure []ComplaintProcedure `json:"by_procedure"`
	Answered    int                  `json:"answered"`
	Due         int                  `json:"due"`     // answered, or past the deadline
	OnTime      int                  `json:"on_time"` // answered by the deadline
	OnTimeRate  float64              `json:"on_time_rate"`
	OverdueOpen int                  `json:"overdue_open"`
	Satisfied   int                  `json:"satisfied"`
	Unsatisfied int                  `json:"unsatisfied"`
	Published   int                  `json:"published"`
}

// ComplaintProcedure is one procedure's line of ComplaintStats.
type ComplaintProcedure struct {
	Procedure string `json:"procedure"`
	Title     string `json:"title"`
	Received  int    `json:"received"`
	Answered  int    `json:"answered"`
	OnTime    int    `json:"on_time"`
	Overdue   int    `json:"overdue"`
}

// Complaints is the complaints desk as the monthly report sees it. Optional.
type Complaints interface {
	Stats(ctx context.Context, from, to time.Time) (ComplaintStats, error)
}

// Monthly is the report for the city office: a calendar month in Hà Nội
// time. Its question, ticket and rating figures are the summary page's
// (Summarize over the month's records), plus questions by domain and the
// complaints.
type Monthly struct {
	Month      string          `json:"month"` // YYYY-MM
	From       time.Time       `json:"from"`
	To         time.Time       `json:"to"` // exclusive
	Questions  MonthQuestions  `json:"questions"`
	Feedback   Feedback        `json:"feedback"` // answer feedback taps (Summary.Feedback)
	Tickets    MonthTickets    `json:"tickets"`
	Ratings    MonthRatings    `json:"ratings"`
	Complaints *ComplaintStats `json:"complaints"`

	summary Summary // for the page's chart
}

// MonthQuestions are the questions of the month.
type MonthQuestions struct {
	Total            int                       `json:"total"`
	ByChannel        map[string]int            `json:"by_channel"`
	ByDomain         map[string]int            `json:"by_domain"` // domain of the guide answered; "" when none
	ByChannelDomain  map[string]map[string]int `json:"by_channel_domain"`
	Answered         int                       `json:"answered"`
	AskedBack        int                       `json:"asked_back"`
	FellBack         int                       `json:"fell_back"`
	HandedOff        int                       `json:"handed_off"`
	Greetings        int                       `json:"greetings"`
	ByChannelOutcome map[string]map[string]int `json:"by_channel_outcome"`
}

// MonthTickets are the hotline tickets opened in the month.
type MonthTickets struct {
	Created                 int     `json:"created"`
	MedianFirstReplySeconds float64 `json:"median_first_reply_seconds"`
}

// MonthRatings are the citizens' ratings of the hotline's help (1–5).
type MonthRatings struct {
	Counts  [5]int  `json:"counts"` // of 1, 2, 3, 4, 5
	Rated   int     `json:"rated"`
	Average float64 `json:"average"`
}

// ParseMonth reads "YYYY-MM" as the calendar month in Hà Nội time, [from, to).
func ParseMonth(s string) (from, to time.Time, err error) {
	t, err := time.ParseInLocation("2006-01", s, hanoi)
	if err != nil || len(s) != 7 {
		return time.Time{}, time.Time{}, fmt.Errorf("month %q: want YYYY-MM, e.g. 2026-05", s)
	}
	return t, t.AddDate(0, 1, 0), nil
}

// BuildMonthly computes the report of [from, to) from the month's outcomes,
// the hotline's ticket figures and the complaints; domain gives a guide's
// domain (nil: none known).
func BuildMonthly(from, to time.Time, outcomes []Outcome, tickets TicketStats, complaints *ComplaintStats, domain func(guideID string) string) Monthly {
	var in []Outcome
	for _, o := range outcomes {
		if !o.At.Before(from) && o.At.Before(to) {
			in = append(in, o)
		}
	}
	days := int(to.Sub(from).Hours()/24 + 0.5)
	// The summary page's figures, over the month: its days end on the month's last day.
	s := Summarize(in, tickets, days, to.Add(-time.Second))
	m := Monthly{Month: from.In(hanoi).Format("2006-01"), From: from, To: to, summary: s, Complaints: complaints,
		Questions: MonthQuestions{Total: s.Total, ByChannel: map[string]int{}, ByDomain: map[string]int{},
			ByChannelDomain: map[string]map[string]int{}, ByChannelOutcome: s.ByChannel,
			Answered: s.Actions[string(bot.ActionAnswer)], AskedBack: s.Actions[string(bot.ActionClarify)],
			FellBack: s.Actions[string(bot.ActionFallback)], HandedOff: s.Actions[string(bot.ActionHandoff)],
			Greetings: s.Actions[string(bot.ActionGreeting)]},
		Feedback: s.Feedback,
		Tickets:  MonthTickets{Created: s.Tickets, MedianFirstReplySeconds: s.MedianReplyS},
		Ratings:  MonthRatings{Counts: s.Ratings, Rated: s.Rated, Average: s.RatingAverage},
	}
	for _, o := range in {
		if o.Feedback != "" {
			continue // a tap on an answer, not a question (as in Summarize)
		}
		ch := string(o.Channel)
		dom := ""
		if o.GuideID != "" && domain != nil {
			dom = domain(o.GuideID)
		}
		m.Questions.ByChannel[ch]++
		m.Questions.ByDomain[dom]++
		if m.Questions.ByChannelDomain[ch] == nil {
			m.Questions.ByChannelDomain[ch] = map[string]int{}
		}
		m.Questions.ByChannelDomain[ch][dom]++
	}
	return m
}

func (a *Admin) monthly(ctx context.Context, month string) (Monthly, error) {
	from, to, err := ParseMonth(month)
	if err != nil {
		return Monthly{}, err
	}
	var outs []Outcome
	if a.Recorder != nil {
		if outs, err = a.Recorder.Between(ctx, from, to); err != nil {
			return Monthly{}, err
		}
	}
	var ts TicketStats
	if a.Tickets != nil {
		if ts, err = a.Tickets.Stats(ctx, from, to); err != nil {
			a.Logger.Warn("hotline figures unavailable", "err", err)
		}
	}
	var cs *ComplaintStats
	if a.Complaints != nil {
		c, err := a.Complaints.Stats(ctx, from, to)
		if err != nil {
			return Monthly{}, err
		}
		cs = &c
	}
	domain := a.Domain
	if domain == nil {
		doms := map[string]string{}
		if entries, err := a.Store.List(ctx); err == nil {
			for _, e := range entries {
				doms[e.Guide.ID] = e.Guide.Domain
			}
		}
		domain = func(id string) string { return doms[id] }
	}
	return BuildMonthly(from, to, outs, ts, cs, domain), nil
}

// CSV renders the report as CSV for a spreadsheet: a UTF-8 byte order mark
// (so Excel reads the Vietnamese right), then one figure a row:
// section, metric, key, value, label (Vietnamese).
func (m Monthly) CSV() []byte {
	var b bytes.Buffer
	b.WriteString("\ufeff")
	w := csv.NewWriter(&b)
	row := func(section, metric, key string, value any, label string) {
		var v string
		switch x := value.(type) {
		case float64:
			v = strconv.FormatFloat(x, 'f', 3, 64)
		default:
			v = fmt.Sprint(x)
		}
		_ = w.Write([]string{section, metric, key, v, label})
	}
	_ = w.Write([]string{"section", "metric", "key", "value", "label"})
	row("report", "month", "", m.Month, "Tháng báo cáo (giờ Hà Nội)")
	q := m.Questions
	row("questions", "total", "", q.Total, "Tổng số câu hỏi")
	for _, k := range sortedKeys(q.ByChannel) {
		row("questions", "by_channel", k, q.ByChannel[k], "Câu hỏi theo kênh")
	}
	for _, k := range sortedKeys(q.ByDomain) {
		row("questions", "by_domain", k, q.ByDomain[k], "Câu hỏi theo lĩnh vực (trống: không xác định)")
	}
	for _, ch := range sortedKeys(q.ByChannelDomain) {
		for _, d := range sortedKeys(q.ByChannelDomain[ch]) {
			row("questions", "by_channel_domain", ch+"/"+d, q.ByChannelDomain[ch][d], "Câu hỏi theo kênh và lĩnh vực")
		}
	}
	row("questions", "answered", "", q.Answered, "Trả lời ngay")
	row("questions", "asked_back", "", q.AskedBack, "Hỏi lại để làm rõ")
	row("questions", "fell_back", "", q.FellBack, "Chưa trả lời được")
	row("questions", "handed_off", "", q.HandedOff, "Chuyển tổng đài viên")
	row("questions", "greetings", "", q.Greetings, "Chào hỏi, cảm ơn")
	row("feedback", "up", "", m.Feedback.Up, "Đánh giá câu trả lời: hữu ích")
	row("feedback", "down", "", m.Feedback.Down, "Đánh giá câu trả lời: chưa hữu ích")
	row("tickets", "created", "", m.Tickets.Created, "Yêu cầu đến tổng đài")
	row("tickets", "median_first_reply_seconds", "", m.Tickets.MedianFirstReplySeconds, "Thời gian trả lời lần đầu (trung vị, giây)")
	for i, n := range m.Ratings.Counts {
		row("ratings", "count", strconv.Itoa(i+1), n, "Số lượt đánh giá tổng đài theo điểm")
	}
	row("ratings", "average", "", m.Ratings.Average, "Điểm hài lòng trung bình (1–5)")
	if c := m.Complaints; c != nil {
		row("complaints", "received", "", c.Received, "Phản ánh, kiến nghị tiếp nhận")
		for _, k := range sortedKeys(c.ByStatus) {
			row("complaints", "by_status", k, c.ByStatus[k], "Phản ánh theo trạng thái hiện nay")
		}
		for _, k := range sortedKeys(c.ByChannel) {
			row("complaints", "by_channel", k, c.ByChannel[k], "Phản ánh theo kênh")
		}
		for _, p := range c.ByProcedure {
			row("complaints", "by_procedure", p.Procedure, p.Received, "Phản ánh theo thủ tục: "+p.Title)
			row("complaints", "by_procedure_on_time", p.Procedure, p.OnTime, "Trả lời đúng hạn theo thủ tục")
			row("complaints", "by_procedure_overdue", p.Procedure, p.Overdue, "Quá hạn chưa trả lời theo thủ tục")
		}
		row("complaints", "answered", "", c.Answered, "Đã trả lời")
		row("complaints", "due", "", c.Due, "Đến hạn (đã trả lời hoặc đã quá hạn)")
		row("complaints", "on_time", "", c.OnTime, "Trả lời đúng hạn")
		row("complaints", "on_time_rate", "", c.OnTimeRate, "Tỷ lệ đúng hạn")
		row("complaints", "overdue_open", "", c.OverdueOpen, "Quá hạn chưa trả lời")
		row("complaints", "satisfied", "", c.Satisfied, "Người dân hài lòng với câu trả lời")
		row("complaints", "unsatisfied", "", c.Unsatisfied, "Người dân chưa hài lòng với câu trả lời")
		row("complaints", "published", "", c.Published, "Đã công khai")
	}
	w.Flush()
	return b.Bytes()
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// monthlyPage is /admin/report?month=YYYY-MM: the report as a printable page.
func (a *Admin) monthlyPage(c *fiber.Ctx) error {
	now := a.Now().In(hanoi)
	month := c.Query("month", now.Format("2006-01"))
	if _, _, err := ParseMonth(month); err != nil {
		month = now.Format("2006-01")
	}
	m, err := a.monthly(c.UserContext(), month)
	if err != nil {
		return err
	}
	from, _, _ := ParseMonth(month)
	return a.render(c, "monthly.html", "Báo cáo tháng "+from.Format("01/2006"), fiber.Map{
		"M": m, "Chart": a.dayChart(m.summary), "Actions": actionBars(m.summary), "Label": from.Format("01/2006"),
		"Prev": from.AddDate(0, -1, 0).Format("2006-01"), "Next": from.AddDate(0, 1, 0).Format("2006-01"),
		"Domains": sortedKeys(m.Questions.ByDomain), "Channels": sortedKeys(m.Questions.ByChannel),
		"Generated": a.Now(),
	})
}
