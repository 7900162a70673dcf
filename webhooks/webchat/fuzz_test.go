package webchat_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http/httptest"
	"testing"
	"unicode/utf8"

	"botdvc/bot"
	"botdvc/webhooks"
	"botdvc/webhooks/webchat"
)

// inboxFunc is an Inbox that checks what reaches it.
type inboxFunc func(ctx context.Context, m bot.Message) error

func (f inboxFunc) Accept(ctx context.Context, m bot.Message) error { return f(ctx, m) }

// FuzzChatPost: any body gets 202 or a 4xx JSON error, never a panic or a
// 5xx, and only well-formed messages reach the inbox.
func FuzzChatPost(f *testing.F) {
	for _, seed := range []string{
		`{"session":"fuzz-session-0123456789","text":"xin chào"}`,
		`{"session":"fuzz-session-0123456789","id":"m1","text":"Khai sinh","payload":"g:dang-ky-khai-sinh"}`,
		`{"text":"không có phiên"}`, `{"session":"a b","text":"x"}`, `{"session":1}`, `{`, "\xff\xfe", `[]`, `null`, ``,
		`{"session":"fuzz-session-0123456789","text":"\u0000"}`,
		`{"session":"fuzz-session-0123456789","event":"open"}`, `{"event":"open","text":"x"}`, `{"event":"close"}`,
	} {
		f.Add([]byte(seed))
	}
	inbox := inboxFunc(func(_ context.Context, m bot.Message) error {
		empty := m.Text == "" && m.Payload == "" && m.Kind != bot.KindFollow
		if m.Channel != bot.Web || !webchat.ValidSession(m.UserID) || m.ID == "" || !utf8.ValidString(m.Text) || empty {
			panic("malformed message reached the inbox")
		}
		return nil
	})
	srv := webhooks.NewServer(nil, webhooks.ServerConfig{})
	srv.Mount(webchat.NewHandler(inbox, nil, nil, nil))
	f.Fuzz(func(t *testing.T, body []byte) {
		req := httptest.NewRequest("POST", "/api/v1/chat", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		resp, err := srv.App.Test(req, -1)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		switch {
		case resp.StatusCode == 202:
		case resp.StatusCode >= 400 && resp.StatusCode < 500:
			var v map[string]any
			if json.Unmarshal(b, &v) != nil || v["error"] == nil {
				t.Fatalf("status %d without a JSON error: %q", resp.StatusCode, b)
			}
		default:
			t.Fatalf("status %d for %q: %s", resp.StatusCode, body, b)
		}
	})
}
