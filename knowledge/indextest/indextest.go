// Package indextest is the conformance suite every knowledge.Index backend
// passes (the Gitea indexer pattern). It is test-only: import it from a
// backend's _test.go files and call Run.
//
// The suite covers what both backends promise: upsert, replace, delete,
// count, queries with and without diacritics and in upper case, abbreviation
// expansion, syllable-bigram ranking, empty queries, limits and hit fields.
// Backend-specific behaviour (bleve's preference for exact accents,
// Meilisearch task handling) is tested in the backend's own package.
package indextest

import (
	"context"
	"testing"

	"botdvc/knowledge"
)

// Guides returns the small corpus the suite indexes. Each guide is written
// so that one query class has exactly one right answer.
func Guides() []knowledge.Guide {
	return []knowledge.Guide{
		{
			ID: "dang-ky-khai-sinh", Code: "1.001193", Title: "Đăng ký khai sinh",
			Aliases:   []string{"làm giấy khai sinh", "khai sinh cho con"},
			Documents: []string{"Tờ khai đăng ký khai sinh", "Giấy chứng sinh"},
			Steps:     []string{"Nộp tờ khai tại Ủy ban nhân dân cấp xã"},
			Fee:       "Miễn lệ phí khi đăng ký đúng hạn.",
		},
		{
			// Contains "khai" and "sinh" often, never as "khai sinh".
			ID: "thong-bao-luu-tru", Code: "1.004246", Title: "Thông báo lưu trú",
			Aliases:   []string{"khai báo lưu trú", "báo lưu trú cho khách"},
			Documents: []string{"Khai báo thông tin sinh viên, khách thuê đến ở"},
			Steps:     []string{"Chủ nhà khai báo cho sinh viên thuê trọ", "Ký túc xá khai báo cho sinh viên"},
			Body:      "Khai báo đúng hạn cho sinh viên và người lao động.",
		},
		{
			ID: "cap-lai-the-can-cuoc", Code: "2.001624", Title: "Cấp lại thẻ căn cước",
			Aliases: []string{"làm lại căn cước bị mất", "mất thẻ căn cước"},
			Fee:     "70.000 đồng mỗi thẻ.",
			Where:   "Công an cấp xã nơi cư trú hoặc trực tuyến trên VNeID.",
		},
		{
			ID: "cap-doi-giay-phep-lai-xe", Code: "1.002804", Title: "Cấp đổi giấy phép lái xe",
			Aliases:   []string{"đổi bằng lái xe hết hạn", "đổi giấy phép lái xe online"},
			Documents: []string{"Đơn đề nghị đổi giấy phép lái xe", "Giấy khám sức khỏe"},
		},
		{
			ID: "dang-ky-tam-tru", Code: "1.004194", Title: "Đăng ký tạm trú",
			Aliases: []string{"khai báo tạm trú", "gia hạn tạm trú"},
			Where:   "Công an cấp xã nơi đang ở trọ.",
		},
		{
			ID: "huong-tro-cap-that-nghiep", Code: "1.001978", Title: "Giải quyết hưởng trợ cấp thất nghiệp",
			Aliases: []string{"lĩnh bảo hiểm thất nghiệp", "nhận trợ cấp khi nghỉ việc"},
			Where:   "Trung tâm Dịch vụ việc làm Hà Nội.",
		},
	}
}

