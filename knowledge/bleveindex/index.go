package bleveindex

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/analysis/analyzer/custom"
	"github.com/blevesearch/bleve/v2/analysis/analyzer/keyword"
	"github.com/blevesearch/bleve/v2/analysis/tokenizer/whitespace"
	"github.com/blevesearch/bleve/v2/index/scorch"
	"github.com/blevesearch/bleve/v2/mapping"
	"github.com/blevesearch/bleve/v2/search/query"
	index "github.com/blevesearch/bleve_index_api"

	"botdvc/knowledge"
	"botdvc/knowledge/vntext"
)

// mappingVersion names the mapping and the analysis behind the stored
// tokens. Bump it whenever the mapping below or the output of vntext's
// Normalize, Fold, Tokens, Bigrams or AnalyzeGuide changes: Open then
// discards an on-disk index written with another version.
const mappingVersion = "guides-v4"

// Internal keys (bleve's internal storage, not documents).
var (
	keyMappingVersion = []byte("botdvc.mapping_version")
	keyFingerprint    = []byte("botdvc.corpus_fingerprint")
)

// Query-time boosts. Title and aliases weigh well above the body; bigram
// fields reward multi-syllable words ("khai sinh") over pages that merely
// contain both syllables; accented fields reward exact tones when the
// citizen typed them (title and aliases only: the body has no accented
// field, to keep the index small); fuzzy clauses weigh less than exact ones.
const (
	boostTitleF        = 3.0
	boostAliasesF      = 2.5
	boostBodyF         = 1.0
	boostTitleBi       = 4.0
	boostAliasesBi     = 3.5
	boostBodyBi        = 1.5
	boostTitleAcc      = 1.5
	boostAliasesAcc    = 1.2
	boostCode          = 20.0
	fuzzyScale         = 0.4 // multiplies the folded boosts for the fuzzy pass
	expandScale        = 0.6 // multiplies the boosts of terms only synonym rewriting produced
	minFuzzyLen        = 4   // in a weak result, shorter folded syllables get no fuzzy clause
	minFuzzyLenUnknown = 3   // the same for syllables the index does not know at all
	maxTerms           = 16  // words, bigrams and accented words searched per question
)

// DefaultLimit is the number of hits when Query.Limit is 0; MaxLimit caps it.
const (
	DefaultLimit = 10
	MaxLimit     = 100
	// batchSize is the number of guides indexed per bleve batch. Each
	// batch becomes an in-memory segment with its analysis, so it sets
	// the memory peak of a full build: the catalogue plus the curated
	// guides (2,620) peaked at 1.1 GB resident with 2,000, 405 MB with
	// 500, 275 MB with 250 and 188 MB with 100, at 13, 12, 14.5 and 19 s
	// of CPU (a build alone, load average ≈ 24; botd's whole first start:
	// 1.2 GB with 2,000, 322 MB with 300; doc/operations.md, "Sizing").
	// The segments are merged in the background on disk, not in memory;
	// with 250 a near-tie of the golden catalogue test flips, so 300.
	batchSize = 300
)

// Index is a bleve index of guides. It implements knowledge.Index and is
// safe for concurrent use.
type Index struct {
	idx  bleve.Index
	dir  string
	dict atomic.Pointer[vntext.Dict]
	// dfs caches document frequencies ("field\x00term" → uint64) between
	// writes: every search plans with them (plan), a long question with
	// dozens of dictionary lookups. A write replaces the map after the
	// batch is applied; plan loads the map before it opens its reader, so a
	// frequency is never cached in a map newer than the data it was read
	// from.
	dfs atomic.Pointer[sync.Map]
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
				return newIndexValue(idx, dir), nil
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
	return newIndexValue(idx, dir), nil
}

func newIndexValue(idx bleve.Index, dir string) *Index {
	x := &Index{idx: idx, dir: dir}
	x.dfs.Store(new(sync.Map))
	x.dict.Store(vntext.DefaultDict())
	return x
}

