package hotline

import (
	"bufio"
	"bytes"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"math"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"botdvc/bot"
	"botdvc/webauth"
)

//go:embed web
var webFS embed.FS

// Console serves the staff console at /hotline and the API at
// /api/v1/hotline. Build it with Queue.Console and mount it on the Fiber app.
type Console struct {
	q    *Queue
	auth *webauth.Auth
	tmpl *template.Template
	js   []byte
}

// Console returns the console and API of the queue, signed in with auth
// (accounts from BOT_STAFF_FILE; sessions in their own bucket, webauth.SessionBucket("hotline")).
func (q *Queue) Console(auth *webauth.Auth) *Console {
	c := &Console{q: q, auth: auth}
	c.tmpl = template.Must(template.New("").Funcs(c.funcs()).ParseFS(webFS, "web/*.html"))
	c.js, _ = webFS.ReadFile("web/console.js")
	return c
}

// Mount registers the routes on r (the app root). Only GET and POST
// /hotline/login answer without a session; everything else under /hotline
// needs a session (else 303 to the login page), and /api/v1/hotline needs
// HTTP Basic or a session (else 401).
func (c *Console) Mount(r fiber.Router) {
	// Registered before the guarded group, so these two answer without a session.
	r.Get("/hotline/login", c.loginPage)
	r.Post("/hotline/login", c.login)

	p := r.Group("/hotline", c.secure, c.auth.RequirePage("/hotline/login"))
	p.Get("/", c.queuePage)
	p.Get("/queue", c.queueRows)
	p.Get("/console.js", func(f *fiber.Ctx) error {
		f.Type("js", "utf-8")
		return f.Send(c.js)
	})
	p.Get("/events", c.events)
	p.Post("/logout", c.logout)
	p.Post("/logout-all", c.logoutAll)
	p.Get("/t/:id", c.ticketPage)
	p.Get("/t/:id/live", c.ticketLive)
	p.Post("/t/:id/:action", c.formAction)

	a := r.Group("/api/v1/hotline", c.auth.RequireAPI())
	a.Get("/tickets", c.apiList)
	a.Get("/tickets/:id", c.apiGet)
	a.Post("/tickets/:id/:action", c.apiAction)
	a.Get("/events", c.events)
	a.Get("/summary", c.apiSummary)
	a.Get("/resolutions", c.apiResolutions)
}

// secure keeps pages with citizens' questions out of caches. The other
// security headers (CSP, framing, referrer, nosniff) are the server's one
// policy for every page (webhooks.Server).
func (c *Console) secure(f *fiber.Ctx) error {
	securityHeaders(f)
	return f.Next()
}

func securityHeaders(f *fiber.Ctx) {
	f.Set("Cache-Control", "no-store")
}

// statusOf maps errors to HTTP status codes and Vietnamese messages for staff.
func statusOf(err error) (int, string) {
	switch {
	case errors.Is(err, ErrNotFound):
		return fiber.StatusNotFound, "Không tìm thấy phiếu."
	case errors.Is(err, ErrClaimed):
		return fiber.StatusConflict, "Phiếu này đã có cán bộ khác nhận."
	case errors.Is(err, ErrClosed):
		return fiber.StatusConflict, "Phiếu đã đóng."
	case errors.Is(err, ErrConflict):
		return fiber.StatusConflict, "Phiếu vừa được thay đổi, vui lòng thử lại."
	case errors.Is(err, ErrWindowClosed):
		return fiber.StatusUnprocessableEntity, "Đã quá hạn trả lời của kênh; nền tảng sẽ không chuyển tin nhắn."
	case errors.Is(err, ErrInvalid):
		var ie *invalidError
		if errors.As(err, &ie) {
			return fiber.StatusBadRequest, ie.msg
		}
		return fiber.StatusBadRequest, "Yêu cầu không hợp lệ: " + invalidDetail(err)
	}
	return fiber.StatusServiceUnavailable, "Hệ thống tạm thời gián đoạn, vui lòng thử lại."
}

