package meiliindex

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync/atomic"
	"testing"

	"botdvc/knowledge"
	"botdvc/knowledge/indextest"
	"botdvc/knowledge/vntext"
)

var indexSeq atomic.Int64

// target returns the Meilisearch URL and key to test against: a real server
// when TEST_MEILI_URL is set, otherwise a new fake (see fake_test.go).
func target(t *testing.T) (string, string, *fakeMeili) {
	t.Helper()
	if u := os.Getenv("TEST_MEILI_URL"); u != "" {
		return u, os.Getenv("TEST_MEILI_KEY"), nil
	}
	f, u := newFakeMeili(t, "test-master-key")
	return u, "test-master-key", f
}

// MustOpenIndex opens a fresh, uniquely named index.
func MustOpenIndex(t *testing.T) (*Index, *fakeMeili) {
	t.Helper()
	u, key, f := target(t)
	name := fmt.Sprintf("guides_test_%d_%d", os.Getpid(), indexSeq.Add(1))
	idx, err := Open(context.Background(), u, key, name)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	if f == nil { // real server: drop the test index (and Sync's fingerprint index) afterwards
		t.Cleanup(func() {
			for _, n := range []string{name, idx.metaIndex()} {
				if task, err := idx.client.DeleteIndex(context.Background(), n); err == nil {
					_ = idx.wait(context.Background(), task)
				}
			}
		})
	}
	return idx, f
}

func TestConformance(t *testing.T) {
	if os.Getenv("TEST_MEILI_URL") == "" {
		t.Log("TEST_MEILI_URL not set: running against the in-process fake Meilisearch")
	}
	indextest.Run(t, func(t *testing.T) knowledge.Index {
		idx, _ := MustOpenIndex(t)
		return idx
	})
}

func TestOpenAppliesSettings(t *testing.T) {
	idx, f := MustOpenIndex(t)
	ctx := context.Background()
	s, err := idx.index.GetSettings(ctx)
	if f != nil {
		// The fake does not serve GET settings; read what it stored.
		f.mu.Lock()
		ix := f.indexes[idx.name]
		var searchable []string
		_ = jsonUnmarshal(ix.settings["searchableAttributes"], &searchable)
		var syn map[string][]string
		_ = jsonUnmarshal(ix.settings["synonyms"], &syn)
		f.mu.Unlock()
		if strings.Join(searchable, ",") != strings.Join(SearchableAttributes, ",") {
			t.Errorf("searchableAttributes = %v", searchable)
		}
		if got := syn["cccd"]; len(got) != 1 || got[0] != "can cuoc" {
			t.Errorf(`synonyms["cccd"] = %v, want [can cuoc]`, got)
		}
		if _, ok := syn["ks"]; ok {
			t.Error("context-dependent rule ks sent as a synonym")
		}
		if ix.primaryKey != "id" {
			t.Errorf("primary key = %q", ix.primaryKey)
		}
		return
	}
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(s.SearchableAttributes, ",") != strings.Join(SearchableAttributes, ",") {
		t.Errorf("searchableAttributes = %v", s.SearchableAttributes)
	}
	if got := s.Synonyms["cccd"]; len(got) == 0 {
		t.Errorf(`synonyms["cccd"] = %v`, got)
	}
}

func TestOpenExistingIndex(t *testing.T) {
	u, key, _ := target(t)
	ctx := context.Background()
	name := fmt.Sprintf("guides_reopen_%d", os.Getpid())
	a, err := Open(ctx, u, key, name)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if task, err := a.client.DeleteIndex(ctx, name); err == nil {
			_ = a.wait(ctx, task)
		}
	})
	if err := a.Upsert(ctx, indextest.Guides()[:2]...); err != nil {
		t.Fatal(err)
	}
	b, err := Open(ctx, u, key, name)
	if err != nil {
		t.Fatalf("second Open of an existing index: %v", err)
	}
	if n, err := b.Count(ctx); err != nil || n != 2 {
		t.Errorf("Count after reopen = %d, %v; want 2", n, err)
	}
}

func TestWrongKey(t *testing.T) {
	if os.Getenv("TEST_MEILI_URL") != "" && os.Getenv("TEST_MEILI_KEY") == "" {
		t.Skip("real server without a master key: every key is accepted")
	}
	u, _, _ := target(t)
	_, err := Open(context.Background(), u, "wrong-key", "guides")
	if err == nil || !strings.Contains(err.Error(), "invalid_api_key") {
		t.Errorf("Open with a wrong key: error = %v, want invalid_api_key", err)
	}
	if err != nil && strings.Contains(err.Error(), "wrong-key") {
		t.Errorf("error leaks the API key: %v", err)
	}
}

func TestFailedTask(t *testing.T) {
	idx, _ := MustOpenIndex(t)
	err := idx.Upsert(context.Background(), knowledge.Guide{ID: "bad id with spaces", Title: "x"})
	if !errors.Is(err, ErrTaskFailed) || !strings.Contains(err.Error(), "invalid_document_id") {
		t.Errorf("Upsert with an invalid id: error = %v, want ErrTaskFailed with invalid_document_id", err)
	}
}

