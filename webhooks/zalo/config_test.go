package zalo

import "testing"

func TestConfigDefaults(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", DefaultOAuthURL},
		{"https://oauth.zaloapp.com", "https://oauth.zaloapp.com/v4/oa/access_token"},
		{"https://oauth.zaloapp.com/", "https://oauth.zaloapp.com/v4/oa/access_token"},
		{"http://127.0.0.1:9999/v4/oa/access_token", "http://127.0.0.1:9999/v4/oa/access_token"},
		{"http://fake/custom/token", "http://fake/custom/token"},
	}
	for _, tc := range tests {
		if got := (Config{OAuthURL: tc.in}).withDefaults().OAuthURL; got != tc.want {
			t.Errorf("OAuthURL %q → %q, want %q", tc.in, got, tc.want)
		}
	}
	if (Config{OASecret: "s"}).Enabled() || (Config{AppID: "a"}).Enabled() || !(Config{AppID: "a", OASecret: "s"}).Enabled() {
		t.Error("Enabled must need both the app id and the OA secret")
	}
}
