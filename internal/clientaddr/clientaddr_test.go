package clientaddr

import (
	"io"
	"net/http/httptest"
	"testing"

	"github.com/gofiber/fiber/v2"
)

func TestResolve(t *testing.T) {
	p, err := ParseProxies(" 10.0.0.0/8, 127.0.0.1 ,::1,")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, peer string
		xff        []string
		proto      string
		client     string
		https      bool
	}{
		{"untrusted peer: headers ignored", "203.0.113.5", []string{"198.51.100.1"}, "https", "203.0.113.5", false},
		{"trusted peer, one hop", "127.0.0.1", []string{"198.51.100.1"}, "https", "198.51.100.1", true},
		{"client-written entries left of the real one are ignored", "127.0.0.1", []string{"1.2.3.4, 198.51.100.1"}, "", "198.51.100.1", false},
		{"chain of trusted proxies skipped", "10.1.1.1", []string{"198.51.100.1, 10.2.2.2", "127.0.0.1"}, "http", "198.51.100.1", false},
		{"all hops trusted: leftmost", "127.0.0.1", []string{"10.0.0.9"}, "", "10.0.0.9", false},
		{"garbage stops the walk", "127.0.0.1", []string{"198.51.100.1, nonsense"}, "", "127.0.0.1", false},
		{"port and brackets", "::1", []string{"[2001:db8::1]:443"}, "HTTPS", "2001:db8::1", true},
		{"last proto wins", "127.0.0.1", nil, "https, http", "127.0.0.1", false},
		{"mapped v4 peer", "::ffff:127.0.0.1", []string{"198.51.100.7"}, "", "198.51.100.7", false},
		{"no proxy header", "127.0.0.1", nil, "", "127.0.0.1", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, h := p.Resolve(tt.peer, false, tt.xff, tt.proto)
			if c != tt.client || h != tt.https {
				t.Errorf("Resolve = %q, %v; want %q, %v", c, h, tt.client, tt.https)
			}
		})
	}
	var none *Proxies
	if c, h := none.Resolve("127.0.0.1", false, []string{"1.2.3.4"}, "https"); c != "127.0.0.1" || h {
		t.Errorf("nil proxies trusted headers: %q %v", c, h)
	}
	for _, bad := range []string{"10.0.0.0/33", "example.com", "1.2.3"} {
		if _, err := ParseProxies(bad); err == nil {
			t.Errorf("ParseProxies(%q) accepted", bad)
		}
	}
}

func TestKey(t *testing.T) {
	for in, want := range map[string]string{
		"198.51.100.7":            "198.51.100.7",
		"::ffff:198.51.100.7":     "198.51.100.7",
		"2001:db8:1:2:3:4:5:6":    "2001:db8:1:2::/64",
		"2001:db8:1:2:ffff::9999": "2001:db8:1:2::/64",
	} {
		if got := Key(in); got != want {
			t.Errorf("Key(%q) = %q, want %q", in, got, want)
		}
	}
}

// Through a real Fiber app: the middleware stores what handlers read.
func TestMiddleware(t *testing.T) {
	p, _ := ParseProxies("0.0.0.0/0") // app.Test's peer is 0.0.0.0
	app := fiber.New()
	app.Use(p.Middleware())
	app.Get("/", func(c *fiber.Ctx) error {
		s := Addr(c)
		if HTTPS(c) {
			s += " https"
		}
		return c.SendString(s)
	})
	req := httptest.NewRequest("GET", "/", nil)
	req.Header.Add("X-Forwarded-For", "198.51.100.9")
	req.Header.Set("X-Forwarded-Proto", "https")
	resp, err := app.Test(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	if string(b) != "198.51.100.9 https" {
		t.Errorf("got %q", b)
	}
}

// The parsers never panic, and never believe a header from an untrusted peer.
func FuzzResolve(f *testing.F) {
	f.Add("10.0.0.0/8,::1", "10.1.2.3", "198.51.100.1, 10.0.0.2", "https")
	f.Add("", "1.2.3.4", "[::1]:80", "http")
	f.Add("0.0.0.0/0", "::ffff:1.2.3.4", ",,,", "HTTPS,")
	f.Fuzz(func(t *testing.T, proxies, peer, xff, proto string) {
		p, err := ParseProxies(proxies)
		if err != nil {
			return
		}
		client, https := p.Resolve(peer, false, []string{xff}, proto)
		if !p.Trusted(peer) && (client != peer || https) {
			t.Fatalf("untrusted peer %q: resolved %q https=%v", peer, client, https)
		}
		_ = Key(client)
	})
}
