// Package clientaddr decides who a request comes from and whether it came
// over HTTPS, trusting forwarding headers only from configured proxies
// (BOT_TRUSTED_PROXIES, contract in ../shared/DESIGN.md).
//
// A request whose TCP peer is not a trusted proxy is its own client: its
// X-Forwarded-For and X-Forwarded-Proto headers are ignored, whatever they
// say. When the peer is trusted, X-Forwarded-For is read from the right
// (the entry the nearest proxy appended) leftwards, skipping trusted
// proxies; the first untrusted address is the client. Entries left of it
// were written by the client itself and are never believed. The scheme is
// the last X-Forwarded-Proto value (the one the nearest proxy set).
//
// The server middleware (webhooks.Server) resolves both once per request
// and stores them; Addr and HTTPS read them from there, so every part of
// the service (rate limits, sign-in back-off, cookies, logs) sees the same
// answer.
package clientaddr

import (
	"fmt"
	"net"
	"net/netip"
	"strings"

	"github.com/gofiber/fiber/v2"
)

// Proxies is the set of trusted proxies. The zero value (and nil) trusts
// nobody.
type Proxies struct {
	prefixes []netip.Prefix
}

// ParseProxies reads a comma-separated list of addresses or CIDR prefixes
// ("10.0.0.0/8, 127.0.0.1, ::1"). Empty entries are skipped.
func ParseProxies(s string) (*Proxies, error) {
	p := &Proxies{}
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		if strings.Contains(f, "/") {
			pfx, err := netip.ParsePrefix(f)
			if err != nil {
				return nil, fmt.Errorf("clientaddr: %q: not an address or CIDR prefix", f)
			}
			p.prefixes = append(p.prefixes, pfx.Masked())
			continue
		}
		a, err := netip.ParseAddr(f)
		if err != nil {
			return nil, fmt.Errorf("clientaddr: %q: not an address or CIDR prefix", f)
		}
		a = a.Unmap()
		p.prefixes = append(p.prefixes, netip.PrefixFrom(a, a.BitLen()))
	}
	return p, nil
}

// Empty reports whether no proxy is trusted.
func (p *Proxies) Empty() bool { return p == nil || len(p.prefixes) == 0 }

// Trusted reports whether addr (an IP address, without port) is a trusted proxy.
func (p *Proxies) Trusted(addr string) bool {
	if p.Empty() {
		return false
	}
	a, err := netip.ParseAddr(addr)
	if err != nil {
		return false
	}
	a = a.Unmap()
	for _, pfx := range p.prefixes {
		if pfx.Contains(a) {
			return true
		}
	}
	return false
}

// Resolve returns the client address and whether the request came over
// HTTPS, given the TCP peer's address, whether the connection itself is
// TLS, and the forwarding headers (X-Forwarded-For values in order, and
// X-Forwarded-Proto).
func (p *Proxies) Resolve(peer string, tls bool, xff []string, proto string) (client string, https bool) {
	client, https = peer, tls
	if !p.Trusted(peer) {
		return client, https
	}
	var hops []string
	for _, h := range xff {
		for _, a := range strings.Split(h, ",") {
			if a = strings.TrimSpace(a); a != "" {
				hops = append(hops, a)
			}
		}
	}
	for i := len(hops) - 1; i >= 0; i-- {
		a := hopAddr(hops[i])
		if a == "" {
			break // garbage: stop believing anything further left
		}
		client = a
		if !p.Trusted(a) {
			break
		}
	}
	if proto != "" {
		vs := strings.Split(proto, ",")
		switch strings.ToLower(strings.TrimSpace(vs[len(vs)-1])) {
		case "https":
			https = true
		case "http":
			https = false
		}
	}
	return client, https
}

// hopAddr returns the IP address of one X-Forwarded-For entry (which may
// carry a port or brackets), or "" when it is not an address.
func hopAddr(h string) string {
	if a, err := netip.ParseAddr(h); err == nil {
		return a.Unmap().String()
	}
	if ap, err := netip.ParseAddrPort(h); err == nil {
		return ap.Addr().Unmap().String()
	}
	if host, _, err := net.SplitHostPort(h); err == nil {
		if a, err := netip.ParseAddr(host); err == nil {
			return a.Unmap().String()
		}
	}
	return ""
}

// Locals keys.
const (
	localAddr  = "clientaddr.addr"
	localHTTPS = "clientaddr.https"
)

// Middleware resolves the client address and scheme of each request with
// p and stores them for Addr and HTTPS.
func (p *Proxies) Middleware() fiber.Handler {
	return func(c *fiber.Ctx) error {
		p.Set(c)
		return c.Next()
	}
}

// Set resolves and stores the client address and scheme of c.
func (p *Proxies) Set(c *fiber.Ctx) {
	var xff []string
	c.Request().Header.VisitAll(func(k, v []byte) {
		if strings.EqualFold(string(k), fiber.HeaderXForwardedFor) {
			xff = append(xff, string(v))
		}
	})
	client, https := p.Resolve(peerIP(c), c.Context().IsTLS(), xff, c.Get(fiber.HeaderXForwardedProto))
	c.Locals(localAddr, client)
	c.Locals(localHTTPS, https)
}

func peerIP(c *fiber.Ctx) string {
	if a, ok := c.Context().RemoteAddr().(*net.TCPAddr); ok {
		if ip, ok := netip.AddrFromSlice(a.IP); ok {
			return ip.Unmap().String()
		}
	}
	return strings.Clone(c.Context().RemoteIP().String())
}

// Addr returns the client address of the request: as resolved by the
// middleware, or the TCP peer when the middleware did not run.
func Addr(c *fiber.Ctx) string {
	if s, ok := c.Locals(localAddr).(string); ok {
		return s
	}
	return peerIP(c)
}

// HTTPS reports whether the client reached the service over HTTPS: the
// connection is TLS, or a trusted proxy said so.
func HTTPS(c *fiber.Ctx) bool {
	if b, ok := c.Locals(localHTTPS).(bool); ok {
		return b
	}
	return c.Context().IsTLS()
}

// Key returns the key that per-client limits count under: the address
// itself for IPv4, its /64 network for IPv6 (one subscriber usually holds
// a whole /64, so counting single IPv6 addresses would count nothing).
func Key(addr string) string {
	a, err := netip.ParseAddr(addr)
	if err != nil {
		return addr
	}
	a = a.Unmap()
	if a.Is4() {
		return a.String()
	}
	p, _ := a.Prefix(64)
	return p.String()
}
