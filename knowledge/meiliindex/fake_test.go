package meiliindex

// fakeMeili is an in-process Meilisearch HTTP server for the endpoints the
// adapter uses. It follows Meilisearch's documented API, as read on
// meilisearch.com/docs (reference pages, 2026):
//
//   - Errors: reference/errors/overview — error body {"message","code",
//     "type","link"}; 401 missing_authorization_header, 403 invalid_api_key
//     (Authorization: Bearer KEY), 404 index_not_found, 415
//     invalid_content_type, 400 bad_request for unknown fields.
//   - Asynchronous tasks: learn/async/asynchronous_operations and
//     reference/api/async-task-management/get-task — writes answer 202 with a
//     summarized task {taskUid, indexUid, status "enqueued", type,
//     enqueuedAt}; GET /tasks/{uid} returns the task object {uid, indexUid,
//     status, type, details, error, duration, enqueuedAt, startedAt,
//     finishedAt}. Here a task stays "enqueued" until it is polled once,
//     and its change is applied only when it is processed: an adapter that
//     does not wait sees stale data.
//   - Indexes: GET /indexes/{uid}, POST /indexes {uid, primaryKey}
//     (indexCreation; index_already_exists as a failed task).
//   - Settings: PATCH /indexes/{uid}/settings, PUT
//     /indexes/{uid}/settings/synonyms (settingsUpdate).
//   - Documents: POST /indexes/{uid}/documents?primaryKey= (add or replace,
//     documentAdditionOrUpdate; creates the index; invalid_document_id fails
//     the task), POST /indexes/{uid}/documents/delete-batch
//     (documentDeletion), POST /indexes/{uid}/documents/fetch (offset,
//     limit, fields, ids → results, offset, limit, total; only displayed
//     attributes, learn/configuration/displayed_searchable_attributes), GET
//     /indexes/{uid}/stats (numberOfDocuments).
//   - Search: POST /indexes/{uid}/search — request fields of the search
//     reference; response {hits, query, processingTimeMs, limit, offset,
//     estimatedTotalHits}, with _rankingScore (capabilities/full_text_search/
//     relevancy/ranking_score) and _matchesPosition when asked.
//
// Search itself is deliberately crude, not Meilisearch's ranking: a hit is
// a document containing at least one query word (exact token match in a
// searchable attribute, no typos, no synonyms); the score is the sum over
// matched words of the weight of the best attribute (earlier in
// searchableAttributes weighs more), divided by the number of query words.
// Its job is to check the adapter's requests, not Meilisearch's relevance.

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

type fakeMeili struct {
	key string

	mu      sync.Mutex
	indexes map[string]*fakeIndex
	tasks   []*fakeTask
	polls   map[int]int
	// requests counts requests by "METHOD path" for assertions.
	requests map[string]int
	// docsSent counts the documents received by document additions, by index.
	docsSent map[string]int
}

type fakeIndex struct {
	primaryKey string
	docs       map[string]map[string]any
	settings   map[string]json.RawMessage
	created    time.Time
}

type fakeTask struct {
	uid       int
	indexUID  string
	typ       string
	status    string
	apply     func() *apiError // run when processed; non-nil fails the task
	err       *apiError
	enqueued  time.Time
	processed time.Time
}

type apiError struct {
	Message string `json:"message"`
	Code    string `json:"code"`
	Type    string `json:"type"`
	Link    string `json:"link"`
}

func newAPIError(code, typ, format string, args ...any) *apiError {
	return &apiError{Message: fmt.Sprintf(format, args...), Code: code, Type: typ, Link: "https://docs.meilisearch.com/errors#" + code}
}

func newFakeMeili(t *testing.T, key string) (*fakeMeili, string) {
	f := &fakeMeili{key: key, indexes: map[string]*fakeIndex{}, polls: map[int]int{}, requests: map[string]int{}, docsSent: map[string]int{}}
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	return f, srv.URL
}

