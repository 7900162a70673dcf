package main

import (
	"context"
	"strings"
	"time"

	"botdvc/complaint"
	"botdvc/dvhc"
	"botdvc/editor"
)

// complaintStats shows the complaints desk to the editors' monthly report.
type complaintStats struct{ d *complaint.Desk }

var _ editor.Complaints = complaintStats{}

func (c complaintStats) Stats(_ context.Context, from, to time.Time) (editor.ComplaintStats, error) {
	s := c.d.Stats(from, to)
	out := editor.ComplaintStats{Received: s.Received, ByStatus: s.ByStatus, ByChannel: s.ByChannel, Answered: s.Answered,
		Due: s.Due, OnTime: s.OnTime, OnTimeRate: s.OnTimeRate, OverdueOpen: s.OverdueOpen, Satisfied: s.Satisfied,
		Unsatisfied: s.Unsatisfied, Published: s.Published, ByProcedure: []editor.ComplaintProcedure{}}
	for _, p := range s.ByProcedure {
		out.ByProcedure = append(out.ByProcedure, editor.ComplaintProcedure(p))
	}
	return out, nil
}

// wardOf finds the commune or ward a complaint's text names and gives it
// today's name (package dvhc: the 2025 merger): a current unit as it is,
// an old one with the unit(s) it became ("phường Dịch Vọng Hậu cũ, nay:
// phường Cầu Giấy, phường Nghĩa Đô"). A name that fits several units, or
// none, is left to the complaint's own reading (the place as written).
func wardOf(units *dvhc.Directory) func(text string) (string, bool) {
	return func(text string) (string, bool) {
		r := units.Resolve(units.Analyse(text))
		where := ""
		if r.Province != "" && r.Province != "Hà Nội" {
			where = ", " + r.Province
		}
		switch r.Outcome {
		case dvhc.NewUnit:
			return r.Unit.Label() + where, true
		case dvhc.OldUnit:
			if len(r.Old.Into) == 0 {
				return "", false
			}
			var into []string
			for _, u := range r.Old.Into {
				into = append(into, u.Label())
			}
			if len(into) == 1 && strings.EqualFold(into[0], r.Old.Label()) {
				return into[0] + where, true
			}
			old := r.Old.Label()
			for _, w := range []string{"Phường ", "Xã ", "Thị trấn "} { // "phường X" as the other labels
				if rest, ok := strings.CutPrefix(old, w); ok {
					old = strings.ToLower(w) + rest
				}
			}
			return old + " cũ, nay: " + strings.Join(into, ", ") + where, true
		}
		return "", false
	}
}
