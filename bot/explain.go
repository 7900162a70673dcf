package bot

import (
	"context"

	"botdvc/knowledge"
)

// Explanation is how the engine sees one question on its own (a fresh
// conversation): whether it reaches the ranking, and the ranked candidates
// with the features the model scored. `botctl fit` fits the model on it;
// `botctl ask --explain` prints it.
type Explanation struct {
	// Ranked is false when the question is decided before any ranking: a
	// greeting, thanks, a request for a person, a complaint, a dossier code,
	// or no subject at all.
	Ranked     bool
	Candidates []Explained
}

// Explained is one ranked candidate.
type Explained struct {
	GuideID  string
	Code     string // the code an answer with this candidate names (the case asked)
	Curated  bool
	Altered  bool
	Family   string    // the procedure whatever its level: candidates of one family count as one
	Features []float64 // in FeatureNames order
	Prob     float64   // the model's probability
}

// Explain ranks text as Answer would in a fresh conversation, without
// answering or touching any session.
func (e *Engine) Explain(ctx context.Context, text string) (Explanation, error) {
	typed, q := e.read(text)
	ex := Explanation{Ranked: q.intent == intentQuestion && q.dossier == "" && len(q.subject) > 0}
	cs, err := e.ranked(ctx, typed, q)
	if err != nil {
		return ex, err
	}
	for _, c := range cs {
		code, _ := e.codeFor(c.guide, q) // the code an answer with it names
		ex.Candidates = append(ex.Candidates, Explained{
			GuideID:  c.guide.ID,
			Code:     code,
			Curated:  c.guide.Source != knowledge.SourceCatalog,
			Altered:  c.altered,
			Family:   c.family,
			Features: c.features,
			Prob:     c.prob,
		})
	}
	return ex, nil
}
