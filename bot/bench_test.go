package bot_test

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"sort"
	"strings"
	"testing"
	"time"

	"botdvc/bot"
	"botdvc/knowledge"
	"botdvc/knowledge/catalog"
	"botdvc/knowledge/guides"
)

// benchQuestions are the questions of a question set: the dev set
// (../shared/eval/dev.tsv: short, varied phrasing, with and without
// diacritics) or the real citizens' questions (real-dev.tsv: long stories).
func benchQuestions(b *testing.B, set string) []string {
	f, err := os.Open("../../shared/eval/" + set)
	if err != nil {
		b.Skipf("question set: %v", err)
	}
	defer f.Close()
	var qs []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if q, _, _ := strings.Cut(sc.Text(), "\t"); q != "" && q != "question" {
			qs = append(qs, q)
		}
	}
	return qs
}

// BenchmarkAnswer measures Engine.Answer alone (search in an in-memory
// bleve index, ranking, composing, in-memory sessions) over the dev
// questions, each in a fresh conversation. It reports answers per second
// and the 50th and 99th percentile latency. "catalog-real" asks the real
// citizens' questions (long stories, several searches each). Each question
// is asked once before the clock starts, as in a service that has been
// running: the first answer that meets a guide builds its cached profile
// (names, word sets), and with the catalogue's 2,600 guides those first
// builds would otherwise be most of the 99th percentile.
//
//	go test ./bot -run '^$' -bench Answer -benchtime 2000x
func BenchmarkAnswer(b *testing.B) {
	curated, err := guides.Load()
	if err != nil {
		b.Fatal(err)
	}
	b.Run("curated", func(b *testing.B) { benchAnswer(b, curated, "dev.tsv") })
	cat, _, err := catalog.ReadFile("../../shared/data/dvcqg-procedures.jsonl.gz", nil)
	if err != nil {
		b.Skipf("catalogue: %v", err)
	}
	all := knowledge.Merge(curated, cat)
	b.Run("catalog", func(b *testing.B) { benchAnswer(b, all, "dev.tsv") })
	b.Run("catalog-real", func(b *testing.B) { benchAnswer(b, all, "real-dev.tsv") })
}

func benchAnswer(b *testing.B, gs []knowledge.Guide, set string) {
	qs := benchQuestions(b, set)
	e := MustOpenEngine(b, gs, bot.NewMemorySessions(time.Hour))
	ctx := context.Background()
	for i, q := range qs {
		if _, err := e.Answer(ctx, bot.Message{Channel: bot.Web, UserID: fmt.Sprint("warm", i), Kind: bot.KindText, Text: q}); err != nil {
			b.Fatal(err)
		}
	}
	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	start := time.Now()
	for i := 0; i < b.N; i++ {
		t0 := time.Now()
		if _, err := e.Answer(ctx, bot.Message{Channel: bot.Web, UserID: fmt.Sprint(i), Kind: bot.KindText, Text: qs[i%len(qs)]}); err != nil {
			b.Fatal(err)
		}
		lat = append(lat, time.Since(t0))
	}
	total := time.Since(start)
	b.StopTimer()
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	pct := func(p float64) float64 { return float64(lat[int(p*float64(len(lat)-1))].Microseconds()) / 1000 }
	b.ReportMetric(float64(b.N)/total.Seconds(), "answers/s")
	b.ReportMetric(pct(0.50), "p50-ms")
	b.ReportMetric(pct(0.99), "p99-ms")
}

// BenchmarkReweigh measures what a published guide change costs an
// instance: botd builds one engine (channels, /api/v1/ask, botctl and the
// editors' preview share it), so one Reweigh per change.
//
//	go test ./bot -run '^$' -bench Reweigh -benchtime 5x
func BenchmarkReweigh(b *testing.B) {
	_, all := withCatalogue(b)
	e := MustOpenEngine(b, all, bot.NewMemorySessions(time.Hour))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		e.Reweigh()
	}
}
