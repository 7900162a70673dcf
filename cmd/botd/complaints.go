package main

import (
	"context"
	"time"

	"botdvc/complaint"
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
