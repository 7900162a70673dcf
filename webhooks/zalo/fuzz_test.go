package zalo

import (
	"context"
	"testing"

	"botdvc/bot"
)

// FuzzProcess feeds correctly signed arbitrary bodies through the webhook
// path. It must never panic; a body not answered 200 must not reach the
// inbox; what reaches it is a well-formed message.
func FuzzProcess(f *testing.F) {
	for _, s := range []string{
		vectorBody, reserialised,
		`{"app_id":"1","follower":{"id":"u"},"event_name":"follow","timestamp":"1677721200000"}`,
		`{"app_id":"1","user_id":"u","event_name":"user_click_chatnow","timestamp":1677721200000}`,
		`{"event_name":"user_seen_message","timestamp":"1","message":{"msg_ids":["a",1e999]}}`,
		`{"event_name":"user_send_text","timestamp":"9","sender":{"id":{}},"message":{"text":"#btn:","msg_id":"m"}}`,
		`{"event_name":"oa_send_text","timestamp":"x","recipient":{"id":"u"},"message":{"msg_id":"m","text":"\ud800"}}`,
		`{"event_name":"user_send_location","timestamp":"1","sender":{"id":"u"},"message":{"msg_id":"m","location":null,"attachments":[null]}}`,
		`{"timestamp":"1","event_name":null,"message":null}`,
		`[]`, `null`, ``, `{`, `{"timestamp":"1"}{}`, "\xff\xfe", `{"timestamp":{"a":1}}`,
	} {
		f.Add([]byte(s))
	}
	h := NewHandler(Config{AppID: "app", OASecret: "fuzz"}, nil, nil)
	h.Tracker = &fakeTracker{own: map[string]bool{"m": true}}
	f.Fuzz(func(t *testing.T, raw []byte) {
		inbox := &recordingInbox{}
		h.inbox = inbox
		status, _ := h.process(context.Background(), raw, Sign(raw, "app", "fuzz"), "")
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
			if m.ID == "" || m.UserID == "" || m.Channel != bot.Zalo || m.Time.IsZero() {
				t.Fatalf("incomplete message %+v", m)
			}
		}
		inbox = &recordingInbox{}
		h.inbox = inbox
		if status, _ := h.process(context.Background(), raw, "mac=00", ""); status == 200 || len(inbox.messages()) != 0 {
			t.Fatalf("unsigned body: status %d, %d messages", status, len(inbox.messages()))
		}
	})
}
