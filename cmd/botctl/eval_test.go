package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"botdvc/bot"
	"botdvc/internal/evalset"
)

// TestScoreMatchesScorePy scores the same answers with score() and with
// ../shared/eval/score.py and expects the same output, byte for byte.
func TestScoreMatchesScorePy(t *testing.T) {
	py, err := exec.LookPath("python3")
	script := "../../../shared/eval/score.py"
	if _, serr := os.Stat(script); err != nil || serr != nil {
		t.Skip("python3 or score.py not available")
	}
	tsv := "question\texpect\taspect\ttags\n" +
		"làm căn cước\tcap-the-can-cuoc-lan-dau\tdocuments\t\n" +
		"lam can cuoc\tcap-the-can-cuoc-lan-dau\tfee\tnodiacritics abbrev\n" +
		"căn cước\ta|b|c\t-\tambiguous\n" +
		"sổ đỏ\ta|b\t-\tambiguous\n" +
		"đổi cccd\tx,y\tplace\tabbrev\n" +
		"it's \"quoted\"\tx\t\t\n" +
		"xin chào\t@greeting\t-\t\n" +
		"gặp người\t@handoff\t-\thuman\n" +
		"\tskipped\t\t\n" +
		"thời tiết\t@fallback\n"
	answers := []bot.AskResult{
		{Action: "answer", GuideID: "cap-the-can-cuoc-lan-dau", Aspect: "documents"},
		{Action: "answer", GuideID: "cap-the-can-cuoc-lan-dau", Aspect: "steps"},
		{Action: "clarify", Candidates: []bot.Candidate{{GuideID: "z"}, {GuideID: "b"}}},
		{Action: "answer", GuideID: "a"},
		{Action: "clarify", Candidates: []bot.Candidate{{GuideID: "q"}, {GuideID: "w"}, {GuideID: "e"}, {GuideID: "y"}}, Aspect: "place"},
		{Action: "clarify", Candidates: []bot.Candidate{{GuideID: "x"}}},
		{Action: "greeting"},
		{Action: "fallback"},
		{Action: "fallback"},
	}
	dir := t.TempDir()
	qf, af := filepath.Join(dir, "q.tsv"), filepath.Join(dir, "a.jsonl")
	if err := os.WriteFile(qf, []byte(tsv), 0o644); err != nil {
		t.Fatal(err)
	}
	var jl bytes.Buffer
	for _, a := range answers {
		if a.Candidates == nil {
			a.Candidates = []bot.Candidate{}
		}
		b, _ := json.Marshal(a)
		jl.Write(append(b, '\n'))
	}
	if err := os.WriteFile(af, jl.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	want, err := exec.Command(py, script, qf, af, "--show-misses").Output()
	if err != nil {
		t.Fatalf("score.py: %v", err)
	}
	rows, err := evalset.Read(qf)
	if err != nil {
		t.Fatal(err)
	}
	var got bytes.Buffer
	evalset.Summarize(&got, rows, answers, evalset.ByGuide, true)
	if got.String() != string(want) {
		t.Errorf("score() differs from score.py\n--- got\n%s--- want\n%s", got.String(), want)
	}
}

// TestAskJSON runs `botctl ask --json` over the bundled corpus and checks
// the contract: one object per input line with every field present.
func TestAskJSON(t *testing.T) {
	in := "Làm căn cước lần đầu cần những gì?\nxin chào\ncăn cước\n\n"
	var out, errb bytes.Buffer
	if code := Main(context.Background(), []string{"ask", "--json"}, strings.NewReader(in), &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 4 {
		t.Fatalf("%d lines for 4 questions:\n%s", len(lines), out.String())
	}
	keys := []string{"query", "action", "guide_id", "code", "aspect", "confidence", "candidates", "text", "options", "links"}
	for i, l := range lines {
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("line %d: %v", i+1, err)
		}
		for _, k := range keys {
			if _, ok := m[k]; !ok {
				t.Errorf("line %d lacks %q: %s", i+1, k, l)
			}
		}
	}
	var first bot.AskResult
	_ = json.Unmarshal([]byte(lines[0]), &first)
	if first.Action != bot.ActionAnswer || first.GuideID != "cap-the-can-cuoc-lan-dau" || first.Aspect != bot.AspectDocuments || first.Code == "" {
		t.Errorf("first answer = %+v", first)
	}
	// Options: the other aspects of the procedure, then the feedback taps.
	var payloads []string
	for _, o := range first.Options {
		payloads = append(payloads, o.Payload)
	}
	if !slices.Contains(payloads, "aspect:fee:cap-the-can-cuoc-lan-dau") || !slices.Contains(payloads, "feedback:up") ||
		!slices.Contains(payloads, "feedback:down") || slices.Contains(payloads, "aspect:documents:cap-the-can-cuoc-lan-dau") {
		t.Errorf("first answer's options = %v", payloads)
	}
}
