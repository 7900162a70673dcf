package main

import (
	"bytes"
	"context"
	"io/fs"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gofiber/fiber/v2"

	"botdvc/editor"
	"botdvc/internal/natstest"
	"botdvc/knowledge"
	"botdvc/knowledge/guides"
	"botdvc/webauth"
)

// TestExportGuides runs export-guides against the real editors' API (an
// editor.Admin on a Fiber app over an embedded NATS): an edited guide is
// written with its published text, the others as bundled, and every file
// written passes the linter.
func TestExportGuides(t *testing.T) {
	ctx := context.Background()
	js := natstest.JetStream(t)
	natstest.Declare(t, js, editor.Streams(0), editor.Buckets()...)
	base := map[string][]byte{}
	_ = fs.WalkDir(guides.FS, ".", func(p string, d fs.DirEntry, err error) error {
		if strings.HasSuffix(p, ".md") {
			b, _ := fs.ReadFile(guides.FS, p)
			base[strings.TrimSuffix(p, ".md")] = b
		}
		return nil
	})
	st, err := editor.Open(ctx, js, base)
	if err != nil {
		t.Fatal(err)
	}
	const id = "dang-ky-tam-tru"
	edited := strings.Replace(string(base[id]), "\ntitle: Đăng ký tạm trú\n", "\ntitle: Đăng ký tạm trú (bản biên tập)\n", 1)
	if edited == string(base[id]) {
		t.Fatal("fixture: title line not found")
	}
	if _, err := st.SaveDraft(ctx, id, edited, "bientap"); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Publish(ctx, id, "bientap"); err != nil {
		t.Fatal(err)
	}
	line, _ := webauth.HashLine("bientap", "mật khẩu", 4)
	accts, _ := webauth.ParseHtpasswd(strings.NewReader(line + "\n"))
	logger := slog.New(slog.DiscardHandler)
	app := fiber.New()
	(&editor.Admin{Store: st, Auth: webauth.New(accts, webauth.NewMemoryStore(), webauth.Config{}, logger), Logger: logger}).Mount(app)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go app.Listener(ln)
	defer app.Shutdown()

	out := t.TempDir()
	t.Setenv("BOTCTL_PASSWORD", "mật khẩu")
	var stdout, stderr bytes.Buffer
	if code := Main(ctx, []string{"export-guides", "--url", "http://" + ln.Addr().String(), "--user", "bientap", out}, nil, &stdout, &stderr); code != 0 {
		t.Fatalf("export-guides exit %d: %s", code, stderr.String())
	}
	files, _ := filepath.Glob(filepath.Join(out, "*.md"))
	if len(files) != len(base) {
		t.Fatalf("wrote %d files, want %d", len(files), len(base))
	}
	got, _ := os.ReadFile(filepath.Join(out, id+".md"))
	if string(got) != edited {
		t.Errorf("%s.md is not the published text", id)
	}
	if _, err := knowledge.LoadDir(out); err != nil {
		t.Errorf("exported corpus does not lint: %v", err)
	}
	// Wrong password: a clear error, nothing written.
	t.Setenv("BOTCTL_PASSWORD", "sai")
	stderr.Reset()
	if code := Main(ctx, []string{"export-guides", "--url", "http://" + ln.Addr().String(), "--user", "bientap", t.TempDir()}, nil, &stdout, &stderr); code != 1 || !strings.Contains(stderr.String(), "401") {
		t.Errorf("wrong password: exit %d, %q", code, stderr.String())
	}
	// The password file and the environment, as botctl hotline takes them.
	pw := filepath.Join(t.TempDir(), "pw")
	os.WriteFile(pw, []byte("mật khẩu\n"), 0o600)
	t.Setenv("BOTCTL_PASSWORD", "")
	t.Setenv("BOTCTL_URL", "http://"+ln.Addr().String())
	t.Setenv("BOTCTL_USER", "bientap")
	stderr.Reset()
	if code := Main(ctx, []string{"export-guides", t.TempDir(), "--password-file", pw}, nil, &stdout, &stderr); code != 0 {
		t.Errorf("export-guides with --password-file: exit %d, %q", code, stderr.String())
	}
	t.Setenv("BOTCTL_PASSWORD_FILE", pw)
	stderr.Reset()
	if code := Main(ctx, []string{"export-guides", t.TempDir()}, nil, &stdout, &stderr); code != 0 {
		t.Errorf("export-guides with BOTCTL_PASSWORD_FILE: exit %d, %q", code, stderr.String())
	}
	// A password on the command line is not taken.
	stderr.Reset()
	if code := Main(ctx, []string{"export-guides", "--password", "mật khẩu", t.TempDir()}, nil, &stdout, &stderr); code != 1 {
		t.Errorf("--password: exit %d, %q", code, stderr.String())
	}
}
