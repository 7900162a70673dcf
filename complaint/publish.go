package complaint

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode"

	"github.com/nats-io/nats.go/jetstream"

	"botdvc/bot"
)

// Patterns Anonymize removes beyond bot.Redact's phone numbers, id numbers
// and e-mail addresses. Names are found only next to a word that introduces
// a person, so staff must still read the text before publishing: the
// console says so.
var (
	reHonorific = regexp.MustCompile(`(?i:\b(ông|bà|anh|chị|cô|chú|bác|cháu|cán bộ|đồng chí|đ/c|tên tôi là|tên em là|tên mình là|tôi tên là|tôi là|em là|mình là)\s+)(\p{Lu}[\p{L}\p{M}]*(?:\s+\p{Lu}[\p{L}\p{M}]*){0,3})`)
	reHouse     = regexp.MustCompile(`(?i:\b(?:số nhà|nhà số|ngõ|ngách|hẻm|kiệt|tổ dân phố|tổ)\s+\d+[\p{L}\d/]*|\bsố\s+\d+[a-z]?(?:/\d+)*\s+(?:phố|đường)\s+\p{Lu}[\p{L}\p{M}]*(?:\s+\p{Lu}[\p{L}\p{M}]*){0,3})`)
	reDossier   = regexp.MustCompile(`\b[A-Za-z0-9]+(?:[.\-/][A-Za-z0-9]+){2,}\b`)
)

// Anonymize prepares a text for publishing: personal data bot.Redact
// finds, names after a word that introduces a person ("ông Nguyễn Văn A",
// "tôi là Lan"), house addresses ("số nhà 12", "ngõ 34") and dossier codes.
func Anonymize(s string) string {
	s = bot.Redact(s)
	s = reHonorific.ReplaceAllString(s, "$1 [họ tên]")
	s = reHouse.ReplaceAllString(s, "[địa chỉ]")
	s = reDossier.ReplaceAllStringFunc(s, func(m string) string {
		if strings.HasPrefix(strings.ToUpper(m), "PA-") {
			return m
		}
		digits, letters := 0, 0
		for _, r := range m {
			switch {
			case r >= '0' && r <= '9':
				digits++
			case r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z':
				letters++
			}
		}
		if digits >= 6 && letters >= 1 {
			return "[mã hồ sơ]"
		}
		return m
	})
	return strings.ReplaceAll(s, "  ", " ")
}

// PublishRequest is the anonymised text staff publish: POST …/{code}/publish.
// Empty fields take the drafts PublishDraft gives.
type PublishRequest struct {
	Title  string `json:"title"`
	Text   string `json:"text"`
	Answer string `json:"answer"`
}

// PublishDraft returns what would be published for c: its procedure (or
// its first words) as the title, and the text and answer anonymised.
func PublishDraft(c Case) PublishRequest {
	title := c.Procedure
	if title == "" {
		w := strings.Fields(Anonymize(c.Text))
		if len(w) > 10 {
			w = append(w[:10], "…")
		}
		title = strings.Join(w, " ")
	}
	return PublishRequest{Title: "Phản ánh về " + lowerFirst(title), Text: Anonymize(c.Text), Answer: Anonymize(c.Answer)}
}

func lowerFirst(s string) string {
	// Proper names and acronyms ("UBND", "Cầu Giấy") keep their capitals:
	// only a capital followed by a lower-case letter is lowered.
	r := []rune(s)
	if len(r) > 1 && unicode.IsUpper(r[0]) && unicode.IsLower(r[1]) {
		r[0] = unicode.ToLower(r[0])
	}
	return string(r)
}

