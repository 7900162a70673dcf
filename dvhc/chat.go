package dvhc

import (
	"context"
	"fmt"
	"strings"
	"time"

	"botdvc/bot"
)

// PayloadPrefix starts the payload of an option the lookup offers
// ("dvhc:o:<key>"): a tap answers that unit.
const PayloadPrefix = "dvhc:"

// Chat answers questions about the unit change in front of the engine (a
// bot.Middleware): "phường Dịch Vọng Hậu cũ giờ thuộc phường nào", "phường
// Hồng Hà gồm những phường cũ nào". A question that names an old unit but
// asks about a procedure ("tôi ở phường Dịch Vọng, đăng ký tạm trú cần gì")
// goes to the engine, and its answer gets one line naming the new unit.
//
// When it answers, Chat returns the conversation's new session with the
// reply as the engine does (the turn in the transcript, the last guide
// becomes Guide, an ask-back's choices as the options a typed number or
// district picks), so that follow-ups, hand-off transcripts and "theo dõi"
// work after a lookup too; bot.Remember saves it.
type Chat struct {
	Dir *Directory
	// Sessions is the engine's session store, read (never written) for the
	// conversation's state; nil keeps no state (an ask-back's options can
	// then only be tapped, not typed by number).
	Sessions bot.SessionStore
	// Guide is the id of the curated guide on the reorganisation; lookup
	// answers carry it as their GuideID.
	Guide string
	Now   func() time.Time
}

// NewChat returns a Chat over dir that keeps state in sessions (may be nil).
func NewChat(dir *Directory, sessions bot.SessionStore) *Chat {
	return &Chat{Dir: dir, Sessions: sessions, Guide: GuideID, Now: time.Now}
}

// GuideID is the id of the bundled guide on the 2025 reorganisation.
const GuideID = "sap-xep-don-vi-hanh-chinh-2025"

// Middleware returns the lookup as a bot.Middleware.
func (c *Chat) Middleware() bot.Middleware {
	return func(next bot.HandlerFunc) bot.HandlerFunc {
		return func(ctx context.Context, m bot.Message) (bot.Reply, error) {
			if m.Kind != bot.KindText && m.Kind != bot.KindPayload {
				return next(ctx, m)
			}
			text := m.Text
			if m.Kind == bot.KindPayload {
				text = m.Payload
			}
			if key, ok := strings.CutPrefix(text, PayloadPrefix); ok {
				if r := c.Dir.ResolveKey(key); r.Outcome != None {
					return c.answer(ctx, m, text, r)
				}
				return next(ctx, m)
			}
			text = strings.TrimPrefix(text, bot.PayloadAsk)
			a := c.Dir.Analyse(text)
			if len(a.Mentions) == 0 && len(a.Residual) <= 3 && (a.Number > 0 || len(a.Districts) > 0 || len(a.Residual) > 0) {
				r, ok, err := c.pick(ctx, m, a, text)
				if err != nil {
					return bot.Reply{}, err
				}
				if ok {
					return c.answer(ctx, m, text, r)
				}
			}
			r := c.Dir.Resolve(a)
			if r.Outcome == None || r.Outcome == District && !a.Cue && len(a.Residual) > 0 {
				return next(ctx, m)
			}
			if len(a.Residual) == 0 {
				return c.answer(ctx, m, text, r)
			}
			// A procedure question that mentions a unit: the engine answers.
			reply, err := next(ctx, m)
			if err != nil {
				return reply, err
			}
			switch reply.Action {
			case bot.ActionAnswer:
				if note := Note(r); note != "" {
					reply.Text = strings.TrimRight(reply.Text, "\n") + "\n\n" + note
				}
			case bot.ActionFallback:
				if a.Cue && r.Outcome != District {
					// Nothing fits but the unit: answer what is known about it.
					return c.answer(ctx, m, text, r)
				}
			}
			return reply, nil
		}
	}
}

// Reply returns the reply to a resolved question.
func (c *Chat) Reply(r Result) bot.Reply {
	rep := bot.Reply{Action: bot.ActionAnswer, Text: c.Dir.Text(r), GuideID: c.Guide, Confidence: 1}
	if r.Outcome == Ask {
		rep = bot.Reply{Action: bot.ActionClarify, Text: c.Dir.Text(r)}
		if len(r.Choices) <= MaxChoices {
			for _, ch := range r.Choices {
				rep.Options = append(rep.Options, bot.Option{Label: ch.Label, Payload: PayloadPrefix + ch.Key})
			}
		}
	}
	return rep
}

