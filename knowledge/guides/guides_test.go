package guides

import (
	"bufio"
	"os"
	"strings"
	"testing"

	"botdvc/knowledge"
)

// manifest lists the guides the bundled corpus must have (first column: id).
const manifest = "../../../shared/corpus/manifest.tsv"

// TestCorpusLints keeps `botctl lint` passing on the embedded corpus.
func TestCorpusLints(t *testing.T) {
	gs, probs, err := Check()
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range probs {
		if p.Warning {
			t.Logf("%v", p)
		} else {
			t.Errorf("%v", p)
		}
	}
	if len(gs) == 0 {
		t.Fatal("no guides embedded")
	}
	if _, err := Load(); err != nil && len(probs.Errors()) == 0 {
		t.Errorf("Load: %v", err)
	}
}

// TestCorpusCoversManifest checks that every manifest id has a guide, with
// the manifest's domain.
func TestCorpusCoversManifest(t *testing.T) {
	f, err := os.Open(manifest)
	if err != nil {
		t.Skipf("manifest not available: %v", err)
	}
	defer f.Close()
	gs, _, err := Check()
	if err != nil {
		t.Fatal(err)
	}
	lib := knowledge.NewLibrary(gs...)
	sc := bufio.NewScanner(f)
	line, ids := 0, 0
	for sc.Scan() {
		line++
		cols := strings.Split(sc.Text(), "\t")
		if line == 1 || len(cols) < 2 || strings.TrimSpace(cols[0]) == "" {
			continue // header or blank
		}
		ids++
		id, domain := strings.TrimSpace(cols[0]), strings.TrimSpace(cols[1])
		g, ok := lib.Get(id)
		if !ok {
			t.Errorf("manifest line %d: no guide %q (want %s/%s.md)", line, id, Dir, id)
			continue
		}
		if g.Domain != domain {
			t.Errorf("%s: domain %q, manifest says %q", g.Path, g.Domain, domain)
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if ids == 0 {
		t.Fatal("manifest has no ids")
	}
	t.Logf("%d manifest ids, %d guides", ids, lib.Len())
}
