package hotline

import (
	"strings"
	"unicode"

	"botdvc/bot"
	"botdvc/knowledge"
)

// maxTopic bounds a ticket's topic, in characters.
const maxTopic = 160

// topicOf returns what the citizen was asking about when the conversation
// was handed off (../shared/DESIGN.md: Ticket.topic), read from the
// escalation alone: the engine already puts the session's redacted
// transcript there, so neither the engine nor the session changes.
//
//   - A hand-off that is itself the matter (a question the bot could not
//     answer, a complaint, a dossier to look up) is about its own text.
//   - A request for a person ("cho tôi gặp tổng đài viên", the "person"
//     option, a Page admin replying from the inbox, insisting on a dossier)
//     is about the last question the bot tried to answer before it: the
//     citizen's turn before the last bot turn that answered, asked back or
//     fell back. When that turn was an option picked by number or a tapped
//     payload, the guide's title (title, from the answer's guide id) says
//     it better.
//
// It returns "" when the citizen asked nothing before asking for a person;
// never the hand-off phrase itself.
func topicOf(e bot.Escalation, title func(id string) (string, bool)) string {
	walkBack := e.Category == bot.CategoryPerson || e.Reason == "status_insist"
	if !walkBack {
		return shortTopic(questionText(e.Question))
	}
	ts := e.Transcript
	// The last citizen turn is the hand-off itself when it is the question.
	if n := len(ts); n > 0 && ts[n-1].From == bot.FromCitizen {
		ts = ts[:n-1]
	}
	for i := len(ts) - 1; i > 0; i-- {
		b := ts[i]
		if b.From != bot.FromBot || !tried(b.Action) {
			continue
		}
		j := i - 1
		for j >= 0 && ts[j].From != bot.FromCitizen {
			j--
		}
		if j < 0 {
			break
		}
		q := questionText(ts[j].Text)
		if q == "" || isPick(q) {
			if b.GuideID != "" && title != nil {
				if t, ok := title(b.GuideID); ok && t != "" {
					return shortTopic(t)
				}
			}
			if q == "" {
				continue
			}
		}
		return shortTopic(q)
	}
	return ""
}

// tried reports whether a bot turn with action a tried to answer the
// citizen's question (as opposed to a greeting or a hand-off).
func tried(a bot.Action) bool {
	return a == bot.ActionAnswer || a == bot.ActionClarify || a == bot.ActionFallback
}

// questionText returns the question a citizen turn holds: a typed text, or
// the question of an "ask:" payload; "" for the other payloads (a tapped
// guide, the menu, the person option) and for markers such as "[follow]".
func questionText(s string) string {
	s = strings.TrimSpace(s)
	switch {
	case strings.HasPrefix(s, bot.PayloadAsk):
		return strings.TrimSpace(strings.TrimPrefix(s, bot.PayloadAsk))
	case strings.HasPrefix(s, bot.PayloadGuide), s == bot.PayloadPerson, s == bot.PayloadMenu,
		strings.HasPrefix(s, "[") && strings.HasSuffix(s, "]"):
		return ""
	}
	return s
}

// isPick reports whether q only picks an offered option ("2", "số 2").
func isPick(q string) bool {
	q = strings.TrimSpace(strings.TrimPrefix(strings.ToLower(q), "số"))
	if q == "" {
		return false
	}
	for _, r := range q {
		if !unicode.IsDigit(r) {
			return false
		}
	}
	return true
}

// shortTopic puts a topic on one line and cuts it at maxTopic characters.
func shortTopic(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > maxTopic {
		return string(r[:maxTopic-1]) + "…"
	}
	return s
}

// markerText returns a citizen turn as staff read it: the engine keeps
// events that carry no text as markers ("[follow]" when the citizen opened
// the conversation: the web chat page opened, the OA followed, Get Started
// pressed; "[attachment]" for a photo, file or sticker), shown in words.
func markerText(s string) string {
	switch s {
	case "[" + string(bot.KindFollow) + "]":
		return "(bắt đầu cuộc trò chuyện)"
	case "[" + string(bot.KindAttachment) + "]":
		return attachmentText
	}
	return s
}

// answeredGuides returns the guides the bot answered in the transcript,
// the latest first, each once: the likeliest ids for staff to close or
// link a ticket with.
func answeredGuides(ts []Turn) []string {
	var out []string
	seen := map[string]bool{}
	for i := len(ts) - 1; i >= 0; i-- {
		tu := ts[i]
		if tu.From == bot.FromBot && tu.Action == bot.ActionAnswer && tu.GuideID != "" && !seen[tu.GuideID] {
			seen[tu.GuideID] = true
			out = append(out, tu.GuideID)
		}
	}
	return out
}

// lister is implemented by libraries that can list their guides
// (*knowledge.Library does).
type lister interface {
	All() []knowledge.Guide
}

// curated returns the curated guides of Config.Guides (not the catalogue's
// thousands of records), sorted by id; nil when it cannot list them.
func (q *Queue) curated() []knowledge.Guide {
	l, ok := q.cfg.Guides.(lister)
	if !ok {
		return nil
	}
	var out []knowledge.Guide
	for _, g := range l.All() {
		if g.Source != knowledge.SourceCatalog {
			out = append(out, g)
		}
	}
	return out
}

// exampleGuide returns a guide id for examples and placeholders that the
// service really has ("" when it has none).
func (q *Queue) exampleGuide() string {
	const preferred = "cap-doi-the-can-cuoc"
	if q.cfg.Guides == nil {
		return preferred // a bundled guide
	}
	if _, ok := q.cfg.Guides.Get(preferred); ok {
		return preferred
	}
	for _, g := range q.curated() {
		return g.ID
	}
	return ""
}
