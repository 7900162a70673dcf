package editor

import (
	"botdvc/internal/natstest"

	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"

	"botdvc/bot"
	"botdvc/knowledge"
	"botdvc/knowledge/bleveindex"
	"botdvc/knowledge/guides"
	"botdvc/webauth"
)

// instance is one botd's worth of answering: a Library, a bleve index and an
// engine over them, following the editors' store.
type instance struct {
	lib    *knowledge.Library
	idx    *bleveindex.Index
	engine *bot.Engine
}

func baseFiles(t testing.TB) (map[string][]byte, []knowledge.Guide) {
	t.Helper()
	gs, err := guides.Load()
	if err != nil {
		t.Fatal(err)
	}
	raw := map[string][]byte{}
	for _, g := range gs {
		b, err := fs.ReadFile(guides.FS, g.ID+".md")
		if err != nil {
			t.Fatal(err)
		}
		raw[g.ID] = b
	}
	return raw, gs
}

func newInstance(t testing.TB, ctx context.Context, st *Store, gs []knowledge.Guide) *instance {
	t.Helper()
	idx, err := bleveindex.Open("")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { idx.Close() })
	if err := idx.Upsert(ctx, gs...); err != nil {
		t.Fatal(err)
	}
	lib := knowledge.NewLibrary(gs...)
	in := &instance{lib: lib, idx: idx, engine: bot.NewEngine(idx, lib, bot.NewMemorySessions(time.Hour))}
	ready := make(chan struct{})
	go st.Follow(ctx, Target{Library: lib, Index: idx}, discard(), func() { close(ready) })
	<-ready
	return in
}

