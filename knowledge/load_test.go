package knowledge

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
)

func TestLoadDir(t *testing.T) {
	dir := t.TempDir()
	write := func(name, data string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("dang-ky-khai-sinh.md", validGuide)
	other := strings.NewReplacer("id: dang-ky-khai-sinh", "id: dang-ky-ket-hon", "faq:", "related:\n  - dang-ky-khai-sinh\n  - khong-ton-tai\nfaq:").Replace(validGuide)
	write("dang-ky-ket-hon.md", other)
	write("notes.txt", "not a guide")
	if err := os.Mkdir(filepath.Join(dir, "sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	write("sub/ignored.md", "not read")

	gs, err := LoadDir(dir)
	var pe ParseErrors
	if !errors.As(err, &pe) {
		t.Fatalf("LoadDir err = %v, want ParseErrors", err)
	}
	if len(pe) != 1 || pe[0].File != filepath.Join(dir, "dang-ky-ket-hon.md") || pe[0].Line != 31 || pe[0].Field != "related" ||
		!strings.Contains(pe[0].Msg, `unknown guide id "khong-ton-tai"`) {
		t.Errorf("problems = %v", pe)
	}
	if len(gs) != 2 || gs[0].ID != "dang-ky-ket-hon" || gs[1].ID != "dang-ky-khai-sinh" {
		t.Errorf("guides = %d, want the two sorted by id", len(gs))
	}

	// The duplicate code is a warning only: fix the related id and the set loads.
	write("dang-ky-ket-hon.md", strings.Replace(other, "  - khong-ton-tai\n", "", 1))
	gs, probs, err := CheckDir(dir)
	if err != nil || probs.Err() != nil {
		t.Fatalf("CheckDir: %v %v", err, probs)
	}
	if len(probs) != 1 || !probs[0].Warning || probs[0].Field != "code" {
		t.Errorf("want one duplicate-code warning, got %v", probs)
	}
	if _, err := LoadDir(dir); err != nil {
		t.Errorf("LoadDir with only warnings: %v", err)
	}

	if _, err := LoadDir(filepath.Join(dir, "missing")); err == nil || errors.As(err, &pe) {
		t.Errorf("LoadDir of a missing dir: %v", err)
	}
}

func TestLoadFS(t *testing.T) {
	fsys := fstest.MapFS{
		"g/dang-ky-khai-sinh.md": {Data: []byte(validGuide)},
		"g/bad.md":               {Data: []byte("no front matter")},
	}
	gs, err := LoadFS(fsys, "g")
	if err == nil || !strings.Contains(err.Error(), "g/bad.md:1: front matter: missing") {
		t.Errorf("LoadFS err = %v", err)
	}
	if len(gs) != 1 {
		t.Errorf("LoadFS returned %d guides, want the 1 that parsed", len(gs))
	}
	if _, err := LoadFS(fstest.MapFS{"g/x.txt": {}}, "g"); err == nil || !strings.Contains(err.Error(), "no *.md guide files") {
		t.Errorf("empty corpus: err = %v", err)
	}
}
