package webchat

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"botdvc/internal/natstest"
)

func TestInOrder(t *testing.T) {
	c := func(id string) Event { return Event{ID: id, From: FromCitizen, Text: id} }
	r := func(to string) Event { return Event{ID: to + ":r", From: FromBot, ReplyTo: to, Text: "re " + to} }
	staff := Event{ID: "s", From: FromStaff, Staff: true, Text: "staff"}
	for name, tc := range map[string]struct{ in, want []Event }{
		"in order":                     {[]Event{r("open"), c("a"), r("a")}, []Event{r("open"), c("a"), r("a")}},
		"asked quickly in a row":       {[]Event{c("a"), c("b"), r("open"), r("a"), r("b")}, []Event{r("open"), c("a"), r("a"), c("b"), r("b")}},
		"answered before it was kept":  {[]Event{r("open"), r("a"), c("a")}, []Event{r("open"), c("a"), r("a")}},
		"forwarded to staff, no reply": {[]Event{c("a"), r("a"), c("b"), staff}, []Event{c("a"), r("a"), c("b"), staff}},
		"not answered yet":             {[]Event{r("open"), c("a")}, []Event{r("open"), c("a")}},
	} {
		var got, want []string
		for _, e := range inOrder(tc.in) {
			got = append(got, e.Text)
		}
		for _, e := range tc.want {
			want = append(want, e.Text)
		}
		if strings.Join(got, ",") != strings.Join(want, ",") {
			t.Errorf("%s: %v, want %v", name, got, want)
		}
	}
}

// TestJanitor: conversations idle past Keep are removed, unless open (a
// ticket) or the citizen came back; the others are untouched.
func TestJanitor(t *testing.T) {
	ctx := context.Background()
	js := natstest.JetStream(t)
	natstest.Declare(t, js, []jetstream.StreamConfig{StreamConfig(1)})
	turn := func(session, text string) {
		t.Helper()
		data, _ := json.Marshal(Event{ID: text, From: FromCitizen, Text: text, At: time.Now()})
		if _, err := js.PublishMsg(ctx, &nats.Msg{Subject: subject(session), Data: data}); err != nil {
			t.Fatal(err)
		}
	}
	const open, idle, back = "session-open-0123456789", "session-idle-0123456789", "session-back-0123456789"
	turn(open, "1")
	turn(idle, "2")
	turn(idle, "3")
	turn(back, "4")
	time.Sleep(700 * time.Millisecond)
	turn(back, "5") // the citizen came back
	j := &Janitor{JS: js, Keep: 500 * time.Millisecond,
		Open: func(_ context.Context, s string) (bool, error) { return s == open, nil }}
	n, err := j.Sweep(ctx)
	if err != nil || n != 1 {
		t.Fatalf("swept %d, %v; want 1", n, err)
	}
	st, _ := js.Stream(ctx, Stream)
	for s, want := range map[string]int{open: 1, idle: 0, back: 2} {
		info, err := st.Info(ctx, jetstream.WithSubjectFilter(subject(s)))
		if err != nil {
			t.Fatal(err)
		}
		if got := int(info.State.Subjects[subject(s)]); got != want {
			t.Errorf("%s keeps %d turns, want %d", s, got, want)
		}
	}
	// Idempotent: nothing more to do.
	if n, err := j.Sweep(ctx); err != nil || n != 0 {
		t.Errorf("second sweep: %d, %v", n, err)
	}
}