// Run runs the suite. open must return a new, empty index each time it is
// called; Run closes it when the subtest ends.
func Run(t *testing.T, open func(t *testing.T) knowledge.Index) {
	ctx := context.Background()
	fresh := func(t *testing.T) knowledge.Index {
		t.Helper()
		idx := open(t)
		t.Cleanup(func() {
			if err := idx.Close(); err != nil {
				t.Errorf("Close: %v", err)
			}
		})
		if err := idx.Upsert(ctx, Guides()...); err != nil {
			t.Fatalf("Upsert: %v", err)
		}
		return idx
	}

	t.Run("count", func(t *testing.T) {
		idx := fresh(t)
		wantCount(t, idx, len(Guides()))
	})

	t.Run("upsert is idempotent", func(t *testing.T) {
		idx := fresh(t)
		if err := idx.Upsert(ctx, Guides()...); err != nil {
			t.Fatal(err)
		}
		wantCount(t, idx, len(Guides()))
	})

	t.Run("upsert nothing", func(t *testing.T) {
		idx := fresh(t)
		if err := idx.Upsert(ctx); err != nil {
			t.Fatalf("Upsert(): %v", err)
		}
		wantCount(t, idx, len(Guides()))
	})

	t.Run("sync", func(t *testing.T) {
		idx := fresh(t)
		gs := Guides()
		next := append([]knowledge.Guide(nil), gs[1:]...) // the first guide removed
		next[2].Title = "Cấp chứng chỉ hành nghề kiến trúc sư"
		next[2].Aliases = []string{"chứng chỉ kiến trúc sư"}
		if changed, err := idx.Sync(ctx, next, "fp-a"); err != nil || !changed {
			t.Fatalf("Sync with a new fingerprint = %v, %v; want changed", changed, err)
		}
		wantCount(t, idx, len(gs)-1)
		wantFirst(t, "kiến trúc sư", search(t, idx, "kiến trúc sư", 0), next[2].ID)
		for _, h := range search(t, idx, gs[0].Title, 0) {
			if h.GuideID == gs[0].ID {
				t.Errorf("removed guide %s still found after Sync", gs[0].ID)
			}
		}
		if changed, err := idx.Sync(ctx, next, "fp-a"); err != nil || changed {
			t.Errorf("Sync with the same fingerprint = %v, %v; want unchanged", changed, err)
		}
	})

	t.Run("replace", func(t *testing.T) {
		idx := fresh(t)
		g := Guides()[3]
		g.Title = "Cấp chứng chỉ hành nghề kiến trúc sư"
		g.Aliases = []string{"chứng chỉ kiến trúc sư"}
		g.Documents = nil
		if err := idx.Upsert(ctx, g); err != nil {
			t.Fatal(err)
		}
		wantCount(t, idx, len(Guides()))
		hits := search(t, idx, "kiến trúc sư", 0)
		wantFirst(t, "kiến trúc sư", hits, g.ID)
		if hits[0].Title != g.Title {
			t.Errorf("Title after replace = %q, want %q", hits[0].Title, g.Title)
		}
		if id := firstID(search(t, idx, "bằng lái xe", 0)); id == g.ID {
			t.Errorf("old content of %s still found after replace", g.ID)
		}
	})

	t.Run("delete", func(t *testing.T) {
		idx := fresh(t)
		if err := idx.Delete(ctx, "cap-lai-the-can-cuoc", "no-such-guide"); err != nil {
			t.Fatalf("Delete: %v", err)
		}
		wantCount(t, idx, len(Guides())-1)
		for _, h := range search(t, idx, "căn cước", 0) {
			if h.GuideID == "cap-lai-the-can-cuoc" {
				t.Errorf("deleted guide still found: %+v", h)
			}
		}
		if err := idx.Delete(ctx); err != nil {
			t.Errorf("Delete(): %v", err)
		}
	})

	t.Run("queries", func(t *testing.T) {
		idx := fresh(t)
		tests := []struct{ name, q, want string }{
			{"accented", "đăng ký khai sinh", "dang-ky-khai-sinh"},
			{"unaccented", "dang ky khai sinh", "dang-ky-khai-sinh"},
			{"upper case", "ĐĂNG KÝ KHAI SINH", "dang-ky-khai-sinh"},
			{"i/y spelling", "đăng kí khai sinh", "dang-ky-khai-sinh"},
			{"abbreviation dk ks", "dk ks cho con", "dang-ky-khai-sinh"},
			{"abbreviation cccd", "lam lai cccd bi mat", "cap-lai-the-can-cuoc"},
			{"abbreviation gplx", "doi gplx", "cap-doi-giay-phep-lai-xe"},
			{"bigram beats scattered syllables", "khai sinh", "dang-ky-khai-sinh"},
			{"question fillers", "cho em hỏi đăng ký tạm trú ở đâu ạ", "dang-ky-tam-tru"},
			{"unaccented long question", "nghi viec roi thi linh tro cap that nghiep o dau", "huong-tro-cap-that-nghiep"},
			{"khai báo is lưu trú", "khai báo lưu trú cho sinh viên", "thong-bao-luu-tru"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				hits := search(t, idx, tt.q, 0)
				wantFirst(t, tt.q, hits, tt.want)
				wantOrdered(t, hits)
				h := hits[0]
				if h.Title == "" || h.Code == "" || h.Score <= 0 {
					t.Errorf("hit %+v: want Title, Code and a positive Score", h)
				}
			})
		}
	})

	t.Run("matched fields", func(t *testing.T) {
		idx := fresh(t)
		hits := search(t, idx, "thông báo lưu trú", 0)
		wantFirst(t, "thông báo lưu trú", hits, "thong-bao-luu-tru")
		if !contains(hits[0].Fields, "title") {
			t.Errorf("Fields = %q, want it to name title", hits[0].Fields)
		}
	})

	t.Run("no match", func(t *testing.T) {
		idx := fresh(t)
		if hits := search(t, idx, "xyzzyqwv", 0); len(hits) != 0 {
			t.Errorf("nonsense query got %d hits: %+v", len(hits), hits)
		}
	})

	t.Run("empty query", func(t *testing.T) {
		idx := fresh(t)
		for _, q := range []string{"", "   ", "?!..."} {
			if hits := search(t, idx, q, 0); len(hits) != 0 {
				t.Errorf("Search(%q) = %d hits, want none", q, len(hits))
			}
		}
	})

	t.Run("limit", func(t *testing.T) {
		idx := fresh(t)
		if hits := search(t, idx, "cấp đăng ký công an", 2); len(hits) != 2 {
			t.Errorf("Limit 2: got %d hits, want 2", len(hits))
		}
		if hits := search(t, idx, "cấp đăng ký công an khai báo", 0); len(hits) < 3 || len(hits) > 10 {
			t.Errorf("Limit 0: got %d hits, want 3..10", len(hits))
		}
	})
}

