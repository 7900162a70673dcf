package bot

import (
	"math"
	"regexp"
	"slices"
	"strings"

	"botdvc/knowledge"
	"botdvc/knowledge/vntext"
)

// FeatureNames are the measurements of a candidate guide against a
// question that the fitted model (model.go) combines, in order. Changing
// them means refitting: `botctl fit` (doc/engine.md).
var FeatureNames = []string{
	"name",         // share of the best-matching title or alias in the question (matchName)
	"query",        // share of the question's weight in the guide's names (averaged with a story's title-pair words)
	"full",         // share of the question's weight anywhere in the guide
	"faq",          // best FAQ question match
	"search",       // backend score relative to the best hit
	"altered",      // the question alters the guide's name ("tạm vắng" for "tạm trú")
	"curated",      // a curated guide, not a catalogue record
	"name_focus",   // name, measured on the sentences that ask
	"query_focus",  // query, measured on the sentences that ask
	"late",         // where the guide's name last occurs in the question (1 = at the end)
	"name_gap",     // name minus the best name of the question's candidates (≤ 0)
	"focus_gap",    // query_focus minus the best of the question's candidates (≤ 0)
	"search_first", // 1 for the backend's first hit, ½ for the second...
	"length",       // the question's content words / 40, at most 1: the same for every candidate, it moves "none of these"
	"unknown",      // share of the question's weight in words no guide uses (names, brands, typos, other topics), same for every candidate
	"past",         // the guide's name is only mentioned as done ("đã đăng ký khai sinh"): background, not the question
	"pairs_text",   // share of the question's word pairs that stand together in the guide's text ("quốc tế", "nước ngoài")
	"pairs_focus",  // the same for the sentences that ask
	"action",       // +1 the question asks the action the title names ("đổi" for "Cấp đổi"), −1 another one, 0 neither
}

// The indexes in FeatureNames of the features the decision also reads.
var (
	featureName   = slices.Index(FeatureNames, "name")
	featureQuery  = slices.Index(FeatureNames, "query")
	featureLength = slices.Index(FeatureNames, "length")
)

// questionView is a question's content words prepared for measuring
// candidates: the word set, the adjacent pairs, the total weight, and for a
// story its title-pair words.
type questionView struct {
	words  []string
	set    map[string]bool
	pairs  map[[2]string]bool
	weight float64
	story  *core
	// unknown is the share of weight in words no guide uses.
	unknown float64
}

func newQuestionView(words []string, st *stats) *questionView {
	v := &questionView{words: words}
	v.set, v.pairs, v.weight = wordSets(words, st)
	v.story = storyCore(words, st)
	if st != nil && v.weight > 0 {
		// Words no guide uses (names, brands, places, other topics) are
		// measured apart, by the unknown feature; the coverage features
		// are shares of the words the library knows, so that "đăng ký xe
		// vinfast" is as covered as "đăng ký xe".
		var u float64
		for w := range v.set {
			if st.df[w] == 0 {
				u += st.weight(w)
			}
		}
		v.unknown = u / v.weight
		v.weight -= u
		for pr := range v.pairs {
			if st.df[pr[0]] == 0 || st.df[pr[1]] == 0 {
				delete(v.pairs, pr)
			}
		}
	}
	return v
}

// names returns the best name match of p in v, and that name.
func (v *questionView) names(p *profile, st *stats) (float64, []string) {
	var best float64
	var name []string
	for _, n := range p.names {
		if sc := matchName(n, v.set, v.pairs, st); sc > best {
			best, name = sc, n
		}
	}
	return best, name
}

// cover is p's coverage of the question's names, averaged with that of a
// story's title-pair words, and its coverage by the whole guide.
func (v *questionView) cover(p *profile, st *stats) (names, all float64) {
	names, all = p.coverage(v.set, v.pairs, v.weight, st)
	if v.story != nil {
		// A story around the question: its coverage is also measured on
		// the words that form title pairs ("đăng ký tạm trú" in "em mới
		// chuyển ra Hà Nội làm việc..."), and the two averaged.
		core, _ := p.coverage(v.story.set, v.story.pairs, v.story.weight, st)
		names = 0.5 * (names + core)
	}
	return names, all
}

