package meiliindex

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"sync/atomic"
	"time"

	"github.com/meilisearch/meilisearch-go"

	"botdvc/knowledge"
	"botdvc/knowledge/vntext"
)

// Document attributes. Searchable ones hold pre-analysed folded text; the
// order of SearchableAttributes is Meilisearch's attribute ranking.
const (
	attrID       = "id"
	attrCode     = "code"
	attrTitle    = "title" // display only
	attrCodes    = "codes"
	attrTitleF   = "title_f"
	attrTitleBi  = "title_bi"
	attrAliasF   = "aliases_f"
	attrAliasBi  = "aliases_bi"
	attrBodyF    = "body_f"
	attrBodyBi   = "body_bi"
	attrHash     = "hash" // of the document's other fields: Sync re-sends only changed guides
	primaryKey   = attrID
	pollInterval = 20 * time.Millisecond
)

// SearchableAttributes is the ranking order of the searchable attributes:
// bigrams before single syllables, title and aliases before the body.
var SearchableAttributes = []string{attrTitleBi, attrTitleF, attrAliasBi, attrAliasF, attrCodes, attrBodyBi, attrBodyF}

// Default and maximum number of hits.
const (
	DefaultLimit = 10
	MaxLimit     = 100
)

// Index is a Meilisearch index of guides. It implements knowledge.Index and
// is safe for concurrent use.
type Index struct {
	client meilisearch.ServiceManager
	index  meilisearch.IndexManager
	name   string
	dict   atomic.Pointer[vntext.Dict]
}

var _ knowledge.Index = (*Index)(nil)

// document is what Upsert sends for one guide.
type document struct {
	ID        string   `json:"id"`
	Code      string   `json:"code"`
	Title     string   `json:"title"`
	Codes     []string `json:"codes"`
	TitleF    []string `json:"title_f"`
	TitleBi   []string `json:"title_bi"`
	AliasesF  []string `json:"aliases_f"`
	AliasesBi []string `json:"aliases_bi"`
	BodyF     []string `json:"body_f"`
	BodyBi    []string `json:"body_bi"`
	Hash      string   `json:"hash"`
}

// Open connects to Meilisearch at url with the API key (may be empty),
// creates the index if it does not exist (primary key "id"), applies the
// settings (Settings) and waits for both tasks.
func Open(ctx context.Context, url, key, indexName string) (*Index, error) {
	if indexName == "" {
		return nil, errors.New("meiliindex.Open: empty index name")
	}
	var opts []meilisearch.Option
	if key != "" {
		opts = append(opts, meilisearch.WithAPIKey(key))
	}
	x := &Index{client: meilisearch.New(url, opts...), name: indexName}
	x.dict.Store(vntext.DefaultDict())
	x.index = x.client.Index(indexName)
	if _, err := x.client.GetIndex(ctx, indexName); err != nil {
		var me *meilisearch.Error
		if !errors.As(err, &me) || me.StatusCode != http.StatusNotFound {
			return nil, fmt.Errorf("meiliindex.Open: get index %s: %v", indexName, describe(err))
		}
		task, err := x.client.CreateIndex(ctx, &meilisearch.IndexConfig{Uid: indexName, PrimaryKey: primaryKey})
		if err != nil {
			return nil, fmt.Errorf("meiliindex.Open: create index %s: %v", indexName, describe(err))
		}
		if err := x.wait(ctx, task); err != nil {
			return nil, fmt.Errorf("meiliindex.Open: create index %s: %w", indexName, err)
		}
	}
	task, err := x.index.UpdateSettings(ctx, Settings(vntext.DefaultDict()))
	if err != nil {
		return nil, fmt.Errorf("meiliindex.Open: settings: %v", describe(err))
	}
	if err := x.wait(ctx, task); err != nil {
		return nil, fmt.Errorf("meiliindex.Open: settings: %w", err)
	}
	return x, nil
}

// Settings returns the index settings: searchable attributes in ranking
// order, displayed attributes, synonyms from d (folded, since documents are
// folded; Meilisearch lowercases and de-unicodes them anyway), and typo
// tolerance with one typo from 4 letters (the default, 5, would leave most
// Vietnamese syllables without any) and none on codes and numbers.
func Settings(d *vntext.Dict) *meilisearch.Settings {
	syn := map[string][]string{}
	for from, tos := range d.Synonyms() {
		k := vntext.Fold(from)
		for _, t := range tos {
			syn[k] = append(syn[k], vntext.Fold(t))
		}
	}
	return &meilisearch.Settings{
		SearchableAttributes: SearchableAttributes,
		DisplayedAttributes:  []string{attrID, attrCode, attrTitle, attrHash},
		Synonyms:             syn,
		TypoTolerance: &meilisearch.TypoTolerance{
			Enabled:             true,
			MinWordSizeForTypos: meilisearch.MinWordSizeForTypos{OneTypo: 4, TwoTypos: 9},
			DisableOnWords:      []string{},
			DisableOnAttributes: []string{attrCodes},
			DisableOnNumbers:    true,
		},
	}
}

