package main

import (
	"context"
	"time"

	"botdvc/editor"
	"botdvc/hotline"
)

// hotlineTickets shows the hotline to the editors' reports: closed tickets
// for the gap report, figures for the summary.
type hotlineTickets struct{ q *hotline.Queue }

var _ editor.Tickets = hotlineTickets{}

func (h hotlineTickets) Resolutions(ctx context.Context, since time.Time) ([]editor.Resolution, error) {
	rs, err := h.q.Resolutions(ctx, since)
	if err != nil {
		return nil, err
	}
	out := make([]editor.Resolution, len(rs))
	for i, r := range rs {
		out[i] = editor.Resolution{Conversation: editor.ConversationHash(r.Conversation), Question: r.Question,
			Resolution: r.Resolution, GuideID: r.GuideID, Created: r.Created}
	}
	return out, nil
}

func (h hotlineTickets) Stats(ctx context.Context, from, to time.Time) (editor.TicketStats, error) {
	s, err := h.q.SummarizeBetween(ctx, from, to)
	if err != nil {
		return editor.TicketStats{}, err
	}
	return editor.TicketStats{Created: s.Created, MedianFirstReply: s.MedianFirstReply, Ratings: s.Ratings, RatingAverage: s.RatingAverage}, nil
}
