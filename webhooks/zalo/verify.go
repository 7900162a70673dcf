package zalo

import (
	"bytes"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"strings"
)

// Verify reports whether header, the X-ZEvent-Signature value, is
// "mac=" (optional) followed by the lowercase hex SHA-256 (plain, not HMAC)
// of appID + raw + timestamp + oaSecret, where timestamp is the body's
// "timestamp" field exactly as written (channels.md A3). raw must be the
// exact request bytes. If that fails and headerTS (X-ZEvent-Timestamp) is
// set and different, it is tried as the timestamp (one third-party source
// signs with it). The comparison is constant time. An empty secret or app
// id never verifies.
func Verify(raw []byte, header, headerTS, appID, oaSecret string) bool {
	if appID == "" || oaSecret == "" {
		return false
	}
	ts, _ := bodyTimestamp(raw)
	return verifyTS(raw, ts, header, headerTS, appID, oaSecret)
}

// verifyTS is Verify with the body timestamp already extracted.
func verifyTS(raw []byte, ts, header, headerTS, appID, oaSecret string) bool {
	if appID == "" || oaSecret == "" {
		return false
	}
	got := strings.ToLower(strings.TrimPrefix(strings.TrimSpace(header), "mac="))
	if subtle.ConstantTimeCompare([]byte(got), []byte(mac(raw, ts, appID, oaSecret))) == 1 {
		return true
	}
	headerTS = strings.TrimSpace(headerTS)
	return headerTS != "" && headerTS != ts &&
		subtle.ConstantTimeCompare([]byte(got), []byte(mac(raw, headerTS, appID, oaSecret))) == 1
}

// Sign returns the X-ZEvent-Signature header value for raw as Zalo sends
// it. Tests and local tools use it to build signed requests.
func Sign(raw []byte, appID, oaSecret string) string {
	ts, _ := bodyTimestamp(raw)
	return "mac=" + mac(raw, ts, appID, oaSecret)
}

func mac(raw []byte, ts, appID, oaSecret string) string {
	h := sha256.New()
	h.Write([]byte(appID))
	h.Write(raw)
	h.Write([]byte(ts))
	h.Write([]byte(oaSecret))
	return hex.EncodeToString(h.Sum(nil))
}

// bodyTimestamp returns the top-level "timestamp" of raw as written: the
// characters between the quotes of a string, or the digits of a number.
// ok is false when raw is not a JSON object.
func bodyTimestamp(raw []byte) (ts string, ok bool) {
	var probe struct {
		Timestamp json.RawMessage `json:"timestamp"`
	}
	if json.Unmarshal(raw, &probe) != nil {
		return "", false
	}
	t := bytes.TrimSpace(probe.Timestamp)
	if len(t) >= 2 && t[0] == '"' && t[len(t)-1] == '"' {
		t = t[1 : len(t)-1]
	}
	return string(t), true
}