// invalidDetail keeps the part of an ErrInvalid error that explains it
// (texts we wrote ourselves; no secrets).
func invalidDetail(err error) string {
	s := err.Error()
	if i := strings.LastIndex(s, ": "+ErrInvalid.Error()); i >= 0 {
		s = s[:i]
	}
	if i := strings.LastIndex(s, ": "); i >= 0 {
		s = s[i+2:]
	}
	return s
}

// ---- pages

type pageData struct {
	Account, CSRF, Flash, Error string
	Status                      string
	Tickets                     []Ticket
	T                           *Ticket
	Canned                      []Canned
	Hours                       string
	OnDuty                      bool
	Mine                        bool
	Counts                      map[string]int
	Guides                      []guideOption // suggested for the guide id fields
	Example                     string        // a real guide id for the placeholders
	Tabs                        []Tab         // further tabs (the complaints desk)
	Form                        formInput     // what a refused form post held, shown again
}

// formInput is what staff typed into a ticket's form. A refused post shows
// the ticket again with it, so nothing typed has to be typed again.
type formInput struct {
	Action, Text, Resolution, GuideID string
	Handback                          bool
}

// guideOption is a guide suggested to staff in the ticket's guide id fields.
type guideOption struct{ ID, Title string }

// guideOptions lists the guides the bot answered in t's conversation (the
// latest first), then its guesses for t, then the curated guides.
func (c *Console) guideOptions(t Ticket) []guideOption {
	var out []guideOption
	seen := map[string]bool{}
	for _, id := range answeredGuides(t.Transcript) {
		if title, ok := c.q.guideTitle(id); ok && !seen[id] {
			seen[id] = true
			out = append(out, guideOption{id, title})
		}
	}
	for _, cd := range t.Candidates {
		if !seen[cd.GuideID] {
			seen[cd.GuideID] = true
			out = append(out, guideOption{cd.GuideID, cd.Title})
		}
	}
	for _, g := range c.q.curated() {
		if !seen[g.ID] {
			seen[g.ID] = true
			out = append(out, guideOption{g.ID, g.Title})
		}
	}
	return out
}

func (c *Console) render(f *fiber.Ctx, status int, name string, d pageData) error {
	var b bytes.Buffer
	if err := c.tmpl.ExecuteTemplate(&b, name, d); err != nil {
		c.q.logger.Error("render", "template", name, "err", err)
		return f.Status(fiber.StatusInternalServerError).SendString("Lỗi hiển thị trang.")
	}
	f.Type("html", "utf-8")
	return f.Status(status).Send(b.Bytes())
}

func (c *Console) base(f *fiber.Ctx) pageData {
	now := c.q.cfg.Now()
	return pageData{Account: webauth.Account(f), CSRF: webauth.CSRFToken(f), Hours: c.q.cfg.Hours.String(),
		OnDuty: c.q.cfg.Hours.Open(now), Flash: flashText(f.Query("ok")), Tabs: c.q.cfg.Tabs}
}

func (c *Console) loginPage(f *fiber.Ctx) error {
	securityHeaders(f)
	return c.render(f, fiber.StatusOK, "login.html", pageData{Error: c.auth.LoginNotice(f)})
}

func (c *Console) login(f *fiber.Ctx) error {
	securityHeaders(f)
	err := c.auth.SignIn(f, f.FormValue("user"), f.FormValue("password"))
	switch {
	case errors.Is(err, webauth.ErrCrossSite): // login CSRF: another site posting our form
		return c.render(f, fiber.StatusForbidden, "login.html", pageData{Error: "Yêu cầu đăng nhập không hợp lệ."})
	case errors.Is(err, webauth.ErrRateLimited):
		wait := webauth.RetryAfter(err)
		f.Set(fiber.HeaderRetryAfter, strconv.Itoa(int(math.Ceil(wait.Seconds()))))
		return c.render(f, fiber.StatusTooManyRequests, "login.html",
			pageData{Error: "Tài khoản này vừa đăng nhập sai nhiều lần. Vui lòng thử lại sau " + webauth.WaitText(wait) + "."})
	case errors.Is(err, webauth.ErrBadCredentials):
		return c.render(f, fiber.StatusUnauthorized, "login.html", pageData{Error: "Sai tên đăng nhập hoặc mật khẩu."})
	case err != nil:
		c.q.logger.Error("sign-in", "err", err)
		return c.render(f, fiber.StatusServiceUnavailable, "login.html", pageData{Error: "Hệ thống tạm thời gián đoạn."})
	}
	return f.Redirect("/hotline/?"+webauth.AfterSignIn, fiber.StatusSeeOther)
}

