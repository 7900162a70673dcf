package messenger

import (
	"crypto/hmac"
	"crypto/sha1"
	"encoding/hex"
	"testing"
)

// Test vector from ../shared/spec/channels.md B2 (computed there with
// Python hmac and Go crypto/hmac). The body holds the literal escape
// sequences Meta sends.
const (
	vectorSecret = "test_app_secret"
	vectorBody   = `{"object":"page","entry":[{"id":"PAGE_ID","time":1458692752478,"messaging":[{"sender":{"id":"PSID"},"recipient":{"id":"PAGE_ID"},"timestamp":1458692752478,"message":{"mid":"mid.1457764197618:41d102a3e1ae206a38","text":"caf\u00e9 \/ h\u00e9llo"}}]}]}`
	vectorSig    = "sha256=e1f3a84355c463a2645db55d280bff64b1d1fbe5541b657fc52a459d29bde43a"
	// The same event re-serialised with decoded characters, as a naive
	// decode/encode would produce (B2: its HMAC is d259a6dc…8882).
	reserialised = `{"object":"page","entry":[{"id":"PAGE_ID","time":1458692752478,"messaging":[{"sender":{"id":"PSID"},"recipient":{"id":"PAGE_ID"},"timestamp":1458692752478,"message":{"mid":"mid.1457764197618:41d102a3e1ae206a38","text":"café / héllo"}}]}]}`
)

func TestVerifyVector(t *testing.T) {
	if !Verify([]byte(vectorBody), vectorSig, vectorSecret) {
		t.Fatal("spec test vector does not verify")
	}
	if got := Sign([]byte(vectorBody), vectorSecret); got != vectorSig {
		t.Fatalf("Sign = %s, want %s", got, vectorSig)
	}
	if got := Sign([]byte(reserialised), vectorSecret); got[:15] != "sha256=d259a6dc" || got[len(got)-4:] != "8882" {
		t.Fatalf("re-serialised signature = %s, want the spec's d259a6dc…8882", got)
	}
}

func TestVerifyNegative(t *testing.T) {
	sha1mac := hmac.New(sha1.New, []byte(vectorSecret))
	sha1mac.Write([]byte(vectorBody))
	legacy := hex.EncodeToString(sha1mac.Sum(nil))
	upper := "sha256=E1F3A84355C463A2645DB55D280BFF64B1D1FBE5541B657FC52A459D29BDE43A"
	tests := []struct {
		name, body, header, secret string
	}{
		{"wrong secret", vectorBody, vectorSig, "other_secret"},
		{"empty secret", vectorBody, Sign([]byte(vectorBody), ""), ""},
		{"re-serialised JSON", reserialised, vectorSig, vectorSecret},
		{"trailing newline", vectorBody + "\n", vectorSig, vectorSecret},
		{"no prefix", vectorBody, vectorSig[len("sha256="):], vectorSecret},
		{"legacy sha1 header", vectorBody, "sha1=" + legacy, vectorSecret},
		{"sha1 value with sha256 prefix", vectorBody, "sha256=" + legacy, vectorSecret},
		{"empty header", vectorBody, "", vectorSecret},
		{"not hex", vectorBody, "sha256=zz", vectorSecret},
		{"truncated", vectorBody, vectorSig[:40], vectorSecret},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if Verify([]byte(tc.body), tc.header, tc.secret) {
				t.Fatal("verified, want failure")
			}
		})
	}
	// Hex case does not matter to the bytes compared; Meta sends lowercase.
	if !Verify([]byte(vectorBody), upper, vectorSecret) {
		t.Fatal("uppercase hex of the right MAC should verify")
	}
}
