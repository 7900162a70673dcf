package bot

import (
	"math"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"unicode"

	"botdvc/knowledge"
	"botdvc/knowledge/vntext"
)

// candidate is one guide the search returned, with the engine's own view of
// how well it fits the question.
type candidate struct {
	guide      knowledge.Guide
	hit        knowledge.Hit
	search     float64 // backend score divided by the best backend score
	searchRank int     // position in the backend's list
	nameCov    float64 // how much of the best-matching title or alias the question holds
	queryCov   float64 // how much of the question the title and aliases explain
	fullCov    float64 // how much of the question the whole guide text holds
	faqScore   float64 // how much of the best-matching FAQ question the question holds
	focusName  float64 // nameCov measured on the sentences that ask
	focusCov   float64 // queryCov measured on the sentences that ask
	late       float64 // where the guide's name last occurs in the question, 0 (absent) to 1 (at the end)
	past       float64 // 1 when the name is only mentioned as done (pastOnly)
	pairsText  float64 // share of the question's word pairs found together in the guide's text
	pairsFocus float64 // the same for the sentences that ask
	family     string  // the procedure whatever its level (familyOf)
	none       float64 // the model's probability that none of the question's candidates is right
	action     float64 // actionScore of the title against the question
	// altered: the question holds the guide's best name with one of its
	// words replaced by, or continued with, a word the guide never uses
	// ("đăng ký tạm vắng" against "đăng ký tạm trú"): another procedure.
	altered  bool
	features []float64 // the model's inputs (FeatureNames)
	prob     float64   // the model's probability that this is the procedure asked
	score    float64   // what candidates are sorted by: prob
}

// profile is a guide's text analysed for matching, cached by id.
type profile struct {
	sig       string
	title     []string        // folded title words, fillers kept: aspect cues are checked against it
	domestic  bool            // the title limits it to procedures done at home ("… trong nước")
	names     [][]string      // title, aliases, codes: rewritten content words
	nameWords map[string]bool // every word of names
	faqs      [][]string
	// passages are the FAQ entries and body sections, for quoting the one
	// that answers what the question adds to the procedure's name.
	passages []passage
	all      map[string]bool    // every content word in the guide
	pairs    map[[2]string]bool // adjacent word pairs of the title and aliases
	// textPairs are the adjacent content-word pairs of the whole text,
	// hashed and sorted: "quốc tế" is in the text only if its two words
	// stand together somewhere, which single words ("quốc gia", "y tế")
	// cannot tell.
	textPairs []uint64
	actions   []int  // the action words of the title (features.go)
	family    string // familyOf the guide
	cases     []guideCase
}

// guideCase is one procedure a guide covers besides its main case
// (codeFor): its code, the words of its name or FAQ question that the
// guide's title does not hold (what sets it apart), and the FAQ entry
// that describes it, if that is where it comes from.
type guideCase struct {
	code    string
	apart   []string
	passage *passage
}

// stats holds document frequencies of words over the library, for
// weighting rare words above common ones ("khai sinh" above "đăng ký").
type stats struct {
	docs  int
	df    map[string]int
	names map[string]bool // words used in some title or alias
	// namePairs are adjacent word pairs of titles and aliases: with the
	// catalogue loaded nearly every word is in some title, pairs still
	// tell "đăng ký tạm trú" from "chuyển ra Hà Nội làm việc".
	namePairs map[[2]string]bool
	// phrases maps the content words of a curated guide's title or alias
	// of two words or more, joined by spaces, to the guides that have it
	// (held): a question that holds one whole is about that guide
	// whatever the search ranks first.
	phrases map[string][]string
	// longestPhrase is the most words a phrase has.
	longestPhrase int
}

// weight is the inverse document frequency of a word among guides; a word
// no guide uses weighs most.
func (s *stats) weight(w string) float64 {
	if s == nil || s.docs == 0 {
		return 1
	}
	return math.Log(1 + float64(s.docs+1)/(float64(s.df[w])+0.5))
}

