package bleveindex

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"botdvc/knowledge"
	"botdvc/knowledge/indextest"
	"botdvc/knowledge/vntext"
)

// MustOpenIndex opens an index in dir ("" for memory) and closes it when
// the test ends.
func MustOpenIndex(tb testing.TB, dir string) *Index {
	tb.Helper()
	idx, err := Open(dir)
	if err != nil {
		tb.Fatalf("Open(%q): %v", dir, err)
	}
	tb.Cleanup(func() { _ = idx.Close() })
	return idx
}

func TestConformanceMemory(t *testing.T) {
	indextest.Run(t, func(t *testing.T) knowledge.Index {
		idx, err := Open("")
		if err != nil {
			t.Fatal(err)
		}
		return idx
	})
}

func TestConformanceDisk(t *testing.T) {
	indextest.Run(t, func(t *testing.T) knowledge.Index {
		idx, err := Open(filepath.Join(t.TempDir(), "index"))
		if err != nil {
			t.Fatal(err)
		}
		return idx
	})
}

func TestAccentPreference(t *testing.T) {
	idx := MustOpenIndex(t, "")
	ctx := context.Background()
	// "bán" (sell) and "bạn" (you), "đất" (land) and "đặt" (book) fold alike.
	guides := []knowledge.Guide{
		{ID: "mua-ban", Title: "Công chứng hợp đồng mua bán nhà", Aliases: []string{"bán nhà", "mua bán nhà đất"}},
		{ID: "ban-doc", Title: "Hỏi đáp cho bạn về nhà ở", Aliases: []string{"bạn hỏi nhà ở", "nhà ở của bạn"}},
		{ID: "dat", Title: "Chuyển mục đích sử dụng đất", Aliases: []string{"chuyển đất vườn lên đất ở"}},
		{ID: "dat-lich", Title: "Đặt lịch hẹn nộp hồ sơ", Aliases: []string{"đặt lịch trước khi đến"}},
	}
	if err := idx.Upsert(ctx, guides...); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		q    string
		want string // "" when either may come first
		n    int    // hits expected
	}{
		{"bán nhà", "mua-ban", 2},
		{"ban nha", "", 2},
		{"đất", "dat", 3},
		{"đặt", "dat-lich", 3},
		{"dat", "", 3},
	}
	for _, tt := range tests {
		hits, err := idx.Search(ctx, knowledge.Query{Text: tt.q})
		if err != nil {
			t.Fatal(err)
		}
		if len(hits) != tt.n {
			t.Fatalf("Search(%q) = %v, want %d hits: the folded form finds both", tt.q, hits, tt.n)
		}
		if tt.want != "" && hits[0].GuideID != tt.want {
			t.Errorf("Search(%q) first = %s, want %s", tt.q, hits[0].GuideID, tt.want)
		}
	}
}

func TestFuzzyFallback(t *testing.T) {
	idx := MustOpenIndex(t, "")
	ctx := context.Background()
	if err := idx.Upsert(ctx, indextest.Guides()...); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{"khai sihn", "thuong bao luu truu", "giay phep lai xee"} {
		hits, err := idx.Search(ctx, knowledge.Query{Text: q})
		if err != nil {
			t.Fatal(err)
		}
		if len(hits) == 0 {
			t.Errorf("Search(%q): no hits, want the fuzzy pass to find something", q)
		}
	}
	hits, _ := idx.Search(ctx, knowledge.Query{Text: "khai sihn"})
	if len(hits) == 0 || hits[0].GuideID != "dang-ky-khai-sinh" {
		t.Errorf("Search(khai sihn) = %v, want dang-ky-khai-sinh first", hits)
	}
}

func TestCodeQuery(t *testing.T) {
	idx := MustOpenIndex(t, "")
	ctx := context.Background()
	if err := idx.Upsert(ctx, indextest.Guides()...); err != nil {
		t.Fatal(err)
	}
	hits, err := idx.Search(ctx, knowledge.Query{Text: "thủ tục 1.004194"})
	if err != nil {
		t.Fatal(err)
	}
	if len(hits) == 0 || hits[0].GuideID != "dang-ky-tam-tru" || !slices.Contains(hits[0].Fields, "code") || slices.Contains(hits[0].Fields, "fuzzy") {
		t.Errorf("code query: %+v", hits)
	}
}

func TestOpenDiskPersistsAndVersion(t *testing.T) {
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "idx")
	idx, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	if fp, _ := idx.Fingerprint(); fp != "" {
		t.Errorf("new index fingerprint = %q, want empty", fp)
	}
	rebuilt, err := idx.Sync(ctx, indextest.Guides(), "fp1")
	if err != nil || !rebuilt {
		t.Fatalf("Sync = %v, %v; want rebuilt", rebuilt, err)
	}
	if err := idx.Close(); err != nil {
		t.Fatal(err)
	}

	idx, err = Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	if n, _ := idx.Count(ctx); n != len(indextest.Guides()) {
		t.Errorf("reopened Count = %d", n)
	}
	if rebuilt, err := idx.Sync(ctx, indextest.Guides(), "fp1"); err != nil || rebuilt {
		t.Errorf("Sync with same fingerprint = %v, %v; want no rebuild", rebuilt, err)
	}
	// A corpus without one guide: Sync must drop it.
	if rebuilt, err := idx.Sync(ctx, indextest.Guides()[1:], "fp2"); err != nil || !rebuilt {
		t.Errorf("Sync with new fingerprint = %v, %v", rebuilt, err)
	}
	if n, _ := idx.Count(ctx); n != len(indextest.Guides())-1 {
		t.Errorf("Count after Sync = %d, want %d", n, len(indextest.Guides())-1)
	}
	// Simulate an index written by an older mapping.
	if err := idx.idx.SetInternal(keyMappingVersion, []byte("guides-v0")); err != nil {
		t.Fatal(err)
	}
	if err := idx.Close(); err != nil {
		t.Fatal(err)
	}
	idx = MustOpenIndex(t, dir)
	if n, _ := idx.Count(ctx); n != 0 {
		t.Errorf("Count after mapping change = %d, want 0 (rebuilt empty)", n)
	}
	if fp, _ := idx.Fingerprint(); fp != "" {
		t.Errorf("fingerprint after mapping change = %q, want empty", fp)
	}
}

