package bleveindex

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/analysis/analyzer/custom"
	"github.com/blevesearch/bleve/v2/analysis/analyzer/keyword"
	"github.com/blevesearch/bleve/v2/analysis/tokenizer/whitespace"
	"github.com/blevesearch/bleve/v2/index/scorch"
	"github.com/blevesearch/bleve/v2/mapping"
	"github.com/blevesearch/bleve/v2/search"
	"github.com/blevesearch/bleve/v2/search/query"
	index "github.com/blevesearch/bleve_index_api"

	"botdvc/knowledge"
	"botdvc/knowledge/vntext"
)

// mappingVersion names the mapping and the analysis behind the stored
// tokens. Bump it whenever the mapping below or the output of vntext's
// Normalize, Fold, Tokens, Bigrams or AnalyzeGuide changes: Open then
// discards an on-disk index written with another version.
const mappingVersion = "guides-v1"

// Internal keys (bleve's internal storage, not documents).
var (
	keyMappingVersion = []byte("botdvc.mapping_version")
	keyFingerprint    = []byte("botdvc.corpus_fingerprint")
)

// Query-time boosts. Title and aliases weigh well above the body; bigram
// fields reward multi-syllable words ("khai sinh") over pages that merely
// contain both syllables; accented fields reward exact tones when the
// citizen typed them; fuzzy clauses weigh less than exact ones.
const (
	boostTitleF        = 3.0
	boostAliasesF      = 2.5
	boostBodyF         = 1.0
	boostTitleBi       = 4.0
	boostAliasesBi     = 3.5
	boostBodyBi        = 1.5
	boostTitleAcc      = 1.5
	boostAliasesAcc    = 1.2
	boostBodyAcc       = 0.5
	boostCode          = 20.0
	fuzzyScale         = 0.4 // multiplies the folded boosts for the fuzzy pass
	minFuzzyLen        = 4   // in a weak result, shorter folded syllables get no fuzzy clause
	minFuzzyLenUnknown = 3   // the same for syllables the index does not know at all
)

// DefaultLimit is the number of hits when Query.Limit is 0; MaxLimit caps it.
const (
	DefaultLimit = 10
	MaxLimit     = 100
	batchSize    = 500
)

// Index is a bleve index of guides. It implements knowledge.Index and is
// safe for concurrent use.
type Index struct {
	idx bleve.Index
	dir string
}

var _ knowledge.Index = (*Index)(nil)

// Open opens the index in dir, creating it when missing. dir "" gives an
// in-memory scorch index (BM25 needs scorch; bleve.NewMemOnly would
// silently fall back to TF-IDF). An on-disk index written with another
// mappingVersion, or that cannot be opened, is deleted and recreated empty;
// a non-empty dir that holds no bleve index is refused with ErrNotIndex.
func Open(dir string) (*Index, error) {
	m, err := newMapping()
	if err != nil {
		return nil, fmt.Errorf("bleveindex.Open: mapping: %v", err)
	}
	if dir == "" {
		idx, err := bleve.NewUsing("", m, scorch.Name, scorch.Name, nil)
		if err != nil {
			return nil, fmt.Errorf("bleveindex.Open: in-memory: %v", err)
		}
		return newIndex(idx, "")
	}
	if _, err := os.Stat(filepath.Join(dir, "index_meta.json")); err == nil {
		idx, err := bleve.Open(dir)
		if err == nil {
			v, verr := idx.GetInternal(keyMappingVersion)
			if verr == nil && string(v) == mappingVersion {
				return &Index{idx: idx, dir: dir}, nil
			}
			_ = idx.Close()
		}
		// Stale mapping or unreadable: the index is derived data, rebuild it.
		if err := os.RemoveAll(dir); err != nil {
			return nil, fmt.Errorf("bleveindex.Open: remove stale index: %w", err)
		}
	} else if entries, rerr := os.ReadDir(dir); rerr == nil {
		if len(entries) > 0 {
			return nil, fmt.Errorf("bleveindex.Open %s: %w", dir, ErrNotIndex)
		}
		if err := os.Remove(dir); err != nil {
			return nil, fmt.Errorf("bleveindex.Open: %w", err)
		}
	}
	if err := os.MkdirAll(filepath.Dir(dir), 0o755); err != nil {
		return nil, fmt.Errorf("bleveindex.Open: %w", err)
	}
	idx, err := bleve.NewUsing(dir, m, scorch.Name, scorch.Name, nil)
	if err != nil {
		return nil, fmt.Errorf("bleveindex.Open %s: %v", dir, err)
	}
	return newIndex(idx, dir)
}