func (c *Console) logout(f *fiber.Ctx) error {
	if err := c.auth.SignOut(f); err != nil {
		c.q.logger.Error("sign-out", "err", err)
	}
	return f.Redirect("/hotline/login", fiber.StatusSeeOther)
}

// logoutAll ends every session of the signed-in account (all browsers).
func (c *Console) logoutAll(f *fiber.Ctx) error {
	if err := c.auth.SignOutEverywhere(f); err != nil {
		c.q.logger.Error("sign-out everywhere", "err", err)
		return c.render(f, fiber.StatusServiceUnavailable, "queue.html", pageData{Error: "Hệ thống tạm thời gián đoạn, vui lòng thử lại."})
	}
	return f.Redirect("/hotline/login", fiber.StatusSeeOther)
}

func (c *Console) listFor(f *fiber.Ctx) (pageData, error) {
	d := c.base(f)
	d.Status = f.Query("status")
	var err error
	if d.Status == "closed" {
		d.Tickets, err = c.q.List(f.UserContext(), StatusClosed)
	} else {
		var open, claimed []Ticket
		open, err = c.q.List(f.UserContext(), StatusOpen)
		if err == nil {
			claimed, err = c.q.List(f.UserContext(), StatusClaimed)
		}
		d.Tickets = append(open, claimed...)
	}
	if err != nil {
		return d, err
	}
	d.Counts = c.q.counts()
	if d.Status != "closed" { // counted from what is shown, so the tab matches the rows
		d.Counts[string(StatusOpen)], d.Counts[string(StatusClaimed)] = 0, 0
		for _, t := range d.Tickets {
			d.Counts[string(t.Status)]++
		}
	}
	if d.Status == "closed" && len(d.Tickets) > 200 {
		d.Tickets = d.Tickets[:200]
	}
	return d, nil
}

func (c *Console) queuePage(f *fiber.Ctx) error {
	d, err := c.listFor(f)
	if err != nil {
		code, msg := statusOf(err)
		d.Error = msg
		return c.render(f, code, "queue.html", d)
	}
	return c.render(f, fiber.StatusOK, "queue.html", d)
}

func (c *Console) queueRows(f *fiber.Ctx) error {
	d, err := c.listFor(f)
	if err != nil {
		code, msg := statusOf(err)
		return f.Status(code).SendString(msg)
	}
	return c.render(f, fiber.StatusOK, "rows", d)
}

func (c *Console) ticketData(f *fiber.Ctx) (pageData, int, error) {
	d := c.base(f)
	t, err := c.q.Get(f.UserContext(), f.Params("id"))
	if err != nil {
		code, _ := statusOf(err)
		return d, code, err
	}
	d.T, d.Canned, d.Mine = &t, c.q.cfg.Canned, t.Assignee == d.Account
	d.Guides, d.Example = c.guideOptions(t), c.q.exampleGuide()
	if len(d.Guides) > 0 && (len(t.Candidates) > 0 || len(answeredGuides(t.Transcript)) > 0) {
		d.Example = d.Guides[0].ID // what the bot answered or guessed, not an unrelated guide
	}
	return d, fiber.StatusOK, nil
}

