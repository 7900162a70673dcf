package webchat_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"botdvc/pipeline"
)

// TestPageInBrowser loads the chat page in headless Chromium with a first
// question in the link (/?q=...): the page posts it, the pipeline answers,
// the reply arrives over SSE and its options are rendered as buttons. It is
// skipped when Chromium is not installed (.ci/run installs it).
//
// Chromium is driven over the DevTools protocol on a pipe
// (--remote-debugging-pipe: NUL-terminated JSON on file descriptors 3 and
// 4), so no module is needed.
func TestPageInBrowser(t *testing.T) {
	bin := os.Getenv("CHROMIUM")
	if bin == "" {
		for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
			if p, err := exec.LookPath(name); err == nil {
				bin = p
				break
			}
		}
	}
	if bin == "" {
		t.Skip("no Chromium (set $CHROMIUM or install chromium): browser test skipped")
	}
	e := mustEnv(t, pipeline.Config{Partitions: 2})
	b := startBrowser(t, bin)
	target := b.call(t, "", "Target.createTarget", map[string]any{"url": e.url + "/?q=" + url.QueryEscape("options")})
	session := b.call(t, "", "Target.attachToTarget", map[string]any{"targetId": target["targetId"], "flatten": true})
	sid, _ := session["sessionId"].(string)
	var dom string
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		// Right after the target is made its page may have no execution
		// context yet ("Cannot find default execution context"): try again.
		r, err := b.try(sid, "Runtime.evaluate", map[string]any{
			"expression": `document.getElementById("log") ? document.getElementById("log").innerHTML : ""`, "returnByValue": true})
		if err != nil {
			time.Sleep(100 * time.Millisecond)
			continue
		}
		if res, ok := r["result"].(map[string]any); ok {
			dom, _ = res["value"].(string)
		}
		if strings.Contains(dom, "<button") {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	for _, want := range []string{
		`class="msg me">options<`,                                                     // the question from the link
		`class="msg bot">Bạn hỏi về thủ tục nào?`,                                     // the reply, delivered over SSE
		`<button type="button" data-payload="g:dang-ky-khai-sinh">Khai sinh</button>`, // its option as a button
		`href="https://dichvucong.gov.vn"`,                                            // its link
	} {
		if !strings.Contains(dom, want) {
			t.Errorf("page lacks %s\n%s", want, dom)
		}
	}
}

// browser is a headless Chromium on a DevTools pipe.
type browser struct {
	in  *os.File      // our end of Chromium's fd 3 (we write)
	out *bufio.Reader // our end of Chromium's fd 4 (we read)
	id  int
}

func startBrowser(t *testing.T, bin string) *browser {
	t.Helper()
	chromeIn, ourOut, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	ourIn, chromeOut, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
		"--user-data-dir="+t.TempDir(), "--remote-debugging-pipe", "about:blank")
	cmd.ExtraFiles = []*os.File{chromeIn, chromeOut} // fds 3 and 4
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	chromeIn.Close()
	chromeOut.Close()
	t.Cleanup(func() {
		ourOut.Close()
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		ourIn.Close()
	})
	return &browser{in: ourOut, out: bufio.NewReader(ourIn)}
}

// call sends one DevTools command (to a session when sid is set) and returns
// its result, skipping events.
func (b *browser) call(t *testing.T, sid, method string, params map[string]any) map[string]any {
	t.Helper()
	r, err := b.try(sid, method, params)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// try is call that returns the error instead of failing the test.
func (b *browser) try(sid, method string, params map[string]any) (map[string]any, error) {
	b.id++
	msg := map[string]any{"id": b.id, "method": method, "params": params}
	if sid != "" {
		msg["sessionId"] = sid
	}
	data, _ := json.Marshal(msg)
	if _, err := b.in.Write(append(data, 0)); err != nil {
		return nil, fmt.Errorf("devtools write: %v", err)
	}
	for {
		line, err := b.out.ReadBytes(0)
		if err != nil {
			return nil, fmt.Errorf("devtools read: %v", err)
		}
		var resp struct {
			ID     int             `json:"id"`
			Result map[string]any  `json:"result"`
			Error  json.RawMessage `json:"error"`
		}
		if err := json.Unmarshal(bytes.TrimSuffix(line, []byte{0}), &resp); err != nil {
			return nil, fmt.Errorf("devtools: %v", err)
		}
		if resp.ID != b.id {
			continue // an event or another reply
		}
		if len(resp.Error) > 0 {
			return nil, fmt.Errorf("devtools %s: %s", method, resp.Error)
		}
		return resp.Result, nil
	}
}
