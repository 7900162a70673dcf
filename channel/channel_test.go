package channel

import (
	"testing"
	"time"

	"botdvc/bot"
)

func TestRegistry(t *testing.T) {
	last := time.Date(2026, 12, 3, 9, 0, 0, 0, time.UTC)
	day := func(l time.Time) Window { return Window{Standard: l.Add(24 * time.Hour), Final: l.Add(48 * time.Hour)} }
	r := NewRegistry(Info{ID: "a", Label: "A"}, Info{ID: "b", Window: day}, Info{ID: "a", Label: "A2"})
	if got := r.IDs(); len(got) != 2 || got[0] != "a" || got[1] != "b" {
		t.Errorf("IDs = %v, want [a b] (a replaced in its place)", got)
	}
	for _, c := range []struct {
		ch   bot.Channel
		want string
	}{{"a", "A2"}, {"b", "b"}, {"x", "x"}} {
		if got := r.Label(c.ch); got != c.want {
			t.Errorf("Label(%s) = %q, want %q", c.ch, got, c.want)
		}
	}
	if w := r.Window("b", last); !w.Final.Equal(last.Add(48 * time.Hour)) {
		t.Errorf("Window(b) = %+v", w)
	}
	if w := r.Window("a", last); w != (Window{}) {
		t.Errorf("Window(a) = %+v, want none", w)
	}
	var none *Registry
	if none.Label("a") != "a" || none.Window("a", last) != (Window{}) || len(none.IDs()) != 0 {
		t.Error("a nil registry is not empty")
	}
}