func search(t *testing.T, idx knowledge.Index, q string, limit int) []knowledge.Hit {
	t.Helper()
	hits, err := idx.Search(context.Background(), knowledge.Query{Text: q, Limit: limit})
	if err != nil {
		t.Fatalf("Search(%q): %v", q, err)
	}
	return hits
}

func wantCount(t *testing.T, idx knowledge.Index, want int) {
	t.Helper()
	n, err := idx.Count(context.Background())
	if err != nil {
		t.Fatalf("Count: %v", err)
	}
	if n != want {
		t.Errorf("Count = %d, want %d", n, want)
	}
}

func wantFirst(t *testing.T, q string, hits []knowledge.Hit, id string) {
	t.Helper()
	if got := firstID(hits); got != id {
		t.Fatalf("Search(%q): first = %q, want %q (hits %v)", q, got, id, ids(hits))
	}
}

func wantOrdered(t *testing.T, hits []knowledge.Hit) {
	t.Helper()
	for i := 1; i < len(hits); i++ {
		if hits[i].Score > hits[i-1].Score {
			t.Errorf("hits not ordered by score: %v", hits)
			return
		}
	}
}

func firstID(hits []knowledge.Hit) string {
	if len(hits) == 0 {
		return ""
	}
	return hits[0].GuideID
}

func ids(hits []knowledge.Hit) []string {
	out := make([]string, len(hits))
	for i, h := range hits {
		out[i] = h.GuideID
	}
	return out
}

func contains(s []string, x string) bool {
	for _, v := range s {
		if v == x {
			return true
		}
	}
	return false
}