func (c *Console) ticketPage(f *fiber.Ctx) error {
	d, code, err := c.ticketData(f)
	if err != nil {
		_, d.Error = statusOf(err)
		return c.render(f, code, "queue.html", d)
	}
	return c.render(f, code, "ticket.html", d)
}

func (c *Console) ticketLive(f *fiber.Ctx) error {
	d, code, err := c.ticketData(f)
	if err != nil {
		_, msg := statusOf(err)
		return f.Status(code).SendString(msg)
	}
	return c.render(f, code, "live", d)
}

var flashes = map[string]string{
	"claim": "Đã nhận phiếu.", "reply": "Đã gửi trả lời cho người dân.", "note": "Đã thêm ghi chú nội bộ.",
	"close": "Đã đóng phiếu.", "link": "Đã liên kết hướng dẫn.",
}

func flashText(k string) string { return flashes[k] }

// formAction handles the console's form posts, then redirects (303) back to
// the ticket with a message code (post/redirect/get). A refused action
// shows the ticket again with the reason, without a redirect: banners only
// ever show the service's own texts, never text from a URL.
func (c *Console) formAction(f *fiber.Ctx) error {
	id, action := strings.Clone(f.Params("id")), f.Params("action")
	in := formInput{Action: action, Text: f.FormValue("text"), Resolution: f.FormValue("resolution"),
		GuideID: f.FormValue("guide_id"), Handback: f.FormValue("handback") == "on"}
	_, err := c.do(f, id, action, in.Text, CloseRequest{
		Resolution: in.Resolution, Handback: in.Handback, GuideID: in.GuideID}, in.GuideID)
	if errors.Is(err, errUnknownAction) {
		return f.Status(fiber.StatusNotFound).SendString("Không có thao tác này.")
	}
	target := "/hotline/t/" + url.PathEscape(id) + "?"
	if err != nil {
		code, msg := statusOf(err)
		if code == fiber.StatusServiceUnavailable {
			c.q.logger.Error("console action", "action", action, "ticket", id, "err", err)
		}
		d, _, gerr := c.ticketData(f)
		d.Error, d.Form = msg, in
		if gerr != nil {
			return c.render(f, code, "queue.html", d)
		}
		return c.render(f, code, "ticket.html", d)
	}
	if action == "close" {
		return f.Redirect("/hotline/?ok=close", fiber.StatusSeeOther)
	}
	return f.Redirect(target+"ok="+action, fiber.StatusSeeOther)
}

var errUnknownAction = errors.New("unknown action")

func (c *Console) do(f *fiber.Ctx, id, action, text string, cr CloseRequest, guide string) (Ticket, error) {
	ctx, acct := f.UserContext(), webauth.Account(f)
	switch action {
	case "claim":
		return c.q.Claim(ctx, id, acct)
	case "reply":
		return c.q.Reply(ctx, id, acct, text)
	case "note":
		return c.q.AddNote(ctx, id, acct, text)
	case "close":
		return c.q.CloseTicket(ctx, id, acct, cr)
	case "link":
		return c.q.LinkGuide(ctx, id, acct, guide)
	}
	return Ticket{}, errUnknownAction
}

// ---- API

// public hides what the API and pages do not need: the platform user id.
func public(t Ticket) Ticket {
	t.UserID, t.Conversation = "", ""
	return t
}

func apiError(f *fiber.Ctx, err error) error {
	code, msg := statusOf(err)
	return f.Status(code).JSON(fiber.Map{"error": msg})
}

func (c *Console) apiList(f *fiber.Ctx) error {
	st := Status(f.Query("status"))
	switch st {
	case "", StatusOpen, StatusClaimed, StatusClosed:
	default:
		return f.Status(fiber.StatusBadRequest).JSON(fiber.Map{"error": "status must be open, claimed or closed"})
	}
	ts, err := c.q.List(f.UserContext(), st)
	if err != nil {
		return apiError(f, err)
	}
	out := make([]Ticket, 0, len(ts))
	for _, t := range ts {
		t.Transcript, t.Notes = nil, nil // GET /tickets/{id} has them
		out = append(out, public(t))
	}
	return f.JSON(fiber.Map{"tickets": out})
}

