package messenger

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"strings"
)

// Verify reports whether header, the X-Hub-Signature-256 value, is
// "sha256=" followed by the lowercase hex HMAC-SHA256 of raw keyed with the
// app secret. raw must be the exact request bytes (Meta escapes non-ASCII
// and '/' before signing; never re-serialise). The comparison is constant
// time. An empty secret never verifies.
func Verify(raw []byte, header, appSecret string) bool {
	const prefix = "sha256="
	if appSecret == "" || !strings.HasPrefix(header, prefix) {
		return false
	}
	got, err := hex.DecodeString(strings.TrimSpace(header[len(prefix):]))
	if err != nil || len(got) != sha256.Size {
		return false
	}
	m := hmac.New(sha256.New, []byte(appSecret))
	m.Write(raw)
	return hmac.Equal(got, m.Sum(nil))
}

// Sign returns the X-Hub-Signature-256 header value for raw: what Meta
// sends. Tests and local tools use it to build signed requests.
func Sign(raw []byte, appSecret string) string {
	m := hmac.New(sha256.New, []byte(appSecret))
	m.Write(raw)
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}
