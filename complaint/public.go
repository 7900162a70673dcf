package complaint

import (
	"bytes"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"

	"botdvc/bot"
)

//go:embed web
var webFS embed.FS

// Public serves the citizens' routes: the API (POST /api/v1/complaints,
// GET /api/v1/complaints/{code}), the published complaints at /phan-anh,
// the status page /phan-anh/{code} and the web chat page's form script.
type Public struct {
	d    *Desk
	tmpl *template.Template
	js   []byte
	lim  *limiter
}

// Public returns the citizens' routes of the desk.
func (d *Desk) Public() *Public {
	p := &Public{d: d, lim: newLimiter(10, time.Hour, d.cfg.Now)}
	p.tmpl = template.Must(template.New("").Funcs(funcs(d)).ParseFS(webFS, "web/public.html"))
	p.js, _ = webFS.ReadFile("web/form.js")
	return p
}

// Mount registers the routes on r (the app root).
func (p *Public) Mount(r fiber.Router) {
	r.Post("/api/v1/complaints", p.apiFile)
	r.Get("/api/v1/complaints/:code", p.apiView)
	r.Get("/phan-anh/form.js", func(c *fiber.Ctx) error {
		c.Type("js", "utf-8")
		c.Set("Cache-Control", "no-cache")
		return c.Send(p.js)
	})
	r.Get("/phan-anh", p.listPage)
	r.Get("/phan-anh/tra-cuu", func(c *fiber.Ctx) error {
		code, err := ParseCode(c.Query("code"))
		if err != nil {
			return p.render(c, fiber.StatusBadRequest, "view.html", publicData{Error: "Mã phản ánh không đúng. Mã có dạng PA-1234-5678; bạn kiểm tra lại nhé.", Query: c.Query("code")})
		}
		return c.Redirect("/phan-anh/"+code, fiber.StatusSeeOther)
	})
	r.Get("/phan-anh/:code", p.viewPage)
}

// reSession is the web chat's session id (webchat.ValidSession): a form
// filed from the chat page is answered in that chat.
var reSession = regexp.MustCompile(`^[A-Za-z0-9_-]{16,64}$`)

// fileRequest is the body of POST /api/v1/complaints (../shared/DESIGN.md).
type fileRequest struct {
	Text      string `json:"text"`
	Place     string `json:"place"`
	Procedure string `json:"procedure"`
	Contact   string `json:"contact"`
	Consent   bool   `json:"consent"`
	// Session is the web chat session of the page the form is on
	// (optional): the answer then arrives in that chat.
	Session string `json:"session"`
	When    string `json:"when"`
}

func jsonError(c *fiber.Ctx, status int, msg string) error {
	return c.Status(status).JSON(fiber.Map{"error": msg})
}

// statusOf maps errors to HTTP status codes.
func statusOf(err error) int {
	switch {
	case errors.Is(err, ErrBadCode), errors.Is(err, ErrInvalid):
		return fiber.StatusBadRequest
	case errors.Is(err, ErrNotFound):
		return fiber.StatusNotFound
	case errors.Is(err, ErrState), errors.Is(err, ErrConflict):
		return fiber.StatusConflict
	}
	return fiber.StatusServiceUnavailable
}

// detail keeps the part of an error that explains it to the caller: the
// texts this package wrote, never a driver's message.
func detail(err error) string {
	switch {
	case errors.Is(err, ErrBadCode):
		return "no such complaint code: a code is PA- and 8 digits (PA-1234-5678), the last a check digit"
	case errors.Is(err, ErrNotFound):
		return "no complaint with this code"
	case errors.Is(err, ErrInvalid), errors.Is(err, ErrState):
		s := err.Error()
		for _, sentinel := range []error{ErrInvalid, ErrState} {
			s = strings.TrimSuffix(s, ": "+sentinel.Error())
		}
		if i := strings.Index(s, ": "); i >= 0 && strings.HasPrefix(s, "complaint.") {
			s = s[i+2:]
		}
		return s
	case errors.Is(err, ErrConflict):
		return "the complaint changed meanwhile; reload and try again"
	}
	return "complaints temporarily unavailable, retry later"
}

// decodeJSON reads a JSON body into v; on failure it returns the status
// and the message for the caller.
func decodeJSON(c *fiber.Ctx, v any) (int, string) {
	if ct := c.Get(fiber.HeaderContentType); ct != "" && !strings.HasPrefix(ct, fiber.MIMEApplicationJSON) {
		return fiber.StatusUnsupportedMediaType, "content type must be application/json"
	}
	body := c.Body()
	if len(body) == 0 {
		return fiber.StatusBadRequest, "empty body: a JSON object is required"
	}
	if !utf8.Valid(body) {
		return fiber.StatusBadRequest, "body is not valid UTF-8"
	}
	if err := json.Unmarshal(body, v); err != nil {
		var se *json.SyntaxError
		var te *json.UnmarshalTypeError
		switch {
		case errors.As(err, &se):
			return fiber.StatusBadRequest, fmt.Sprintf("invalid JSON at byte %d", se.Offset)
		case errors.As(err, &te):
			return fiber.StatusBadRequest, fmt.Sprintf("field %q must be a %s", te.Field, te.Type)
		}
		return fiber.StatusBadRequest, "body must be a JSON object"
	}
	return 0, ""
}