var (
	reIndex   = regexp.MustCompile(`^/indexes/([^/]+)$`)
	reSub     = regexp.MustCompile(`^/indexes/([^/]+)/(settings|settings/synonyms|documents|documents/delete-batch|documents/fetch|stats|search)$`)
	reTask    = regexp.MustCompile(`^/tasks/(\d+)$`)
	reDocID   = regexp.MustCompile(`^[A-Za-z0-9_-]{1,511}$`)
	knownSets = map[string]bool{"rankingRules": true, "distinctAttribute": true, "searchableAttributes": true,
		"displayedAttributes": true, "stopWords": true, "synonyms": true, "filterableAttributes": true,
		"sortableAttributes": true, "typoTolerance": true, "pagination": true, "faceting": true, "dictionary": true,
		"separatorTokens": true, "nonSeparatorTokens": true, "proximityPrecision": true, "searchCutoffMs": true,
		"localizedAttributes": true, "embedders": true, "prefixSearch": true, "facetSearch": true}
	knownSearch = map[string]bool{"q": true, "offset": true, "limit": true, "hitsPerPage": true, "page": true,
		"filter": true, "facets": true, "attributesToRetrieve": true, "attributesToCrop": true, "cropLength": true,
		"cropMarker": true, "attributesToHighlight": true, "highlightPreTag": true, "highlightPostTag": true,
		"showMatchesPosition": true, "sort": true, "matchingStrategy": true, "showRankingScore": true,
		"showRankingScoreDetails": true, "rankingScoreThreshold": true, "attributesToSearchOn": true, "hybrid": true,
		"vector": true, "retrieveVectors": true, "locales": true, "distinct": true, "showPerformanceDetails": true}
)

func (f *fakeMeili) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.requests[r.Method+" "+r.URL.Path]++
	if f.key != "" {
		auth := r.Header.Get("Authorization")
		if auth == "" {
			writeErr(w, http.StatusUnauthorized, newAPIError("missing_authorization_header", "auth",
				"The Authorization header is missing. It must use the bearer authorization method."))
			return
		}
		if auth != "Bearer "+f.key {
			writeErr(w, http.StatusForbidden, newAPIError("invalid_api_key", "auth", "The provided API key is invalid."))
			return
		}
	}
	if (r.Method == http.MethodPost || r.Method == http.MethodPatch || r.Method == http.MethodPut) && !strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
		writeErr(w, http.StatusUnsupportedMediaType, newAPIError("invalid_content_type", "invalid_request",
			"The Content-Type `%s` is invalid. Accepted values for the Content-Type header are: `application/json`", r.Header.Get("Content-Type")))
		return
	}
	p := r.URL.Path
	switch {
	case p == "/indexes" && r.Method == http.MethodPost:
		f.createIndex(w, r)
	case reIndex.MatchString(p) && r.Method == http.MethodGet:
		uid := reIndex.FindStringSubmatch(p)[1]
		ix, ok := f.indexes[uid]
		if !ok {
			writeErr(w, http.StatusNotFound, newAPIError("index_not_found", "invalid_request", "Index `%s` not found.", uid))
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"uid": uid, "primaryKey": ix.primaryKey,
			"createdAt": ix.created.Format(time.RFC3339Nano), "updatedAt": ix.created.Format(time.RFC3339Nano)})
	case reSub.MatchString(p):
		m := reSub.FindStringSubmatch(p)
		f.indexSub(w, r, m[1], m[2])
	case reTask.MatchString(p) && r.Method == http.MethodGet:
		uid, _ := strconv.Atoi(reTask.FindStringSubmatch(p)[1])
		f.getTask(w, uid)
	default:
		writeErr(w, http.StatusNotFound, newAPIError("not_found", "invalid_request", "Not found."))
	}
}

