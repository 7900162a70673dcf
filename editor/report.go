package editor

import (
	"context"
	"regexp"
	"sort"
	"strings"
	"time"

	"botdvc/bot"
	"botdvc/knowledge/vntext"
)

// Resolution is what the hotline did with a handed-off question, as the gap
// report shows it. cmd/botd adapts the hotline's closed tickets to it.
type Resolution struct {
	Conversation string    // ConversationHash of the ticket's conversation
	Question     string    // redacted
	Resolution   string    // staff's closing note
	GuideID      string    // guide staff linked the ticket to, if any
	Created      time.Time // when the ticket was opened
}

// TicketStats are the hotline's figures for the summary.
type TicketStats struct {
	Created          int           // tickets opened in the period
	MedianFirstReply time.Duration // from opening to the first staff reply
	Ratings          [5]int        // count of ratings 1..5
	RatingAverage    float64
}

// Tickets is the hotline as the editors' reports see it. Optional.
type Tickets interface {
	Resolutions(ctx context.Context, since time.Time) ([]Resolution, error)
	// Stats gives the figures of tickets opened in [from, to); a zero to means until now.
	Stats(ctx context.Context, from, to time.Time) (TicketStats, error)
}

// Gap is a group of similar questions the bot did not settle.
type Gap struct {
	Key         string         `json:"key"` // normalised text of the group
	Count       int            `json:"count"`
	Examples    []string       `json:"examples"` // redacted, at most 5
	Actions     map[string]int `json:"actions"`  // fallback, clarify_unpicked, handoff, feedback_down
	Last        time.Time      `json:"last"`
	Resolutions []string       `json:"resolutions,omitempty"` // the hotline's closing notes
	GuideIDs    []string       `json:"guide_ids,omitempty"`   // guides staff linked
}

// clarifyPickWindow is how long after a clarify a pick still counts.
const clarifyPickWindow = 30 * time.Minute

// Unanswered groups the questions of the last `days` days that ended in a
// fallback, a clarify the citizen did not pick from, a hand-off, or an
// answer the citizen said did not help (feedback "down"). Groups are
// ordered by count, then by recency.
func Unanswered(outcomes []Outcome, resolutions []Resolution) []Gap {
	byConv := map[string][]int{}
	for i, o := range outcomes {
		byConv[o.Conversation] = append(byConv[o.Conversation], i)
	}
	resByConv := map[string][]Resolution{}
	for _, r := range resolutions {
		resByConv[r.Conversation] = append(resByConv[r.Conversation], r)
	}
	groups := map[string]*Gap{}
	var order []string
	add := func(o Outcome, kind string) {
		key := GroupKey(o.Text)
		if key == "" {
			return
		}
		g := groups[key]
		if g == nil {
			for _, k := range order {
				if similar(k, key) {
					g = groups[k]
					break
				}
			}
		}
		if g == nil {
			g = &Gap{Key: key, Actions: map[string]int{}}
			groups[key] = g
			order = append(order, key)
		}
		g.Count++
		g.Actions[kind]++
		if len(g.Examples) < 5 && !contains(g.Examples, o.Text) {
			g.Examples = append(g.Examples, o.Text)
		}
		if o.At.After(g.Last) {
			g.Last = o.At
		}
		if kind == "handoff" {
			for _, r := range resByConv[o.Conversation] {
				if r.Created.Before(o.At.Add(-time.Minute)) {
					continue
				}
				if r.Resolution != "" && !contains(g.Resolutions, r.Resolution) {
					g.Resolutions = append(g.Resolutions, r.Resolution)
				}
				if r.GuideID != "" && !contains(g.GuideIDs, r.GuideID) {
					g.GuideIDs = append(g.GuideIDs, r.GuideID)
				}
			}
		}
	}
	for _, idxs := range byConv {
		// Feedback taps are not questions: a "down" reports the answered
		// question; none of them is the next question after a clarify.
		var questions []int
		for _, i := range idxs {
			if o := outcomes[i]; o.Feedback == "" {
				questions = append(questions, i)
			} else if o.Feedback == bot.VoteDown {
				add(o, "feedback_down")
			}
		}
		idxs = questions
		for k, i := range idxs {
			o := outcomes[i]
			switch o.Action {
			case bot.ActionFallback:
				add(o, "fallback")
			case bot.ActionHandoff:
				if o.Category == bot.CategoryUnanswered || o.Category == "" {
					add(o, "handoff")
				}
			case bot.ActionClarify:
				picked := false
				if k+1 < len(idxs) {
					n := outcomes[idxs[k+1]]
					picked = n.At.Sub(o.At) <= clarifyPickWindow && n.Action == bot.ActionAnswer && contains(o.Options, n.GuideID)
				}
				if !picked {
					add(o, "clarify_unpicked")
				}
			}
		}
	}
	out := make([]Gap, 0, len(groups))
	for _, k := range order {
		out = append(out, *groups[k])
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Count != out[j].Count {
			return out[i].Count > out[j].Count
		}
		return out[i].Last.After(out[j].Last)
	})
	return out
}

// fillers are words that do not tell questions apart.
var fillers = map[string]bool{
	"em": true, "hoi": true, "a": true, "voi": true, "thi": true, "la": true,
	"minh": true, "toi": true, "co": true, "khong": true, "ko": true, "k": true, "the": true,
	"nao": true, "sao": true, "gi": true, "nhe": true, "nha": true, "oi": true, "vay": true,
	"duoc": true, "can": true, "muon": true, "lam": true, "ad": true, "admin": true, "bot": true,
	"xin": true, "chao": true, "giup": true, "vui": true, "long": true, "ban": true, "ah": true,
}