func newIndex(idx bleve.Index, dir string) (*Index, error) {
	if err := idx.SetInternal(keyMappingVersion, []byte(mappingVersion)); err != nil {
		_ = idx.Close()
		return nil, fmt.Errorf("bleveindex.Open: %v", err)
	}
	return &Index{idx: idx, dir: dir}, nil
}

// newMapping is the explicit mapping: one "guide" type, the default mapping
// disabled, BM25, every text field split on spaces only (vntext did the
// analysis), no term vectors (no phrase queries: bigram fields replace them).
func newMapping() (*mapping.IndexMappingImpl, error) {
	m := bleve.NewIndexMapping()
	m.ScoringModel = "bm25"
	m.DefaultMapping = bleve.NewDocumentDisabledMapping()
	m.DefaultAnalyzer = "vi_pre"
	if err := m.AddCustomAnalyzer("vi_pre", map[string]any{
		"type":      custom.Name,
		"tokenizer": whitespace.Name,
	}); err != nil {
		return nil, err
	}
	text := func() *mapping.FieldMapping {
		f := bleve.NewTextFieldMapping()
		f.Analyzer = "vi_pre"
		f.Store = false
		f.IncludeTermVectors = false
		f.IncludeInAll = false
		f.DocValues = false
		return f
	}
	dm := bleve.NewDocumentStaticMapping()
	for _, name := range []string{fTitle, fTitleF, fTitleBi, fAliases, fAliasesF, fAliasesBi, fBody, fBodyF, fBodyBi} {
		dm.AddFieldMappingsAt(name, text())
	}
	code := bleve.NewKeywordFieldMapping()
	code.Analyzer = keyword.Name
	code.Store = false
	code.IncludeTermVectors = false
	code.IncludeInAll = false
	code.DocValues = false
	dm.AddFieldMappingsAt(fCode, code)
	for _, name := range []string{fTitleRaw, fCodeRaw} {
		f := bleve.NewTextFieldMapping()
		f.Index = false
		f.Store = true
		f.IncludeTermVectors = false
		f.IncludeInAll = false
		f.DocValues = false
		dm.AddFieldMappingsAt(name, f)
	}
	m.AddDocumentMapping(docTypeName, dm)
	return m, m.Validate()
}

// Close releases the index.
func (x *Index) Close() error {
	if err := x.idx.Close(); err != nil {
		return fmt.Errorf("bleveindex.Close: %v", err)
	}
	return nil
}

// Upsert adds or replaces guides by ID, in batches.
func (x *Index) Upsert(ctx context.Context, guides ...knowledge.Guide) error {
	b := x.idx.NewBatch()
	for i, g := range guides {
		if g.ID == "" {
			return fmt.Errorf("bleveindex.Upsert: guide %d has no id", i)
		}
		if err := b.Index(g.ID, guideDoc(vntext.AnalyzeGuide(g))); err != nil {
			return fmt.Errorf("bleveindex.Upsert %s: %v", g.ID, err)
		}
		if b.Size() >= batchSize {
			if err := x.flush(ctx, b); err != nil {
				return err
			}
		}
	}
	return x.flush(ctx, b)
}

