package bot

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"botdvc/knowledge"
	"botdvc/knowledge/vntext"
)

// Searcher finds guides for a question. knowledge/bleveindex and
// knowledge/meiliindex implement it. Search returns hits ordered by
// descending score; an empty result is not an error.
type Searcher interface {
	Search(ctx context.Context, q knowledge.Query) ([]knowledge.Hit, error)
}

// Library gives the engine the full guide behind a search hit.
// *knowledge.Library implements it. Get reports false for an unknown id.
type Library interface {
	Get(id string) (knowledge.Guide, bool)
}

// lister is optionally implemented by a Library; with it the engine weighs
// words by how many guide names use them.
type lister interface {
	All() []knowledge.Guide
}

// Payloads of the options the engine offers. A KindPayload message carries
// one of them; the engine also accepts them typed.
const (
	PayloadGuide  = "guide:" // followed by a guide id: the citizen picked that guide
	PayloadAsk    = "ask:"   // followed by a question: as if typed
	PayloadPerson = "person" // talk to a person
	PayloadMenu   = "menu"   // show the menu
)

// Engine answers citizens' messages. It decides and writes nothing: Answer
// reads the conversation's session, decides, and returns the reply with
// the session's new state (Reply.Session) and, for a hand-off, the
// escalation to file (Reply.Handoff.Escalation). The edges do the rest:
// the hotline's middleware files the escalation and writes the hand-off
// text, and Remember, the outermost middleware, saves the session once the
// whole chain succeeded. So one engine serves the channels, /api/v1/ask,
// botctl and the editors' preview, and the same message answered twice gets
// the same reply. It is deterministic given its Searcher, Library and
// SessionStore, and safe for concurrent use.
//
// Answer flow: intent (greeting, thanks, menu, person, complaint, dossier
// status, question) → for a question: aspect, search, the engine's own
// ranking of the hits (coverage of the question's words by each guide's
// title and aliases, weighted by rarity, word pairs kept in order, the whole
// guide text, the backend score) → answer, ask back with options, or fall
// back; a second fallback in a row hands off.
type Engine struct {
	// Now is the clock; tests fix it.
	Now func() time.Time
	// HotlinePhone is the phone number offered in fallbacks and hand-offs;
	// empty (the default) offers none: the city sets it (BOT_HOTLINE_PHONE).
	HotlinePhone string
	// StatusGuide is the id of the guide that explains dossier lookup.
	StatusGuide string

	// MaxOptions caps the options of a clarify (default 5, at least 2).
	MaxOptions int
	// SearchLimit is how many hits the engine asks for (default 10).
	SearchLimit int
	// MaxFails is how many fallbacks in a row lead to a hand-off (default 2).
	MaxFails int

	search   Searcher
	lib      Library
	sessions SessionStore
	dict     atomic.Pointer[vntext.Dict]
	model    atomic.Pointer[Model]
	stats    atomic.Pointer[stats]    // nil: every word weighs the same
	prof     atomic.Pointer[profiles] // replaced with the dictionary (SetDict)
}

// NewEngine returns an engine with default tunables. Answer reads
// sessions from sessions (nil: every message starts a new conversation, as
// in the editors' preview); it never writes them. When lib also has
// All() []knowledge.Guide (as *knowledge.Library does), word weights are
// computed from it here (see Reweigh); without it every word weighs the same.
func NewEngine(search Searcher, lib Library, sessions SessionStore) *Engine {
	dict := vntext.DefaultDict()
	e := &Engine{
		Now:         time.Now,
		StatusGuide: "tra-cuu-ho-so",
		MaxOptions:  5,
		SearchLimit: 20,
		MaxFails:    2,
		search:      search,
		lib:         lib,
		sessions:    sessions,
	}
	e.model.Store(DefaultModel())
	e.dict.Store(dict)
	e.prof.Store(&profiles{dict: dict})
	e.Reweigh()
	return e
}