// measure fills c's measurements on the whole question w and its focus f
// (f == w when the whole message asks).
func (c *candidate) measure(p *profile, q *query, w, f *questionView, st *stats) {
	var best []string
	c.nameCov, best = w.names(p, st)
	// A name altered by the word after it ("tạm vắng") is read in a short
	// question, or in the sentences that ask: in a story the word after a
	// procedure's name is mostly the story's ("đăng ký tạm trú tại Hà Nội").
	if f.words == nil || len(f.words) > longQuestion {
		c.altered = false
	} else {
		fbest := best
		if f != w {
			_, fbest = f.names(p, st)
		}
		c.altered = p.alters(fbest, f.words, st)
	}
	for _, fq := range p.faqs {
		c.faqScore = math.Max(c.faqScore, matchName(fq, w.set, w.pairs, st))
	}
	// A title done at home ("Cấp hộ chiếu phổ thông trong nước") is
	// another procedure for a citizen abroad ("làm lại ở đại sứ quán Việt
	// Nam tại Hàn Quốc"): the one at an embassy. Unless the guide has a FAQ
	// entry for that situation ("Đang ở nước ngoài thì làm hộ chiếu ở
	// đâu?"), which then answers.
	c.altered = c.altered || p.domestic && c.faqScore < faqHeld && anyMatch(abroadCues, q.words)
	c.queryCov, c.fullCov = w.cover(p, st)
	c.late = lastMention(best, w.words)
	c.past = b2f(pastOnly(best, q.words, q.toks))
	c.pairsText = p.pairShare(w.words)
	qa := q.actions
	if len(q.focus) > 0 {
		qa = q.focusActions
	}
	c.action = actionScore(p.actions, qa)
	if f == w {
		c.focusName, c.focusCov, c.pairsFocus = c.nameCov, c.queryCov, c.pairsText
		return
	}
	c.pairsFocus = p.pairShare(f.words)
	c.focusName, _ = f.names(p, st)
	c.focusCov, _ = f.cover(p, st)
}

// lastMention returns where name last occurs in words, as a share of the
// question's length: the end of the last pair of name words side by side,
// or for a one-word name the word; 0 when absent. A story names the
// procedure it asks about last ("đã đăng ký tạm trú ... giờ xin lý lịch
// tư pháp được không").
func lastMention(name, words []string) float64 {
	if len(words) == 0 || len(name) == 0 {
		return 0
	}
	last := -1
	for k, w := range words {
		if !slices.Contains(name, w) {
			continue
		}
		if len(name) == 1 {
			last = k
			continue
		}
		if k+1 < len(words) && slices.Contains(name, words[k+1]) && words[k+1] != w {
			last = k + 1
		}
	}
	if last < 0 {
		return 0
	}
	return float64(last+1) / float64(len(words))
}