func (x *Index) flush(ctx context.Context, b *bleve.Batch) error {
	if b.Size() == 0 {
		return nil
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("bleveindex: %w", err)
	}
	if err := x.idx.Batch(b); err != nil {
		return fmt.Errorf("bleveindex: batch: %v", err)
	}
	b.Reset()
	return nil
}

// Delete removes guides by ID; unknown IDs are ignored.
func (x *Index) Delete(ctx context.Context, ids ...string) error {
	b := x.idx.NewBatch()
	for _, id := range ids {
		b.Delete(id)
		if b.Size() >= batchSize {
			if err := x.flush(ctx, b); err != nil {
				return err
			}
		}
	}
	return x.flush(ctx, b)
}

// Count returns the number of indexed guides.
func (x *Index) Count(ctx context.Context) (int, error) {
	n, err := x.idx.DocCount()
	if err != nil {
		return 0, fmt.Errorf("bleveindex.Count: %v", err)
	}
	return int(n), nil
}

// Fingerprint returns the corpus fingerprint stored with SetFingerprint, or
// "" for a new (or rebuilt) index.
func (x *Index) Fingerprint() (string, error) {
	v, err := x.idx.GetInternal(keyFingerprint)
	if err != nil {
		return "", fmt.Errorf("bleveindex.Fingerprint: %v", err)
	}
	return string(v), nil
}

// SetFingerprint stores fp, a fingerprint of the indexed corpus such as
// knowledge.Library.Fingerprint, with the index.
func (x *Index) SetFingerprint(fp string) error {
	if err := x.idx.SetInternal(keyFingerprint, []byte(fp)); err != nil {
		return fmt.Errorf("bleveindex.SetFingerprint: %v", err)
	}
	return nil
}

// Sync makes the index hold exactly guides: when the stored fingerprint
// differs from fp (e.g. knowledge.Library.Fingerprint), it deletes guides
// that are gone, upserts all and stores fp. It reports whether it rebuilt
// anything.
func (x *Index) Sync(ctx context.Context, guides []knowledge.Guide, fp string) (bool, error) {
	old, err := x.Fingerprint()
	if err != nil {
		return false, err
	}
	if old == fp {
		return false, nil
	}
	ids, err := x.ids(ctx)
	if err != nil {
		return false, err
	}
	keep := make(map[string]bool, len(guides))
	for _, g := range guides {
		keep[g.ID] = true
	}
	var gone []string
	for _, id := range ids {
		if !keep[id] {
			gone = append(gone, id)
		}
	}
	if err := x.Delete(ctx, gone...); err != nil {
		return false, fmt.Errorf("bleveindex.Sync: %w", err)
	}
	if err := x.Upsert(ctx, guides...); err != nil {
		return false, fmt.Errorf("bleveindex.Sync: %w", err)
	}
	return true, x.SetFingerprint(fp)
}

// ids lists every indexed guide ID.
func (x *Index) ids(ctx context.Context) ([]string, error) {
	n, err := x.Count(ctx)
	if err != nil || n == 0 {
		return nil, err
	}
	req := bleve.NewSearchRequestOptions(bleve.NewMatchAllQuery(), n, 0, false)
	res, err := x.idx.SearchInContext(ctx, req)
	if err != nil {
		return nil, fmt.Errorf("bleveindex: list ids: %v", err)
	}
	ids := make([]string, 0, len(res.Hits))
	for _, h := range res.Hits {
		ids = append(ids, h.ID)
	}
	return ids, nil
}