// SetDict makes the engine read questions and guides with dictionary d
// (the bundled synonyms plus editors' rules, vntext.Dict.With) from the next
// message on. It is safe to call while answering.
func (e *Engine) SetDict(d *vntext.Dict) {
	e.dict.Store(d)
	e.prof.Store(&profiles{dict: d})
	e.Reweigh()
}

// SetModel makes the engine rank and decide with m from the next message
// on (`botctl fit` uses it to score a fold). It is safe to call while
// answering; m must pass m.Check.
func (e *Engine) SetModel(m *Model) { e.model.Store(m) }

// Model returns the model in use.
func (e *Engine) Model() *Model { return e.model.Load() }

// profiles returns the current guide profiles (built with the current dictionary).
func (e *Engine) profiles() *profiles { return e.prof.Load() }

// Reweigh recomputes the word weights from the library. NewEngine calls it;
// call it again after the corpus changed much (guides added or removed) so
// that new words weigh right. It is safe to call while answering. Without
// All() on the library it does nothing.
func (e *Engine) Reweigh() {
	if l, ok := e.lib.(lister); ok {
		e.stats.Store(e.profiles().buildStats(l.All()))
	}
}

// Answer decides the reply to one message and returns it with the
// conversation's new state in Reply.Session; it writes nothing. A hand-off
// (ActionHandoff) carries the escalation to file in Reply.Handoff.Escalation
// and a text that promises nothing about the queue; the hotline's
// middleware files it and tells the citizen their place (Reply.Filed).
//
// It returns an error when the session store or the search fails; the reply
// is then empty.
func (e *Engine) Answer(ctx context.Context, m Message) (Reply, error) {
	s, err := LoadSession(ctx, e.sessions, m.Conversation())
	if err != nil {
		return Reply{}, fmt.Errorf("bot.Answer: load session: %w", err)
	}
	now := e.Now()
	var r Reply
	switch m.Kind {
	case KindFollow:
		r = Reply{Action: ActionGreeting, Text: e.welcomeText(), Options: menuOptions()}
	case KindAttachment:
		r = Reply{Action: ActionFallback, Text: attachmentText()}
	case KindAgentEcho:
		// A person answered from the platform's own inbox: stay silent and
		// keep their words in the transcript.
		s.AddTurn(Turn{From: FromStaff, Text: m.Text, At: now})
		s.Updated = now
		return Reply{Action: ActionSilent, Session: &s}, nil
	default:
		text, said := m.Text, m.Text
		if m.Kind == KindPayload {
			text = m.Payload
			if said == "" {
				said = m.Payload
			}
		}
		s.AddTurn(Turn{From: FromCitizen, Text: said, At: now}) // a tap as its label
		if r, err = e.respond(ctx, &s, m, text); err != nil {
			return Reply{}, err
		}
		if r.Action == ActionHandoff {
			r.Handoff.Escalation = e.escalation(&s, m, text, r)
			r.Text = HandoffText(r.Handoff.Category, nil, e.HotlinePhone)
		}
	}
	if m.Kind == KindFollow || m.Kind == KindAttachment {
		s.AddTurn(Turn{From: FromCitizen, Text: "[" + string(m.Kind) + "]", At: now})
	}
	s.Options = optionPayloads(r.Options) // a typed number picks one
	if r.Action == ActionAnswer && m.Kind == KindText {
		s.Question = Redact(m.Text) // what a feedback tap is about
	}
	s.AddTurn(Turn{From: FromBot, Text: r.Text, Action: r.Action, GuideID: r.GuideID, At: now})
	s.Updated = now
	r.Session = &s
	return r, nil
}