// vector returns the model's inputs for c, given the best name and focus
// coverage among the question's candidates.
func (c *candidate) vector(bestName, bestFocus float64, q *questionView) []float64 {
	return []float64{
		c.nameCov,
		c.queryCov,
		c.fullCov,
		c.faqScore,
		c.search,
		b2f(c.altered),
		b2f(c.guide.Source != knowledge.SourceCatalog),
		c.focusName,
		c.focusCov,
		c.late,
		c.nameCov - bestName,
		c.focusCov - bestFocus,
		1 / float64(1+c.searchRank),
		math.Min(1, float64(len(q.words))/40),
		q.unknown,
		c.past,
		c.pairsText,
		c.pairsFocus,
		c.action,
	}
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

// pastMarks are the aspect words that put what follows in the past: a
// story's background ("tôi đã đăng ký tạm trú", "vừa làm khai sinh").
var pastMarks = map[string]bool{"đã": true, "từng": true, "vừa": true, "mới": true}

// pastOnly reports whether every mention of name in the question (accented
// tokens toks, folded words) follows a past mark within three words or is
// followed by "rồi" ("làm khai sinh rồi", already done). A
// mention is found by the name's last two words, where Vietnamese names
// put what tells procedures apart ("đăng ký khai sinh", "đăng ký khai
// tử"): "đã đăng ký khai sinh … có phải làm khai tử không" mentions khai
// sinh as done and asks about khai tử.
func pastOnly(name, words, toks []string) bool {
	if len(name) == 0 {
		return false
	}
	tail := name[max(0, len(name)-2):]
	found := false
	for k := range words {
		if !hasPrefixAt(words, k, tail) {
			continue
		}
		found = true
		start := max(0, k-(len(name)-len(tail))) // where the whole name would begin
		marked := false
		for j := max(0, start-3); j < k; j++ {
			marked = marked || pastMarks[toks[j]]
		}
		if end := k + len(tail); end < len(toks) {
			marked = marked || toks[end] == "rồi" // "làm khai sinh rồi": done
		}
		if !marked {
			return false
		}
	}
	return found
}

func hasPrefixAt(ws []string, k int, p []string) bool {
	if k+len(p) > len(ws) {
		return false
	}
	for i, w := range p {
		if ws[k+i] != w {
			return false
		}
	}
	return true
}

// reLevel finds what names the level a catalogue record is done at: "(thực
// hiện tại cấp tỉnh)", "(cấp Bộ)", "- cấp huyện" at the end of a title.
var reLevel = regexp.MustCompile(`\((?:[^()]*\bcap\b[^()]*|[^()]*thuc hien tai[^()]*)\)|\s*-?\s*\b(?:tai |o )?cap (?:tinh|huyen|xa|bo|trung uong)\s*$`)

// familyOf names the procedure a guide is, whatever the level: a catalogue
// record's folded title without its level and a leading "Thủ tục"; a
// curated guide is a family of its own (it covers its levels already).
func familyOf(g knowledge.Guide) string {
	if g.Source != knowledge.SourceCatalog {
		return "guide:" + g.ID
	}
	t := strings.ToLower(vntext.Fold(g.Title))
	t = reLevel.ReplaceAllString(t, "")
	t = strings.TrimPrefix(t, "thu tuc ")
	return strings.Join(strings.Fields(strings.Trim(t, " .;,")), " ")
}

// spokenName is a catalogue record's name as citizens say it: its family
// (the title without its level and a leading "Thủ tục") without the
// administrative head "Giải quyết" / "Thực hiện" that 34 and more titles
// open with ("Giải quyết hưởng chế độ thai sản": "hưởng chế độ thai
// sản"); "" for a curated guide, whose aliases say it.
func spokenName(g knowledge.Guide) string {
	if g.Source != knowledge.SourceCatalog {
		return ""
	}
	f := familyOf(g)
	for _, head := range []string{"giai quyet ", "thuc hien "} {
		f = strings.TrimPrefix(f, head)
	}
	return f
}

// actionWords are what a procedure's title says is done, besides its
// object: the most frequent openings of the national catalogue's titles
// ("cấp lại" 165 titles, "gia hạn" 58, "điều chỉnh" 51, "thay đổi" 44,
// "thu hồi" 32, "chấm dứt" 27, "cấp đổi" 25, "cấp mới" 13, "trình báo" 10)
// and the curated titles' "lần đầu", "xóa", "tách", "khôi phục". Two
// procedures on one object differ by them ("Cấp đổi thẻ căn cước" and
// "Cấp thẻ căn cước lần đầu"), and a citizen names them with the verb
// ("đổi sang căn cước gắn chip", "làm lại giấy đăng ký xe").
var actionPhrases = []string{"lại", "đổi", "mới", "lần đầu", "gia hạn", "điều chỉnh", "thay đổi", "thu hồi", "chấm dứt", "xóa",
	"trình báo", "khôi phục", "tạm ngừng", "hủy", "bổ sung", "cải chính", "tách"}

// actionWords are actionPhrases folded, for text typed without accents.
var actionWords = pats(actionPhrases...)

// actionPats are actionWords with their accents, matched against accented
// tokens: folded, "đời" (life, as in "chào đời") reads as "đổi".
var actionPats = func() []pattern {
	ps := make([]pattern, len(actionPhrases))
	for i, p := range actionPhrases {
		ps[i] = pattern(vntext.DefaultDict().Expand(vntext.Tokens(p)))
	}
	return ps
}()

// actions returns the indexes of the action words found in a text's
// tokens: accented tokens when the text has diacritics, else its folded
// words (a question typed without accents cannot tell "đời" from "đổi").
func actions(toks, folded []string) []int {
	ws, ps := folded, actionWords
	if vntext.HasDiacritics(strings.Join(toks, " ")) {
		ws, ps = toks, actionPats
	}
	var out []int
	for i, p := range ps {
		if k, _ := p.match(ws); k >= 0 {
			out = append(out, i)
		}
	}
	return out
}

// actionScore compares the actions of a title with those of a question:
// +1 when they share one, −1 when both name actions and none is shared,
// 0 when either names none.
func actionScore(title, question []int) float64 {
	if len(title) == 0 || len(question) == 0 {
		return 0
	}
	for _, a := range title {
		if slices.Contains(question, a) {
			return 1
		}
	}
	return -1
}

// domesticScope is what limits a title to procedures done at home, and
// abroadCues what places the citizen abroad (folded; the catalogue's titles
// for procedures abroad say "ở nước ngoài" or "cơ quan đại diện").
var (
	domesticScope = pats("trong nước")
	abroadCues    = pats("đại sứ quán", "lãnh sự quán", "tổng lãnh sự", "cơ quan đại diện", "đang ở nước ngoài", "sống ở nước ngoài",
		"định cư ở nước ngoài")
)
