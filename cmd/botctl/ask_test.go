package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io/fs"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"

	"botdvc/bot"
	"botdvc/editor"
	"botdvc/internal/natstest"
	"botdvc/knowledge"
	"botdvc/knowledge/bleveindex"
	"botdvc/knowledge/guides"
	"botdvc/webhooks"
)

// askKeys are the fields of the ask --json contract (../shared/DESIGN.md).
var askKeys = []string{"query", "action", "guide_id", "code", "aspect", "confidence", "candidates", "text"}

func checkAskJSON(t *testing.T, line string) bot.AskResult {
	t.Helper()
	var m map[string]json.RawMessage
	if err := json.Unmarshal([]byte(line), &m); err != nil {
		t.Fatalf("not one JSON object: %v: %q", err, line)
	}
	for _, k := range askKeys {
		if _, ok := m[k]; !ok {
			t.Errorf("lacks %q: %s", k, line)
		}
	}
	var r bot.AskResult
	_ = json.Unmarshal([]byte(line), &r)
	return r
}

// TestAskArgument: `botctl ask "câu hỏi"` answers its argument (issue 15: it
// ignored it and printed nothing), flags may follow the question, and
// --json prints the contract object.
func TestAskArgument(t *testing.T) {
	code, out, errb := runBotctl(t, "ask", "làm hộ chiếu ở đâu")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errb)
	}
	if !strings.HasPrefix(out, "> làm hộ chiếu ở đâu\n(answer cap-ho-chieu-pho-thong [place]") {
		t.Errorf("readable answer:\n%s", out)
	}
	code, out, errb = runBotctl(t, "ask", "làm", "hộ", "chiếu", "ở", "đâu", "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errb)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 1 {
		t.Fatalf("%d lines for one question:\n%s", len(lines), out)
	}
	r := checkAskJSON(t, lines[0])
	if r.Query != "làm hộ chiếu ở đâu" || r.Action != bot.ActionAnswer || r.GuideID != "cap-ho-chieu-pho-thong" || r.Aspect != bot.AspectPlace {
		t.Errorf("answer = %+v", r)
	}
	if code, _, _ := runBotctl(t, "ask", "--json", "--", "-câu hỏi bắt đầu bằng gạch"); code != 0 {
		t.Errorf("a question after -- : exit %d", code)
	}
}

// TestAskURL: ask, eval and chat with --url answer from a running service's
// published guides (here an editors' store on embedded NATS, a guide edited
// and published, an engine following it, served by the real /api/v1/ask on
// loopback); without --url the bundled corpus answers, without the edit.
func TestAskURL(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	js := natstest.JetStream(t)
	natstest.Declare(t, js, editor.Streams(0), editor.Buckets()...)
	gs, err := guides.Load()
	if err != nil {
		t.Fatal(err)
	}
	raw := map[string][]byte{}
	for _, g := range gs {
		raw[g.ID], _ = fs.ReadFile(guides.FS, g.ID+".md")
	}
	st, err := editor.Open(ctx, js, raw)
	if err != nil {
		t.Fatal(err)
	}
	idx, err := bleveindex.Open("")
	if err != nil {
		t.Fatal(err)
	}
	defer idx.Close()
	if err := idx.Upsert(ctx, gs...); err != nil {
		t.Fatal(err)
	}
	lib := knowledge.NewLibrary(gs...)
	ready := make(chan struct{})
	go st.Follow(ctx, editor.Target{Library: lib, Index: idx}, slog.New(slog.DiscardHandler), func() { close(ready) })
	<-ready

	const id, question = "cap-lai-the-can-cuoc", "làm lại căn cước bị mất hết bao nhiêu tiền"
	const marker = "Lệ phí đã xuất bản 12345 đồng."
	md := strings.Replace(string(raw[id]), "fee: |\n", "fee: |\n  "+marker+"\n", 1)
	if md == string(raw[id]) {
		t.Fatal("fixture: could not edit the fee")
	}
	if _, err := st.SaveDraft(ctx, id, md, "bientap"); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Publish(ctx, id, "bientap"); err != nil {
		t.Fatal(err)
	}
	engine := bot.NewEngine(idx, lib, bot.NewMemorySessions(time.Hour))
	natstest.CheckFor(t, 2*time.Second, 20*time.Millisecond, func() error {
		if g, _ := lib.Get(id); !strings.Contains(g.Fee, marker) {
			return os.ErrNotExist
		}
		return nil
	})
	app := fiber.New(fiber.Config{DisableStartupMessage: true})
	webhooks.NewAsk(engine.Answer).Mount(app)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go app.Listener(ln)
	defer app.Shutdown()
	url := "http://" + ln.Addr().String()

	code, out, errb := runBotctl(t, "ask", "--url", url, "--json", question)
	if code != 0 {
		t.Fatalf("ask --url: exit %d: %s", code, errb)
	}
	r := checkAskJSON(t, strings.TrimSpace(out))
	if r.GuideID != id || !strings.Contains(r.Text, marker) {
		t.Errorf("ask --url did not answer from the published guide: %+v", r)
	}
	if strings.Count(out, "\n") != 1 {
		t.Errorf("want one line, got:\n%s", out)
	}
	if len(r.Links) != 1 || r.Links[0].Title != "Xem trang chính thức" || !strings.HasPrefix(r.Links[0].URL, "https://") {
		t.Errorf("the answer's links (the official page): %+v", r.Links)
	}
	_, local, _ := runBotctl(t, "ask", question)
	if strings.Contains(local, marker) || !strings.Contains(local, id) {
		t.Errorf("without --url the bundled guide should answer:\n%s", local)
	}
	// The readable answer prints the official page as the local one does.
	_, remote, _ := runBotctl(t, "ask", "--url", url, question)
	if !strings.Contains(remote, "\nXem trang chính thức: https://") || !strings.Contains(local, "\nXem trang chính thức: https://") {
		t.Errorf("the official link is missing:\n--url:\n%s\nlocal:\n%s", remote, local)
	}

	// eval and chat take --url the same way.
	tsv := filepath.Join(t.TempDir(), "q.tsv")
	os.WriteFile(tsv, []byte("question\texpect\taspect\ttags\n"+question+"\t"+id+"\tfee\tthử\n"), 0o644)
	code, out, errb = runBotctl(t, "eval", tsv, "--url", url)
	if code != 0 || !strings.Contains(out, "accuracy 1.000 over 1 questions") {
		t.Errorf("eval --url: exit %d\n%s%s", code, out, errb)
	}
	var cout, cerr bytes.Buffer
	if code := Main(ctx, []string{"chat", "--url", url}, strings.NewReader(question+"\n"), &cout, &cerr); code != 0 || !strings.Contains(cout.String(), marker) {
		t.Errorf("chat --url: exit %d\n%s%s", code, cout.String(), cerr.String())
	}
	// Asking something that is not a botd fails with a message that says so.
	if code, _, errb := runBotctl(t, "ask", "--url", url+"/nowhere", "xin chào"); code != 1 || !strings.Contains(errb, "is it a botd?") {
		t.Errorf("wrong --url: exit %d, %q", code, errb)
	}
	if code, _, errb := runBotctl(t, "ask", "--url", url, "--guides", ".", "x"); code != 1 || !strings.Contains(errb, "leave out --guides") {
		t.Errorf("--url with --guides: exit %d, %q", code, errb)
	}
}