// profiles caches guide profiles. Guides change rarely; a profile is rebuilt
// when the guide's signature changes.
type profiles struct {
	mu   sync.Mutex
	m    map[string]*profile
	dict *vntext.Dict
}

func signature(g knowledge.Guide) string {
	var b strings.Builder
	b.WriteString(g.Title)
	b.WriteString(g.Reviewed.String())
	b.WriteString(g.Source)
	for _, n := range []int{len(g.Aliases), len(g.FAQ), len(g.Body), len(g.Steps), len(g.Documents), len(g.Fee), len(g.Where), len(g.OtherCodes), len(g.CodeNames)} {
		b.WriteByte(byte(n))
		b.WriteByte(byte(n >> 8))
	}
	return b.String()
}

func (ps *profiles) get(g knowledge.Guide) *profile {
	sig := signature(g)
	ps.mu.Lock()
	p := ps.m[g.ID]
	ps.mu.Unlock()
	if p != nil && p.sig == sig {
		return p
	}
	p = ps.build(g, sig)
	ps.mu.Lock()
	if ps.m == nil {
		ps.m = map[string]*profile{}
	}
	ps.m[g.ID] = p
	ps.mu.Unlock()
	return p
}

func (ps *profiles) build(g knowledge.Guide, sig string) *profile {
	text := guideText(g)
	p := &profile{sig: sig, all: guideWords(text), pairs: map[[2]string]bool{}, nameWords: map[string]bool{}, textPairs: textPairs(ps.dict, text)}
	t := analyse(ps.dict, g.Title)
	p.title, p.actions, p.family = t.folded, actions(t.toks, t.folded), familyOf(g)
	p.domestic = anyMatch(domesticScope, p.title)
	for _, n := range append([]string{g.Title, spokenName(g)}, g.Aliases...) {
		if ws := contentWords(ps.dict, n); len(ws) > 0 {
			p.names = append(p.names, ws)
			for i, w := range ws {
				p.all[w] = true // expanded forms ("giấy phép lái xe" for "bằng lái")
				p.nameWords[w] = true
				if i+1 < len(ws) {
					p.pairs[[2]string{w, ws[i+1]}] = true
				}
			}
		}
	}
	for _, c := range append([]string{g.Code}, g.OtherCodes...) {
		if c != "" {
			p.names = append(p.names, []string{strings.ToLower(c)})
			p.all[strings.ToLower(c)] = true
			p.nameWords[strings.ToLower(c)] = true
		}
	}
	for _, f := range g.FAQ {
		p.faqs = append(p.faqs, contentWords(ps.dict, f.Q))
		p.passages = append(p.passages, newPassage(ps.dict, true, f.Q, f.A, f.Q+"\n"+f.A))
	}
	for _, sec := range bodySections(g.Body) {
		p.passages = append(p.passages, newPassage(ps.dict, false, sec.heading, sec.text, sec.heading+":\n"+sec.text))
	}
	p.cases = guideCases(ps.dict, g, p.passages)
	return p
}

// guideCases lists the cases of g in the order codeFor weighs them: the
// catalogue's name of its own code, its other codes, the codes its FAQ
// answers name.
func guideCases(dict *vntext.Dict, g knowledge.Guide, passages []passage) []guideCase {
	title := contentWords(dict, g.Title)
	apart := func(name []string) []string {
		var w []string
		for _, x := range name {
			if !slices.Contains(title, x) {
				w = append(w, x)
			}
		}
		return w
	}
	var cs []guideCase
	for _, c := range append([]string{g.Code}, g.OtherCodes...) {
		if n, ok := g.CodeNames[c]; ok {
			if w := apart(contentWords(dict, n)); len(w) > 0 {
				cs = append(cs, guideCase{code: c, apart: w})
			}
		}
	}
	for i := range passages {
		if ps := &passages[i]; ps.faq && len(ps.codes) > 0 {
			if w := apart(ps.head); len(w) > 0 {
				cs = append(cs, guideCase{code: ps.codes[0], apart: w, passage: ps})
			}
		}
	}
	return cs
}