// SetDict makes Search expand questions with d (for instance the default
// rules merged with editors' additions by vntext.Dict.With) from now on.
// Guides keep the expansion of the default dictionary they were indexed
// with; since questions are searched both literally and expanded, that is
// enough for new abbreviations. It never fails; the error is there so that
// both backends share one signature (meiliindex sends the synonyms).
func (x *Index) SetDict(_ context.Context, d *vntext.Dict) error {
	x.dict.Store(d)
	return nil
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
	for _, name := range []string{fTitle, fTitleF, fTitleBi, fAliases, fAliasesF, fAliasesBi, fBodyF, fBodyBi} {
		f := text()
		// The folded title and alias fields are small: store them so Search
		// can tell which of them matched without a second, explained search.
		f.Store = name == fTitleF || name == fTitleBi || name == fAliasesF || name == fAliasesBi
		dm.AddFieldMappingsAt(name, f)
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

// Upsert adds or replaces guides by ID, in batches of batchSize. The
// Vietnamese analysis of a batch runs on all cores before bleve indexes it.
func (x *Index) Upsert(ctx context.Context, guides ...knowledge.Guide) error {
	for i, g := range guides {
		if g.ID == "" {
			return fmt.Errorf("bleveindex.Upsert: guide %d has no id", i)
		}
	}
	workers := max(1, runtime.GOMAXPROCS(0))
	docs := make([]map[string]any, batchSize)
	for start := 0; start < len(guides); start += batchSize {
		chunk := guides[start:min(start+batchSize, len(guides))]
		var wg sync.WaitGroup
		for w := 0; w < workers; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := w; i < len(chunk); i += workers {
					docs[i] = guideDoc(vntext.AnalyzeGuide(chunk[i]))
				}
			}()
		}
		wg.Wait()
		b := x.idx.NewBatch()
		for i, g := range chunk {
			if err := b.Index(g.ID, docs[i]); err != nil {
				return fmt.Errorf("bleveindex.Upsert %s: %v", g.ID, err)
			}
		}
		if err := x.flush(ctx, b); err != nil {
			return err
		}
	}
	return nil
}