// respond decides the reply to a text or payload and updates the session
// (last guide, options, fails).
func (e *Engine) respond(ctx context.Context, s *Session, m Message, text string) (Reply, error) {
	if s.More != "" && asksMore(text) {
		text = s.More // "xem tiếp" after a long answer
	}
	switch {
	case strings.HasPrefix(text, PayloadAspect), strings.HasPrefix(text, PayloadMore):
		if r, ok := e.answerTap(s, text); ok {
			return r, nil
		}
		text = ""
	case text == PayloadFeedbackUp, text == PayloadFeedbackDown:
		return e.feedback(s, text), nil
	case strings.HasPrefix(text, PayloadGuide):
		id := strings.TrimPrefix(text, PayloadGuide)
		if g, ok := e.lib.Get(id); ok {
			// A pick after asking back answers the question asked: the
			// case it describes names the code and its FAQ entry leads.
			var asked *query
			if slices.Contains(s.Options, text) && s.Asked != "" {
				_, asked = e.read(s.Asked)
			}
			s.Asked = ""
			return e.answerGuide(s, g, s.LastAspect, 1, nil, "", asked), nil
		}
		text = ""
	case strings.HasPrefix(text, PayloadAsk):
		text = strings.TrimPrefix(text, PayloadAsk)
	case text == PayloadPerson:
		return e.handoff(s, CategoryPerson, "asked_for_person"), nil
	case text == PayloadMenu:
		return Reply{Action: ActionGreeting, Text: e.welcomeText(), Options: menuOptions()}, nil
	}

	typed, q := e.read(text)
	// A number picks one of the options offered last; a yes picks the only
	// one ("Có phải bạn hỏi về thủ tục …?" "đúng rồi").
	if len(s.Options) == 1 && confirms(text) {
		q.number = 1
	}
	if q.number > 0 && q.number <= len(s.Options) {
		if p := s.Options[q.number-1]; strings.Contains(p, ":") || p == PayloadPerson || p == PayloadMenu {
			return e.respond(ctx, s, m, p)
		} else if g, ok := e.lib.Get(p); ok { // a session saved before options were payloads
			return e.answerGuide(s, g, s.LastAspect, 1, nil, "", nil), nil
		}
	}
	switch q.intent {
	case intentGreeting:
		s.Fails = 0
		return Reply{Action: ActionGreeting, Text: e.welcomeText(), Options: menuOptions()}, nil
	case intentThanks:
		s.Fails = 0
		return Reply{Action: ActionGreeting, Text: e.thanksText()}, nil
	case intentMenu:
		return Reply{Action: ActionGreeting, Text: e.welcomeText(), Options: menuOptions()}, nil
	case intentPerson:
		return e.handoff(s, CategoryPerson, "asked_for_person"), nil
	case intentComplaint:
		return e.handoff(s, CategoryComplaint, "complaint"), nil
	}

	// Dossier status: explain how to look it up; hand off if they insist.
	if q.dossier != "" || (q.insist && s.LastGuide == e.StatusGuide) {
		if s.LastGuide == e.StatusGuide || q.insist {
			return e.handoff(s, CategoryStatus, "status_insist"), nil
		}
		if g, ok := e.lib.Get(e.StatusGuide); ok {
			return e.answerGuide(s, g, AspectSteps, 1, nil, statusIntro(q.dossier), nil), nil
		}
	}

	// A follow-up with no new subject ("còn lệ phí thì sao?", "làm online
	// được không?") is about the last guide.
	if len(q.subject) == 0 {
		if s.LastGuide != "" {
			if g, ok := e.lib.Get(s.LastGuide); ok {
				return e.answerGuide(s, g, q.aspectFor(e.profiles().get(g).title), 1, nil, "", nil), nil
			}
		}
		if len(q.cues) > 0 {
			return Reply{Action: ActionFallback, Text: e.whichProcedureText(q.anyAspect())}, nil
		}
	}

	cs, err := e.ranked(ctx, typed, q)
	if err != nil {
		return Reply{}, err
	}
	// A national procedure code in the question names the guide outright.
	for i, c := range cs {
		if q.hasCode(c.guide) {
			cs[0], cs[i] = cs[i], cs[0]
			return e.answerGuide(s, c.guide, q.aspectFor(e.profiles().get(c.guide).title), 1, candidates(cs, 5), "", q), nil
		}
	}
	d, reps := e.decide(cs)
	conf := d.Confidence
	cands := candidates(cs, 5)
	switch d.Verdict {
	case VerdictAnswer:
		top := cs[reps[0]]
		return e.answerGuide(s, top.guide, q.aspectFor(e.profiles().get(top.guide).title), conf, cands, "", q), nil
	case VerdictClarify:
		opts := make([]candidate, len(d.Options))
		for i, k := range d.Options {
			opts[i] = cs[reps[k]]
		}
		return e.clarify(s, q, opts, conf, cands), nil
	}
	// Nothing fits. A question that names an aspect after an answer is a
	// follow-up on it ("làm online được không?").
	if s.LastGuide != "" && len(q.cues) > 0 && !q.cues[0].weak && len(q.subject) <= 2 {
		if g, ok := e.lib.Get(s.LastGuide); ok {
			return e.answerGuide(s, g, q.aspectFor(e.profiles().get(g).title), conf, cands, "", nil), nil
		}
	}
	s.Fails++
	s.Options = nil
	if s.Fails >= e.MaxFails {
		r := e.handoff(s, CategoryUnanswered, "repeated_fallback")
		r.Candidates, r.Confidence = cands, round3(conf)
		return r, nil
	}
	return Reply{Action: ActionFallback, Text: e.fallbackText(), Options: menuOptions(), Confidence: round3(conf), Candidates: cands}, nil
}

