package messenger

import (
	"context"
	"testing"

	"botdvc/bot"
)

// FuzzProcess feeds correctly signed arbitrary bodies through the webhook
// path. It must never panic; a body that is not answered 200 must not reach
// the inbox; what reaches the inbox is a well-formed message.
func FuzzProcess(f *testing.F) {
	for _, s := range []string{
		vectorBody, reserialised, batchBody,
		`{"field":"messages","value":{}}`,
		`{"object":"page","entry":[{"id":"1","messaging":[{"sender":{"id":1e400},"message":{"mid":"m"}}]}]}`,
		`{"object":"page","entry":[{"id":"1","messaging":[{"sender":{"id":"u"},"timestamp":"-5","postback":{}}]}]}`,
		`{"object":"page","entry":[null,{"messaging":null,"standby":[{}]}]}`,
		`{"object":"page","entry":[{"messaging":[{"message":{"is_echo":true,"app_id":{}}}]}]}`,
		`{"object":"page","entry":[{"messaging":[{"sender":{"id":"u"},"timestamp":99999999999999999999,"message":{"mid":"m","text":"\ud800"}}]}]}`,
		`[]`, `null`, ``, `{`, `{"object":"page"}{}`, "\xff\xfe",
	} {
		f.Add([]byte(s))
	}
	h := NewHandler(Config{AppSecret: "fuzz", GetStartedPayload: "GET_STARTED"}, nil, nil)
	f.Fuzz(func(t *testing.T, raw []byte) {
		inbox := &recordingInbox{}
		h.inbox = inbox
		status, _ := h.process(context.Background(), raw, Sign(raw, "fuzz"))
		got := inbox.messages()
		if status != 200 && len(got) != 0 {
			t.Fatalf("status %d but %d messages reached the inbox", status, len(got))
		}
		for _, m := range got {
			switch m.Kind {
			case bot.KindText, bot.KindPayload, bot.KindAttachment, bot.KindFollow, bot.KindAgentEcho:
			default:
				t.Fatalf("message of kind %q", m.Kind)
			}
			if m.ID == "" || m.UserID == "" || m.Channel != bot.Messenger || m.Time.IsZero() {
				t.Fatalf("incomplete message %+v", m)
			}
		}
		// An unsigned copy never gets in.
		inbox = &recordingInbox{}
		h.inbox = inbox
		if status, _ := h.process(context.Background(), raw, "sha256=00"); status != 401 || len(inbox.messages()) != 0 {
			t.Fatalf("unsigned body: status %d, %d messages", status, len(inbox.messages()))
		}
	})
}