func (c *Console) apiGet(f *fiber.Ctx) error {
	t, err := c.q.Get(f.UserContext(), f.Params("id"))
	if err != nil {
		return apiError(f, err)
	}
	return f.JSON(public(t))
}

// apiRequest is the body of POST /api/v1/hotline/tickets/{id}/{action}.
type apiRequest struct {
	Text       string `json:"text"`
	Resolution string `json:"resolution"`
	Handback   bool   `json:"handback"`
	GuideID    string `json:"guide_id"`
}

func (c *Console) apiAction(f *fiber.Ctx) error {
	var req apiRequest
	if len(f.Body()) > 0 {
		if err := json.Unmarshal(f.Body(), &req); err != nil {
			return f.Status(fiber.StatusBadRequest).JSON(fiber.Map{"error": "body must be JSON: " + err.Error()})
		}
	}
	t, err := c.do(f, strings.Clone(f.Params("id")), f.Params("action"), req.Text,
		CloseRequest{Resolution: req.Resolution, Handback: req.Handback, GuideID: req.GuideID}, req.GuideID)
	if errors.Is(err, errUnknownAction) {
		return f.Status(fiber.StatusNotFound).JSON(fiber.Map{"error": "unknown action; use claim, reply, note, close or link"})
	}
	if err != nil {
		return apiError(f, err)
	}
	return f.JSON(public(t))
}

func daysSince(f *fiber.Ctx, now time.Time) (time.Time, error) {
	days := 30
	if s := f.Query("days"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > 3660 {
			return time.Time{}, fmt.Errorf("days must be a whole number from 1 to 3660: %w", ErrInvalid)
		}
		days = n
	}
	return now.AddDate(0, 0, -days), nil
}

func (c *Console) apiSummary(f *fiber.Ctx) error {
	since, err := daysSince(f, c.q.cfg.Now())
	if err != nil {
		return apiError(f, err)
	}
	s, err := c.q.Summarize(f.UserContext(), since)
	if err != nil {
		return apiError(f, err)
	}
	return f.JSON(s)
}

func (c *Console) apiResolutions(f *fiber.Ctx) error {
	since, err := daysSince(f, c.q.cfg.Now())
	if err != nil {
		return apiError(f, err)
	}
	r, err := c.q.Resolutions(f.UserContext(), since)
	if err != nil {
		return apiError(f, err)
	}
	return f.JSON(fiber.Map{"resolutions": r})
}

// events streams ticket changes as Server-Sent Events ("event: ticket",
// data {"ticket_id","status","revision"}) until the client goes away or the
// Queue closes. A comment line every 15 s keeps proxies from timing out.
func (c *Console) events(f *fiber.Ctx) error {
	f.Set("Content-Type", "text/event-stream")
	f.Set("Cache-Control", "no-store")
	f.Set("X-Accel-Buffering", "no")
	ch, stop := c.q.Subscribe()
	f.Context().SetBodyStreamWriter(func(w *bufio.Writer) {
		defer stop()
		fmt.Fprint(w, "retry: 3000\n: connected\n\n")
		if w.Flush() != nil {
			return
		}
		tick := time.NewTicker(15 * time.Second)
		defer tick.Stop()
		for {
			select {
			case ev, ok := <-ch:
				if !ok {
					return
				}
				b, _ := json.Marshal(ev)
				fmt.Fprintf(w, "event: ticket\ndata: %s\n\n", b)
			case <-tick.C:
				fmt.Fprint(w, ": ping\n\n")
			}
			if w.Flush() != nil {
				return
			}
		}
	})
	return nil
}

// ---- template helpers

