package bleveindex

// Benchmarks: index build and query latency at catalogue scale (2,642
// national procedures + the bundled guides) and on a synthetic 20,000-guide
// corpus. Figures and the command line are in doc/search.md.
//
//	go test ./knowledge/bleveindex -run '^$' -bench . -benchtime 3x

import (
	"bufio"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"runtime"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"botdvc/knowledge"
	"botdvc/knowledge/guides"
	"botdvc/knowledge/vntext"
)

const catalogFile = "../../../shared/data/dvcqg-procedures.jsonl.gz"

// loadCatalog reads the national catalogue with a minimal local reader (the
// real importer lives elsewhere): code, name, dossier and steps only.
func loadCatalog(tb testing.TB) []knowledge.Guide {
	tb.Helper()
	f, err := os.Open(catalogFile)
	if err != nil {
		tb.Skipf("catalogue not available: %v", err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		tb.Fatal(err)
	}
	var out []knowledge.Guide
	sc := bufio.NewScanner(zr)
	sc.Buffer(make([]byte, 0, 1<<20), 16<<20)
	for sc.Scan() {
		var r struct {
			Code  string `json:"ma_thu_tuc"`
			Name  string `json:"ten_thu_tuc"`
			Docs  string `json:"thanh_phan_ho_so"`
			Steps string `json:"trinh_tu_thuc_hien"`
		}
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			tb.Fatalf("catalogue line %d: %v", len(out)+1, err)
		}
		out = append(out, knowledge.Guide{
			ID: "catalog-" + strings.ReplaceAll(r.Code, ".", "-"), Code: r.Code, Title: r.Name,
			Documents: []string{r.Docs}, Steps: []string{r.Steps}, Source: knowledge.SourceCatalog,
		})
	}
	if err := sc.Err(); err != nil {
		tb.Fatal(err)
	}
	return out
}

// benchCorpus is the catalogue plus every bundled guide that parses.
var benchCorpus = sync.OnceValues(func() ([]knowledge.Guide, error) {
	curated, _, err := guides.Check()
	return curated, err
})

func catalogCorpus(tb testing.TB) []knowledge.Guide {
	cat := loadCatalog(tb)
	curated, err := benchCorpus()
	if err != nil {
		tb.Logf("bundled corpus: %v", err)
	}
	return append(slices.Clone(curated), cat...)
}

// syntheticCorpus builds n guides by recombining the catalogue's titles and
// text deterministically: realistic vocabulary, n documents.
func syntheticCorpus(tb testing.TB, n int) []knowledge.Guide {
	cat := loadCatalog(tb)
	rng := rand.New(rand.NewPCG(1, 2))
	out := make([]knowledge.Guide, n)
	for i := range out {
		a, b := cat[rng.IntN(len(cat))], cat[rng.IntN(len(cat))]
		ta, tb2 := strings.Fields(a.Title), strings.Fields(b.Title)
		title := strings.Join(append(ta[:len(ta)/2+1:len(ta)/2+1], tb2[len(tb2)/2:]...), " ")
		out[i] = knowledge.Guide{
			ID: fmt.Sprintf("synthetic-%05d", i), Code: fmt.Sprintf("9.%06d", i), Title: title,
			Documents: a.Documents, Steps: b.Steps, Source: knowledge.SourceCatalog,
		}
	}
	return out
}

