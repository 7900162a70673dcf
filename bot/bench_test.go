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

// benchQuestions are the dev set's questions (../shared/eval/dev.tsv):
// varied citizen phrasing, with and without diacritics.
func benchQuestions(b *testing.B) []string {
	f, err := os.Open("../../shared/eval/dev.tsv")
	if err != nil {
		b.Skipf("dev set: %v", err)
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
// and the 50th and 99th percentile latency.
//
//	go test ./bot -run '^$' -bench Answer -benchtime 2000x
func BenchmarkAnswer(b *testing.B) {
	curated, err := guides.Load()
	if err != nil {
		b.Fatal(err)
	}
	b.Run("curated", func(b *testing.B) { benchAnswer(b, curated) })
	b.Run("catalog", func(b *testing.B) {
		cat, _, err := catalog.ReadFile("../../shared/data/dvcqg-procedures.jsonl.gz", nil)
		if err != nil {
			b.Skipf("catalogue: %v", err)
		}
		benchAnswer(b, knowledge.Merge(curated, cat))
	})
}

func benchAnswer(b *testing.B, gs []knowledge.Guide) {
	qs := benchQuestions(b)
	e := MustOpenEngine(b, gs, bot.NewMemorySessions(time.Hour))
	ctx := context.Background()
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