// passage is a quotable piece of a guide: a FAQ entry (head is its
// question) or a body section (head is its heading).
type passage struct {
	faq   bool
	text  string          // as quoted
	codes []string        // the national codes a FAQ answer names ("mã 1.013080"), in order
	head  []string        // content words of the question or heading
	words map[string]bool // words of the whole passage
}

func newPassage(dict *vntext.Dict, faq bool, head, body, text string) passage {
	p := passage{faq: faq, text: text, head: contentWords(dict, head), words: map[string]bool{}}
	if faq {
		p.codes = codePattern.FindAllString(body, -1)
	}
	for _, w := range p.head {
		p.words[w] = true
	}
	for _, w := range contentWords(dict, body) {
		p.words[w] = true
	}
	return p
}

type bodySection struct{ heading, text string }

// bodySections splits a guide body at its "## " headings.
func bodySections(body string) []bodySection {
	var out []bodySection
	for _, part := range strings.Split("\n"+body, "\n## ") {
		head, text, _ := strings.Cut(part, "\n")
		if head = strings.TrimSpace(head); head != "" && strings.TrimSpace(text) != "" {
			out = append(out, bodySection{head, strings.TrimSpace(text)})
		}
	}
	return out
}

// faqHeld is the name match (matchName) above which a question is a FAQ
// entry's question: that entry answers it.
const faqHeld = 0.7

// passageFor returns what to quote besides the asked aspect: the FAQ entry
// whose question the citizen's question holds ("không nhận được mã OTP thì
// làm sao?"; held is then true), else the body section that holds most of
// what the question adds beyond the guide's names; nil when nothing fits.
func (e *Engine) passageFor(g knowledge.Guide, q *query) (ps *passage, held bool) {
	if q == nil {
		return nil, false
	}
	p := e.profiles().get(g)
	st := e.stats.Load()
	qset := map[string]bool{}
	qpairs := map[[2]string]bool{}
	for i, w := range q.words {
		qset[w] = true
		if i+1 < len(q.words) {
			qpairs[[2]string{w, q.words[i+1]}] = true
		}
	}
	var best *passage
	bestScore := 0.0
	for i := range p.passages {
		if ps := &p.passages[i]; ps.faq {
			if sc := matchName(ps.head, qset, qpairs, st); sc > bestScore {
				best, bestScore = ps, sc
			}
		}
	}
	if bestScore >= faqHeld {
		return best, true
	}
	var extra []string
	var total float64
	for _, w := range q.subject {
		if !p.nameWords[w] && !slices.Contains(extra, w) {
			extra = append(extra, w)
			total += st.weight(w)
		}
	}
	if total < minPassageWeight {
		return nil, false
	}
	best, bestScore = nil, 0.0
	for i := range p.passages {
		ps := &p.passages[i]
		var got float64
		for _, w := range extra {
			switch {
			case slices.Contains(ps.head, w):
				got += st.weight(w)
			case ps.words[w]:
				got += 0.6 * st.weight(w)
			}
		}
		if sc := got / total; sc > bestScore {
			best, bestScore = ps, sc
		}
	}
	if bestScore < 0.6 {
		return nil, false
	}
	return best, false
}

// codePattern matches a national procedure code (1.013080, 2.000635).
var codePattern = regexp.MustCompile(`\b[123]\.\d{6}\b`)

// minPassageWeight is how much the question must add beyond the guide's
// name (in word weight) before a passage is quoted.
const minPassageWeight = 1.5

// guideText is the whole text of a guide, a field or item a line.
func guideText(g knowledge.Guide) string {
	var b strings.Builder
	for _, s := range []string{g.Title, g.Fee, g.Duration, g.Where, g.Eligibility, g.Agency, g.Body} {
		b.WriteString(s)
		b.WriteByte('\n')
	}
	for _, l := range [][]string{g.Aliases, g.Documents, g.Steps} {
		for _, s := range l {
			b.WriteString(s)
			b.WriteByte('\n')
		}
	}
	for _, f := range g.FAQ {
		b.WriteString(f.Q + "\n" + f.A + "\n")
	}
	for _, m := range g.Methods {
		b.WriteString(m.Channel + " " + m.Duration + " " + m.Fee + " " + m.Note + "\n")
	}
	return b.String()
}

