package main

import (
	"context"
	"os"
	"testing"
	"time"

	"botdvc/bot"
	"botdvc/knowledge"
	"botdvc/knowledge/bleveindex"
	"botdvc/knowledge/guides"
)

// TestCatalogImporter loads the national catalogue the way the admin page's
// import does: a catalogue-only procedure then answers from its record, and
// a curated guide still answers what it covers.
func TestCatalogImporter(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a catalogue-sized index")
	}
	f, err := os.Open("../../../shared/data/dvcqg-procedures.jsonl.gz")
	if err != nil {
		t.Skipf("national catalogue not available: %v", err)
	}
	defer f.Close()
	curated, err := guides.Load()
	if err != nil {
		t.Fatal(err)
	}
	idx, err := bleveindex.Open("")
	if err != nil {
		t.Fatal(err)
	}
	defer idx.Close()
	ctx := context.Background()
	if err := idx.Upsert(ctx, curated...); err != nil {
		t.Fatal(err)
	}
	lib := knowledge.NewLibrary(curated...)
	e := bot.NewEngine(idx, lib, bot.NewMemorySessions(time.Minute))
	ask := func(text string) bot.Reply {
		r, err := e.Answer(ctx, bot.Message{Channel: bot.CLI, UserID: text, Kind: bot.KindText, Text: text})
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	const catalogOnly = "thủ tục cấp giấy phép chặt hạ cây xanh"
	if r := ask(catalogOnly); r.Action == bot.ActionAnswer {
		t.Fatalf("before the import %q answers %s", catalogOnly, r.GuideID)
	}
	seen := 0
	n, problems, err := catalogImporter(lib, idx, e.Reweigh, nil)(ctx, f, func(done int) { seen = done })
	if err != nil {
		t.Fatal(err)
	}
	if n < 2500 || seen < 2600 || len(problems) == 0 {
		t.Errorf("loaded %d, progress %d, problems %d", n, seen, len(problems))
	}
	if r := ask(catalogOnly); r.Action != bot.ActionAnswer || r.Code == "" {
		t.Errorf("after the import %q: %s %s, want an answer from a catalogue record", catalogOnly, r.Action, r.GuideID)
	}
	if r := ask("đăng ký khai sinh cho con cần giấy tờ gì"); r.GuideID != "dang-ky-khai-sinh" {
		t.Errorf("curated guide lost to the catalogue: %s", r.GuideID)
	}
}
