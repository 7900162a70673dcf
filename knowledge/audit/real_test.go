package audit

import (
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"botdvc/knowledge"
	"botdvc/knowledge/catalog"
	"botdvc/knowledge/guides"
)

// catalogueFile is the national catalogue beside the repository
// (../shared/data, see DESIGN.md); tests that need it skip without it.
const catalogueFile = "../../../shared/data/dvcqg-procedures.jsonl.gz"

var (
	realOnce sync.Once
	realCat  *Catalog
	realErr  error
)

func realCatalogue(t *testing.T) *Catalog {
	t.Helper()
	if testing.Short() {
		t.Skip("reads the whole national catalogue")
	}
	realOnce.Do(func() {
		recs, _, err := catalog.ReadFile(catalogueFile, nil)
		realCat, realErr = NewCatalog(recs), err
	})
	if realErr != nil {
		t.Skipf("national catalogue not available: %v", realErr)
	}
	return realCat
}

// The guides as they were before the fixes of issue 18, against the real
// catalogue: the audit flags what the fact-check found.
func TestRealCatalogueFlagsTheFactCheckFindings(t *testing.T) {
	cat := realCatalogue(t)
	dir := "testdata/guides-2026-12-03"
	gs, probs, err := knowledge.CheckDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range probs.Errors() {
		if !strings.Contains(p.Error(), "related") { // the copies' related guides are not in that directory
			t.Fatal(p)
		}
	}
	var in []Input
	for _, g := range gs {
		text, err := os.ReadFile(filepath.Join(dir, g.ID+".md"))
		if err != nil {
			t.Fatal(err)
		}
		in = append(in, Input{Guide: g, Text: string(text)})
	}
	fs := Run(in, Options{Today: today, Catalog: cat, Register: DefaultRegister()})
	has := func(guide string, kind Kind, doc, other string) bool {
		for _, f := range fs {
			if f.Guide == guide && f.Kind == kind && f.Doc == doc && (other == "" || f.Other == other) && f.Open() && f.Line > 0 {
				return true
			}
		}
		return false
	}
	for _, want := range []struct {
		guide       string
		kind        Kind
		doc, other  string
		description string
	}{
		{"cap-ho-chieu-pho-thong", FeeRate, "64/2025/TT-BTC", "25/2021/TT-BTC", "passport fee without the 50% rate of TT 64/2025"},
		{"cap-ho-chieu-pho-thong", MissingCircular, "64/2025/TT-BTC", "25/2021/TT-BTC", "passport legal basis without TT 64/2025"},
		{"cap-doi-the-can-cuoc", Amended, "73/2024/TT-BTC", "71/2025/TT-BTC", "căn cước change without TT 71/2025"},
		{"cap-lai-the-can-cuoc", Amended, "73/2024/TT-BTC", "71/2025/TT-BTC", "căn cước reissue without TT 71/2025"},
		{"cap-phieu-ly-lich-tu-phap", Replaced, "244/2016/TT-BTC", "16/2025/TT-BTC", "TT 244/2016 presented as in force"},
	} {
		if !has(want.guide, want.kind, want.doc, want.other) {
			t.Errorf("not flagged: %s (%s %s %s %s)", want.description, want.guide, want.kind, want.doc, want.other)
		}
	}
	if t.Failed() {
		for _, f := range fs {
			t.Log(f)
		}
	}
}

// The bundled guides against the real catalogue: every finding names a
// line of its file, and (after the fixes of issue 18) none is left open as
// of 2026-12-03. A guide edit that brings a stale fact back fails here.
func TestRealCatalogueBundledGuides(t *testing.T) {
	cat := realCatalogue(t)
	gs, err := guides.Load()
	if err != nil {
		t.Fatal(err)
	}
	var in []Input
	for _, g := range gs {
		text, err := guides.FS.ReadFile(filepath.Base(g.Path))
		if err != nil {
			t.Fatal(err)
		}
		in = append(in, Input{Guide: g, Text: string(text)})
	}
	for _, f := range Run(in, Options{Today: today, Catalog: cat, Register: DefaultRegister()}) {
		if f.Line <= 0 || f.File == "" {
			t.Errorf("finding without a file line: %v", f)
		}
		if f.Open() {
			t.Errorf("open finding: %v", f)
		}
	}
}

// BenchmarkNewCatalog indexes the whole national catalogue (read once).
func BenchmarkNewCatalog(b *testing.B) {
	recs, _, err := catalog.ReadFile(catalogueFile, nil)
	if err != nil {
		b.Skipf("national catalogue not available: %v", err)
	}
	b.ResetTimer()
	for b.Loop() {
		NewCatalog(recs)
	}
}