// Publish puts an answered complaint on /phan-anh with the given texts
// (anonymised by staff; Anonymize is applied again). Errors wrap ErrState
// (no answer yet), ErrInvalid, ErrNotFound, ErrUnavailable.
func (d *Desk) Publish(ctx context.Context, code, account string, req PublishRequest) (Published, error) {
	c, err := d.Get(ctx, code)
	if err != nil {
		return Published{}, fmt.Errorf("complaint.Publish: %w", err)
	}
	if c.Answer == "" {
		return Published{}, fmt.Errorf("complaint.Publish: only an answered complaint is published: %w", ErrState)
	}
	def := PublishDraft(c)
	for _, f := range []struct {
		p   *string
		def string
	}{{&req.Title, def.Title}, {&req.Text, def.Text}, {&req.Answer, def.Answer}} {
		if strings.TrimSpace(*f.p) == "" {
			*f.p = f.def
		}
	}
	if len([]rune(req.Title)) > maxField || len([]rune(req.Text)) > MaxText || len([]rune(req.Answer)) > MaxText {
		return Published{}, fmt.Errorf("complaint.Publish: title (%d), text or answer (%d) too long: %w", maxField, MaxText, ErrInvalid)
	}
	now := d.cfg.Now()
	p := Published{Code: c.Code, Title: Anonymize(strings.TrimSpace(req.Title)), Text: Anonymize(strings.TrimSpace(req.Text)),
		Answer: Anonymize(strings.TrimSpace(req.Answer)), Procedure: c.Procedure, Place: c.Place, Agency: c.Agency,
		Created: c.Created, Answered: c.Answered, Published: now, By: account}
	b, _ := json.Marshal(p)
	if _, err := d.st.published.Put(ctx, c.Code, b); err != nil {
		return Published{}, fmt.Errorf("complaint.Publish: %v: %w", err, ErrUnavailable)
	}
	d.putPublished(c.Code, b, false)
	if _, err := d.update(ctx, code, func(c *Case) error {
		c.Published = now
		c.History = append(c.History, Event{At: now, By: account, Status: c.Status, Note: "Đã công khai trên trang phản ánh"})
		return nil
	}); err != nil {
		return p, fmt.Errorf("complaint.Publish: published, case not updated: %w", err)
	}
	d.logger.Info("complaint published", "code", c.Code)
	return p, nil
}

// Unpublish takes a complaint off /phan-anh.
func (d *Desk) Unpublish(ctx context.Context, code, account string) (Case, error) {
	if !validKey(code) {
		return Case{}, fmt.Errorf("complaint.Unpublish: %w", ErrBadCode)
	}
	if err := d.st.published.Purge(ctx, code); err != nil && !errors.Is(err, jetstream.ErrKeyNotFound) {
		return Case{}, fmt.Errorf("complaint.Unpublish: %v: %w", err, ErrUnavailable)
	}
	d.putPublished(code, nil, true)
	now := d.cfg.Now()
	c, err := d.update(ctx, code, func(c *Case) error {
		if c.Published.IsZero() {
			return nil
		}
		c.Published = time.Time{}
		c.History = append(c.History, Event{At: now, By: account, Status: c.Status, Note: "Đã gỡ khỏi trang phản ánh"})
		return nil
	})
	if errors.Is(err, ErrNotFound) {
		return Case{}, nil // the case itself expired; it is off the page now
	}
	if err != nil {
		return c, fmt.Errorf("complaint.Unpublish: %w", err)
	}
	return c, nil
}

// View returns what anyone with the code may see. A complaint whose case
// expired but that is still published is shown from its published record.
func (d *Desk) View(ctx context.Context, code string) (View, error) {
	c, err := d.Get(ctx, code)
	d.mu.RLock()
	p, published := d.published[code]
	d.mu.RUnlock()
	switch {
	case errors.Is(err, ErrNotFound) && published:
		return View{Code: p.Code, Status: StatusAnswered, StatusLabel: StatusAnswered.Label(), Created: p.Created,
			Procedure: p.Procedure, Place: p.Place, Agency: p.Agency, Answered: p.Answered, Answer: p.Answer, Published: p.Published}, nil
	case err != nil:
		return View{}, fmt.Errorf("complaint.View: %w", err)
	}
	v := View{Code: c.Code, Status: c.Status, StatusLabel: c.Status.Label(), Created: c.Created, Deadline: c.Deadline,
		Overdue: c.Overdue(d.cfg.Now()), Procedure: c.Procedure, Place: c.Place, Agency: c.Agency, Answered: c.Answered}
	if published {
		v.Answer, v.Published = p.Answer, p.Published
	}
	return v, nil
}

// PublishedList returns the published complaints matching the words of q
// (folded: "can cuoc" finds "căn cước"; all words must occur), newest first.
func (d *Desk) PublishedList(q string) []Published {
	want := plain(q)
	d.mu.RLock()
	out := make([]Published, 0, len(d.published))
	for _, p := range d.published {
		if len(want) > 0 {
			hay := map[string]bool{}
			for _, w := range plain(p.Title + " " + p.Text + " " + p.Answer + " " + p.Procedure + " " + p.Place + " " + p.Agency + " " + p.Code) {
				hay[w] = true
			}
			if slices.ContainsFunc(want, func(w string) bool { return !hay[w] }) {
				continue
			}
		}
		out = append(out, p)
	}
	d.mu.RUnlock()
	slices.SortFunc(out, func(a, b Published) int { return b.Published.Compare(a.Published) })
	return out
}
