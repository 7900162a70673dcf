package bot

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"math"
	"slices"
)

// Model holds the fitted numbers of the engine: how the features of a
// candidate (features.go) combine into the probability that it is the
// procedure asked about, how that probability becomes a calibrated
// confidence, and who is offered when asking back; the reply is then the
// one with the highest expected score (Decide), a wrong procedure costing
// WrongCost, the one number set by policy. None of the others is typed by
// hand: `botctl fit` fits them on labelled
// question sets with cross-validation and writes bot/model.json, which the
// engine embeds (see doc/engine.md, "Fitted decisions").
type Model struct {
	// Features names the inputs of Rank, in order; it must equal
	// FeatureNames, so a model fitted for other features is refused.
	Features []string `json:"features"`
	// Rank holds one weight per feature and then the intercept of a
	// conditional logit: the candidates of a question compete with each
	// other and with "none of these" (ChoiceProbs).
	Rank []float64 `json:"rank"`
	// Confidence maps (logit p1, p1 − p2, length, name, query, rival name)
	// of the best candidate, its best rival and the question
	// (DecisionInputs) to
	// P(answering the best candidate is right): weights, then the
	// intercept (Platt scaling fitted on out-of-fold rank scores).
	Confidence []float64 `json:"confidence"`
	// Top3 maps (logit(p1 + p2 + p3), length) to P(the procedure asked is
	// among the three best): weights, then the intercept.
	Top3 []float64 `json:"top3"`
	// OffCorpus maps (logit P(none of these), length, name, query) to
	// P(the question is about nothing the corpus answers): weights, then
	// the intercept.
	OffCorpus []float64 `json:"off_corpus"`
	// WrongCost is what answering a wrong procedure costs, in right
	// answers (a right answer is worth 1, asking back with the right one
	// among the three best 0.5, falling back on an off-corpus question 1:
	// the rules of ../shared/eval/score.py). It is the service's policy,
	// not fitted: a wrong procedure told with confidence is worse than
	// "I don't know".
	WrongCost float64 `json:"wrong_cost"`
	// OptionShare: a clarify offers the best candidates whose probability
	// is at least this share of the best one's.
	OptionShare float64 `json:"option_share"`
	// Fitted says how the model was made (command, data, date, figures).
	Fitted map[string]string `json:"fitted,omitempty"`
}

//go:embed model.json
var modelJSON []byte

// DefaultModel returns the model fitted for this version of the engine
// (bot/model.json). It panics if the embedded file is broken, which a test
// catches.
func DefaultModel() *Model {
	m, err := ParseModel(modelJSON)
	if err != nil {
		panic("bot: embedded model.json: " + err.Error())
	}
	return m
}

// ParseModel reads a model written by `botctl fit` and checks that it fits
// this engine's features.
func ParseModel(b []byte) (*Model, error) {
	var m Model
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("bot: model: %w", err)
	}
	return &m, m.Check()
}

// Check reports whether m can drive this engine.
func (m *Model) Check() error {
	switch {
	case !slices.Equal(m.Features, FeatureNames):
		return fmt.Errorf("bot: model fitted for features %v, engine has %v: run botctl fit", m.Features, FeatureNames)
	case len(m.Rank) != len(FeatureNames)+1:
		return fmt.Errorf("bot: model has %d rank weights, want %d", len(m.Rank), len(FeatureNames)+1)
	case len(m.Confidence) != 7:
		return fmt.Errorf("bot: model has %d confidence weights, want 7", len(m.Confidence))
	case len(m.Top3) != 3:
		return fmt.Errorf("bot: model has %d top-3 weights, want 3", len(m.Top3))
	case len(m.OffCorpus) != 5:
		return fmt.Errorf("bot: model has %d off-corpus weights, want 5", len(m.OffCorpus))
	case m.WrongCost <= 0:
		return fmt.Errorf("bot: model wrong_cost %v must be positive", m.WrongCost)
	case m.OptionShare <= 0 || m.OptionShare > 1:
		return fmt.Errorf("bot: model option_share %v out of (0, 1]", m.OptionShare)
	}
	return nil
}

// Dot is w·x plus w's last element, the intercept (len(w) = len(x) + 1).
func Dot(w, x []float64) float64 {
	s := w[len(w)-1]
	for i, v := range x {
		s += w[i] * v
	}
	return s
}

// Sigmoid is the logistic function.
func Sigmoid(x float64) float64 { return 1 / (1 + math.Exp(-x)) }

// Logit is the inverse of Sigmoid, clamped so that 0 and 1 stay finite.
func Logit(p float64) float64 {
	p = math.Min(math.Max(p, 1e-6), 1-1e-6)
	return math.Log(p / (1 - p))
}

// Ranked is what the decision reads of a ranked question.
type Ranked struct {
	Probs   []float64 // the candidates' (families') probabilities, best first
	Altered []bool    // the question alters that candidate's name
	None    float64   // P(none of these)
	// Length and the best candidate's name and query features: a long
	// story ranks with lower probabilities than a short question that is
	// as often right, and a question that holds the best guide's whole
	// name is more often right than its probability alone says.
	Length, Name, Query float64
	// RivalName is the name feature of the best candidate of another
	// family: a question that two procedures' names hold alike ("căn
	// cước" for the first card, its renewal and its reissue) does not tell
	// them apart, however well it is covered.
	RivalName float64
}

