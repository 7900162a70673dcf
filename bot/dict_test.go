package bot_test

import (
	"context"
	"testing"

	"botdvc/bot"
	"botdvc/knowledge"
	"botdvc/knowledge/bleveindex"
	"botdvc/knowledge/vntext"
)

// TestSetDict: an editor's synonym rule, given to the index and the engine
// at run time, makes a new colloquial name answer.
func TestSetDict(t *testing.T) {
	gs := fixtureGuides()
	idx, err := bleveindex.Open("")
	if err != nil {
		t.Fatal(err)
	}
	defer idx.Close()
	if err := idx.Upsert(context.Background(), gs...); err != nil {
		t.Fatal(err)
	}
	e := bot.NewEngine(idx, knowledge.NewLibrary(gs...), bot.NewMemorySessions(0))
	ask := func(user string) bot.Reply {
		r, err := e.Answer(context.Background(), bot.Message{Channel: bot.CLI, UserID: user, Kind: bot.KindText, Text: "xin giấy chào đời cho bé"})
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	if r := ask("u1"); r.Action == bot.ActionAnswer && r.GuideID == "dang-ky-khai-sinh" {
		t.Fatal("fixture: the slang already answers without the rule")
	}
	d, err := vntext.DefaultDict().With("giấy chào đời => đăng ký khai sinh")
	if err != nil {
		t.Fatal(err)
	}
	if err := idx.SetDict(context.Background(), d); err != nil {
		t.Fatal(err)
	}
	e.SetDict(d)
	if r := ask("u2"); r.Action != bot.ActionAnswer || r.GuideID != "dang-ky-khai-sinh" {
		t.Errorf("with the rule: %s %s, want an answer from dang-ky-khai-sinh", r.Action, r.GuideID)
	}
}