var reIdem = regexp.MustCompile(`^[A-Za-z0-9_-]{8,64}$`)

func (p *Public) apiFile(c *fiber.Ctx) error {
	var req fileRequest
	if st, msg := decodeJSON(c, &req); st != 0 {
		return jsonError(c, st, msg)
	}
	if strings.TrimSpace(req.Text) == "" {
		return jsonError(c, fiber.StatusBadRequest, `"text" is required: write what happened (nội dung phản ánh không được để trống)`)
	}
	if req.Session != "" && !reSession.MatchString(req.Session) {
		return jsonError(c, fiber.StatusBadRequest, `"session" must be the web chat session: 16 to 64 letters, digits, "-" or "_"`)
	}
	id := c.Get("Idempotency-Key")
	if id != "" && !reIdem.MatchString(id) {
		return jsonError(c, fiber.StatusBadRequest, `Idempotency-Key must be 8 to 64 letters, digits, "-" or "_"`)
	}
	if !p.lim.allow(c.IP()) {
		c.Set(fiber.HeaderRetryAfter, "3600")
		return jsonError(c, fiber.StatusTooManyRequests, "too many complaints from this address; try again in an hour")
	}
	f := Filing{Source: SourceWeb, Text: req.Text, Place: req.Place, Procedure: req.Procedure,
		Contact: strings.TrimSpace(req.Contact), Consent: req.Consent, When: req.When, LastUser: p.d.cfg.Now()}
	if id == "" {
		id = randomID()
	}
	f.ID = "api:" + id
	if req.Session != "" {
		f.Channel, f.UserID, f.ID = bot.Web, req.Session, "api:"+req.Session+":"+id
	}
	cs, err := p.d.File(c.UserContext(), f)
	if err != nil {
		if statusOf(err) == fiber.StatusServiceUnavailable {
			p.d.logger.Error("complaint not filed", "err", err)
		}
		return jsonError(c, statusOf(err), detail(err))
	}
	if f.Channel != "" {
		if _, err := p.d.convUpdate(c.UserContext(), f.Channel, f.UserID, func(cv *conversation) bool {
			if containsCode(cv.Codes, cs.Code) {
				return false
			}
			cv.Codes = append(cv.Codes, cs.Code)
			if len(cv.Codes) > maxConvCodes {
				cv.Codes = cv.Codes[len(cv.Codes)-maxConvCodes:]
			}
			return true
		}); err != nil {
			p.d.logger.Warn("complaint not linked to its chat", "code", cs.Code, "err", err)
		}
	}
	return c.Status(fiber.StatusCreated).JSON(fiber.Map{"code": cs.Code, "status": cs.Status, "deadline": cs.Deadline})
}

func (p *Public) apiView(c *fiber.Ctx) error {
	code, err := ParseCode(param(c, "code"))
	if err != nil {
		return jsonError(c, fiber.StatusBadRequest, detail(err))
	}
	v, err := p.d.View(c.UserContext(), code)
	if err != nil {
		return jsonError(c, statusOf(err), detail(err))
	}
	return c.JSON(v)
}

type publicData struct {
	Query     string
	Items     []Published
	Total     int
	Page      int
	Pages     int
	View      *View
	Error     string
	Days      int
	Published *Published
}

const perPage = 20

// param returns a path parameter unescaped ("PA%204829%201736") and
// copied (Fiber's strings point into its buffers).
func param(c *fiber.Ctx, name string) string {
	v := c.Params(name)
	if u, err := url.PathUnescape(v); err == nil {
		v = u
	}
	return strings.Clone(v)
}

func (p *Public) listPage(c *fiber.Ctx) error {
	q := strings.TrimSpace(c.Query("q"))
	if len(q) > 200 {
		q = q[:200]
	}
	all := p.d.PublishedList(q)
	page, _ := strconv.Atoi(c.Query("trang", "1"))
	pages := (len(all) + perPage - 1) / perPage
	page = max(1, min(page, max(pages, 1)))
	from := (page - 1) * perPage
	items := all[from:min(from+perPage, len(all))]
	return p.render(c, fiber.StatusOK, "list.html", publicData{Query: q, Items: items, Total: len(all), Page: page, Pages: pages, Days: p.d.cfg.Days})
}

