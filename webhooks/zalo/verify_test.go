package zalo

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"testing"
)

// Test vector from ../shared/spec/channels.md A3 (made-up inputs, computed
// there with Python hashlib and Go crypto/sha256). 268 bytes of UTF-8 with
// a literal "à", no trailing newline.
const (
	vectorAppID  = "1234567890123456789"
	vectorSecret = "test_oa_secret_key"
	vectorBody   = `{"app_id":"1234567890123456789","user_id_by_app":"552177279717587730","event_name":"user_send_text","timestamp":"1699003881354","sender":{"id":"246845883529197922"},"recipient":{"id":"388613280878808645"},"message":{"text":"Xin chào","msg_id":"cb31dff1c39642cc1b83"}}`
	vectorSig    = "mac=fb0241b0e05ed6ddcc2dc5dc8bcd2e0c454ba1a709a4ab13078c7face8b79c62"
	// Python json.dumps(..., separators=(",",":")) of the same object: "à"
	// escaped (A3: its SHA-256 MAC is 09988507…dd03).
	reserialised = `{"app_id":"1234567890123456789","user_id_by_app":"552177279717587730","event_name":"user_send_text","timestamp":"1699003881354","sender":{"id":"246845883529197922"},"recipient":{"id":"388613280878808645"},"message":{"text":"Xin ch\u00e0o","msg_id":"cb31dff1c39642cc1b83"}}`
)

func TestVerifyVector(t *testing.T) {
	if len(vectorBody) != 268 {
		t.Fatalf("fixture is %d bytes, the spec says 268", len(vectorBody))
	}
	if !Verify([]byte(vectorBody), vectorSig, "", vectorAppID, vectorSecret) {
		t.Fatal("spec test vector does not verify")
	}
	if got := Sign([]byte(vectorBody), vectorAppID, vectorSecret); got != vectorSig {
		t.Fatalf("Sign = %s, want %s", got, vectorSig)
	}
	// Without the "mac=" prefix and with surrounding space: accepted (A3).
	if !Verify([]byte(vectorBody), " "+strings.TrimPrefix(vectorSig, "mac=")+" ", "", vectorAppID, vectorSecret) {
		t.Fatal("bare hex MAC does not verify")
	}
	// The spec's figures for the wrong variants.
	if got := mac([]byte(reserialised), "1699003881354", vectorAppID, vectorSecret); !strings.HasPrefix(got, "09988507") || !strings.HasSuffix(got, "dd03") {
		t.Fatalf("re-serialised MAC = %s, want the spec's 09988507…dd03", got)
	}
	if got := hmacHex(vectorBody, vectorSecret); !strings.HasPrefix(got, "946b0525") || !strings.HasSuffix(got, "5f42") {
		t.Fatalf("HMAC = %s, want the spec's 946b0525…5f42", got)
	}
}

func hmacHex(body, key string) string {
	m := hmac.New(sha256.New, []byte(key))
	m.Write([]byte(body))
	return hex.EncodeToString(m.Sum(nil))
}

func TestVerifyNegative(t *testing.T) {
	body := []byte(vectorBody)
	tests := []struct {
		name, body, header, appID, secret string
	}{
		{"HMAC-SHA256 of the body", vectorBody, "mac=" + hmacHex(vectorBody, vectorSecret), vectorAppID, vectorSecret},
		{"re-serialised JSON", reserialised, vectorSig, vectorAppID, vectorSecret},
		{"wrong secret", vectorBody, vectorSig, vectorAppID, "wrong_secret"},
		{"app secret instead of OA secret", vectorBody, Sign(body, vectorAppID, "app_secret"), vectorAppID, vectorSecret},
		{"OA id instead of app id", vectorBody, Sign(body, "388613280878808645", vectorSecret), vectorAppID, vectorSecret},
		{"empty secret", vectorBody, Sign(body, vectorAppID, ""), vectorAppID, ""},
		{"empty app id", vectorBody, Sign(body, "", vectorSecret), "", vectorSecret},
		{"trailing newline", vectorBody + "\n", vectorSig, vectorAppID, vectorSecret},
		{"no header", vectorBody, "", vectorAppID, vectorSecret},
		{"seconds timestamp", vectorBody, "mac=" + mac(body, "1699003881", vectorAppID, vectorSecret), vectorAppID, vectorSecret},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if Verify([]byte(tc.body), tc.header, "", tc.appID, tc.secret) {
				t.Fatal("verified, want failure")
			}
		})
	}
}

func TestVerifyTimestampForms(t *testing.T) {
	// A numeric timestamp is hashed as written.
	num := []byte(`{"app_id":"1","event_name":"follow","timestamp":1699003881354,"follower":{"id":"9"}}`)
	if !Verify(num, "mac="+mac(num, "1699003881354", "1", "s"), "", "1", "s") {
		t.Fatal("numeric timestamp not hashed as written")
	}
	// A MAC made with the X-ZEvent-Timestamp header value verifies only
	// when that header is given (one third-party source signs so).
	sig := "mac=" + mac([]byte(vectorBody), "1699003881999", vectorAppID, vectorSecret)
	if Verify([]byte(vectorBody), sig, "", vectorAppID, vectorSecret) {
		t.Fatal("header-timestamp MAC verified without the header")
	}
	if !Verify([]byte(vectorBody), sig, "1699003881999", vectorAppID, vectorSecret) {
		t.Fatal("header-timestamp MAC not verified with the header")
	}
}