func (f *fakeMeili) indexSub(w http.ResponseWriter, r *http.Request, uid, sub string) {
	switch {
	case sub == "settings" && r.Method == http.MethodPatch:
		var body map[string]json.RawMessage
		if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
			writeErr(w, http.StatusBadRequest, newAPIError("bad_request", "invalid_request", "The json payload provided is malformed. %v.", err))
			return
		}
		for k := range body {
			if !knownSets[k] {
				writeErr(w, http.StatusBadRequest, newAPIError("bad_request", "invalid_request", "Unknown field `%s`", k))
				return
			}
		}
		var tt struct {
			MinWordSizeForTypos struct{ OneTypo, TwoTypos int } `json:"minWordSizeForTypos"`
		}
		if raw, ok := body["typoTolerance"]; ok {
			if err := json.Unmarshal(raw, &tt); err != nil {
				writeErr(w, http.StatusBadRequest, newAPIError("invalid_settings_typo_tolerance", "invalid_request", "%v", err))
				return
			}
		}
		f.enqueue(w, uid, "settingsUpdate", func() *apiError {
			if tt.MinWordSizeForTypos.OneTypo > tt.MinWordSizeForTypos.TwoTypos {
				return newAPIError("invalid_settings_typo_tolerance", "invalid_request",
					"`minWordSizeForTypos` setting is invalid. `oneTypo` and `twoTypos` fields should be between `0` and `255`, and `twoTypos` should be greater or equals to `oneTypo`")
			}
			ix := f.ensureIndex(uid, "")
			for k, v := range body {
				ix.settings[k] = v
			}
			return nil
		})
	case sub == "settings/synonyms" && r.Method == http.MethodPut:
		var syn map[string][]string
		if err := json.NewDecoder(r.Body).Decode(&syn); err != nil {
			writeErr(w, http.StatusBadRequest, newAPIError("invalid_settings_synonyms", "invalid_request", "%v", err))
			return
		}
		raw, _ := json.Marshal(syn)
		f.enqueue(w, uid, "settingsUpdate", func() *apiError {
			f.ensureIndex(uid, "").settings["synonyms"] = raw
			return nil
		})
	case sub == "documents" && r.Method == http.MethodPost:
		var docs []map[string]any
		if err := json.NewDecoder(r.Body).Decode(&docs); err != nil {
			writeErr(w, http.StatusBadRequest, newAPIError("malformed_payload", "invalid_request", "The `json` payload provided is malformed. %v.", err))
			return
		}
		pk := r.URL.Query().Get("primaryKey")
		f.docsSent[uid] += len(docs)
		f.enqueue(w, uid, "documentAdditionOrUpdate", func() *apiError {
			ix := f.ensureIndex(uid, pk)
			if pk != "" && ix.primaryKey != pk {
				return newAPIError("index_primary_key_already_exists", "invalid_request", "Index `%s`: Index already has a primary key: `%s`.", uid, ix.primaryKey)
			}
			staged := map[string]map[string]any{}
			for _, d := range docs {
				id, ok := d[ix.primaryKey].(string)
				if !ok || !reDocID.MatchString(id) {
					return newAPIError("invalid_document_id", "invalid_request",
						"Document identifier `%v` is invalid. A document identifier can be of type integer or string, only composed of alphanumeric characters (a-z A-Z 0-9), hyphens (-) and underscores (_), and can not be more than 511 bytes.", d[ix.primaryKey])
				}
				staged[id] = d
			}
			for id, d := range staged {
				ix.docs[id] = d
			}
			return nil
		})
	case sub == "documents/delete-batch" && r.Method == http.MethodPost:
		var ids []any
		if err := json.NewDecoder(r.Body).Decode(&ids); err != nil {
			writeErr(w, http.StatusBadRequest, newAPIError("bad_request", "invalid_request", "The json payload provided is malformed. %v.", err))
			return
		}
		f.enqueue(w, uid, "documentDeletion", func() *apiError {
			ix, ok := f.indexes[uid]
			if !ok {
				return newAPIError("index_not_found", "invalid_request", "Index `%s` not found.", uid)
			}
			for _, id := range ids {
				delete(ix.docs, fmt.Sprint(id))
			}
			return nil
		})
	case sub == "documents/fetch" && r.Method == http.MethodPost:
		var q struct {
			Offset int      `json:"offset"`
			Limit  *int     `json:"limit"`
			Fields []string `json:"fields"`
			IDs    []string `json:"ids"`
		}
		if err := json.NewDecoder(r.Body).Decode(&q); err != nil {
			writeErr(w, http.StatusBadRequest, newAPIError("bad_request", "invalid_request", "The json payload provided is malformed. %v.", err))
			return
		}
		ix, ok := f.indexes[uid]
		if !ok {
			writeErr(w, http.StatusNotFound, newAPIError("index_not_found", "invalid_request", "Index `%s` not found.", uid))
			return
		}
		limit := 20
		if q.Limit != nil {
			limit = *q.Limit
		}
		ids := make([]string, 0, len(ix.docs))
		for id := range ix.docs {
			if len(q.IDs) == 0 || contains(q.IDs, id) {
				ids = append(ids, id)
			}
		}
		sort.Strings(ids)
		// Documents show only displayed attributes (learn/configuration/
		// displayed_searchable_attributes), and of those the requested fields.
		var displayed []string
		_ = json.Unmarshal(ix.settings["displayedAttributes"], &displayed)
		results := []map[string]any{}
		for _, id := range ids[min(q.Offset, len(ids)):min(q.Offset+limit, len(ids))] {
			doc := map[string]any{}
			for k, v := range ix.docs[id] {
				if (len(displayed) == 0 || contains(displayed, "*") || contains(displayed, k)) && (len(q.Fields) == 0 || contains(q.Fields, k)) {
					doc[k] = v
				}
			}
			results = append(results, doc)
		}
		writeJSON(w, http.StatusOK, map[string]any{"results": results, "offset": q.Offset, "limit": limit, "total": len(ids)})
	case sub == "stats" && r.Method == http.MethodGet:
		ix, ok := f.indexes[uid]
		if !ok {
			writeErr(w, http.StatusNotFound, newAPIError("index_not_found", "invalid_request", "Index `%s` not found.", uid))
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"numberOfDocuments": len(ix.docs), "isIndexing": false, "fieldDistribution": map[string]int{}})
	case sub == "search" && r.Method == http.MethodPost:
		f.search(w, r, uid)
	default:
		writeErr(w, http.StatusMethodNotAllowed, newAPIError("bad_request", "invalid_request", "Method not allowed."))
	}
}