func (x *Index) flush(ctx context.Context, b *bleve.Batch) error {
	if b.Size() == 0 {
		return nil
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("bleveindex: %w", err)
	}
	if err := x.idx.Batch(b); err != nil {
		x.dfs.Store(new(sync.Map)) // part of the batch may have been applied
		return fmt.Errorf("bleveindex: batch: %v", err)
	}
	x.dfs.Store(new(sync.Map))
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
// the index's dictionary (vntext.Dict.AnalyzeQuery, capped by capTerms);
// the query is a disjunction of per-field clauses (folded words, folded
// bigrams, accented words when the citizen typed accents, national codes)
// with the boosts above, terms that only synonym rewriting produced weighing
// expandScale of them, and common words pruned (see queryPlan). Words no
// guide contains but whose Telex reading does ("dangw kys" → "dang ky",
// vntext.TelexFold) are replaced by it; other words no guide contains
// (likely typos) get fuzzy clauses (edit distance 1, first letter fixed) on
// the folded title and aliases in the same pass; otherwise, when the result
// is weak (no hit, or the best hit matched only through the body), a second
// pass adds fuzzy clauses for every word of four letters or more. Fuzzy
// matching stays out of the body: its dictionary is large, and matching
// there is slow and noisy.
//
// Hit.Fields names the field groups that matched (see matchedFields):
// "title", "aliases", "title_phrase", "aliases_phrase", "code", or "body";
// hits of a fuzzy pass also carry "fuzzy" (they may have matched only
// through a word at edit distance 1).
func (x *Index) Search(ctx context.Context, q knowledge.Query) ([]knowledge.Hit, error) {
	limit := q.Limit
	if limit <= 0 {
		limit = DefaultLimit
	}
	limit = min(limit, MaxLimit)
	t := x.dict.Load().AnalyzeQuery(q.Text)
	if t.Empty() {
		return nil, nil
	}
	t = capTerms(t)
	p, err := x.plan(t)
	if err != nil {
		return nil, fmt.Errorf("bleveindex.Search: %w", err)
	}
	if len(p.repairs) > 0 {
		// Telex leftovers ("dangw kys"): search the repaired question.
		toks := vntext.FoldTokens(vntext.Tokens(q.Text))
		for i, w := range toks {
			if r, ok := p.repairs[w]; ok {
				toks[i] = r
			}
		}
		codes := t.Codes
		t = capTerms(x.dict.Load().AnalyzeQuery(strings.Join(toks, " ")))
		t.Codes = codes
		if p, err = x.plan(t); err != nil {
			return nil, fmt.Errorf("bleveindex.Search: %w", err)
		}
	}
	clauses := baseClauses(t, p)
	// Words no guide contains are likely typos: go fuzzy at once.
	fz := fuzzyClauses(p.unknown, minFuzzyLenUnknown)
	clauses = append(clauses, fz...)
	hits, err := x.run(ctx, bleve.NewDisjunctionQuery(clauses...), t, limit)
	if err != nil {
		return nil, fmt.Errorf("bleveindex.Search: %w", err)
	}
	fuzzy := len(fz) > 0
	if !fuzzy && weak(hits) {
		if fz := fuzzyClauses(t.Folded, minFuzzyLen); len(fz) > 0 {
			hits, err = x.run(ctx, bleve.NewDisjunctionQuery(append(clauses, fz...)...), t, limit)
			if err != nil {
				return nil, fmt.Errorf("bleveindex.Search: fuzzy: %w", err)
			}
			fuzzy = true
		}
	}
	if fuzzy {
		for i := range hits {
			hits[i].Fields = append(hits[i].Fields, "fuzzy")
		}
	}
	return hits, nil
}

// queryPlan is what the index dictionaries say about a question's words.
type queryPlan struct {
	unknown    []string          // folded words in no title, alias or body: likely typos
	commonBody map[string]bool   // words and bigrams in more than commonShare of the bodies
	commonHead map[string]bool   // words in more than commonShare of the titles
	repairs    map[string]string // unknown word → known word it is a Telex leftover of ("dangw" → "dang")
}

// Body terms in more than this share of the guides are left out of the
// body clauses, and title words in more than this share of the titles out
// of the single-word title, alias and accented clauses (bigram clauses keep
// them, and a clause never ends up empty), once the index holds at least
// commonMinDocs guides: with BM25 their weight is small (idf ≈ 1.6
// at 20 %, ≈ 8 for a rare word in 3,000), but their posting lists are the
// longest, and iterating them was most of the query cost at catalogue
// scale (doc/search.md).
const (
	commonShare   = 0.2
	commonMinDocs = 200
)

// plan looks the question's words up in the index dictionaries.
func (x *Index) plan(t vntext.QueryTerms) (queryPlan, error) {
	var p queryPlan
	dfs := x.dfs.Load()
	r, err := x.idx.Advanced()
	if err != nil {
		return p, fmt.Errorf("advanced: %v", err)
	}
	rd, err := r.Reader()
	if err != nil {
		return p, fmt.Errorf("reader: %v", err)
	}
	defer rd.Close()
	n, err := rd.DocCount()
	if err != nil {
		return p, fmt.Errorf("doc count: %v", err)
	}
	if n >= commonMinDocs {
		p.commonBody = map[string]bool{}
		p.commonHead = map[string]bool{}
		limit := uint64(float64(n) * commonShare)
		for _, w := range t.Folded {
			df, err := cachedDocFreq(dfs, rd, fTitleF, w)
			if err != nil {
				return p, err
			}
			if df > limit {
				p.commonHead[w] = true
			}
		}
		for _, fw := range []struct {
			field string
			terms []string
		}{{fBodyF, t.Folded}, {fBodyBi, t.Bigrams}} {
			for _, w := range fw.terms {
				df, err := cachedDocFreq(dfs, rd, fw.field, w)
				if err != nil {
					return p, err
				}
				if df > limit {
					p.commonBody[w] = true
				}
			}
		}
	}
	rc, ok := rd.(index.IndexReaderContains)
	if !ok {
		return p, nil // no dictionary lookup: no typo detection
	}
	var dicts []index.FieldDictContains
	for _, f := range []string{fTitleF, fAliasesF, fBodyF} {
		d, err := rc.FieldDictContains(f)
		if err != nil {
			return p, fmt.Errorf("dictionary %s: %v", f, err)
		}
		dicts = append(dicts, d)
	}
	known := func(w string) (bool, error) {
		for _, d := range dicts {
			ok, err := d.Contains([]byte(w))
			if err != nil {
				return false, fmt.Errorf("dictionary: %v", err)
			}
			if ok {
				return true, nil
			}
		}
		return false, nil
	}
	for _, w := range t.Folded {
		if p.commonBody[w] {
			continue
		}
		ok, err := known(w)
		if err != nil {
			return p, err
		}
		if ok {
			continue
		}
		if r := vntext.TelexFold(w); r != w {
			if ok, err := known(r); err != nil {
				return p, err
			} else if ok {
				if p.repairs == nil {
					p.repairs = map[string]string{}
				}
				p.repairs[w] = r
				continue
			}
		}
		p.unknown = append(p.unknown, w)
	}
	return p, nil
}

// docFreq returns how many guides hold term in field.
// cachedDocFreq is docFreq through the cache of the index's current data.
func cachedDocFreq(dfs *sync.Map, rd index.IndexReader, field, term string) (uint64, error) {
	key := field + "\x00" + term
	if v, ok := dfs.Load(key); ok {
		return v.(uint64), nil
	}
	df, err := docFreq(rd, field, term)
	if err == nil {
		dfs.Store(key, df)
	}
	return df, err
}

func docFreq(rd index.IndexReader, field, term string) (uint64, error) {
	d, err := rd.FieldDictRange(field, []byte(term), []byte(term))
	if err != nil {
		return 0, fmt.Errorf("dictionary %s: %v", field, err)
	}
	defer d.Close()
	e, err := d.Next()
	if err != nil {
		return 0, fmt.Errorf("dictionary %s: %v", field, err)
	}
	if e == nil || e.Term != term {
		return 0, nil
	}
	return e.Count, nil
}

// capTerms keeps the first maxTerms words, bigrams and accented words: a
// question of 40 words (a pasted procedure name) would cost 40 term
// searchers per field, and its first words identify it as well.
func capTerms(t vntext.QueryTerms) vntext.QueryTerms {
	t.Folded = t.Folded[:min(len(t.Folded), maxTerms)]
	t.Bigrams = t.Bigrams[:min(len(t.Bigrams), maxTerms)]
	t.Exact = t.Exact[:min(len(t.Exact), maxTerms)]
	return t
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

func baseClauses(t vntext.QueryTerms, p queryPlan) []query.Query {
	var cs []query.Query
	expanded := make(map[string]bool, len(t.ExpandedOnly))
	for _, w := range t.ExpandedOnly {
		expanded[w] = true
	}
	// add appends, per field, one disjunction of term queries: the
	// citizen's own terms at the field's boost, the terms only the rewriting
	// gave at expandScale of it. One disjunction per field keeps bleve's
	// coordination factor (matched terms / all terms) over both kinds.
	add := func(terms []string, skip map[string]bool, keepAll bool, fields []string, boosts []float64) {
		var kept []string
		for _, w := range terms {
			if !skip[vntext.Fold(w)] {
				kept = append(kept, w)
			}
		}
		if len(kept) == 0 {
			if !keepAll {
				return
			}
			kept = terms
		}
		for i, f := range fields {
			ts := make([]query.Query, len(kept))
			for j, w := range kept {
				tq := bleve.NewTermQuery(w)
				tq.SetField(f)
				b := boosts[i]
				if expanded[vntext.Fold(w)] {
					b *= expandScale
				}
				tq.SetBoost(b)
				ts[j] = tq
			}
			cs = append(cs, bleve.NewDisjunctionQuery(ts...))
		}
	}
	add(t.Folded, p.commonHead, true, []string{fTitleF, fAliasesF}, []float64{boostTitleF, boostAliasesF})
	add(t.Folded, p.commonBody, false, []string{fBodyF}, []float64{boostBodyF})
	add(t.Bigrams, nil, true, []string{fTitleBi, fAliasesBi}, []float64{boostTitleBi, boostAliasesBi})
	add(t.Bigrams, p.commonBody, false, []string{fBodyBi}, []float64{boostBodyBi})
	add(t.Exact, p.commonHead, true, []string{fTitle, fAliases}, []float64{boostTitleAcc, boostAliasesAcc})
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
		if len(w) < minLen || strings.ContainsAny(w, "0123456789") {
			continue // short syllables and numbers: too many neighbours
		}
		for _, fb := range []struct {
			field string
			boost float64
		}{{fTitleF, boostTitleF}, {fAliasesF, boostAliasesF}} {
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

// run executes q and fills Hit.Fields from the stored folded title and
// alias fields (see matchedFields).
func (x *Index) run(ctx context.Context, q query.Query, t vntext.QueryTerms, limit int) ([]knowledge.Hit, error) {
	req := bleve.NewSearchRequestOptions(q, limit, 0, false)
	req.Fields = []string{fTitleRaw, fCodeRaw, fTitleF, fTitleBi, fAliasesF, fAliasesBi}
	res, err := x.idx.SearchInContext(ctx, req)
	if err != nil {
		if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
			return nil, err
		}
		return nil, fmt.Errorf("%v", err)
	}
	if len(res.Hits) == 0 {
		return nil, nil
	}
	hits := make([]knowledge.Hit, len(res.Hits))
	for i, h := range res.Hits {
		hits[i] = knowledge.Hit{GuideID: h.ID, Score: h.Score, Title: str(h.Fields[fTitleRaw]), Code: str(h.Fields[fCodeRaw]),
			Fields: matchedFields(h.Fields, t)}
	}
	return hits, nil
}

func str(v any) string {
	s, _ := v.(string)
	return s
}

// strs returns a stored field's values: bleve gives a string for one value
// and []any for several.
func strs(v any) []string {
	switch x := v.(type) {
	case string:
		return []string{x}
	case []any:
		out := make([]string, 0, len(x))
		for _, e := range x {
			if s, ok := e.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}

// anyToken reports whether one of the space-separated tokens of the stored
// values is in terms.
func anyToken(values []string, terms map[string]bool) bool {
	for _, v := range values {
		for _, tok := range strings.Fields(v) {
			if terms[tok] {
				return true
			}
		}
	}
	return false
}

// matchedFields names the field groups a hit matched: "title", "aliases"
// (a folded query word is among their words), "title_phrase",
// "aliases_phrase" (a query bigram is), "code" (a national code in the
// question is the guide's). When none of these matched, the hit matched
// through its body and the result is ["body"]; whether the body also
// matched alongside the title is not computed (it would need a second,
// explained search: measured at a third of the query cost).
func matchedFields(stored map[string]any, t vntext.QueryTerms) []string {
	words := make(map[string]bool, len(t.Folded))
	for _, w := range t.Folded {
		words[w] = true
	}
	bigrams := make(map[string]bool, len(t.Bigrams))
	for _, b := range t.Bigrams {
		bigrams[b] = true
	}
	var out []string
	if anyToken(strs(stored[fTitleF]), words) {
		out = append(out, "title")
	}
	if anyToken(strs(stored[fTitleBi]), bigrams) {
		out = append(out, "title_phrase")
	}
	if anyToken(strs(stored[fAliasesF]), words) {
		out = append(out, "aliases")
	}
	if anyToken(strs(stored[fAliasesBi]), bigrams) {
		out = append(out, "aliases_phrase")
	}
	code := str(stored[fCodeRaw])
	for _, c := range t.Codes {
		if c == code && c != "" {
			out = append(out, "code")
			break
		}
	}
	if len(out) == 0 {
		out = []string{"body"}
	}
	return out
}
