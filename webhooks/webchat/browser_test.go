package webchat_test

import (
	"context"
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
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	// --timeout lets the page run 8 s (the event stream never "finishes
	// loading"), then the DOM is dumped.
	cmd := exec.CommandContext(ctx, bin, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
		"--user-data-dir="+t.TempDir(), "--timeout=8000", "--dump-dom", e.url+"/?q="+url.QueryEscape("options"))
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("chromium: %v", err)
	}
	dom := string(out)
	for _, want := range []string{
		`class="msg me">options<`,                  // the question from the link
		`class="msg bot">Bạn hỏi về thủ tục nào?`,  // the reply, delivered over SSE
		`<button type="button">Khai sinh</button>`, // its option as a button
		`href="https://dichvucong.gov.vn"`,         // its link
	} {
		if !strings.Contains(dom, want) {
			t.Errorf("page lacks %s\n%s", want, dom)
		}
	}
}
