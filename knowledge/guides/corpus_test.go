package guides

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestLoadCorpus: the bundled guides without a catalogue; with one, its
// records (a bad line reported by number) merged after the curated guides.
func TestLoadCorpus(t *testing.T) {
	bundled, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	co, err := LoadCorpus("", "", nil)
	if err != nil || len(co.Curated) != len(bundled) || len(co.All()) != len(bundled) || co.Catalog != nil {
		t.Fatalf("no catalogue: %d curated, %d all, %v", len(co.Curated), len(co.All()), err)
	}
	rec := func(code, title string) string {
		return `{"ma_thu_tuc": "` + code + `", "ten_thu_tuc": "` + title + `", "detail_url": "https://dichvucong.gov.vn/thu-tuc-hanh-chinh/x", "linh_vuc": "Hộ tịch", "cap_thuc_hien": "Cấp xã", "cach_thuc_thuc_hien": "Hình thức nộpThời gianPhí, lệ phíMô tảTrực tiếp1 Ngày làm việcMiễn phí"}`
	}
	path := filepath.Join(t.TempDir(), "catalogue.jsonl")
	lines := []string{rec("9.000001", "Thủ tục thử một"), `{"ten_thu_tuc": "Không có mã"}`, rec("9.000003", "Thủ tục thử ba")}
	if err := os.WriteFile(path, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	co, err = LoadCorpus("", path, nil)
	if err != nil || len(co.Catalog) != 2 || len(co.Problems) != 1 || co.Problems[0].Line != 2 || len(co.All()) != len(bundled)+2 {
		t.Fatalf("with a catalogue: %d records, problems %+v, %d all, %v", len(co.Catalog), co.Problems, len(co.All()), err)
	}
	if _, err := LoadCorpus("", filepath.Join(t.TempDir(), "missing.jsonl"), nil); err == nil || !strings.Contains(err.Error(), "catalogue") {
		t.Fatalf("a missing catalogue: %v", err)
	}
}