// queries returns a few hundred varied questions for a corpus: citizen
// phrasings, titles with and without diacritics, title fragments, words
// with typos, and long chatty questions.
func queries(corpus []knowledge.Guide, n int) []string {
	rng := rand.New(rand.NewPCG(3, 4))
	base := []string{
		"lam lai cccd bi mat o dau", "đăng kí khai sinh cho con", "dk tam tru online", "sổ đỏ", "CĂN CƯỚC BỊ MẤT",
		"cho em hỏi đăng ký kết hôn cần giấy tờ gì ạ", "doi bang lai xe het han", "xin lltp tren vneid",
		"nghỉ việc thì lĩnh trợ cấp thất nghiệp ở đâu", "thu tuc thanh lap cong ty tnhh", "giay phep xay dung nha o",
		"khai tu cho nguoi than", "quyet toan thue tncn", "tra cuu ho so da nop", "dang ky khai sihn",
		"cấp lại giấy chứng nhận quyền sử dụng đất bị mất", "giải quyết khiếu nại", "1.001193", "mst ca nhan",
		"đăng ký xe máy mới mua", "hộ chiếu phổ thông", "chứng thực bản sao", "bhxh một lần", "thẻ bhyt bị mất",
	}
	out := slices.Clone(base)
	for len(out) < n {
		g := corpus[rng.IntN(len(corpus))]
		w := strings.Fields(g.Title)
		switch rng.IntN(5) {
		case 0: // full title
			out = append(out, g.Title)
		case 1: // folded fragment
			i := rng.IntN(len(w))
			out = append(out, vntext.Fold(strings.Join(w[i:min(len(w), i+3)], " ")))
		case 2: // fragment with a typo (swap two letters of a long word)
			f := []rune(vntext.Fold(strings.Join(w[:min(len(w), 4)], " ")))
			if len(f) > 4 {
				j := 1 + rng.IntN(len(f)-3)
				f[j], f[j+1] = f[j+1], f[j]
			}
			out = append(out, string(f))
		case 3: // chatty question
			out = append(out, "cho em hỏi thủ tục "+strings.ToLower(strings.Join(w[:min(len(w), 5)], " "))+" cần những gì ạ")
		default: // upper case, few words
			out = append(out, strings.ToUpper(strings.Join(w[:min(len(w), 2)], " ")))
		}
	}
	return out
}

// cpuTime is the process's user+system CPU time: on a shared 2-core
// machine wall-clock figures include time spent waiting for a core, CPU
// time does not.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func heapMB() float64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return float64(m.HeapInuse) / (1 << 20)
}

func benchBuild(b *testing.B, corpus []knowledge.Guide, disk bool) {
	ctx := context.Background()
	before := heapMB()
	var heap float64
	var cpu time.Duration
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		c0 := cpuTime()
		dir := ""
		if disk {
			dir = fmt.Sprintf("%s/idx%d", b.TempDir(), i)
		}
		idx, err := Open(dir)
		if err != nil {
			b.Fatal(err)
		}
		if err := idx.Upsert(ctx, corpus...); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		cpu += cpuTime() - c0
		heap = heapMB() - before
		if err := idx.Close(); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
	}
	b.ReportMetric(float64(len(corpus)), "guides")
	b.ReportMetric(heap, "heapMB")
	b.ReportMetric(cpu.Seconds()/float64(b.N), "cpu_s/op")
}

func benchQuery(b *testing.B, corpus []knowledge.Guide) {
	ctx := context.Background()
	idx, err := Open("")
	if err != nil {
		b.Fatal(err)
	}
	defer idx.Close()
	if err := idx.Upsert(ctx, corpus...); err != nil {
		b.Fatal(err)
	}
	qs := queries(corpus, 400)
	lat := make([]time.Duration, 0, b.N*len(qs))
	b.ReportAllocs()
	b.ResetTimer()
	c0 := cpuTime()
	for i := 0; i < b.N; i++ { // one op = the whole query set
		for _, q := range qs {
			t0 := time.Now()
			if _, err := idx.Search(ctx, knowledge.Query{Text: q, Limit: 5}); err != nil {
				b.Fatal(err)
			}
			lat = append(lat, time.Since(t0))
		}
	}
	b.StopTimer()
	cpu := cpuTime() - c0
	slices.Sort(lat)
	pct := func(p float64) float64 { return float64(lat[int(p*float64(len(lat)-1))].Microseconds()) / 1000 }
	b.ReportMetric(float64(len(qs)), "queries/op")
	b.ReportMetric(pct(0.50), "p50_ms")
	b.ReportMetric(pct(0.99), "p99_ms")
	b.ReportMetric(pct(1), "max_ms")
	b.ReportMetric(float64(cpu.Microseconds())/1000/float64(len(lat)), "cpu_ms/query")
}

func BenchmarkBuildCatalogMemory(b *testing.B) { benchBuild(b, catalogCorpus(b), false) }
func BenchmarkBuildCatalogDisk(b *testing.B)   { benchBuild(b, catalogCorpus(b), true) }
func BenchmarkQueryCatalog(b *testing.B)       { benchQuery(b, catalogCorpus(b)) }
func BenchmarkBuildSynthetic20k(b *testing.B)  { benchBuild(b, syntheticCorpus(b, 20000), false) }
func BenchmarkQuerySynthetic20k(b *testing.B)  { benchQuery(b, syntheticCorpus(b, 20000)) }