func (in *instance) ask(t testing.TB, text string) bot.Reply {
	t.Helper()
	r, err := in.engine.Answer(context.Background(), bot.Message{Channel: bot.CLI, UserID: fmt.Sprint(time.Now().UnixNano()), Kind: bot.KindText, Text: text})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// TestPublishReachesOtherInstance runs two engine instances on one embedded
// NATS: an edit published through the editors' API on one is answered by the
// other within a second; a draft never reaches citizens; rollback restores
// the previous answer.
func TestPublishReachesOtherInstance(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	js := declaredJetStream(t)
	raw, gs := baseFiles(t)
	stA, err := Open(ctx, js, raw)
	if err != nil {
		t.Fatal(err)
	}
	stB, err := Open(ctx, js, raw)
	if err != nil {
		t.Fatal(err)
	}
	a := newInstance(t, ctx, stA, gs)
	b := newInstance(t, ctx, stB, gs)

	const question = "làm lại căn cước bị mất hết bao nhiêu tiền"
	const id = "cap-lai-the-can-cuoc"
	before := b.ask(t, question)
	if before.Action != bot.ActionAnswer || before.GuideID != id {
		t.Fatalf("before: %s %s, want an answer from %s", before.Action, before.GuideID, id)
	}
	const marker = "Lệ phí thử nghiệm biên tập 12345 đồng."

	app, user, pass := adminApp(t, &Admin{Store: stA, Live: func(ctx context.Context, text string) (bot.Reply, error) {
		return a.engine.Answer(ctx, bot.Message{Channel: bot.CLI, UserID: "preview", Kind: bot.KindText, Text: text})
	}, Preview: func(ctx context.Context, drafts []knowledge.Guide) (Asker, func(), error) {
		idx, err := bleveindex.Open("")
		if err != nil {
			return nil, nil, err
		}
		lib := knowledge.NewLibrary(a.lib.All()...)
		for _, d := range drafts {
			lib.Put(d)
		}
		if err := idx.Upsert(ctx, lib.All()...); err != nil {
			idx.Close()
			return nil, nil, err
		}
		e := bot.NewEngine(idx, lib, bot.NewMemorySessions(time.Minute))
		return func(ctx context.Context, text string) (bot.Reply, error) {
			return e.Answer(ctx, bot.Message{Channel: bot.CLI, UserID: "preview", Kind: bot.KindText, Text: text})
		}, func() { idx.Close() }, nil
	}})
	call := func(method, path string, body string) (int, []byte) {
		req, _ := http.NewRequest(method, path, strings.NewReader(body))
		req.SetBasicAuth(user, pass)
		resp, err := app.Test(req, 10000)
		if err != nil {
			t.Fatal(err)
		}
		out, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, out
	}

	// Save a draft with a new fee.
	md := strings.Replace(string(raw[id]), "fee: |\n", "fee: |\n  "+marker+"\n", 1)
	if md == string(raw[id]) {
		t.Fatal("fixture: could not edit the fee")
	}
	if code, body := call("PUT", "/api/v1/guides/"+id, md); code != 200 {
		t.Fatalf("PUT draft: %d %s", code, body)
	}
	time.Sleep(300 * time.Millisecond) // give a wrongly followed draft time to arrive
	if r := b.ask(t, question); strings.Contains(r.Text, marker) {
		t.Fatal("a draft reached citizens")
	}
	// Preview shows the draft next to the live answer.
	code, body := call("POST", "/api/v1/preview/ask", `{"text":"`+question+`","drafts":true}`)
	var pv struct{ Live, Draft bot.AskResult }
	if code != 200 || json.Unmarshal(body, &pv) != nil {
		t.Fatalf("preview: %d %s", code, body)
	}
	if !strings.Contains(pv.Draft.Text, marker) || strings.Contains(pv.Live.Text, marker) {
		t.Errorf("preview draft/live texts wrong:\ndraft: %s\nlive: %s", pv.Draft.Text, pv.Live.Text)
	}

	// Publish on A; B answers with it within a second.
	if code, body := call("POST", "/api/v1/guides/"+id+"/publish", ""); code != 200 {
		t.Fatalf("publish: %d %s", code, body)
	}
	natstest.CheckFor(t, time.Second, 20*time.Millisecond, func() error {
		if r := b.ask(t, question); !strings.Contains(r.Text, marker) {
			return fmt.Errorf("instance B still answers the old fee: %s", r.Text)
		}
		return nil
	})

	// Roll back to the bundled version: the old answer returns on B.
	if code, body := call("POST", "/api/v1/guides/"+id+"/rollback", `{"revision": 0}`); code != 200 {
		t.Fatalf("rollback: %d %s", code, body)
	}
	natstest.CheckFor(t, time.Second, 20*time.Millisecond, func() error {
		if r := b.ask(t, question); strings.Contains(r.Text, marker) || r.Text != before.Text {
			return fmt.Errorf("rollback not applied on B: %s", r.Text)
		}
		return nil
	})
	code, body = call("GET", "/api/v1/guides/"+id+"/history", "")
	var hist []Revision
	if code != 200 || json.Unmarshal(body, &hist) != nil || len(hist) != 3 {
		t.Fatalf("history: %d %s", code, body)
	}
}

func TestAdminAPIRefusesInvalidAndUnauthenticated(t *testing.T) {
	ctx := context.Background()
	js := declaredJetStream(t)
	raw, _ := baseFiles(t)
	st, err := Open(ctx, js, raw)
	if err != nil {
		t.Fatal(err)
	}
	app, user, pass := adminApp(t, &Admin{Store: st})
	const id = "dang-ky-khai-sinh"
	// A public route mounted after the admin stays public (regression: the
	// API's auth was once group middleware on all of /api/v1).
	app.Post("/api/v1/chat", func(c *fiber.Ctx) error { return c.SendStatus(fiber.StatusAccepted) })
	if resp, _ := app.Test(httptestReq("POST", "/api/v1/chat", "{}")); resp.StatusCode != fiber.StatusAccepted {
		t.Errorf("public route after the admin: %d, want 202", resp.StatusCode)
	}

	for _, r := range []struct{ method, path string }{
		{"GET", "/api/v1/guides"}, {"GET", "/api/v1/guides/" + id}, {"PUT", "/api/v1/guides/" + id},
		{"DELETE", "/api/v1/guides/" + id}, {"POST", "/api/v1/guides/" + id + "/publish"},
		{"GET", "/api/v1/guides/" + id + "/history"}, {"POST", "/api/v1/guides/" + id + "/rollback"},
		{"POST", "/api/v1/preview/ask"}, {"GET", "/api/v1/reports/unanswered?days=7"}, {"GET", "/api/v1/reports/summary"},
	} {
		req, _ := http.NewRequest(r.method, r.path, nil)
		resp, err := app.Test(req)
		if err != nil {
			t.Fatal(err)
		}
		if resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("%s %s without credentials: %d, want 401", r.method, r.path, resp.StatusCode)
		}
	}
	for _, p := range []string{"/admin/", "/admin/guides/" + id, "/admin/gaps", "/admin/summary", "/admin/stale", "/admin/synonyms", "/admin/import"} {
		resp, _ := app.Test(httptestReq("GET", p, ""))
		if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/admin/login" {
			t.Errorf("GET %s without a session: %d %s, want a redirect to sign in", p, resp.StatusCode, resp.Header.Get("Location"))
		}
	}

	bad := strings.Replace(string(raw[id]), "source_url: ", "source_url: ftp://", 1)
	req := httptestReq("PUT", "/api/v1/guides/"+id, bad)
	req.SetBasicAuth(user, pass)
	resp, _ := app.Test(req)
	body, _ := io.ReadAll(resp.Body)
	var e struct {
		Problems []struct {
			Line  int    `json:"line"`
			Field string `json:"field"`
		} `json:"problems"`
	}
	if resp.StatusCode != http.StatusUnprocessableEntity || json.Unmarshal(body, &e) != nil || len(e.Problems) == 0 || e.Problems[0].Field != "source_url" || e.Problems[0].Line == 0 {
		t.Fatalf("PUT invalid guide: %d %s, want 422 naming source_url and its line", resp.StatusCode, body)
	}
	if _, err := st.Draft(ctx, id); err == nil {
		t.Error("an invalid file was stored as a draft")
	}
	if md, _, _ := st.Markdown(ctx, id); md != string(raw[id]) {
		t.Error("the live guide changed")
	}
}

func httptestReq(method, path, body string) *http.Request {
	req, _ := http.NewRequest(method, path, bytes.NewBufferString(body))
	return req
}

// adminApp mounts a on a Fiber app with one editor account.
func adminApp(t testing.TB, a *Admin) (*fiber.App, string, string) {
	t.Helper()
	line, err := webauth.HashLine("bientap", "mat-khau-thu", 4)
	if err != nil {
		t.Fatal(err)
	}
	accts, err := webauth.ParseHtpasswd(strings.NewReader(line + "\n"))
	if err != nil {
		t.Fatal(err)
	}
	a.Auth = webauth.New(accts, webauth.NewMemoryStore(), webauth.Config{CookieName: "botdvc_admin"}, discard())
	app := fiber.New(fiber.Config{BodyLimit: 1 << 20})
	a.Mount(app)
	return app, "bientap", "mat-khau-thu"
}