// guideWords returns every folded word of a guide's text, fillers included,
// so that a filler typed without accents ("cua" for "của") is known to be
// common. One Fold over the whole text keeps this cheap for the catalogue.
func guideWords(text string) map[string]bool {
	words := map[string]bool{}
	for _, w := range strings.FieldsFunc(vntext.Fold(text), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	}) {
		words[w] = true
	}
	return words
}

// textPairs returns the hashed adjacent content-word pairs of a guide's
// text, sorted and without repeats.
func textPairs(dict *vntext.Dict, text string) []uint64 {
	ws := contentWords(dict, text)
	out := make([]uint64, 0, len(ws))
	for i := 0; i+1 < len(ws); i++ {
		out = append(out, pairHash(ws[i], ws[i+1]))
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// pairHash hashes a word pair (FNV-1a).
func pairHash(a, b string) uint64 {
	h := uint64(14695981039346656037)
	for _, s := range []string{a, "\x00", b} {
		for i := 0; i < len(s); i++ {
			h ^= uint64(s[i])
			h *= 1099511628211
		}
	}
	return h
}

// pairShare is the share of the question's adjacent word pairs that stand
// together somewhere in the guide's text; 1 for a one-word question.
func (p *profile) pairShare(words []string) float64 {
	if len(words) < 2 {
		return 1
	}
	got := 0
	for i := 0; i+1 < len(words); i++ {
		if _, ok := slices.BinarySearch(p.textPairs, pairHash(words[i], words[i+1])); ok {
			got++
		}
	}
	return float64(got) / float64(len(words)-1)
}

// buildStats counts, for every word, how many guides use it anywhere in
// their text. Question fillers that vntext keeps because they could be
// content when typed without accents ("cua", "thi", "moi") occur in most
// guides and so weigh little; words no guide uses ("thời tiết") weigh most.
func (ps *profiles) buildStats(guides []knowledge.Guide) *stats {
	s := &stats{docs: len(guides), df: map[string]int{}, names: map[string]bool{}, namePairs: map[[2]string]bool{}, phrases: map[string][]string{}}
	for _, g := range guides {
		for w := range guideWords(guideText(g)) {
			s.df[w]++
		}
		for _, n := range append([]string{g.Title}, g.Aliases...) {
			ws := contentWords(ps.dict, n)
			for i, w := range ws {
				s.names[w] = true
				if i+1 < len(ws) {
					s.namePairs[[2]string{w, ws[i+1]}] = true
				}
			}
			if k := strings.Join(ws, " "); len(ws) >= 2 && g.Source != knowledge.SourceCatalog && !slices.Contains(s.phrases[k], g.ID) {
				s.phrases[k] = append(s.phrases[k], g.ID)
				s.longestPhrase = max(s.longestPhrase, len(ws))
			}
		}
	}
	return s
}

// matchName scores how much of name the question holds, in [0, 1]. The
// weighted share of the name's words found in the question is raised to
// namePower, so a name that is only partly in the question ("đăng ký" of
// "đăng ký tạm trú") scores well below one that is all there, and word
// pairs of the name found side by side in the question count for half.
// namePower shapes matchName: a name half in the question scores 0.35.
// It defines the feature; the model (model.go) decides what it is worth.
const namePower = 1.5

func matchName(name []string, qset map[string]bool, qpairs map[[2]string]bool, st *stats) float64 {
	cov := heldShare(name, qset, st)
	if len(name) < 2 {
		return 0.8 * cov // one word says less than a phrase
	}
	pairs := 0
	for i := 0; i+1 < len(name); i++ {
		if qpairs[[2]string{name[i], name[i+1]}] {
			pairs++
		}
	}
	return math.Pow(cov, namePower) * (0.5 + 0.5*float64(pairs)/float64(len(name)-1))
}

// heldShare is the share of words (by weight, each counted once) that set
// holds.
func heldShare(words []string, set map[string]bool, st *stats) float64 {
	var all, got float64
	for i, w := range words {
		if slices.Contains(words[:i], w) {
			continue // names are short: a scan beats a map
		}
		wt := st.weight(w)
		all += wt
		if set[w] {
			got += wt
		}
	}
	if all == 0 {
		return 0
	}
	return got / all
}

// wordSets returns the words of a question, its adjacent word pairs and
// its total word weight.
func wordSets(content []string, st *stats) (map[string]bool, map[[2]string]bool, float64) {
	qset := map[string]bool{}
	qpairs := map[[2]string]bool{}
	for i, w := range content {
		qset[w] = true
		if i+1 < len(content) {
			qpairs[[2]string{w, content[i+1]}] = true
		}
	}
	var qweight float64
	for w := range qset {
		qweight += st.weight(w)
	}
	return qset, qpairs, qweight
}

// correct replaces each unknown word of content by a name word of the guide
// one edit away (same first letter, at least four letters); ok is false
// when nothing changed.
func (p *profile) correct(content, unknown []string) ([]string, bool) {
	if len(unknown) == 0 {
		return content, false
	}
	var fixed []string
	for _, u := range unknown {
		for nw := range p.nameWords {
			if len(nw) >= 4 && nw[0] == u[0] && oneEdit(u, nw) {
				if fixed == nil {
					fixed = append([]string(nil), content...)
				}
				for i, w := range fixed {
					if w == u {
						fixed[i] = nw
					}
				}
				break
			}
		}
	}
	return fixed, fixed != nil
}

// repairTelex reads the words of text that no guide uses as Telex
// leftovers when their Telex reading is a word guides use ("ddawng kys tamj
// truws" → "dang ky tam tru", vntext.TelexFold), and returns the text with
// them repaired (folded) so that synonyms and aspect cues apply to it; ok
// is false when nothing changed. Brand names and loanwords ("vinfast",
// "visa") have no Telex reading and stay.
func repairTelex(text string, st *stats) (string, bool) {
	if st == nil || st.docs == 0 {
		return text, false
	}
	toks := vntext.Tokens(text)
	folded := vntext.FoldTokens(toks)
	changed := false
	for i, w := range folded {
		if st.df[w] > 0 {
			continue
		}
		if r := vntext.TelexFold(w); r != w && st.df[r] > 0 {
			toks[i], changed = r, true
		}
	}
	if !changed {
		return text, false
	}
	return strings.Join(toks, " "), true
}

// oneEdit reports whether a and b (folded ASCII words) differ by exactly one
// insertion, deletion, substitution or swap of adjacent letters.
func oneEdit(a, b string) bool {
	if a == b {
		return false
	}
	if len(a) > len(b) {
		a, b = b, a
	}
	switch len(b) - len(a) {
	case 0:
		i := 0
		for i < len(a) && a[i] == b[i] {
			i++
		}
		if a[i+1:] == b[i+1:] {
			return true // substitution
		}
		return i+1 < len(a) && a[i] == b[i+1] && a[i+1] == b[i] && a[i+2:] == b[i+2:] // swap
	case 1:
		i := 0
		for i < len(a) && a[i] == b[i] {
			i++
		}
		return a[i:] == b[i+1:]
	}
	return false
}

// rareShare is the largest share of the library that may use a word for it
// to alter a procedure's name (see alters).
const rareShare = 0.06

// grammarShare is the share of the library above which a name word is the
// name's grammar ("trong", "của", "cho"), not what tells it from others.
const grammarShare = 0.8

// alters reports whether the question (content words, typos corrected for
// this guide) holds name with a word swapped or added: right after a name
// word found in the question comes a word this guide's text never uses,
// and either the name's next word is missing from the question ("tạm
// vắng" for "tạm trú") or the name ends there ("giấy phép lái xe quốc
// tế"). Vietnamese modifiers follow their head, so such a word makes the
// citizen's procedure a different one. Only rare words count (used by some
// guides, at most rareShare of the library): common words after a name are
// the citizen's story ("mất", "lần đầu", "ngoài chợ"); words no guide uses
// are names, brands or typos ("đăng ký xe vinfast"); words of one or two
// letters are left alone (numbers, initials), and so are the words for
// whom (personWords).
func (p *profile) alters(name, content []string, st *stats) bool {
	if len(name) < 2 || st == nil || st.docs == 0 {
		return false
	}
	for i, w := range name {
		for k := 0; k+1 < len(content); k++ {
			if content[k] != w {
				continue
			}
			next := content[k+1]
			if p.all[next] || len(next) < 3 || isNumber(next) || cueWords[next] || personWords[next] || st.df[next] == 0 || float64(st.df[next]) > rareShare*float64(st.docs) {
				continue
			}
			if i+1 == len(name) {
				return true
			}
			// The name's next word, missing from the question, is what
			// the swapped word would replace: only a word that tells
			// procedures apart can be replaced ("trú" in "tạm trú"); a
			// word most of the library uses ("trong" of "hộ chiếu phổ
			// thông trong nước") is the name's grammar, and the word in
			// its place is the citizen's ("hộ chiếu phổ thông riêng").
			if nx := name[i+1]; !slices.Contains(content, nx) && float64(st.df[nx]) <= grammarShare*float64(st.docs) {
				return true
			}
		}
	}
	return false
}

// personWords (folded) name for whom a procedure is done ("đổi tên cháu",
// "làm căn cước mẹ tôi"): after a name they are the citizen's story, never
// a word that makes it another procedure. They are whoIn's words and the
// kin it does not name in answers.
var personWords = func() map[string]bool {
	m := map[string]bool{}
	words := append(append(slices.Clone(ownerWords), childWords...), "ông", "anh", "chị")
	for k := range kinOf {
		words = append(words, k)
	}
	for _, w := range words {
		m[vntext.Fold(w)] = true
	}
	return m
}()

// cueWords are the words of the aspect cues ("gồm", "mấy", "thời hạn"):
// they ask about the procedure named before them, they do not alter it
// ("đăng ký kết hôn gồm những giấy tờ gì").
var cueWords = func() map[string]bool {
	m := map[string]bool{}
	for _, r := range aspectRules {
		for _, p := range r.ps {
			for _, w := range p {
				if w != "*" {
					m[w] = true
				}
			}
		}
	}
	return m
}()

func isNumber(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return s != ""
}

// coverage returns how much of the question's weight the guide's names
// hold (averaged with the share of its word pairs they hold) and how much
// its whole text holds.
func (p *profile) coverage(qset map[string]bool, qpairs map[[2]string]bool, qweight float64, st *stats) (names, all float64) {
	if qweight <= 0 {
		return 0, 0
	}
	var inNames, inAll float64
	for w := range qset {
		wt := st.weight(w)
		if p.nameWords[w] {
			inNames += wt
		}
		if p.all[w] {
			inAll += wt
		}
	}
	names, all = inNames/qweight, inAll/qweight
	if len(qpairs) > 0 {
		got := 0
		for pr := range qpairs {
			if p.pairs[pr] {
				got++
			}
		}
		names = 0.5*names + 0.5*float64(got)/float64(len(qpairs))
	}
	return names, all
}

// core is the title-pair words of a long question, as word sets.
type core struct {
	set    map[string]bool
	pairs  map[[2]string]bool
	weight float64
}

// storyCore returns the title-pair words of a question longer than
// longQuestion, nil for a shorter one or when it has none.
func storyCore(content []string, st *stats) *core {
	if len(content) <= longQuestion || st == nil {
		return nil
	}
	words := coreWords(content, st)
	if len(words) == 0 {
		return nil
	}
	c := &core{}
	c.set, c.pairs, c.weight = wordSets(words, st)
	return c
}

// rank measures every hit against the question (features.go), scores it
// with the fitted model and sorts them, best first.
func (e *Engine) rank(q *query, hits []knowledge.Hit) []candidate {
	st := e.stats.Load()
	m := e.model.Load()
	whole := newQuestionView(q.content, st)
	focus := whole
	if len(q.focus) > 0 {
		focus = newQuestionView(q.focus, st)
	}
	// Words no guide uses may be typos ("sihn"); each candidate gets a
	// chance to read them as one of its name words.
	var unknown []string
	if st != nil {
		for _, w := range q.content {
			if st.df[w] == 0 && len(w) >= 4 && !slices.Contains(unknown, w) {
				unknown = append(unknown, w)
			}
		}
	}
	top := 0.0
	for _, h := range hits {
		top = math.Max(top, h.Score)
	}
	var cs []candidate
	seen := map[string]bool{}
	for i, h := range hits {
		if seen[h.GuideID] {
			continue
		}
		seen[h.GuideID] = true
		g, ok := e.lib.Get(h.GuideID)
		if !ok {
			continue // index ahead of library: skip rather than answer from nothing
		}
		p := e.profiles().get(g)
		c := candidate{guide: g, hit: h, searchRank: i, family: p.family}
		if top > 0 {
			c.search = h.Score / top
		}
		w, f := whole, focus
		if fixed, ok := p.correct(q.content, unknown); ok {
			w = newQuestionView(fixed, st) // typos corrected for this guide
			f = w
			if len(q.focus) > 0 {
				ff, _ := p.correct(q.focus, unknown)
				f = newQuestionView(ff, st)
			}
		}
		c.measure(p, q, w, f, st)
		cs = append(cs, c)
	}
	// Relative features: how far each candidate is from the best of this
	// question, so that the model compares guides within a question.
	var bestName, bestFocus float64
	for _, c := range cs {
		bestName = math.Max(bestName, c.nameCov)
		bestFocus = math.Max(bestFocus, c.focusCov)
	}
	xs := make([][]float64, len(cs))
	for i := range cs {
		cs[i].features = cs[i].vector(bestName, bestFocus, whole)
		xs[i] = cs[i].features
	}
	ps, none := ChoiceProbs(m.Rank, xs)
	for i := range cs {
		cs[i].prob, cs[i].score, cs[i].none = ps[i], ps[i], none
	}
	sort.SliceStable(cs, func(i, j int) bool { return cs[i].score > cs[j].score })
	return cs
}

// decide turns ranked candidates into a verdict with the fitted model,
// the levels of one procedure counting as one (GroupFamilies). The
// options it returns are indexes into cs.
func (e *Engine) decide(cs []candidate) (Decision, []int) {
	if len(cs) == 0 {
		return e.model.Load().Decide(Ranked{}, e.MaxOptions), nil
	}
	probs := make([]float64, len(cs))
	fams := make([]string, len(cs))
	altered := make([]bool, len(cs))
	features := make([][]float64, len(cs))
	for i, c := range cs {
		probs[i], fams[i], altered[i], features[i] = c.prob, c.family, c.altered, c.features
	}
	r, reps := RankedOf(probs, fams, altered, features, cs[0].none)
	return e.model.Load().Decide(r, e.MaxOptions), reps
}

func clamp01(x float64) float64 { return math.Max(0, math.Min(1, x)) }

// heldPhrases returns the curated guides one of whose names (title or
// alias, two words or more) the content words hold whole and in order.
func (s *stats) heldPhrases(content []string) []string {
	if s == nil {
		return nil
	}
	var ids []string
	for i := range content {
		for n := 2; n <= s.longestPhrase && i+n <= len(content); n++ {
			for _, id := range s.phrases[strings.Join(content[i:i+n], " ")] {
				if !slices.Contains(ids, id) {
					ids = append(ids, id)
				}
			}
		}
	}
	return ids
}