// read analyses a text message: Telex leftovers repaired, then understood.
// It returns the text as typed too, for the search and for codes.
func (e *Engine) read(text string) (string, *query) {
	typed := text
	if fixed, ok := repairTelex(text, e.stats.Load()); ok {
		text = fixed // Telex leftovers read as the words meant
	}
	q := understand(text, e.dict.Load())
	// Codes keep their punctuation only in the text as typed.
	q.dossier, q.codes = findDossier(typed), reCode.FindAllString(typed, -1)
	return typed, q
}

// ranked searches the question and ranks the hits, best first.
func (e *Engine) ranked(ctx context.Context, typed string, q *query) ([]candidate, error) {
	hits, err := e.find(ctx, typed, q) // the backends read Telex themselves
	if err != nil {
		return nil, fmt.Errorf("bot.Answer: search: %w", err)
	}
	// A curated guide whose name the question holds whole is a candidate
	// even when the search ranks it low: with the catalogue loaded, short
	// catalogue titles ("Đổi tên …" of associations and firms) outrank
	// "đổi tên cho con", an alias among thirty of a long guide.
	for _, id := range e.stats.Load().heldPhrases(q.content) {
		if !slices.ContainsFunc(hits, func(h knowledge.Hit) bool { return h.GuideID == id }) {
			hits = append(hits, knowledge.Hit{GuideID: id})
		}
	}
	return e.rank(q, hits), nil
}

// longQuestion is the number of content words above which a question is a
// story ("em năm nay 30 tuổi, quê ở Nam Định, đang thuê trọ...") and is also
// searched by its core words.
const longQuestion = 10

// find searches the question. A long question is searched a second time
// with only its words that form a word pair of some guide name (or, when
// none do, its words that some guide name uses), in order, so that the
// procedure it names is not drowned by the story around it; a message of
// several sentences is also searched by the sentences that ask (its
// focus). The result lists are merged, each guide keeping its best
// relative score.
func (e *Engine) find(ctx context.Context, text string, q *query) ([]knowledge.Hit, error) {
	texts := []string{text}
	if q.focusText != "" {
		texts = append(texts, q.focusText)
	}
	if st := e.stats.Load(); st != nil && len(q.content) > longQuestion {
		core := coreWords(q.content, st)
		if len(core) == 0 {
			for _, w := range q.content {
				if st.names[w] && !slices.Contains(core, w) {
					core = append(core, w)
				}
			}
		}
		if len(core) > 0 && len(core) < len(q.content) {
			texts = append(texts, strings.Join(core, " "))
		}
	}
	// The searches are independent: a long question's two or three run at
	// once (its latency is then the slowest search's, not their sum); the
	// hits are merged in the same order whatever finishes first.
	results := make([][]knowledge.Hit, len(texts))
	errs := make([]error, len(texts))
	var wg sync.WaitGroup
	for i, t := range texts[1:] {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i+1], errs[i+1] = e.search.Search(ctx, knowledge.Query{Text: t, Limit: e.SearchLimit})
		}()
	}
	results[0], errs[0] = e.search.Search(ctx, knowledge.Query{Text: texts[0], Limit: e.SearchLimit})
	wg.Wait()
	hits := results[0]
	for i := range texts {
		if errs[i] != nil {
			return nil, errs[i]
		}
		if i > 0 {
			hits = mergeHits(hits, results[i])
		}
	}
	return hits, nil
}

