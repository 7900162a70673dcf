package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"botdvc/bot"
)

// answer is one reply as botctl shows it: the contract object of
// ../shared/DESIGN.md (what `ask --json` prints, quick replies included).
type answer struct {
	bot.AskResult
	Category string     `json:"-"` // hand-off category; only known with the local engine
	Links    []bot.Link `json:"-"` // the official page (AskResult.Links as the engine gives them)
}

// answerer answers one message of a conversation: the local engine over the
// bundled (or --guides) corpus, or a running botd's /api/v1/ask (--url).
type answerer interface {
	answer(ctx context.Context, conversation, id string, m bot.Message) (answer, error)
	Close() error
}

// localAnswerer is the engine in this process.
type localAnswerer struct{ *loadedEngine }

func (l localAnswerer) answer(ctx context.Context, conversation, id string, m bot.Message) (answer, error) {
	m.ID, m.Channel, m.UserID = id, bot.CLI, conversation
	r, err := l.Answer(ctx, m)
	if err != nil {
		return answer{}, err
	}
	a := answer{AskResult: r.Result(m.Text), Links: r.Links}
	if r.Handoff != nil {
		a.Category = r.Handoff.Category
	}
	return a, nil
}

// remoteAnswerer asks a running botd: POST /api/v1/ask with the conversation
// as its session, so the service's published guides (and catalogue) answer
// exactly as they answer citizens. The ask API opens no hotline tickets.
type remoteAnswerer struct {
	base string
	http *http.Client
	// run makes the sessions of this botctl run its own: two runs asking
	// "1" do not share a conversation on the server.
	run string
}

func newRemote(base string) (*remoteAnswerer, error) {
	base = strings.TrimRight(base, "/")
	if !strings.HasPrefix(base, "http://") && !strings.HasPrefix(base, "https://") {
		return nil, fmt.Errorf("--url %q: want the service's base URL, e.g. http://localhost:8080", base)
	}
	return &remoteAnswerer{base: base, http: &http.Client{Timeout: 30 * time.Second},
		run: strconv.FormatInt(time.Now().UnixNano(), 36)}, nil
}

func (r *remoteAnswerer) Close() error { return nil }

// maxRetries bounds how often one question is retried when the service
// says it is busy (429 or 503).
const maxRetries = 5

func (r *remoteAnswerer) answer(ctx context.Context, conversation, _ string, m bot.Message) (answer, error) {
	text := m.Text
	if m.Kind == bot.KindPayload {
		text = m.Payload
	}
	if m.Kind == bot.KindFollow { // the ask API takes text only: greet as a citizen would
		text = "xin chào"
	}
	body, _ := json.Marshal(map[string]string{"text": text, "session": "botctl-" + r.run + "-" + conversation})
	for attempt := 0; ; attempt++ {
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, r.base+"/api/v1/ask", bytes.NewReader(body))
		if err != nil {
			return answer{}, err
		}
		req.Header.Set("Content-Type", "application/json")
		resp, err := r.http.Do(req)
		if err != nil {
			return answer{}, fmt.Errorf("ask %s: %w", r.base, err)
		}
		raw, err := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
		resp.Body.Close()
		if err != nil {
			return answer{}, fmt.Errorf("ask %s: %w", r.base, err)
		}
		busy := resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable
		if busy && attempt < maxRetries {
			wait := time.Duration(attempt+1) * time.Second
			if s, err := strconv.Atoi(resp.Header.Get("Retry-After")); err == nil && s > 0 && s <= 60 {
				wait = time.Duration(s) * time.Second
			}
			select {
			case <-ctx.Done():
				return answer{}, ctx.Err()
			case <-time.After(wait):
			}
			continue
		}
		if resp.StatusCode != http.StatusOK {
			var e struct{ Error string }
			if json.Unmarshal(raw, &e) == nil && e.Error != "" {
				return answer{}, fmt.Errorf("ask %s: %s: %s", r.base, resp.Status, e.Error)
			}
			return answer{}, fmt.Errorf("ask %s: %s (is it a botd?)", r.base, resp.Status)
		}
		var a answer
		if err := json.Unmarshal(raw, &a); err != nil || a.Action == "" {
			return answer{}, errors.New("ask " + r.base + ": the answer is not an /api/v1/ask object (is it a botd?)")
		}
		if a.Candidates == nil {
			a.Candidates = []bot.Candidate{}
		}
		for _, l := range a.AskResult.Links {
			a.Links = append(a.Links, bot.Link(l))
		}
		return a, nil
	}
}
