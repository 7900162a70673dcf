package editor

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"botdvc/bot"
)

// StreamOutcomes holds one record per citizen question, kept for the
// retention period and then dropped by JetStream (MaxAge).
const (
	StreamOutcomes = "BOT_OUTCOMES"
	subjOutcome    = "outcomes."
)

// DefaultRetention is how long question records are kept when not configured.
const DefaultRetention = 90 * 24 * time.Hour

// Outcome is what happened to one citizen question. Text is redacted; the
// conversation is a one-way hash, enough to follow a clarify to its pick.
type Outcome struct {
	At           time.Time   `json:"at"`
	Channel      bot.Channel `json:"channel"`
	Conversation string      `json:"conv"`
	Text         string      `json:"text"`
	Action       bot.Action  `json:"action"`
	GuideID      string      `json:"guide_id,omitempty"`
	Aspect       bot.Aspect  `json:"aspect,omitempty"`
	Confidence   float64     `json:"confidence,omitempty"`
	Options      []string    `json:"options,omitempty"` // guide ids offered when clarifying
	Category     string      `json:"category,omitempty"`
	// Feedback is "up" or "down" for a tap on an answer's feedback option;
	// the record is then not a question: Text, GuideID and Aspect are those
	// of the answer it is about.
	Feedback string `json:"feedback,omitempty"`
}

// Recorder records outcomes in JetStream.
type Recorder struct {
	js     jetstream.JetStream
	stream jetstream.Stream
	logger *slog.Logger
	// Now is the clock; tests may replace it.
	Now func() time.Time
}

// OpenRecorder binds to the outcomes stream (declared by Streams with the
// retention, reconciled beforehand) and returns a Recorder.
func OpenRecorder(ctx context.Context, js jetstream.JetStream, logger *slog.Logger) (*Recorder, error) {
	st, err := js.Stream(ctx, StreamOutcomes)
	if err != nil {
		return nil, fmt.Errorf("editor.OpenRecorder: stream %s (not declared? reconcile editor.Streams first): %w", StreamOutcomes, err)
	}
	return &Recorder{js: js, stream: st, logger: logger, Now: time.Now}, nil
}

// ConversationHash is the one-way id under which a conversation is recorded.
func ConversationHash(conv string) string {
	h := sha256.Sum256([]byte("botdvc-outcome:" + conv))
	return hex.EncodeToString(h[:8])
}

// Middleware records the outcome of every text question the handler answers.
// A failure to record is logged and does not affect the reply.
func (r *Recorder) Middleware() bot.Middleware {
	return func(next bot.HandlerFunc) bot.HandlerFunc {
		return func(ctx context.Context, m bot.Message) (bot.Reply, error) {
			rep, err := next(ctx, m)
			if err != nil || rep.Action == bot.ActionSilent || rep.Action == "" {
				return rep, err
			}
			if m.Kind != bot.KindText && m.Kind != bot.KindPayload && m.Kind != "" {
				return rep, err
			}
			if rep.Feedback == nil && (m.Payload == bot.PayloadFeedbackUp || m.Payload == bot.PayloadFeedbackDown) {
				return rep, err // a second tap on the same answer: counted once already
			}
			// A record is not worth holding the reply for: while the
			// stream's leader is being elected a publish gets no answer.
			rctx, cancel := context.WithTimeout(ctx, 3*time.Second)
			defer cancel()
			if rerr := r.Record(rctx, m, rep); rerr != nil {
				r.logger.Warn("outcome not recorded", "channel", m.Channel, "err", rerr)
			}
			return rep, err
		}
	}
}

// Record stores the outcome of message m answered with rep.
func (r *Recorder) Record(ctx context.Context, m bot.Message, rep bot.Reply) error {
	o := Outcome{
		At: r.Now().UTC(), Channel: m.Channel, Conversation: ConversationHash(m.Conversation()),
		Text: bot.Redact(m.Text), Action: rep.Action, GuideID: rep.GuideID, Aspect: rep.Aspect,
		Confidence: rep.Confidence,
	}
	if m.Kind == bot.KindPayload && o.Text == "" {
		o.Text = m.Payload
	}
	if rep.Action == bot.ActionClarify {
		for _, c := range rep.Candidates {
			o.Options = append(o.Options, c.GuideID)
		}
	}
	if rep.Handoff != nil {
		o.Category = rep.Handoff.Category
	}
	if fb := rep.Feedback; fb != nil {
		o.Feedback, o.Text, o.GuideID, o.Aspect, o.Confidence = fb.Vote, fb.Question, fb.GuideID, fb.Aspect, 0
	}
	b, _ := json.Marshal(o)
	ch := string(m.Channel)
	if ch == "" {
		ch = "unknown"
	}
	if _, err := r.js.Publish(ctx, subjOutcome+ch, b); err != nil {
		return fmt.Errorf("editor.Record: %w", err)
	}
	return nil
}

// Outcomes returns the records of the last `since` duration, oldest first.
func (r *Recorder) Outcomes(ctx context.Context, since time.Duration) ([]Outcome, error) {
	out, err := r.read(ctx, r.Now().Add(-since), time.Time{})
	if err != nil {
		return nil, fmt.Errorf("editor.Outcomes: %w", err)
	}
	return out, nil
}

// Between returns the records of [from, to), oldest first (a calendar
// month for the monthly report).
func (r *Recorder) Between(ctx context.Context, from, to time.Time) ([]Outcome, error) {
	out, err := r.read(ctx, from, to)
	if err != nil {
		return nil, fmt.Errorf("editor.Between: %w", err)
	}
	return out, nil
}

// read returns the records stored from start on, up to (not including)
// the first one at or after until (zero: to the end).
func (r *Recorder) read(ctx context.Context, start, until time.Time) ([]Outcome, error) {
	cons, err := r.stream.OrderedConsumer(ctx, jetstream.OrderedConsumerConfig{
		DeliverPolicy: jetstream.DeliverByStartTimePolicy,
		OptStartTime:  &start,
	})
	if err != nil {
		return nil, err
	}
	info, err := r.stream.Info(ctx)
	if err != nil {
		return nil, err
	}
	var out []Outcome
	if info.State.Msgs == 0 {
		return out, nil
	}
	for {
		batch, err := cons.Fetch(500, jetstream.FetchMaxWait(300*time.Millisecond))
		if err != nil {
			return nil, err
		}
		n, pending := 0, uint64(0)
		for m := range batch.Messages() {
			n++
			var o Outcome
			if json.Unmarshal(m.Data(), &o) == nil {
				// The stream orders by storage; the record's own time decides,
				// allowing instances' clocks a few minutes apart.
				if !until.IsZero() && o.At.After(until.Add(5*time.Minute)) {
					return out, nil
				}
				if !o.At.Before(start) && (until.IsZero() || o.At.Before(until)) {
					out = append(out, o)
				}
			}
			if md, err := m.Metadata(); err == nil {
				pending = md.NumPending
			}
		}
		if n == 0 || pending == 0 {
			return out, nil
		}
	}
}