func TestUpsertWaitsForTask(t *testing.T) {
	idx, f := MustOpenIndex(t)
	if f == nil {
		t.Skip("checks the fake's task log")
	}
	if err := idx.Upsert(context.Background(), indextest.Guides()...); err != nil {
		t.Fatal(err)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, task := range f.tasks {
		if task.status == "enqueued" {
			t.Errorf("task %d (%s) still enqueued after Upsert returned: the adapter did not wait", task.uid, task.typ)
		}
	}
	if f.requests["POST /indexes/"+idx.name+"/documents"] != 1 {
		t.Errorf("documents requests = %d, want one batch", f.requests["POST /indexes/"+idx.name+"/documents"])
	}
}

func TestQuery(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""},
		{"cho em hỏi ạ", "cho em hoi a choem emhoi hoia"}, // only fillers: all words kept
		{"dk ks", "dk ks dang ky khai sinh dkks dangky kykhai khaisinh"},
		{"thủ tục 1.004194", "1 004194 1004194 1.004194"},
		{"dangw kys", "dangw kys dangwkys dang ky"},
	}
	for _, tt := range tests {
		if got := Query(tt.in); got != tt.want {
			t.Errorf("Query(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestSync(t *testing.T) {
	idx, _ := MustOpenIndex(t)
	ctx := context.Background()
	if fp, err := idx.Fingerprint(ctx); err != nil || fp != "" {
		t.Fatalf("Fingerprint of a new index = %q, %v; want empty", fp, err)
	}
	t.Cleanup(func() {
		if task, err := idx.client.DeleteIndex(ctx, idx.metaIndex()); err == nil {
			_ = idx.wait(ctx, task)
		}
	})
	gs := indextest.Guides()
	if changed, err := idx.Sync(ctx, gs, "fp1"); err != nil || !changed {
		t.Fatalf("Sync = %v, %v; want changed", changed, err)
	}
	if changed, err := idx.Sync(ctx, gs, "fp1"); err != nil || changed {
		t.Errorf("Sync with the same fingerprint = %v, %v; want no change", changed, err)
	}
	if changed, err := idx.Sync(ctx, gs[2:], "fp2"); err != nil || !changed {
		t.Fatalf("Sync fp2 = %v, %v", changed, err)
	}
	if n, _ := idx.Count(ctx); n != len(gs)-2 {
		t.Errorf("Count after Sync = %d, want %d", n, len(gs)-2)
	}
	if fp, _ := idx.Fingerprint(ctx); fp != "fp2" {
		t.Errorf("Fingerprint = %q, want fp2", fp)
	}
}

// TestSyncSendsOnlyChanges: a later Sync deletes the removed guide, sends
// the changed one and does not send the unchanged ones again (each document
// carries a hash of its content, read back with the document list).
func TestSyncSendsOnlyChanges(t *testing.T) {
	idx, f := MustOpenIndex(t)
	if f == nil {
		t.Skip("counts the documents the fake receives")
	}
	ctx := context.Background()
	gs := indextest.Guides()
	if changed, err := idx.Sync(ctx, gs, "fp1"); err != nil || !changed {
		t.Fatalf("first Sync = %v, %v", changed, err)
	}
	sent := func() int { f.mu.Lock(); defer f.mu.Unlock(); return f.docsSent[idx.name] }
	if n := sent(); n != len(gs) {
		t.Fatalf("first Sync sent %d documents, want %d", n, len(gs))
	}
	next := append([]knowledge.Guide(nil), gs[1:]...) // gs[0] removed
	next[0].Title += " (sửa đổi)"                     // gs[1] changed
	if changed, err := idx.Sync(ctx, next, "fp2"); err != nil || !changed {
		t.Fatalf("second Sync = %v, %v", changed, err)
	}
	if n := sent() - len(gs); n != 1 {
		t.Errorf("second Sync sent %d documents, want only the changed one", n)
	}
	if n, _ := idx.Count(ctx); n != len(gs)-1 {
		t.Errorf("Count = %d, want %d (the removed guide deleted)", n, len(gs)-1)
	}
	hits, err := idx.Search(ctx, knowledge.Query{Text: next[0].Title})
	if err != nil || len(hits) == 0 || hits[0].GuideID != next[0].ID || hits[0].Title != next[0].Title {
		t.Errorf("changed guide not found under its new title: %v, %v", hits, err)
	}
}

func TestSetDict(t *testing.T) {
	idx, f := MustOpenIndex(t)
	ctx := context.Background()
	if err := idx.Upsert(ctx, indextest.Guides()...); err != nil {
		t.Fatal(err)
	}
	if hits, _ := idx.Search(ctx, knowledge.Query{Text: "tntn"}); len(hits) > 0 && hits[0].GuideID == "huong-tro-cap-that-nghiep" {
		t.Fatal("found without the rule: the test would prove nothing")
	}
	d, err := vntext.DefaultDict().With("tntn => trợ cấp thất nghiệp")
	if err != nil {
		t.Fatal(err)
	}
	if err := idx.SetDict(ctx, d); err != nil {
		t.Fatalf("SetDict: %v", err)
	}
	hits, err := idx.Search(ctx, knowledge.Query{Text: "tntn"})
	if err != nil || len(hits) == 0 || hits[0].GuideID != "huong-tro-cap-that-nghiep" {
		t.Errorf("Search with the editors' rule = %v, %v", hits, err)
	}
	if f != nil {
		f.mu.Lock()
		var syn map[string][]string
		_ = jsonUnmarshal(f.indexes[idx.name].settings["synonyms"], &syn)
		f.mu.Unlock()
		if got := syn["tntn"]; len(got) != 1 || got[0] != "tro cap that nghiep" {
			t.Errorf(`synonyms["tntn"] after SetDict = %v`, got)
		}
	}
}
