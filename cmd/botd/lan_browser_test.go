package main

import (
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/crypto/bcrypt"

	"botdvc/internal/browsertest"
)

// lanAddress returns this machine's first non-loopback IPv4 address (what
// `hostname -I` lists first), or "".
func lanAddress() string {
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		return ""
	}
	for _, a := range addrs {
		if n, ok := a.(*net.IPNet); ok && n.IP.To4() != nil && !n.IP.IsLoopback() && !n.IP.IsLinkLocalUnicast() {
			return n.IP.String()
		}
	}
	return ""
}

// Staff and editors sign in with Chromium over plain HTTP on the machine's
// LAN address (not localhost, which Chromium treats as a secure context):
// the session cookie must not be Secure there, or the browser drops it and
// the sign-in page comes back without a word (issue 15); where it is Secure
// (BOT_COOKIE_SECURE=always), the sign-in page says why it came back. Behind
// a trusted proxy that says https, the cookie is Secure.
func TestSignInOverLAN(t *testing.T) {
	ip := lanAddress()
	if ip == "" {
		t.Skip("no non-loopback IPv4 address on this machine")
	}
	b := browsertest.Start(t)
	dir := t.TempDir()
	staff, editors := filepath.Join(dir, "staff"), filepath.Join(dir, "editors")
	writeAccounts(t, staff, bcrypt.MinCost, "lan", "mật khẩu lan")
	writeAccounts(t, editors, bcrypt.MinCost, "bien", "mật khẩu biên")
	m, _ := runMain(t, filepath.Join(dir, "data"), map[string]string{
		"BOT_ADDR": ip + ":0", "BOT_STAFF_FILE": staff, "BOT_EDITOR_FILE": editors,
	}, nil)
	base := "http://" + m.Addr()
	if !strings.Contains(base, ip) {
		t.Fatalf("listening on %s, want %s", base, ip)
	}
	for _, site := range []struct{ path, user, pass, landed string }{
		{"/hotline/", "lan", "mật khẩu lan", `location.pathname === "/hotline/" && !!document.querySelector("form[action='/hotline/logout']")`},
		{"/admin/", "bien", "mật khẩu biên", `location.pathname === "/admin/" && !!document.querySelector("form[action='/admin/logout']")`},
	} {
		b.MustEval(t, "location.href = "+jsString(base+site.path))
		b.WaitJS(t, "the sign-in page of "+site.path, `location.pathname.endsWith("/login") && document.readyState === "complete"`)
		b.MustEval(t, `document.getElementById("user").value = `+jsString(site.user)+`;
			document.getElementById("password").value = `+jsString(site.pass)+`;
			document.querySelector("form").submit()`)
		b.WaitJS(t, "signed in at "+site.path+" over http://"+ip, `document.readyState === "complete" && !location.search && `+site.landed)
		if prefix := os.Getenv("BOTD_LAN_SCREENSHOT"); prefix != "" { // to look at by hand
			b.Screenshot(t, prefix+strings.Trim(site.path, "/")+".png")
		}
	}

	// With BOT_COOKIE_SECURE=always over plain http the browser drops the
	// cookie: the sign-in page comes back saying why, not without a word.
	m3, _ := runMain(t, filepath.Join(dir, "data3"), map[string]string{
		"BOT_ADDR": ip + ":0", "BOT_STAFF_FILE": staff, "BOT_EDITOR_FILE": editors, "BOT_COOKIE_SECURE": "always",
	}, nil)
	for _, site := range []struct{ path, user, pass string }{
		{"/hotline/", "lan", "mật khẩu lan"}, {"/admin/", "bien", "mật khẩu biên"},
	} {
		b.MustEval(t, "location.href = "+jsString("http://"+m3.Addr()+site.path))
		b.WaitJS(t, "the sign-in page of "+site.path, `location.pathname.endsWith("/login") && !location.search && document.readyState === "complete"`)
		b.MustEval(t, `document.getElementById("user").value = `+jsString(site.user)+`;
			document.getElementById("password").value = `+jsString(site.pass)+`;
			document.querySelector("form").submit()`)
		b.WaitJS(t, "the sign-in page again, saying the cookie was dropped ("+site.path+")",
			`location.pathname.endsWith("/login") && location.search.includes("cookie_lost") && document.readyState === "complete" && document.body.innerText.includes("BOT_COOKIE_SECURE=always")`)
		if prefix := os.Getenv("BOTD_LAN_SCREENSHOT"); prefix != "" {
			b.Screenshot(t, prefix+strings.Trim(site.path, "/")+"-cookie-lost.png")
		}
	}

	// Behind a trusted proxy that says https the cookie is Secure; the same
	// header from an untrusted address changes nothing.
	m2, _ := runMain(t, filepath.Join(dir, "data2"), map[string]string{
		"BOT_STAFF_FILE": staff, "BOT_TRUSTED_PROXIES": "127.0.0.1",
	}, nil)
	proto := withHeader("X-Forwarded-Proto", "https")
	if code, c := signInAt(t, m2.URL(), "hotline", "lan", "mật khẩu lan", proto); code != 303 || c == nil || !c.Secure {
		t.Errorf("behind a trusted proxy saying https: %d, cookie %v, want Secure", code, c)
	}
	if code, c := signInAt(t, m2.URL(), "hotline", "lan", "mật khẩu lan"); code != 303 || c == nil || c.Secure {
		t.Errorf("plain http from the proxy: %d, cookie %v, want not Secure", code, c)
	}
	// From the LAN address (not a trusted proxy), X-Forwarded-Proto is ignored.
	code, c := signInAt(t, base, "hotline", "lan", "mật khẩu lan", proto)
	if code != 303 || c == nil || c.Secure {
		t.Errorf("untrusted X-Forwarded-Proto: %d, cookie %v, want not Secure", code, c)
	}
}

// jsString quotes s for JavaScript.
func jsString(s string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`, "\n", `\n`).Replace(s) + "'"
}