func (c *Console) funcs() template.FuncMap {
	now := func() time.Time { return c.q.cfg.Now() }
	return template.FuncMap{
		"category": CategoryLabel,
		"status":   StatusLabel,
		"channel":  c.q.cfg.Channels.Label,
		"since":    func(t time.Time) string { return Span(now().Sub(t)) },
		"clock": func(t time.Time) string {
			if t.IsZero() {
				return ""
			}
			return t.In(hanoi).Format("15:04 02/01")
		},
		"iso": func(t time.Time) string {
			if t.IsZero() {
				return ""
			}
			return t.UTC().Format(time.RFC3339)
		},
		"deadline": func(t Ticket) time.Time { return deadline(t, now()) },
		"left":     func(t Ticket) string { return TimeLeft(t, now()) },
		"urgency":  func(t Ticket) string { return urgency(t, now()) },
		// What the channel says about the ticket's reply window: a tag
		// once the standard window passed, a line on the ticket.
		"pastStandard": func(t Ticket) string {
			if t.Window.Standard.IsZero() || now().Before(t.Window.Standard) {
				return ""
			}
			in, _ := c.q.cfg.Channels.Get(t.Channel)
			return in.PastStandard
		},
		"windowNote": func(t Ticket) string {
			if in, ok := c.q.cfg.Channels.Get(t.Channel); ok && in.Note != nil {
				return in.Note(t.UserID, t.Window, now())
			}
			return ""
		},
		"from": func(tu Turn) string {
			switch tu.From {
			case bot.FromCitizen:
				return "Người dân"
			case bot.FromBot:
				return "Trợ lý tự động"
			case bot.FromStaff:
				if tu.Staff == PageInbox {
					return "Quản trị viên (hộp thư Trang/OA)"
				}
				return "Cán bộ " + tu.Staff
			}
			return tu.From
		},
		"assignee": func(a string) string {
			if a == PageInbox {
				return "Hộp thư Trang/OA"
			}
			return a
		},
		"pct": func(s float64) string { return strconv.Itoa(int(s*100+0.5)) + "%" },
	}
}

// deadline is the reply-window end staff should aim for: the standard
// window while it lasts, then the final one.
func deadline(t Ticket, now time.Time) time.Time {
	if t.Window.Standard.IsZero() || now.Before(t.Window.Standard) {
		return t.Window.Standard
	}
	return t.Window.Final
}

// urgency classes the time left: "late" (past), "warn" (under 2 hours, or
// past the standard window), "ok", "none".
func urgency(t Ticket, now time.Time) string {
	d := deadline(t, now)
	switch {
	case t.Status == StatusClosed || d.IsZero():
		return "none"
	case !now.Before(d):
		return "late"
	case d.Sub(now) < 2*time.Hour || d.Equal(t.Window.Final) && !t.Window.Standard.IsZero():
		return "warn"
	}
	return "ok"
}

// TimeLeft says, as staff read it, how long a ticket has until its reply
// window closes ("còn 3 giờ 5 phút", "quá hạn 2 ngày", "không giới hạn"):
// the standard window, then the final one once the standard has passed.
func TimeLeft(t Ticket, now time.Time) string {
	d := deadline(t, now)
	if d.IsZero() {
		return "không giới hạn"
	}
	if l := d.Sub(now); l > 0 {
		return "còn " + Span(l)
	}
	return "quá hạn " + Span(now.Sub(d))
}

// Span renders a duration in Vietnamese: "45 phút", "3 giờ 5 phút", "2 ngày 4 giờ".
func Span(d time.Duration) string {
	if d < time.Minute {
		return "dưới 1 phút"
	}
	m := int(d.Minutes())
	days, hours, mins := m/(24*60), m/60%24, m%60
	switch {
	case days > 0 && hours > 0:
		return fmt.Sprintf("%d ngày %d giờ", days, hours)
	case days > 0:
		return fmt.Sprintf("%d ngày", days)
	case hours > 0 && mins > 0:
		return fmt.Sprintf("%d giờ %d phút", hours, mins)
	case hours > 0:
		return fmt.Sprintf("%d giờ", hours)
	}
	return fmt.Sprintf("%d phút", mins)
}