// coreWords returns the words of content that stand next to a word they
// form a title pair with ("tạm trú" in a story about moving to Hà Nội),
// in order, each once.
func coreWords(content []string, st *stats) []string {
	var core []string
	for i, w := range content {
		in := i > 0 && st.namePairs[[2]string{content[i-1], w}] ||
			i+1 < len(content) && st.namePairs[[2]string{w, content[i+1]}]
		if in && !slices.Contains(core, w) {
			core = append(core, w)
		}
	}
	return core
}

// mergeHits joins two result lists: scores become relative to each list's
// best, a guide in both keeps the higher, and the result is sorted.
func mergeHits(a, b []knowledge.Hit) []knowledge.Hit {
	best := map[string]int{}
	var out []knowledge.Hit
	for _, list := range [][]knowledge.Hit{a, b} {
		top := 0.0
		for _, h := range list {
			top = max(top, h.Score)
		}
		for _, h := range list {
			if top > 0 {
				h.Score /= top
			}
			if i, ok := best[h.GuideID]; ok {
				if h.Score > out[i].Score {
					out[i] = h
				}
				continue
			}
			best[h.GuideID] = len(out)
			out = append(out, h)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Score > out[j].Score })
	return out
}

// answerGuide composes the answer about g, leading with aspect a, and
// remembers g as the last guide.
func (e *Engine) answerGuide(s *Session, g knowledge.Guide, a Aspect, conf float64, cands []Candidate, intro string, q *query) Reply {
	s.LastGuide, s.LastAspect, s.Options, s.Fails = g.ID, a, nil, 0
	ps, held := e.passageFor(g, q)
	var quote string
	asked := askedAspect(q, a)
	// The code is the case asked (codeFor). When that case is a FAQ
	// entry's ("mất cà vẹt" is cấp lại, mã 1.013080), its answer leads
	// (the guide's aspects are offered); a matched passage that names
	// another procedure in passing does not name the answer's code.
	code, cs := e.codeFor(g, q)
	otherCase := cs != nil && code != g.Code
	if cs != nil {
		ps = cs
	}
	if ps != nil {
		quote = ps.text
		// The passage leads when it is a case of its own procedure, when
		// it is the FAQ entry whose question the citizen asks ("đang ở
		// nước ngoài thì làm hộ chiếu ở đâu" is its entry, not the
		// guide's place at home), and when it is any FAQ entry and the
		// aspect was read from a weak cue ("đi khám thai có được nghỉ
		// không").
		asked = asked && len(ps.codes) == 0 && !held && (!ps.faq || askedFirmly(q, a))
	}
	g.Code = code
	if q != nil && len(q.subject) > 0 {
		s.Who = whoIn(q.text) // a follow-up keeps whom the conversation is about
	}
	c := composeAnswer(g, answerSpec{aspect: a, asked: asked, passage: quote, intro: intro, who: s.Who, otherCase: otherCase})
	s.More, s.Voted = c.more, false
	return Reply{
		Action:     ActionAnswer,
		Text:       c.text,
		Options:    c.options,
		Links:      guideLinks(g),
		GuideID:    g.ID,
		Code:       g.Code,
		Aspect:     a,
		Confidence: round3(conf),
		Candidates: cands,
	}
}

