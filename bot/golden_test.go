package bot_test

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"botdvc/bot"
	"botdvc/knowledge/guides"
)

var update = flag.Bool("update", false, "rewrite the expected part of golden conversation files")

// separator splits a conversation file into the citizen's lines and the
// expected transcript (Caddy's adapt-test layout).
const separator = "----------"

// TestGoldenConversations plays each testdata/conversations/*.txt file
// against the bundled corpus in one session and compares the transcript
// with the part after the separator. Run with -update to rewrite it after
// a deliberate change, and read the diff.
func TestGoldenConversations(t *testing.T) {
	gs, err := guides.Load()
	if err != nil {
		t.Fatalf("bundled corpus: %v", err)
	}
	files, _ := filepath.Glob("testdata/conversations/*.txt")
	if len(files) == 0 {
		t.Fatal("no conversation files")
	}
	for _, file := range files {
		t.Run(strings.TrimSuffix(filepath.Base(file), ".txt"), func(t *testing.T) {
			data, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			input, want, _ := strings.Cut(string(data), separator+"\n")
			e := MustOpenEngine(t, gs, bot.NewMemorySessions(time.Hour))
			h := handler(e, &escalator{})
			var b strings.Builder
			sc := bufio.NewScanner(strings.NewReader(input))
			n := 0
			for sc.Scan() {
				line := sc.Text()
				if !strings.HasPrefix(line, "> ") {
					continue // comments and blank lines
				}
				n++
				text := strings.TrimPrefix(line, "> ")
				r, err := h(context.Background(), bot.Message{
					ID: fmt.Sprint(n), Channel: bot.Zalo, UserID: "golden", Kind: bot.KindText, Text: text,
				})
				if err != nil {
					t.Fatalf("turn %d %q: %v", n, text, err)
				}
				fmt.Fprintf(&b, "> %s\n%s\n", text, transcript(r))
			}
			got := b.String()
			if *update {
				if err := os.WriteFile(file, []byte(input+separator+"\n"+got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			if got != want {
				t.Errorf("conversation differs (run go test ./bot -run Golden -update and review the diff)\n--- got\n%s\n--- want\n%s", got, want)
			}
		})
	}
}

// transcript renders a reply for a golden file: the decision in brackets,
// the options, then the text. For answers only the first line (procedure
// and aspect) and the first 60 characters of the next non-empty one are kept, so that
// editing a guide's facts does not break the conversation tests.
func transcript(r bot.Reply) string {
	head := "[" + string(r.Action)
	for _, s := range []string{r.GuideID, string(r.Aspect)} {
		if s != "" {
			head += " " + s
		}
	}
	if r.Handoff != nil {
		head += " handoff=" + r.Handoff.Category
	}
	head += "]"
	for _, o := range r.Options {
		head += "\n(" + o.Label + " → " + o.Payload + ")"
	}
	text := r.Text
	if r.Action == bot.ActionAnswer {
		var keep []string
		for _, l := range strings.Split(text, "\n") {
			if l != "" && len(keep) < 2 {
				keep = append(keep, l)
			}
		}
		if len(keep) == 2 {
			if rs := []rune(keep[1]); len(rs) > 60 {
				keep[1] = string(rs[:60]) + "[…]"
			}
		}
		text = strings.Join(keep, "\n")
	}
	return head + "\n" + text + "\n"
}