// answer replies to m with r and the conversation's new state.
func (c *Chat) answer(ctx context.Context, m bot.Message, text string, r Result) (bot.Reply, error) {
	rep := c.Reply(r)
	s, err := c.turn(ctx, m, text, rep, r)
	if err != nil {
		return bot.Reply{}, err
	}
	rep.Session = s
	return rep, nil
}

// turn returns the session with the turn added and an ask-back's choices
// kept as its options (all of them, also those not listed), for a typed
// pick; nil without a store.
func (c *Chat) turn(ctx context.Context, m bot.Message, text string, rep bot.Reply, r Result) (*bot.Session, error) {
	if c.Sessions == nil {
		return nil, nil
	}
	now := c.Now()
	s, err := bot.LoadSession(ctx, c.Sessions, m.Conversation())
	if err != nil {
		return nil, fmt.Errorf("dvhc.Chat: load session: %w", err)
	}
	s.AddTurn(bot.Turn{From: bot.FromCitizen, Text: text, At: now})
	s.AddTurn(bot.Turn{From: bot.FromBot, Text: rep.Text, Action: rep.Action, GuideID: rep.GuideID, At: now})
	s.Options, s.Fails, s.Updated = nil, 0, now
	if rep.GuideID != "" {
		s.LastGuide, s.LastAspect = rep.GuideID, bot.AspectNone
	}
	if r.Outcome == Ask {
		for _, ch := range r.Choices {
			s.Options = append(s.Options, PayloadPrefix+ch.Key)
		}
	}
	return &s, nil
}

// pick reads a reply to the lookup's last ask-back: the option's number, or
// words of its label ("Bắc Từ Liêm", "quận Hai Bà Trưng"). It reports false
// when the session's options are not the lookup's (the engine answered
// since) or nothing fits.
func (c *Chat) pick(ctx context.Context, m bot.Message, a Analysis, text string) (Result, bool, error) {
	if c.Sessions == nil {
		return Result{}, false, nil
	}
	s, err := bot.LoadSession(ctx, c.Sessions, m.Conversation())
	if err != nil {
		return Result{}, false, fmt.Errorf("dvhc.Chat: load session: %w", err)
	}
	var keys []string
	for _, p := range s.Options {
		k, ok := strings.CutPrefix(p, PayloadPrefix)
		if !ok {
			return Result{}, false, nil // the engine's options
		}
		keys = append(keys, k)
	}
	if len(keys) == 0 {
		return Result{}, false, nil
	}
	if a.Number > 0 {
		if a.Number > len(keys) {
			return Result{}, false, nil
		}
		r := c.Dir.ResolveKey(keys[a.Number-1])
		return r, r.Outcome != None, nil
	}
	words := strings.Fields(foldName(text))
	var hit []Result
	for _, k := range keys {
		r := c.Dir.ResolveKey(k)
		if r.Outcome == None {
			continue
		}
		label := foldName(choiceLabel(r))
		if matchesWords(label, words, a.Districts) {
			hit = append(hit, r)
		}
	}
	if len(hit) != 1 {
		return Result{}, false, nil
	}
	return hit[0], true, nil
}

func choiceLabel(r Result) string {
	if r.Old != nil {
		return r.Old.Label() + " " + r.Old.Province
	}
	if r.Unit != nil {
		return r.Unit.Label() + " " + r.Unit.Province
	}
	return ""
}

// matchesWords reports whether every district named, or else every word
// that is not a filler, is in the label.
func matchesWords(label string, words, districts []string) bool {
	lw := " " + label + " "
	if len(districts) > 0 {
		for _, d := range districts {
			if !strings.Contains(lw, " "+d+" ") {
				return false
			}
		}
		return true
	}
	n := 0
	for _, w := range words {
		if fillers[w] && w != "xa" && w != "phuong" {
			continue
		}
		if !strings.Contains(lw, " "+w+" ") {
			return false
		}
		n++
	}
	return n > 0
}