// Search returns the best guides for q.Text. The question is analysed with
// vntext.AnalyzeQuery; the query is a disjunction of per-field clauses
// (folded words, folded bigrams, accented words when the citizen typed
// accents, national codes) with the boosts above. When the first pass is
// weak (no hit, or the best hit matched only the body) a second pass adds
// fuzzy clauses (edit distance 1, first letter fixed) on the folded fields.
// Hit.Fields names the field groups that matched: "title", "aliases",
// "body", "code"; a bigram match adds "title_phrase", "aliases_phrase" or
// "body_phrase".
func (x *Index) Search(ctx context.Context, q knowledge.Query) ([]knowledge.Hit, error) {
	limit := q.Limit
	if limit <= 0 {
		limit = DefaultLimit
	}
	limit = min(limit, MaxLimit)
	t := vntext.AnalyzeQuery(q.Text)
	if t.Empty() {
		return nil, nil
	}
	clauses := baseClauses(t)
	hits, err := x.run(ctx, bleve.NewDisjunctionQuery(clauses...), limit)
	if err != nil {
		return nil, fmt.Errorf("bleveindex.Search: %w", err)
	}
	unknown, err := x.unknownTerms(t.Folded)
	if err != nil {
		return nil, fmt.Errorf("bleveindex.Search: %w", err)
	}
	var fz []query.Query
	switch {
	case len(unknown) > 0:
		fz = fuzzyClauses(unknown, minFuzzyLenUnknown)
	case weak(hits):
		fz = fuzzyClauses(t.Folded, minFuzzyLen)
	}
	if len(fz) > 0 {
		hits, err = x.run(ctx, bleve.NewDisjunctionQuery(append(clauses, fz...)...), limit)
		if err != nil {
			return nil, fmt.Errorf("bleveindex.Search: fuzzy: %w", err)
		}
	}
	return hits, nil
}

// unknownTerms returns the words that occur in no folded field of the
// index: likely typos ("sihn"), worth a fuzzy clause.
func (x *Index) unknownTerms(words []string) ([]string, error) {
	r, err := x.idx.Advanced()
	if err != nil {
		return nil, fmt.Errorf("advanced: %v", err)
	}
	rd, err := r.Reader()
	if err != nil {
		return nil, fmt.Errorf("reader: %v", err)
	}
	defer rd.Close()
	rc, ok := rd.(index.IndexReaderContains)
	if !ok {
		return nil, nil // no dictionary lookup: skip the typo pass
	}
	var dicts []index.FieldDictContains
	for _, f := range []string{fTitleF, fAliasesF, fBodyF} {
		d, err := rc.FieldDictContains(f)
		if err != nil {
			return nil, fmt.Errorf("dictionary %s: %v", f, err)
		}
		dicts = append(dicts, d)
	}
	var out []string
	for _, w := range words {
		known := false
		for _, d := range dicts {
			ok, err := d.Contains([]byte(w))
			if err != nil {
				return nil, fmt.Errorf("dictionary: %v", err)
			}
			if ok {
				known = true
				break
			}
		}
		if !known {
			out = append(out, w)
		}
	}
	return out, nil
}

// weak reports whether a first-pass result deserves the fuzzy pass.
func weak(hits []knowledge.Hit) bool {
	if len(hits) == 0 {
		return true
	}
	for _, f := range hits[0].Fields {
		if f != "body" && f != "body_phrase" {
			return false
		}
	}
	return true
}

func match(text, field string, boost float64) *query.MatchQuery {
	m := bleve.NewMatchQuery(text)
	m.SetField(field)
	m.SetBoost(boost)
	return m
}

func baseClauses(t vntext.QueryTerms) []query.Query {
	var cs []query.Query
	if len(t.Folded) > 0 {
		f := strings.Join(t.Folded, " ")
		cs = append(cs, match(f, fTitleF, boostTitleF), match(f, fAliasesF, boostAliasesF), match(f, fBodyF, boostBodyF))
	}
	if len(t.Bigrams) > 0 {
		b := strings.Join(t.Bigrams, " ")
		cs = append(cs, match(b, fTitleBi, boostTitleBi), match(b, fAliasesBi, boostAliasesBi), match(b, fBodyBi, boostBodyBi))
	}
	if len(t.Exact) > 0 {
		e := strings.Join(t.Exact, " ")
		cs = append(cs, match(e, fTitle, boostTitleAcc), match(e, fAliases, boostAliasesAcc), match(e, fBody, boostBodyAcc))
	}
	for _, c := range t.Codes {
		tq := bleve.NewTermQuery(c)
		tq.SetField(fCode)
		tq.SetBoost(boostCode)
		cs = append(cs, tq)
	}
	return cs
}