func (p *Public) viewPage(c *fiber.Ctx) error {
	code, err := ParseCode(param(c, "code"))
	if err != nil {
		return p.render(c, fiber.StatusNotFound, "view.html", publicData{Error: "Mã phản ánh không đúng. Mã có dạng PA-1234-5678; bạn kiểm tra lại nhé.", Query: param(c, "code")})
	}
	v, err := p.d.View(c.UserContext(), code)
	switch {
	case errors.Is(err, ErrNotFound):
		return p.render(c, fiber.StatusNotFound, "view.html", publicData{Error: "Không tìm thấy phản ánh " + code + ".", Query: code})
	case err != nil:
		return p.render(c, fiber.StatusServiceUnavailable, "view.html", publicData{Error: "Hệ thống tạm thời gián đoạn, bạn thử lại sau ít phút.", Query: code})
	}
	d := publicData{View: &v, Query: code}
	p.d.mu.RLock()
	if pub, ok := p.d.published[code]; ok {
		d.Published = &pub
	}
	p.d.mu.RUnlock()
	return p.render(c, fiber.StatusOK, "view.html", d)
}

func (p *Public) render(c *fiber.Ctx, status int, name string, d publicData) error {
	var b bytes.Buffer
	if err := p.tmpl.ExecuteTemplate(&b, name, d); err != nil {
		p.d.logger.Error("render", "template", name, "err", err)
		return c.Status(fiber.StatusInternalServerError).SendString("Lỗi hiển thị trang.")
	}
	c.Set("Content-Security-Policy", "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'; form-action 'self'")
	c.Set("X-Content-Type-Options", "nosniff")
	c.Type("html", "utf-8")
	return c.Status(status).Send(b.Bytes())
}

// funcs are the templates' helpers, shared by the public and staff pages.
func funcs(d *Desk) template.FuncMap {
	return template.FuncMap{
		"date": func(t time.Time) string {
			if t.IsZero() {
				return ""
			}
			return t.In(Hanoi).Format("02/01/2006")
		},
		"clock": func(t time.Time) string {
			if t.IsZero() {
				return ""
			}
			return t.In(Hanoi).Format("15:04 02/01/2006")
		},
		"add": func(a, b int) int { return a + b },
		"paras": func(s string) []string {
			var out []string
			for _, p := range strings.Split(s, "\n") {
				if p = strings.TrimSpace(p); p != "" {
					out = append(out, p)
				}
			}
			return out
		},
		"left": func(c Case) string {
			if !c.Status.open() {
				return ""
			}
			n := d.cfg.Calendar.WorkingDaysLeft(d.cfg.Now(), c.Deadline)
			switch {
			case n < 0 || n == 0 && d.cfg.Now().After(c.Deadline):
				return fmt.Sprintf("quá hạn %d ngày làm việc", -n)
			case n == 0:
				return "hạn hôm nay"
			}
			return fmt.Sprintf("còn %d ngày làm việc", n)
		},
		"urgency": func(c Case) string {
			if !c.Status.open() {
				return "none"
			}
			now := d.cfg.Now()
			switch n := d.cfg.Calendar.WorkingDaysLeft(now, c.Deadline); {
			case now.After(c.Deadline):
				return "late"
			case n <= 2:
				return "warn"
			}
			return "ok"
		},
		"channel": d.channelName,
	}
}

// limiter counts filings per client address in fixed windows: a bound on
// a flood from one address, not an abuse system.
type limiter struct {
	mu     sync.Mutex
	n      int
	window time.Duration
	now    func() time.Time
	seen   map[string]*slot
}

type slot struct {
	start time.Time
	count int
}

func newLimiter(n int, window time.Duration, now func() time.Time) *limiter {
	return &limiter{n: n, window: window, now: now, seen: map[string]*slot{}}
}

func (l *limiter) allow(key string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	if len(l.seen) > 10000 {
		for k, s := range l.seen {
			if now.Sub(s.start) > l.window {
				delete(l.seen, k)
			}
		}
	}
	s := l.seen[key]
	if s == nil || now.Sub(s.start) > l.window {
		s = &slot{start: now}
		l.seen[key] = s
	}
	if s.count >= l.n {
		return false
	}
	s.count++
	return true
}

// channelName names where a complaint came from, for staff: the
// channel's long label ("Web chat" beside the web form), its label, or
// its id; "" is the web form.
func (d *Desk) channelName(ch bot.Channel) string {
	if ch == "" {
		return "Biểu mẫu web"
	}
	if in, ok := d.cfg.Channels.Get(ch); ok && in.LongLabel != "" {
		return in.LongLabel
	}
	return d.cfg.Channels.Label(ch)
}