func (f *fakeMeili) createIndex(w http.ResponseWriter, r *http.Request) {
	var body struct {
		UID        string `json:"uid"`
		PrimaryKey string `json:"primaryKey"`
	}
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil || body.UID == "" {
		writeErr(w, http.StatusBadRequest, newAPIError("missing_index_uid", "invalid_request", "Missing field `uid`"))
		return
	}
	if !reDocID.MatchString(body.UID) {
		writeErr(w, http.StatusBadRequest, newAPIError("invalid_index_uid", "invalid_request", "`%s` is not a valid index uid.", body.UID))
		return
	}
	f.enqueue(w, body.UID, "indexCreation", func() *apiError {
		if _, ok := f.indexes[body.UID]; ok {
			return newAPIError("index_already_exists", "invalid_request", "Index `%s` already exists.", body.UID)
		}
		f.ensureIndex(body.UID, body.PrimaryKey)
		return nil
	})
}

func (f *fakeMeili) ensureIndex(uid, pk string) *fakeIndex {
	ix, ok := f.indexes[uid]
	if !ok {
		ix = &fakeIndex{primaryKey: pk, docs: map[string]map[string]any{}, settings: map[string]json.RawMessage{}, created: time.Now()}
		f.indexes[uid] = ix
	}
	if ix.primaryKey == "" {
		ix.primaryKey = pk
	}
	return ix
}

func (f *fakeMeili) enqueue(w http.ResponseWriter, uid, typ string, apply func() *apiError) {
	t := &fakeTask{uid: len(f.tasks), indexUID: uid, typ: typ, status: "enqueued", apply: apply, enqueued: time.Now()}
	f.tasks = append(f.tasks, t)
	writeJSON(w, http.StatusAccepted, map[string]any{"taskUid": t.uid, "indexUid": uid, "status": t.status,
		"type": typ, "enqueuedAt": t.enqueued.Format(time.RFC3339Nano)})
}

// process runs every enqueued task up to uid, in order.
func (f *fakeMeili) process(uid int) {
	for _, t := range f.tasks[:uid+1] {
		if t.status != "enqueued" {
			continue
		}
		t.processed = time.Now()
		if err := t.apply(); err != nil {
			t.status, t.err = "failed", err
		} else {
			t.status = "succeeded"
		}
	}
}

func (f *fakeMeili) getTask(w http.ResponseWriter, uid int) {
	if uid >= len(f.tasks) {
		writeErr(w, http.StatusNotFound, newAPIError("task_not_found", "invalid_request", "Task `%d` not found.", uid))
		return
	}
	f.polls[uid]++
	if f.polls[uid] > 1 {
		f.process(uid)
	}
	t := f.tasks[uid]
	out := map[string]any{"uid": t.uid, "indexUid": t.indexUID, "status": t.status, "type": t.typ,
		"details": map[string]any{}, "error": nil, "canceledBy": nil, "duration": nil,
		"enqueuedAt": t.enqueued.Format(time.RFC3339Nano), "startedAt": nil, "finishedAt": nil}
	if t.status != "enqueued" {
		out["startedAt"] = t.processed.Format(time.RFC3339Nano)
		out["finishedAt"] = t.processed.Format(time.RFC3339Nano)
		out["duration"] = "PT0.001S"
	}
	if t.err != nil {
		out["error"] = t.err
	}
	writeJSON(w, http.StatusOK, out)
}

