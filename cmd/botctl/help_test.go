package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/crypto/bcrypt"

	"botdvc/webauth"
)

// TestHelp: botctl -h and botctl COMMAND -h exit 0 and describe every
// command (issue 15: -h listed names only and COMMAND -h exited 1 with
// "flag: help requested").
func TestHelp(t *testing.T) {
	for _, args := range [][]string{{"-h"}, {"--help"}, {"help"}} {
		code, out, errb := runBotctl(t, args...)
		if code != 0 {
			t.Fatalf("botctl %s: exit %d, stderr %q", args[0], code, errb)
		}
		for name := range commands {
			if about[name] == "" {
				t.Errorf("command %q has no description in about", name)
				continue
			}
			if !strings.Contains(out, name) || !strings.Contains(out, strings.Fields(about[name])[0]) {
				t.Errorf("botctl %s does not describe %q:\n%s", args[0], name, out)
			}
		}
	}
	for name := range commands {
		code, out, errb := runBotctl(t, name, "-h")
		if code != 0 {
			t.Errorf("botctl %s -h: exit %d, stderr %q", name, code, errb)
		}
		if !strings.Contains(out, "usage: botctl "+name) || !strings.Contains(out, about[name]) {
			t.Errorf("botctl %s -h: no usage line and description on stdout:\n%s", name, out)
		}
		if strings.Contains(errb, "help requested") {
			t.Errorf("botctl %s -h: stderr %q", name, errb)
		}
	}
	for sub := range hotlineSub {
		code, out, errb := runBotctl(t, "hotline", sub, "-h")
		if code != 0 || !strings.Contains(out, "usage: botctl hotline [flags] "+sub) {
			t.Errorf("botctl hotline %s -h: exit %d\n%s%s", sub, code, out, errb)
		}
	}
	if code, _, errb := runBotctl(t, "hotline", "close", "-h"); code != 0 || errb != "" {
		t.Errorf("hotline close -h: exit %d, stderr %q", code, errb)
	}
	// A usage error is still one: no arguments, an unknown command or flag.
	if code, _, _ := runBotctl(t); code != 2 {
		t.Errorf("botctl without a command: exit %d, want 2", code)
	}
	if code, _, _ := runBotctl(t, "nope"); code != 2 {
		t.Errorf("unknown command: exit %d, want 2", code)
	}
	var out, errb bytes.Buffer
	if code := Main(context.Background(), []string{"ask", "--no-such-flag"}, strings.NewReader(""), &out, &errb); code != 1 || !strings.Contains(errb.String(), "no-such-flag") {
		t.Errorf("unknown flag: exit %d, stderr %q", code, errb.String())
	}
}

// TestPasswd: botctl passwd writes an entry botd accepts (bcrypt, cost 12),
// changes a password in place and keeps the other accounts.
func TestPasswd(t *testing.T) {
	file := filepath.Join(t.TempDir(), "staff.htpasswd")
	pass := func(name, pw string) string {
		var out, errb bytes.Buffer
		if code := Main(context.Background(), []string{"passwd", file, name}, strings.NewReader(pw+"\n"), &out, &errb); code != 0 {
			t.Fatalf("passwd %s: exit %d: %s", name, code, errb.String())
		}
		return out.String()
	}
	if out := pass("lan", "mật khẩu một"); !strings.Contains(out, "added lan") {
		t.Errorf("output %q", out)
	}
	pass("hoa", "mật khẩu hai")
	if out := pass("lan", "mật khẩu ba"); !strings.Contains(out, "changed the password of lan") {
		t.Errorf("output %q", out)
	}
	accts, err := webauth.LoadHtpasswd(file)
	if err != nil {
		t.Fatal(err)
	}
	if len(accts) != 2 || !accts.Verify("lan", "mật khẩu ba") || accts.Verify("lan", "mật khẩu một") || !accts.Verify("hoa", "mật khẩu hai") {
		t.Errorf("accounts after passwd: %v", accts)
	}
	if cost, _ := bcrypt.Cost(accts["lan"]); cost != 12 {
		t.Errorf("bcrypt cost %d, want 12 (as htpasswd -nbBC 12)", cost)
	}
	if st, _ := os.Stat(file); st.Mode().Perm() != 0o600 {
		t.Errorf("file mode %v", st.Mode().Perm())
	}
	if code, _, _ := runBotctl(t, "passwd", file, "bad:name"); code != 1 {
		t.Errorf("a name with ':' was taken")
	}
	if code, _, errb := runBotctl(t, "passwd", file, "x"); code != 1 || !strings.Contains(errb, "no password") {
		t.Errorf("empty stdin: %d %q", code, errb)
	}
}