// rePlaceholder matches what bot.Redact put in place of personal data.
var rePlaceholder = regexp.MustCompile(`\[[^\]]*\]`)

// similar reports whether two group keys share most of their words
// (Jaccard index of at least 0.6), so near-identical questions group.
func similar(a, b string) bool {
	wa, wb := strings.Fields(a), strings.Fields(b)
	if len(wa) == 0 || len(wb) == 0 {
		return false
	}
	set := map[string]bool{}
	for _, w := range wa {
		set[w] = true
	}
	inter := 0
	for _, w := range wb {
		if set[w] {
			inter++
		}
	}
	union := len(wa) + len(wb) - inter
	return float64(inter)/float64(union) >= 0.6
}

// GroupKey normalises a question for grouping: folded, fillers dropped,
// remaining words sorted and de-duplicated, so "làm sao đăng ký xe?" and
// "đăng ký xe làm sao" fall in one group.
func GroupKey(text string) string {
	text = rePlaceholder.ReplaceAllString(text, " ")
	words := strings.FieldsFunc(vntext.Fold(text), func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9')
	})
	seen := map[string]bool{}
	var keep []string
	for _, w := range words {
		if fillers[w] || seen[w] || w == "" {
			continue
		}
		seen[w] = true
		keep = append(keep, w)
	}
	sort.Strings(keep)
	return strings.Join(keep, " ")
}

// Summary is the editors' overview of a period.
type Summary struct {
	Days          int                       `json:"days"`
	Total         int                       `json:"total"`
	PerDay        []DayCount                `json:"per_day"`
	Actions       map[string]int            `json:"actions"`
	TopGuides     []GuideCount              `json:"top_guides"`
	Tickets       int                       `json:"tickets"`
	MedianReply   time.Duration             `json:"median_first_reply_ns"`
	MedianReplyS  float64                   `json:"median_first_reply_seconds"`
	Ratings       [5]int                    `json:"ratings"` // count of 1..5
	Rated         int                       `json:"rated"`
	RatingAverage float64                   `json:"rating_average"`
	ByChannel     map[string]map[string]int `json:"by_channel_action"`
	Feedback      Feedback                  `json:"feedback"` // taps on "Hữu ích" / "Chưa hữu ích" under answers
}

// Feedback counts citizens' taps on an answer's feedback options.
type Feedback struct {
	Up   int `json:"up"`
	Down int `json:"down"`
}

// CountFeedback counts the feedback taps among outcomes (the monthly report
// reads them too).
func CountFeedback(outcomes []Outcome) Feedback {
	var f Feedback
	for _, o := range outcomes {
		switch o.Feedback {
		case bot.VoteUp:
			f.Up++
		case bot.VoteDown:
			f.Down++
		}
	}
	return f
}

// DayCount is the number of questions on one day, by channel.
type DayCount struct {
	Date      string         `json:"date"` // YYYY-MM-DD, Hanoi time
	ByChannel map[string]int `json:"by_channel"`
	Total     int            `json:"total"`
}

// GuideCount is how often a guide answered.
type GuideCount struct {
	GuideID string `json:"guide_id"`
	Count   int    `json:"count"`
}

// hanoi is the time zone the reports count days in.
var hanoi = time.FixedZone("ICT", 7*3600)

// Summarize builds the summary of a period ending at now.
func Summarize(outcomes []Outcome, tickets TicketStats, days int, now time.Time) Summary {
	s := Summary{Days: days, Actions: map[string]int{}, ByChannel: map[string]map[string]int{}}
	perDay := map[string]*DayCount{}
	for d := days - 1; d >= 0; d-- {
		date := now.In(hanoi).AddDate(0, 0, -d).Format("2006-01-02")
		dc := &DayCount{Date: date, ByChannel: map[string]int{}}
		perDay[date] = dc
		s.PerDay = append(s.PerDay, DayCount{})
		s.PerDay[len(s.PerDay)-1] = *dc
	}
	guides := map[string]int{}
	s.Feedback = CountFeedback(outcomes)
	for _, o := range outcomes {
		if o.Feedback != "" {
			continue // a tap on an answer, not a question
		}
		s.Total++
		s.Actions[string(o.Action)]++
		ch := string(o.Channel)
		if s.ByChannel[ch] == nil {
			s.ByChannel[ch] = map[string]int{}
		}
		s.ByChannel[ch][string(o.Action)]++
		if dc := perDay[o.At.In(hanoi).Format("2006-01-02")]; dc != nil {
			dc.ByChannel[ch]++
			dc.Total++
		}
		if o.Action == bot.ActionAnswer && o.GuideID != "" {
			guides[o.GuideID]++
		}
	}
	for i := range s.PerDay {
		date := now.In(hanoi).AddDate(0, 0, -(days - 1 - i)).Format("2006-01-02")
		s.PerDay[i] = *perDay[date]
	}
	for id, n := range guides {
		s.TopGuides = append(s.TopGuides, GuideCount{GuideID: id, Count: n})
	}
	sort.Slice(s.TopGuides, func(i, j int) bool {
		if s.TopGuides[i].Count != s.TopGuides[j].Count {
			return s.TopGuides[i].Count > s.TopGuides[j].Count
		}
		return s.TopGuides[i].GuideID < s.TopGuides[j].GuideID
	})
	if len(s.TopGuides) > 10 {
		s.TopGuides = s.TopGuides[:10]
	}
	s.Tickets, s.MedianReply, s.MedianReplyS = tickets.Created, tickets.MedianFirstReply, tickets.MedianFirstReply.Seconds()
	s.Ratings, s.RatingAverage = tickets.Ratings, tickets.RatingAverage
	for _, n := range tickets.Ratings {
		s.Rated += n
	}
	return s
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}
