package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"golang.org/x/crypto/bcrypt"

	"botdvc/internal/natstest"
	"botdvc/pipeline"
)

// TestCluster runs botd as it is meant to scale: a three-node NATS
// JetStream cluster (in this process, on loopback) with BOT_NATS_REPLICAS=3
// and two botd instances behind a "load balancer" (the test sends to each
// in turn). A fake Messenger platform sends a steady stream of signed
// webhooks and retries any that is not answered 200, as Meta does. During
// the stream the node leading BOT_INBOUND is shut down and later started
// again, and one botd instance is stopped. Every accepted message must be
// answered exactly once; a hotline ticket, a console sign-in session and a
// published guide made before the faults must still be there; every
// stream and bucket must have three replicas.
func TestCluster(t *testing.T) {
	if testing.Short() {
		t.Skip("cluster test skipped in -short mode")
	}
	start := time.Now()
	cl := natstest.StartCluster(t, 3)
	g := &graphFake{delay: 250 * time.Millisecond} // about what the real Send API takes
	graph := httptest.NewServer(g)
	defer graph.Close()
	dir := t.TempDir()
	hash, err := bcrypt.GenerateFromPassword([]byte("mật khẩu"), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	pw := filepath.Join(dir, "htpasswd")
	if err := os.WriteFile(pw, []byte("lan:"+string(hash)+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{
		"NATS_URL": cl.URLs(), "BOT_NATS_REPLICAS": "3",
		"FB_APP_SECRET": "app-secret", "FB_VERIFY_TOKEN": "verify-me", "FB_PAGE_TOKEN": "PAGE_TOKEN",
		"FB_GRAPH_URL": graph.URL + "/v25.0", "BOT_STAFF_FILE": pw, "BOT_EDITOR_FILE": pw,
	}
	a := MustRunMain(t, filepath.Join(dir, "a"), env)
	b := MustRunMain(t, filepath.Join(dir, "b"), env)

	nc, err := nats.Connect(cl.URLs(), nats.MaxReconnects(-1), nats.ReconnectWait(200*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	checkTopology(t, js, a.Topology.StreamNames(), 3)
	t.Logf("cluster and two instances up after %v", time.Since(start).Round(time.Millisecond))

	// State made before the faults, on instance b (which is stopped later).
	fb := func(m *Main) string { return m.URL() + "/webhooks/facebook" }
	handoff := messengerBody("PSID-HANDOFF", "m_handoff", "gặp tổng đài viên")
	if code := postSigned(t, fb(b), "X-Hub-Signature-256", fbSign("app-secret", handoff), handoff); code != 200 {
		t.Fatalf("hand-off webhook: %d", code)
	}
	cookie := signIn(t, b.URL()+"/hotline/login", "lan", "mật khẩu")
	const guideID = "cap-doi-the-can-cuoc"
	const marker = "Ghi chú kiểm thử cụm: bản này được xuất bản trước khi một máy chủ NATS dừng."
	publishGuide(t, b.URL(), guideID, marker)
	waitFor(t, 30*time.Second, func() bool { return len(tickets(t, b.URL(), "")) == 1 })

	// The stream of webhooks: one every 50 ms, 200 in all, from 25
	// citizens, each retried until answered 200.
	const total = 200
	const citizens = 25
	var targets atomic.Pointer[[]*Main]
	targets.Store(&[]*Main{a, b})
	var sent, retries atomic.Int64
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		tick := time.NewTicker(50 * time.Millisecond)
		defer tick.Stop()
		client := &http.Client{Timeout: 5 * time.Second}
		for i := 0; i < total; i++ {
			<-tick.C
			body := messengerBody(fmt.Sprintf("PSID-%02d", i%citizens), fmt.Sprintf("m_cluster_%03d", i), "làm lại căn cước bị mất ở đâu")
			sig := fbSign("app-secret", body)
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				deadline := time.Now().Add(60 * time.Second)
				for try := 0; time.Now().Before(deadline); try++ {
					ms := *targets.Load()
					m := ms[(i+try)%len(ms)]
					req, _ := http.NewRequest(http.MethodPost, fb(m), strings.NewReader(body))
					req.Header.Set("Content-Type", "application/json")
					req.Header.Set("X-Hub-Signature-256", sig)
					resp, err := client.Do(req)
					if err == nil {
						_, _ = io.Copy(io.Discard, resp.Body)
						resp.Body.Close()
						if resp.StatusCode == 200 {
							return
						}
					}
					retries.Add(1)
					time.Sleep(200 * time.Millisecond)
				}
				t.Errorf("webhook %d never accepted", i)
			}(i)
			sent.Add(1)
		}
	}()
	waitSentAtLeast := func(n int64) {
		for sent.Load() < n {
			time.Sleep(10 * time.Millisecond)
		}
	}

	// Fault 1: shut down the node leading the inbound stream.
	waitSentAtLeast(total / 10)
	leader := streamLeader(t, js, pipeline.InboundStream)
	down := cl.Index(leader)
	t.Logf("%v: stopping %s (leader of %s) after %d webhooks", time.Since(start).Round(time.Millisecond), leader, pipeline.InboundStream, sent.Load())
	cl.Stop(down)
	// Fault 2: start it again, with its store.
	waitSentAtLeast(total * 6 / 10)
	t.Logf("%v: starting %s again after %d webhooks", time.Since(start).Round(time.Millisecond), leader, sent.Load())
	cl.Start(down)
	// Fault 3: stop one botd instance (taken out of the balancer first).
	waitSentAtLeast(total * 8 / 10)
	t.Logf("%v: stopping botd b after %d webhooks", time.Since(start).Round(time.Millisecond), sent.Load())
	targets.Store(&[]*Main{a})
	if err := b.Close(); err != nil {
		t.Errorf("closing b: %v", err)
	}
	wg.Wait()

	// Every message answered, exactly once.
	want := map[string]bool{}
	for i := 0; i < total; i++ {
		want[fmt.Sprintf("botdvc:messenger:m_cluster_%03d:r", i)] = true
	}
	answered := func() (got map[string]int, missing int) {
		got = map[string]int{}
		for _, s := range g.sent() {
			if s.Message != nil && want[s.Message.Metadata] {
				got[s.Message.Metadata]++
			}
		}
		return got, total - len(got)
	}
	t.Logf("%v: every webhook accepted", time.Since(start).Round(time.Millisecond))
	waitFor(t, 60*time.Second, func() bool { _, missing := answered(); return missing == 0 })
	t.Logf("%v: every message answered", time.Since(start).Round(time.Millisecond))
	time.Sleep(2 * pipeline.DefaultConfig().AckWait) // a second copy would come in this time
	got, _ := answered()
	twice := 0
	for id, n := range got {
		if n != 1 {
			twice++
			t.Errorf("%s answered %d times", id, n)
		}
	}
	t.Logf("%d webhooks, %d retried deliveries (non-200 or no answer), %d answered, %d answered more than once; "+
		"redeliveries caught by the delivery records: %v replies, %v messages",
		total, retries.Load(), len(got), twice,
		counter(t, a, "bot_messages_out_total", "already_sent")+counter(t, b, "bot_messages_out_total", "already_sent"),
		counter(t, a, "bot_messages_handled_total", "already_done")+counter(t, b, "bot_messages_handled_total", "already_done"))

	// What was there before the faults is still there, seen from a.
	if ts := tickets(t, a.URL(), cookie); len(ts) != 1 {
		t.Errorf("hotline tickets after the faults: %d, want 1 (through the session made on b)", len(ts))
	}
	var g1 struct {
		Revision int    `json:"revision"`
		Markdown string `json:"markdown"`
	}
	if code := getBasic(t, a.URL()+"/api/v1/guides/"+guideID, &g1); code != 200 || g1.Revision != 1 || !strings.Contains(g1.Markdown, marker) {
		t.Errorf("published guide after the faults: %d, revision %d, marker kept %v", code, g1.Revision, strings.Contains(g1.Markdown, marker))
	}
	checkTopology(t, js, a.Topology.StreamNames(), 3)
}

// streamLeader returns the name of the server leading a stream.
func streamLeader(t *testing.T, js jetstream.JetStream, name string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	s, err := js.Stream(ctx, name)
	if err != nil {
		t.Fatal(err)
	}
	info, err := s.Info(ctx)
	if err != nil || info.Cluster == nil || info.Cluster.Leader == "" {
		t.Fatalf("stream %s: no leader (%v)", name, err)
	}
	return info.Cluster.Leader
}

// signIn signs in to a console's login form and returns the session cookie
// as a Cookie header value.
func signIn(t *testing.T, loginURL, user, password string) string {
	t.Helper()
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.PostForm(loginURL, url.Values{"user": {user}, "password": {password}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther || len(resp.Cookies()) == 0 {
		t.Fatalf("sign-in: %d, %d cookies", resp.StatusCode, len(resp.Cookies()))
	}
	var parts []string
	for _, c := range resp.Cookies() {
		parts = append(parts, c.Name+"="+c.Value)
	}
	return strings.Join(parts, "; ")
}

// tickets lists the hotline tickets through the console API, with the
// session cookie, or HTTP Basic when cookie is "".
func tickets(t *testing.T, base, cookie string) []json.RawMessage {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, base+"/api/v1/hotline/tickets", nil)
	if cookie != "" {
		req.Header.Set("Cookie", cookie)
	} else {
		req.SetBasicAuth("lan", "mật khẩu")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct {
		Tickets []json.RawMessage `json:"tickets"`
	}
	if resp.StatusCode != 200 || json.NewDecoder(resp.Body).Decode(&out) != nil {
		t.Errorf("GET /api/v1/hotline/tickets: %d", resp.StatusCode)
	}
	return out.Tickets
}

// publishGuide appends a paragraph to a bundled guide and publishes it
// through the editors' API (HTTP Basic).
func publishGuide(t *testing.T, base, id, paragraph string) {
	t.Helper()
	var cur struct {
		Markdown string `json:"markdown"`
	}
	if code := getBasic(t, base+"/api/v1/guides/"+id, &cur); code != 200 {
		t.Fatalf("GET guide %s: %d", id, code)
	}
	for _, step := range []struct{ method, path, body string }{
		{http.MethodPut, "/api/v1/guides/" + id, strings.TrimRight(cur.Markdown, "\n") + "\n\n" + paragraph + "\n"},
		{http.MethodPost, "/api/v1/guides/" + id + "/publish", ""},
	} {
		req, _ := http.NewRequest(step.method, base+step.path, strings.NewReader(step.body))
		req.SetBasicAuth("lan", "mật khẩu")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Fatalf("%s %s: %d %s", step.method, step.path, resp.StatusCode, b)
		}
	}
}

func getBasic(t *testing.T, url string, v any) int {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	req.SetBasicAuth("lan", "mật khẩu")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode == 200 && v != nil {
		if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
			t.Fatalf("GET %s: %v", url, err)
		}
	}
	return resp.StatusCode
}

// counter sums a counter of m's registry over the series whose result label is result.
func counter(t *testing.T, m *Main, name, result string) float64 {
	t.Helper()
	mfs, err := m.Registry.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var sum float64
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		for _, s := range mf.GetMetric() {
			for _, l := range s.GetLabel() {
				if l.GetName() == "result" && l.GetValue() == result {
					sum += s.GetCounter().GetValue()
				}
			}
		}
	}
	return sum
}
