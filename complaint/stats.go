package complaint

import (
	"slices"
	"strings"
	"time"
)

// Stats are the complaints figures of a period, for the monthly report.
// A complaint belongs to the period it was received in; its status is the
// status now.
type Stats struct {
	Received    int              `json:"received"`
	ByStatus    map[string]int   `json:"by_status"`
	ByChannel   map[string]int   `json:"by_channel"` // web form complaints count as "web"
	ByProcedure []ProcedureStats `json:"by_procedure"`
	Answered    int              `json:"answered"`
	// Due counts the complaints answered or past their deadline; OnTime
	// those answered by the deadline; OnTimeRate is OnTime / Due.
	Due         int     `json:"due"`
	OnTime      int     `json:"on_time"`
	OnTimeRate  float64 `json:"on_time_rate"`
	OverdueOpen int     `json:"overdue_open"` // waiting for an answer past the deadline now
	Satisfied   int     `json:"satisfied"`    // citizens' verdict on the answer
	Unsatisfied int     `json:"unsatisfied"`
	Published   int     `json:"published"`
}

// ProcedureStats are the figures of one procedure (or office, as named).
type ProcedureStats struct {
	Procedure string `json:"procedure"` // guide id, or the name as given; "" when not said
	Title     string `json:"title"`
	Received  int    `json:"received"`
	Answered  int    `json:"answered"`
	OnTime    int    `json:"on_time"`
	Overdue   int    `json:"overdue"` // open past the deadline now
}

// Stats counts the complaints received in [from, to).
func (d *Desk) Stats(from, to time.Time) Stats {
	now := d.cfg.Now()
	s := Stats{ByStatus: map[string]int{}, ByChannel: map[string]int{}}
	for _, st := range Statuses {
		s.ByStatus[string(st)] = 0
	}
	procs := map[string]*ProcedureStats{}
	d.mu.RLock()
	for _, c := range d.cases {
		if c.Created.Before(from) || !c.Created.Before(to) {
			continue
		}
		s.Received++
		s.ByStatus[string(c.Status)]++
		ch := string(c.Channel)
		if ch == "" {
			ch = "web"
		}
		s.ByChannel[ch]++
		key, title := c.ProcedureID, c.Procedure
		if key == "" {
			key = strings.ToLower(strings.TrimSpace(c.Procedure))
		}
		p := procs[key]
		if p == nil {
			p = &ProcedureStats{Procedure: key, Title: title}
			procs[key] = p
		}
		p.Received++
		if !c.Answered.IsZero() {
			s.Answered++
			p.Answered++
		}
		if !c.Answered.IsZero() || now.After(c.Deadline) {
			s.Due++
		}
		if c.OnTime() {
			s.OnTime++
			p.OnTime++
		}
		if c.Overdue(now) {
			s.OverdueOpen++
			p.Overdue++
		}
		switch c.Satisfied {
		case "yes":
			s.Satisfied++
		case "no":
			s.Unsatisfied++
		}
		if !c.Published.IsZero() {
			s.Published++
		}
	}
	d.mu.RUnlock()
	if s.Due > 0 {
		s.OnTimeRate = float64(s.OnTime) / float64(s.Due)
	}
	for _, p := range procs {
		s.ByProcedure = append(s.ByProcedure, *p)
	}
	slices.SortFunc(s.ByProcedure, func(a, b ProcedureStats) int {
		if a.Received != b.Received {
			return b.Received - a.Received
		}
		return strings.Compare(a.Procedure, b.Procedure)
	})
	if s.ByProcedure == nil {
		s.ByProcedure = []ProcedureStats{}
	}
	return s
}
