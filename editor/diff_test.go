package editor

import "testing"

func TestDiff(t *testing.T) {
	d := Diff("a\nb\nc\n", "a\nx\nc\nd\n")
	want := []DiffLine{{' ', "a"}, {'-', "b"}, {'+', "x"}, {' ', "c"}, {'+', "d"}}
	if len(d) != len(want) {
		t.Fatalf("Diff = %q, want %q", d, want)
	}
	for i := range want {
		if d[i] != want[i] {
			t.Errorf("line %d = %q, want %q", i, d[i], want[i])
		}
	}
	if Changed(Diff("a\nb", "a\nb\n")) {
		t.Error("a trailing newline counts as a change")
	}
}