// RankedOf is what the decision reads of candidates sorted best first, as
// the engine ranks them and as botctl fit replays them: their
// probabilities, families, whether the question alters each, their
// feature vectors (FeatureNames order) and P(none of these). Levels of one
// procedure count as one family (GroupFamilies); it also returns each
// family's best member, an index into the candidates.
func RankedOf(probs []float64, family []string, altered []bool, features [][]float64, none float64) (Ranked, []int) {
	r := Ranked{None: none}
	var reps []int
	r.Probs, reps = GroupFamilies(probs, family)
	for _, k := range reps {
		r.Altered = append(r.Altered, altered[k])
	}
	if len(reps) > 0 {
		f := features[reps[0]]
		r.Length, r.Name, r.Query = f[featureLength], f[featureName], f[featureQuery]
	}
	if len(reps) > 1 {
		r.RivalName = features[reps[1]][featureName]
	}
	return r, reps
}

// DecisionInputs are the inputs of the confidence, top-3 and off-corpus
// models (probabilities of the best three, 0 where there are fewer).
func DecisionInputs(r Ranked) (conf, top3, off []float64) {
	var p [3]float64
	copy(p[:], r.Probs)
	return []float64{Logit(p[0]), p[0] - p[1], r.Length, r.Name, r.Query, r.RivalName},
		[]float64{Logit(p[0] + p[1] + p[2]), r.Length},
		[]float64{Logit(r.None), r.Length, r.Name, r.Query}
}

// Decision is what the model makes of ranked candidates.
type Decision struct {
	Verdict    Verdict
	Confidence float64 // calibrated P(the best candidate is right)
	Top3       float64 // P(the right one is among the best three)
	Options    []int   // the candidates to offer when asking back (indexes)
}

// Verdict is what the ranking supports.
type Verdict int

// The verdicts.
const (
	VerdictAnswer Verdict = iota
	VerdictClarify
	VerdictFallback
)

// String names the verdict as the AskResult action does.
func (v Verdict) String() string {
	return [...]string{"answer", "clarify", "fallback"}[v]
}

// Decide turns the candidates' probabilities (sorted, best first) into the
// reply with the highest expected score: answering is worth confidence −
// WrongCost · (1 − confidence); asking back ½ · P(the right one is among
// the best three), when at least two candidates are close enough to the
// best to be offered (probability ≥ OptionShare · the best's; at most
// maxOptions); falling back P(off corpus). A candidate whose name the
// question alters (Altered[i]: "đăng ký tạm vắng" holds "đăng ký tạm trú"
// with a word swapped) names another procedure: it is never answered nor
// offered.
func (m *Model) Decide(r Ranked, maxOptions int) Decision {
	probs, altered := r.Probs, r.Altered
	if len(probs) == 0 {
		return Decision{Verdict: VerdictFallback}
	}
	ci, ti, oi := DecisionInputs(r)
	d := Decision{Confidence: Sigmoid(Dot(m.Confidence, ci)), Top3: Sigmoid(Dot(m.Top3, ti))}
	off := Sigmoid(Dot(m.OffCorpus, oi))
	answer := math.Inf(-1)
	if !altered[0] {
		answer = d.Confidence - m.WrongCost*(1-d.Confidence)
	}
	var opts []int
	for i, p := range probs {
		if len(opts) == maxOptions || p < m.OptionShare*probs[0] {
			break
		}
		if !altered[i] {
			opts = append(opts, i)
		}
	}
	clarify := math.Inf(-1)
	if len(opts) >= 1 {
		clarify = 0.5 * d.Top3
	}
	switch {
	case answer >= clarify && answer >= off:
		d.Verdict = VerdictAnswer
	case clarify >= off:
		d.Verdict, d.Options = VerdictClarify, opts
	default:
		d.Verdict = VerdictFallback
	}
	return d
}

// ChoiceProbs scores candidates with rank weights w (features then
// intercept) as alternatives of one choice with a "none of these" option:
// P(i) = exp(w·x_i) / (1 + Σ_j exp(w·x_j)). It returns the candidates'
// probabilities and P(none).
func ChoiceProbs(w []float64, xs [][]float64) ([]float64, float64) {
	ls := make([]float64, len(xs))
	top := 0.0 // the none option's logit
	for i, x := range xs {
		ls[i] = Dot(w, x)
		top = math.Max(top, ls[i])
	}
	den := math.Exp(-top)
	for i := range ls {
		ls[i] = math.Exp(ls[i] - top)
		den += ls[i]
	}
	for i := range ls {
		ls[i] /= den
	}
	return ls, math.Exp(-top) / den
}

// GroupFamilies merges candidates that are one procedure at several levels
// ("Khôi phục giá trị sử dụng hộ chiếu phổ thông (thực hiện tại cấp tỉnh)"
// and "… (thực hiện tại cấp trung ương)"): they should not split the
// probability of the procedure asked between them. probs are sorted, best
// first; family[i] names candidate i's family. It returns each family's
// summed probability, sorted, best first, and the index of its best member.
// (Levels of one procedure share its name, so they share altered too.)
func GroupFamilies(probs []float64, family []string) ([]float64, []int) {
	slot := map[string]int{}
	var sums []float64
	var reps []int
	for i, p := range probs {
		if k, ok := slot[family[i]]; ok {
			sums[k] += p
			continue
		}
		slot[family[i]] = len(sums)
		sums = append(sums, p)
		reps = append(reps, i)
	}
	order := make([]int, len(sums))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int {
		switch {
		case sums[a] > sums[b]:
			return -1
		case sums[a] < sums[b]:
			return 1
		}
		return 0
	})
	ps, rs := make([]float64, len(order)), make([]int, len(order))
	for i, k := range order {
		ps[i], rs[i] = sums[k], reps[k]
	}
	return ps, rs
}