func fuzzyClauses(words []string, minLen int) []query.Query {
	var cs []query.Query
	for _, w := range words {
		if len(w) < minLen {
			continue
		}
		for _, fb := range []struct {
			field string
			boost float64
		}{{fTitleF, boostTitleF}, {fAliasesF, boostAliasesF}, {fBodyF, boostBodyF}} {
			fq := bleve.NewFuzzyQuery(w)
			fq.SetField(fb.field)
			fq.SetFuzziness(1)
			fq.SetPrefix(1)
			fq.SetBoost(fb.boost * fuzzyScale)
			cs = append(cs, fq)
		}
	}
	return cs
}

// run executes q and fills Hit.Fields from an explanation computed for the
// returned hits only (explaining every candidate would cost more).
func (x *Index) run(ctx context.Context, q query.Query, limit int) ([]knowledge.Hit, error) {
	req := bleve.NewSearchRequestOptions(q, limit, 0, false)
	req.Fields = []string{fTitleRaw, fCodeRaw}
	res, err := x.idx.SearchInContext(ctx, req)
	if err != nil {
		return nil, fmt.Errorf("%v", err)
	}
	if len(res.Hits) == 0 {
		return nil, nil
	}
	hits := make([]knowledge.Hit, len(res.Hits))
	ids := make([]string, len(res.Hits))
	pos := make(map[string]int, len(res.Hits))
	for i, h := range res.Hits {
		hits[i] = knowledge.Hit{GuideID: h.ID, Score: h.Score, Title: str(h.Fields[fTitleRaw]), Code: str(h.Fields[fCodeRaw])}
		ids[i] = h.ID
		pos[h.ID] = i
	}
	ereq := bleve.NewSearchRequestOptions(bleve.NewConjunctionQuery(bleve.NewDocIDQuery(ids), q), len(ids), 0, true)
	eres, err := x.idx.SearchInContext(ctx, ereq)
	if err != nil {
		if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
			return nil, err
		}
		return nil, fmt.Errorf("explain: %v", err)
	}
	for _, h := range eres.Hits {
		if i, ok := pos[h.ID]; ok {
			hits[i].Fields = matchedFields(h.Expl)
		}
	}
	return hits, nil
}

func str(v any) string {
	s, _ := v.(string)
	return s
}

var weightField = regexp.MustCompile(`(?:^|\()weight\(([a-z_]+):|fieldWeight\(([a-z_]+):`)

// fieldGroup maps an indexed field to the name reported in Hit.Fields.
var fieldGroup = map[string]string{
	fTitle: "title", fTitleF: "title", fTitleBi: "title_phrase",
	fAliases: "aliases", fAliasesF: "aliases", fAliasesBi: "aliases_phrase",
	fBody: "body", fBodyF: "body", fBodyBi: "body_phrase",
	fCode: "code",
}

// matchedFields walks a bleve explanation and returns the field groups of
// the term scores in it, in a stable order.
func matchedFields(e *search.Explanation) []string {
	seen := map[string]bool{}
	var walk func(e *search.Explanation)
	walk = func(e *search.Explanation) {
		if e == nil {
			return
		}
		if m := weightField.FindStringSubmatch(e.Message); m != nil {
			f := m[1]
			if f == "" {
				f = m[2]
			}
			if g, ok := fieldGroup[f]; ok {
				seen[g] = true
			}
		}
		for _, c := range e.Children {
			walk(c)
		}
	}
	walk(e)
	var out []string
	for _, g := range []string{"title", "title_phrase", "aliases", "aliases_phrase", "body", "body_phrase", "code"} {
		if seen[g] {
			out = append(out, g)
		}
	}
	return out
}