// SetDict makes Search expand questions with d (e.g. the default rules
// merged with editors' additions by vntext.Dict.With) and sends d's
// synonyms to Meilisearch, waiting for the settings task.
func (x *Index) SetDict(ctx context.Context, d *vntext.Dict) error {
	syn := Settings(d).Synonyms
	task, err := x.index.UpdateSynonyms(ctx, &syn)
	if err != nil {
		return fmt.Errorf("meiliindex.SetDict: %v", describe(err))
	}
	if err := x.wait(ctx, task); err != nil {
		return fmt.Errorf("meiliindex.SetDict: %w", err)
	}
	x.dict.Store(d)
	return nil
}

// Close releases idle connections; the index itself lives on the server.
func (x *Index) Close() error {
	x.client.Close()
	return nil
}

// wait blocks until the task finished and returns ErrTaskFailed when it did
// not succeed.
func (x *Index) wait(ctx context.Context, info *meilisearch.TaskInfo) error {
	t, err := x.client.WaitForTask(ctx, info.TaskUID, pollInterval)
	if err != nil {
		return fmt.Errorf("wait for task %d: %v", info.TaskUID, describe(err))
	}
	if t.Status != meilisearch.TaskStatusSucceeded {
		return fmt.Errorf("task %d (%s) %s: %s: %s: %w", info.TaskUID, t.Type, t.Status, t.Error.Code, t.Error.Message, ErrTaskFailed)
	}
	return nil
}

// toDocument analyses g into the document Upsert sends, with the hash of
// its content (what Meilisearch would index), so that Sync can tell an
// unchanged guide from a changed one without sending it.
func toDocument(g knowledge.Guide) document {
	a := vntext.AnalyzeGuide(g)
	d := document{
		ID: g.ID, Code: g.Code, Title: g.Title, Codes: nonNil(a.Codes),
		TitleF: nonNil(a.TitleFold), TitleBi: joinBigrams(a.TitleBi),
		AliasesF: nonNil(a.AliasesFold), AliasesBi: joinBigrams(a.AliasBi),
		BodyF: nonNil(a.BodyFold), BodyBi: joinBigrams(a.BodyBi),
	}
	b, _ := json.Marshal(d)
	sum := sha256.Sum256(b)
	d.Hash = hex.EncodeToString(sum[:12])
	return d
}