func TestOpenRefusesForeignDir(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(dir); !errors.Is(err, ErrNotIndex) {
		t.Errorf("Open(foreign dir) error = %v, want ErrNotIndex", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "notes.txt")); err != nil {
		t.Errorf("foreign file removed: %v", err)
	}
	empty := t.TempDir()
	MustOpenIndex(t, empty) // an empty directory is fine
}

func TestUpsertRejectsMissingID(t *testing.T) {
	idx := MustOpenIndex(t, "")
	if err := idx.Upsert(context.Background(), knowledge.Guide{Title: "x"}); err == nil {
		t.Error("Upsert of a guide without id succeeded")
	}
}

func TestSetDict(t *testing.T) {
	idx := MustOpenIndex(t, "")
	ctx := context.Background()
	if err := idx.Upsert(ctx, indextest.Guides()...); err != nil {
		t.Fatal(err)
	}
	search := func() string {
		hits, err := idx.Search(ctx, knowledge.Query{Text: "tntn"})
		if err != nil {
			t.Fatal(err)
		}
		if len(hits) == 0 {
			return ""
		}
		return hits[0].GuideID
	}
	if got := search(); got == "huong-tro-cap-that-nghiep" {
		t.Fatal("found without the rule: the test would prove nothing")
	}
	d, err := vntext.DefaultDict().With("tntn => trợ cấp thất nghiệp")
	if err != nil {
		t.Fatal(err)
	}
	if err := idx.SetDict(context.Background(), d); err != nil {
		t.Fatal(err)
	}
	if got := search(); got != "huong-tro-cap-that-nghiep" {
		t.Errorf("with the editors' rule: first = %q", got)
	}
}

func TestTelexLeftovers(t *testing.T) {
	idx := MustOpenIndex(t, "")
	ctx := context.Background()
	if err := idx.Upsert(ctx, indextest.Guides()...); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{"dangw kys khai sinh", "ddawng kys tamj trus"} {
		hits, err := idx.Search(ctx, knowledge.Query{Text: q})
		if err != nil {
			t.Fatal(err)
		}
		if len(hits) == 0 {
			t.Errorf("Search(%q): no hits", q)
			continue
		}
		if want := map[bool]string{true: "dang-ky-khai-sinh", false: "dang-ky-tam-tru"}[strings.Contains(q, "khai")]; hits[0].GuideID != want {
			t.Errorf("Search(%q) first = %s, want %s", q, hits[0].GuideID, want)
		}
		if slices.Contains(hits[0].Fields, "fuzzy") || !slices.Contains(hits[0].Fields, "title_phrase") {
			t.Errorf("Search(%q) fields = %v: want the repaired words matched exactly (title_phrase), not fuzzily", q, hits[0].Fields)
		}
	}
}

// TestPlanSeesWrites: the plan's cached document frequencies follow the
// index's writes: a word no title used is not common; once most titles use
// it, it is, and after they are deleted it is not again.
func TestPlanSeesWrites(t *testing.T) {
	x, err := Open("")
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	ctx := context.Background()
	var gs []knowledge.Guide
	for i := range commonMinDocs {
		gs = append(gs, knowledge.Guide{ID: fmt.Sprintf("g%d", i), Title: fmt.Sprintf("Thủ tục số %d", i), Source: knowledge.SourceCatalog})
	}
	if err := x.Upsert(ctx, gs...); err != nil {
		t.Fatal(err)
	}
	common := func() bool {
		t.Helper()
		p, err := x.plan(vntext.AnalyzeQuery("xuất khẩu"))
		if err != nil {
			t.Fatal(err)
		}
		return p.commonHead["khau"]
	}
	if common() {
		t.Fatal("'khẩu' common before any title has it")
	}
	var more []knowledge.Guide
	var ids []string
	for i := range commonMinDocs {
		id := fmt.Sprintf("x%d", i)
		more = append(more, knowledge.Guide{ID: id, Title: fmt.Sprintf("Cấp phép xuất khẩu loại %d", i), Source: knowledge.SourceCatalog})
		ids = append(ids, id)
	}
	if err := x.Upsert(ctx, more...); err != nil {
		t.Fatal(err)
	}
	if !common() {
		t.Fatal("'khẩu' not common once half the titles have it (a frequency cached before the write?)")
	}
	if err := x.Delete(ctx, ids...); err != nil {
		t.Fatal(err)
	}
	if common() {
		t.Fatal("'khẩu' still common after its titles were deleted")
	}
}
