package hotline

import (
	"context"
	"fmt"
	"slices"
	"time"
)

// Summary is what the editors' summary page shows of the hotline over a period.
type Summary struct {
	Since            time.Time      `json:"since"`
	Created          int            `json:"created"`
	Closed           int            `json:"closed"`
	ByCategory       map[string]int `json:"by_category"`
	MedianClaim      time.Duration  `json:"median_time_to_claim_ns"`
	MedianFirstReply time.Duration  `json:"median_time_to_first_reply_ns"`
	Ratings          [5]int         `json:"ratings"` // count of 1, 2, 3, 4, 5
	RatingAverage    float64        `json:"rating_average"`
	Comments         []RatedComment `json:"comments,omitempty"` // newest first, at most 50
}

// RatedComment is a citizen's comment with its rating (redacted text).
type RatedComment struct {
	TicketID string    `json:"ticket_id"`
	Score    int       `json:"score"`
	Comment  string    `json:"comment"`
	At       time.Time `json:"at"`
}

// Summarize computes the Summary of tickets created since the given time.
func (q *Queue) Summarize(ctx context.Context, since time.Time) (Summary, error) {
	return q.SummarizeBetween(ctx, since, time.Time{})
}

// SummarizeBetween computes the Summary of tickets created in [from, to);
// a zero to means no end (a calendar month for the monthly report).
func (q *Queue) SummarizeBetween(ctx context.Context, from, to time.Time) (Summary, error) {
	since := from
	all, err := q.all(ctx)
	if err != nil {
		return Summary{}, fmt.Errorf("hotline.Summarize: %w", err)
	}
	s := Summary{Since: since, ByCategory: map[string]int{}}
	var claims, replies []time.Duration
	var sum int
	for _, t := range all {
		if t.Created.Before(since) || !to.IsZero() && !t.Created.Before(to) {
			continue
		}
		s.Created++
		s.ByCategory[t.Category]++
		if t.Status == StatusClosed {
			s.Closed++
		}
		if !t.Claimed.IsZero() {
			claims = append(claims, t.Claimed.Sub(t.Created))
		}
		if !t.FirstReply.IsZero() {
			replies = append(replies, t.FirstReply.Sub(t.Created))
		}
		if t.Rating >= 1 && t.Rating <= 5 {
			s.Ratings[t.Rating-1]++
			sum += t.Rating
			if t.RatingNote != "" {
				s.Comments = append(s.Comments, RatedComment{TicketID: t.ID, Score: t.Rating, Comment: t.RatingNote, At: t.Rated})
			}
		}
	}
	if n := s.Ratings[0] + s.Ratings[1] + s.Ratings[2] + s.Ratings[3] + s.Ratings[4]; n > 0 {
		s.RatingAverage = float64(sum) / float64(n)
	}
	s.MedianClaim, s.MedianFirstReply = median(claims), median(replies)
	slices.SortFunc(s.Comments, func(a, b RatedComment) int { return b.At.Compare(a.At) })
	if len(s.Comments) > 50 {
		s.Comments = s.Comments[:50]
	}
	return s, nil
}

func median(d []time.Duration) time.Duration {
	if len(d) == 0 {
		return 0
	}
	slices.Sort(d)
	return d[len(d)/2]
}

// Resolution is a closed ticket as the editors' gap report sees it.
type Resolution struct {
	TicketID     string    `json:"ticket_id"`
	Conversation string    `json:"conversation"` // channel:user of the ticket
	Created      time.Time `json:"created"`
	Category     string    `json:"category"`
	Reason       string    `json:"reason,omitempty"`
	Question     string    `json:"question"` // redacted
	Topic        string    `json:"topic"`    // what the question was about (Ticket.Topic)
	Resolution   string    `json:"resolution"`
	GuideID      string    `json:"guide_id,omitempty"` // the guide staff linked: "answered by guide X"
	Closed       time.Time `json:"closed"`
}

// Resolutions returns the tickets closed since the given time, newest
// first, with their resolution and linked guide: the hotline's input to the
// editors' gap report.
func (q *Queue) Resolutions(ctx context.Context, since time.Time) ([]Resolution, error) {
	all, err := q.all(ctx)
	if err != nil {
		return nil, fmt.Errorf("hotline.Resolutions: %w", err)
	}
	var out []Resolution
	for _, t := range all {
		if t.Status != StatusClosed || t.Closed.Before(since) {
			continue
		}
		out = append(out, Resolution{TicketID: t.ID, Conversation: t.Conversation, Created: t.Created, Category: t.Category, Reason: t.Reason, Question: t.Question, Topic: t.Topic,
			Resolution: t.Resolution, GuideID: t.GuideID, Closed: t.Closed})
	}
	slices.SortFunc(out, func(a, b Resolution) int { return b.Closed.Compare(a.Closed) })
	return out, nil
}