func (f *fakeMeili) search(w http.ResponseWriter, r *http.Request, uid string) {
	var body map[string]json.RawMessage
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
		writeErr(w, http.StatusBadRequest, newAPIError("bad_request", "invalid_request", "The json payload provided is malformed. %v.", err))
		return
	}
	for k := range body {
		if !knownSearch[k] {
			writeErr(w, http.StatusBadRequest, newAPIError("bad_request", "invalid_request", "Unknown field `%s`", k))
			return
		}
	}
	var req struct {
		Q                    string   `json:"q"`
		Limit                *int     `json:"limit"`
		MatchingStrategy     string   `json:"matchingStrategy"`
		ShowRankingScore     bool     `json:"showRankingScore"`
		ShowMatchesPosition  bool     `json:"showMatchesPosition"`
		AttributesToRetrieve []string `json:"attributesToRetrieve"`
	}
	raw, _ := json.Marshal(body)
	if err := json.Unmarshal(raw, &req); err != nil {
		writeErr(w, http.StatusBadRequest, newAPIError("bad_request", "invalid_request", "%v", err))
		return
	}
	switch req.MatchingStrategy {
	case "", "last", "all", "frequency":
	default:
		writeErr(w, http.StatusBadRequest, newAPIError("invalid_search_matching_strategy", "invalid_request",
			"Unknown value `%s` at `.matchingStrategy`: expected one of `last`, `all`, `frequency`.", req.MatchingStrategy))
		return
	}
	ix, ok := f.indexes[uid]
	if !ok {
		writeErr(w, http.StatusNotFound, newAPIError("index_not_found", "invalid_request", "Index `%s` not found.", uid))
		return
	}
	limit := 20
	if req.Limit != nil {
		limit = *req.Limit
	}
	var searchable []string
	_ = json.Unmarshal(ix.settings["searchableAttributes"], &searchable)
	var displayed []string
	_ = json.Unmarshal(ix.settings["displayedAttributes"], &displayed)
	words := strings.Fields(strings.ToLower(req.Q))
	type scored struct {
		id      string
		score   float64
		matches map[string][]map[string]int
	}
	var res []scored
	for id, d := range ix.docs {
		s := scored{id: id, matches: map[string][]map[string]int{}}
		for _, wd := range words {
			best := 0.0
			for rank, attr := range searchable {
				start, ok := findToken(d[attr], wd)
				if !ok {
					continue
				}
				s.matches[attr] = append(s.matches[attr], map[string]int{"start": start, "length": len(wd)})
				best = max(best, float64(len(searchable)-rank)/float64(len(searchable)))
			}
			s.score += best
		}
		if len(s.matches) > 0 {
			s.score /= float64(len(words))
			res = append(res, s)
		}
	}
	sort.Slice(res, func(i, j int) bool {
		if res[i].score != res[j].score {
			return res[i].score > res[j].score
		}
		return res[i].id < res[j].id
	})
	total := len(res)
	if len(res) > limit {
		res = res[:limit]
	}
	hits := []map[string]any{}
	for _, s := range res {
		h := map[string]any{}
		for k, v := range ix.docs[s.id] {
			if (len(displayed) == 0 || contains(displayed, k)) && (len(req.AttributesToRetrieve) == 0 || contains(req.AttributesToRetrieve, k)) {
				h[k] = v
			}
		}
		if req.ShowRankingScore {
			h["_rankingScore"] = s.score
		}
		if req.ShowMatchesPosition {
			h["_matchesPosition"] = s.matches
		}
		hits = append(hits, h)
	}
	writeJSON(w, http.StatusOK, map[string]any{"hits": hits, "query": req.Q, "processingTimeMs": 0,
		"limit": limit, "offset": 0, "estimatedTotalHits": total})
}

// findToken reports whether word is one of the space-separated tokens of v
// (a string or an array of strings) and its byte offset.
func findToken(v any, word string) (int, bool) {
	var items []string
	switch x := v.(type) {
	case string:
		items = []string{x}
	case []any:
		for _, e := range x {
			if s, ok := e.(string); ok {
				items = append(items, s)
			}
		}
	}
	for _, s := range items {
		off := 0
		for _, tok := range strings.Split(s, " ") {
			if strings.ToLower(tok) == word {
				return off, true
			}
			off += len(tok) + 1
		}
	}
	return 0, false
}

func contains(s []string, x string) bool {
	for _, v := range s {
		if v == x {
			return true
		}
	}
	return false
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func writeErr(w http.ResponseWriter, status int, e *apiError) { writeJSON(w, status, e) }

func jsonUnmarshal(raw json.RawMessage, v any) error { return json.Unmarshal(raw, v) }