// codeFor returns the national code of the case the question asks about
// when g covers several: the guide's own code, its OtherCodes (named in
// CodeNames when the catalogue is loaded) and the codes its FAQ answers
// name ("tìm lại hộ chiếu đã báo mất" is khôi phục, mã 1.010384; the
// entry's question describes that case). A case is measured by what sets
// it apart from the guide: the words of its name (or FAQ question) that
// the guide's title does not hold ("đã báo mất … lại tìm thấy" of a
// passport guide); the words all cases share say nothing about which one
// is asked. Another case than the guide's own is named when the question
// holds at least half of what sets it apart (by word weight: a majority)
// and holds it better than any other case; the guide's title names its
// own case, so its own code stays otherwise. A question of several
// sentences is matched on the sentences that ask as much as on the whole
// story. When the case is a FAQ entry's, that entry is returned too, to be
// quoted.
func (e *Engine) codeFor(g knowledge.Guide, q *query) (string, *passage) {
	if q == nil {
		return g.Code, nil
	}
	st := e.stats.Load()
	whole, _, _ := wordSets(q.content, st)
	var focus map[string]bool
	if len(q.focus) > 0 {
		focus, _, _ = wordSets(q.focus, st)
	}
	best, bestScore := g.Code, caseMajority
	var quote *passage
	for _, c := range e.profiles().get(g).cases {
		sc := heldShare(c.apart, whole, st)
		if focus != nil {
			sc = (sc + heldShare(c.apart, focus, st)) / 2
		}
		if sc > bestScore {
			best, bestScore, quote = c.code, sc, c.passage
		}
	}
	return best, quote
}

// caseMajority is the share of what sets a case apart from its guide
// (codeFor) that a question must hold to be about that case: a majority.
const caseMajority = 0.5

func guideLinks(g knowledge.Guide) []Link {
	if g.SourceURL == "" {
		return nil
	}
	return []Link{{Title: "Xem trang chính thức", URL: g.SourceURL}}
}

// clarify asks back with numbered options and remembers them.
func (e *Engine) clarify(s *Session, q *query, opts []candidate, conf float64, cands []Candidate) Reply {
	r := Reply{Action: ActionClarify, Aspect: q.anyAspect(), Confidence: round3(conf), Candidates: cands}
	for _, c := range opts {
		r.Options = append(r.Options, Option{Label: c.guide.Title, Payload: PayloadGuide + c.guide.ID})
	}
	s.LastAspect = q.aspectFor(nil)
	s.Who = whoIn(q.text)    // the pick is answered for whom this question is about
	s.Asked = Redact(q.text) // and about its case ("tìm lại hộ chiếu đã báo mất": khôi phục)
	r.Text = clarifyText(r.Options)
	return r
}

// handoff builds a hand-off reply; Answer adds its escalation and text.
func (e *Engine) handoff(s *Session, category, reason string) Reply {
	s.Fails, s.Options = 0, nil
	return Reply{Action: ActionHandoff, Handoff: &Handoff{Category: category, Reason: reason}}
}

// escalation is what a hand-off asks the hotline to file: its id is the
// message's, so filing it again (a redelivered message) names the same
// ticket.
func (e *Engine) escalation(s *Session, m Message, text string, r Reply) *Escalation {
	id := string(m.Channel) + ":" + m.ID
	if m.ID == "" {
		id = m.Conversation() + ":" + e.Now().UTC().Format(time.RFC3339Nano)
	}
	return &Escalation{
		ID:           id,
		Category:     r.Handoff.Category,
		Reason:       r.Handoff.Reason,
		Channel:      m.Channel,
		UserID:       m.UserID,
		Conversation: m.Conversation(),
		Question:     Redact(text),
		Candidates:   r.Candidates,
		Transcript:   append([]Turn(nil), s.Transcript...),
		LastUser:     m.Time,
		Created:      e.Now(),
	}
}

// candidates converts the best ranked guides to the contract type.
func candidates(cs []candidate, n int) []Candidate {
	var out []Candidate
	for i, c := range cs {
		if i == n {
			break
		}
		out = append(out, Candidate{GuideID: c.guide.ID, Code: c.guide.Code, Title: c.guide.Title, Score: round3(c.score)})
	}
	return out
}

func round3(x float64) float64 { return float64(int(x*1000+0.5)) / 1000 }