// joinBigrams writes bigrams without their separator ("khai_sinh" →
// "khaisinh"): Meilisearch's tokenizer would split on "_".
func joinBigrams(items []string) []string {
	out := make([]string, len(items))
	for i, s := range items {
		out[i] = strings.ReplaceAll(s, vntext.BigramSep, "")
	}
	return out
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// Upsert adds or replaces guides by ID and waits until Meilisearch has
// indexed them.
func (x *Index) Upsert(ctx context.Context, guides ...knowledge.Guide) error {
	if len(guides) == 0 {
		return nil
	}
	docs := make([]document, len(guides))
	for i, g := range guides {
		if g.ID == "" {
			return fmt.Errorf("meiliindex.Upsert: guide %d has no id", i)
		}
		docs[i] = toDocument(g)
	}
	if err := x.send(ctx, docs); err != nil {
		return fmt.Errorf("meiliindex.Upsert: %w", err)
	}
	return nil
}

// send adds or replaces documents in batches of upsertBatch, waiting for
// each task.
func (x *Index) send(ctx context.Context, docs []document) error {
	pk := primaryKey
	for start := 0; start < len(docs); start += upsertBatch {
		task, err := x.index.AddDocuments(ctx, docs[start:min(start+upsertBatch, len(docs))], &meilisearch.DocumentOptions{PrimaryKey: &pk})
		if err != nil {
			return fmt.Errorf("%v", describe(err))
		}
		if err := x.wait(ctx, task); err != nil {
			return err
		}
	}
	return nil
}

// Delete removes guides by ID and waits; unknown IDs are ignored.
func (x *Index) Delete(ctx context.Context, ids ...string) error {
	if len(ids) == 0 {
		return nil
	}
	task, err := x.index.DeleteDocuments(ctx, ids, nil)
	if err != nil {
		return fmt.Errorf("meiliindex.Delete: %v", describe(err))
	}
	if err := x.wait(ctx, task); err != nil {
		return fmt.Errorf("meiliindex.Delete: %w", err)
	}
	return nil
}

// upsertBatch is the number of guides per documents request.
const upsertBatch = 1000

// Count returns the number of indexed guides.
func (x *Index) Count(ctx context.Context) (int, error) {
	st, err := x.index.GetStats(ctx, nil)
	if err != nil {
		return 0, fmt.Errorf("meiliindex.Count: %v", describe(err))
	}
	return int(st.NumberOfDocuments), nil
}

// metaIndex names the small index that holds the corpus fingerprint.
func (x *Index) metaIndex() string { return x.name + "_meta" }

const fingerprintDoc = "corpus"

// Fingerprint returns the corpus fingerprint stored with SetFingerprint, or
// "" when none was stored.
func (x *Index) Fingerprint(ctx context.Context) (string, error) {
	var res meilisearch.DocumentsResult
	err := x.client.Index(x.metaIndex()).GetDocuments(ctx, &meilisearch.DocumentsQuery{Limit: 10}, &res)
	if err != nil {
		var me *meilisearch.Error
		if errors.As(err, &me) && me.StatusCode == http.StatusNotFound {
			return "", nil
		}
		return "", fmt.Errorf("meiliindex.Fingerprint: %v", describe(err))
	}
	for _, h := range res.Results {
		var id, fp string
		_ = decode(h, attrID, &id)
		if id == fingerprintDoc {
			if err := decode(h, "fingerprint", &fp); err != nil {
				return "", fmt.Errorf("meiliindex.Fingerprint: %w", err)
			}
			return fp, nil
		}
	}
	return "", nil
}

// SetFingerprint stores fp, a fingerprint of the indexed corpus such as
// knowledge.Library.Fingerprint, in the index "<name>_meta".
func (x *Index) SetFingerprint(ctx context.Context, fp string) error {
	pk := primaryKey
	task, err := x.client.Index(x.metaIndex()).AddDocuments(ctx, []map[string]string{{attrID: fingerprintDoc, "fingerprint": fp}},
		&meilisearch.DocumentOptions{PrimaryKey: &pk})
	if err != nil {
		return fmt.Errorf("meiliindex.SetFingerprint: %v", describe(err))
	}
	if err := x.wait(ctx, task); err != nil {
		return fmt.Errorf("meiliindex.SetFingerprint: %w", err)
	}
	return nil
}

// Sync makes the index hold exactly guides, like bleveindex.Index.Sync:
// when the stored fingerprint differs from fp (knowledge.Library.Fingerprint),
// it deletes the guides that are gone, sends only the guides that are new or
// whose content changed (each document carries a hash of its content), and
// stores fp. It reports whether the fingerprint differed. Several instances
// sharing one Meilisearch may all call it; the outcome is the same.
func (x *Index) Sync(ctx context.Context, guides []knowledge.Guide, fp string) (bool, error) {
	old, err := x.Fingerprint(ctx)
	if err != nil {
		return false, err
	}
	if old == fp {
		return false, nil
	}
	stored := map[string]string{} // id → hash
	for offset := int64(0); ; {
		var res meilisearch.DocumentsResult
		if err := x.index.GetDocuments(ctx, &meilisearch.DocumentsQuery{Offset: offset, Limit: upsertBatch, Fields: []string{attrID, attrHash}}, &res); err != nil {
			return false, fmt.Errorf("meiliindex.Sync: list documents: %v", describe(err))
		}
		for _, h := range res.Results {
			var id, hash string
			if err := decode(h, attrID, &id); err != nil {
				return false, fmt.Errorf("meiliindex.Sync: %w", err)
			}
			_ = decode(h, attrHash, &hash) // absent in documents written before hashes: re-sent
			stored[id] = hash
		}
		offset += int64(len(res.Results))
		if len(res.Results) == 0 || offset >= res.Total {
			break
		}
	}
	var changed []document
	keep := make(map[string]bool, len(guides))
	for i, g := range guides {
		if g.ID == "" {
			return false, fmt.Errorf("meiliindex.Sync: guide %d has no id", i)
		}
		keep[g.ID] = true
		if d := toDocument(g); stored[g.ID] == "" || stored[g.ID] != d.Hash {
			changed = append(changed, d)
		}
	}
	var gone []string
	for id := range stored {
		if !keep[id] {
			gone = append(gone, id)
		}
	}
	sort.Strings(gone)
	if err := x.Delete(ctx, gone...); err != nil {
		return false, fmt.Errorf("meiliindex.Sync: %w", err)
	}
	if err := x.send(ctx, changed); err != nil {
		return false, fmt.Errorf("meiliindex.Sync: %w", err)
	}
	return true, x.SetFingerprint(ctx, fp)
}

// Query returns the q string sent to Meilisearch for a question, analysed
// with the default dictionary: the folded content words of the literal and
// expanded question, their bigrams written as in the documents, national
// codes, and the Telex reading of words that look like Telex leftovers.
// "" means nothing to search.
func Query(text string) string { return query(vntext.DefaultDict(), text) }

func query(d *vntext.Dict, text string) string {
	t := d.AnalyzeQuery(text)
	if t.Empty() {
		return ""
	}
	words := append(append(append([]string{}, t.Folded...), joinBigrams(t.Bigrams)...), t.Codes...)
	// Telex leftovers ("dangw" → "dang"): Meilisearch cannot tell us which
	// words it does not know, so the Telex reading is added, not swapped in.
	for _, w := range t.Folded {
		if r := vntext.TelexFold(w); r != w {
			words = append(words, r)
		}
	}
	return strings.Join(words, " ")
}

// Search sends the analysed question (see Query) with matchingStrategy
// "frequency" (rare words must match, frequent ones may be dropped) and
// returns hits scored by _rankingScore. Hit.Fields comes from
// _matchesPosition: "title", "aliases", "body", "code", and
// "title_phrase", "aliases_phrase", "body_phrase" for bigram matches.
func (x *Index) Search(ctx context.Context, q knowledge.Query) ([]knowledge.Hit, error) {
	text := query(x.dict.Load(), q.Text)
	if text == "" {
		return nil, nil
	}
	limit := q.Limit
	if limit <= 0 {
		limit = DefaultLimit
	}
	limit = min(limit, MaxLimit)
	res, err := x.index.Search(ctx, text, &meilisearch.SearchRequest{
		Limit:                int64(limit),
		AttributesToRetrieve: []string{attrID, attrCode, attrTitle},
		MatchingStrategy:     meilisearch.Frequency,
		ShowRankingScore:     true,
		ShowMatchesPosition:  true,
	})
	if err != nil {
		return nil, fmt.Errorf("meiliindex.Search: %v", describe(err))
	}
	hits := make([]knowledge.Hit, 0, len(res.Hits))
	for _, h := range res.Hits {
		var hit knowledge.Hit
		var matches map[string]json.RawMessage
		if err := decode(h, attrID, &hit.GuideID); err != nil {
			return nil, fmt.Errorf("meiliindex.Search: hit: %w", err)
		}
		_ = decode(h, attrCode, &hit.Code)
		_ = decode(h, attrTitle, &hit.Title)
		_ = decode(h, "_rankingScore", &hit.Score)
		_ = decode(h, "_matchesPosition", &matches)
		hit.Fields = matchedFields(matches)
		hits = append(hits, hit)
	}
	// Meilisearch returns hits in ranking order already; keep it stable on ties.
	sort.SliceStable(hits, func(i, j int) bool { return hits[i].Score > hits[j].Score })
	return hits, nil
}

func decode(h meilisearch.Hit, key string, v any) error {
	raw, ok := h[key]
	if !ok {
		return fmt.Errorf("no %q in hit", key)
	}
	if err := json.Unmarshal(raw, v); err != nil {
		return fmt.Errorf("%s: %v", key, err)
	}
	return nil
}

var fieldGroup = map[string]string{
	attrTitleF: "title", attrTitleBi: "title_phrase",
	attrAliasF: "aliases", attrAliasBi: "aliases_phrase",
	attrBodyF: "body", attrBodyBi: "body_phrase",
	attrCodes: "code",
}

// matchedFields maps _matchesPosition keys (an attribute, or
// "attribute.N" for an array element) to field groups, in a stable order.
func matchedFields(m map[string]json.RawMessage) []string {
	seen := map[string]bool{}
	for k := range m {
		attr, _, _ := strings.Cut(k, ".")
		if g, ok := fieldGroup[attr]; ok {
			seen[g] = true
		}
	}
	var out []string
	for _, g := range []string{"title", "title_phrase", "aliases", "aliases_phrase", "body", "body_phrase", "code"} {
		if seen[g] {
			out = append(out, g)
		}
	}
	return out
}

// describe turns a meilisearch-go error into its HTTP status and
// Meilisearch error code and message, without the request body (which may
// hold document text) and without the API key.
func describe(err error) string {
	var me *meilisearch.Error
	if errors.As(err, &me) {
		if me.APIError.Code != "" {
			return fmt.Sprintf("%s %s: status %d: %s: %s", me.Method, me.Endpoint, me.StatusCode, me.APIError.Code, me.APIError.Message)
		}
		if me.OriginError != nil {
			return fmt.Sprintf("%s %s: %v", me.Method, me.Endpoint, me.OriginError)
		}
		return fmt.Sprintf("%s %s: status %d", me.Method, me.Endpoint, me.StatusCode)
	}
	return err.Error()
}
