package complaint

import (
	"bytes"
	"errors"
	"html/template"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/nats-io/nats.go/jetstream"

	"botdvc/webauth"
)

// Console serves the staff's side: a tab of the hotline console at
// /hotline/complaints/ and the API under /api/v1/hotline/complaints, signed
// in with the hotline's accounts (package webauth).
type Console struct {
	d    *Desk
	auth *webauth.Auth
	tmpl *template.Template
	// Tabs are the console's other tabs, shown first (the tickets queue).
	Tabs []Tab
}

// Tab is a link in the console's tab row.
type Tab struct {
	Label, URL string
}

// Console returns the staff pages and API, signed in with auth.
func (d *Desk) Console(auth *webauth.Auth) *Console {
	c := &Console{d: d, auth: auth, Tabs: []Tab{{Label: "Phiếu hỗ trợ", URL: "/hotline/"}}}
	c.tmpl = template.Must(template.New("").Funcs(funcs(d)).Funcs(template.FuncMap{
		"label":    func(s Status) string { return s.Label() },
		"statuses": func() []Status { return Statuses },
		"draft":    PublishDraft,
		"kb":       func(n int64) string { return strconv.FormatInt((n+1023)/1024, 10) + " KB" },
		"short":    func(s string) string { return truncate(s, 160) },
	}).ParseFS(webFS, "web/console.html"))
	return c
}

// Mount registers the routes on r (the app root). Every route needs a
// staff session (pages: else 303 to /hotline/login) or, for the API,
// HTTP Basic or a session (else 401).
func (c *Console) Mount(r fiber.Router) {
	page, api := c.guard(c.auth.RequirePage("/hotline/login")), c.guard(c.auth.RequireAPI())
	r.Get("/hotline/complaints/", page, c.listPage)
	r.Get("/hotline/complaints/c/:code", page, c.casePage)
	r.Get("/hotline/complaints/c/:code/files/:n", page, c.file)
	r.Post("/hotline/complaints/c/:code/:action", page, c.formAction)

	r.Get("/api/v1/hotline/complaints", api, c.apiList)
	r.Get("/api/v1/hotline/complaints/:code", api, c.apiGet)
	r.Get("/api/v1/hotline/complaints/:code/files/:n", api, c.file)
	r.Post("/api/v1/hotline/complaints/:code/:action", api, c.apiAction)
}

// guard runs the sign-in check unless an earlier handler (the hotline
// console's group on the same prefix) already did, and sets the pages'
// security headers.
func (c *Console) guard(check fiber.Handler) fiber.Handler {
	return func(f *fiber.Ctx) error {
		f.Set("Content-Security-Policy", "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'; form-action 'self'")
		f.Set("X-Content-Type-Options", "nosniff")
		f.Set("Referrer-Policy", "same-origin")
		f.Set("Cache-Control", "no-store")
		if webauth.Account(f) != "" {
			return f.Next()
		}
		return check(f)
	}
}

// filterOf reads the list filter from the query: status, overdue=1,
// procedure, ward (or place), older_than (days).
func filterOf(f *fiber.Ctx) (Filter, error) {
	flt := Filter{Procedure: strings.TrimSpace(f.Query("procedure")), Place: strings.TrimSpace(f.Query("ward", f.Query("place")))}
	switch st := f.Query("status"); st {
	case "", "all":
	case "open":
		flt.Status = "open"
	case "overdue":
		flt.Overdue = true
	default:
		flt.Status = Status(st)
		if !containsStatus(flt.Status) {
			return flt, errors.New("status must be received, forwarded, answered, closed, open or overdue")
		}
	}
	if f.Query("overdue") == "1" || f.Query("overdue") == "true" {
		flt.Overdue = true
	}
	if s := f.Query("older_than"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 0 || n > 3660 {
			return flt, errors.New("older_than must be a number of days from 0 to 3660")
		}
		flt.OlderThan = time.Duration(n) * 24 * time.Hour
	}
	return flt, nil
}

func containsStatus(s Status) bool {
	for _, st := range Statuses {
		if st == s {
			return true
		}
	}
	return false
}

// list applies a filter, with "open" meaning received or forwarded.
func (c *Console) list(flt Filter) []Case {
	if flt.Status != "open" {
		return c.d.List(flt)
	}
	flt.Status = ""
	var out []Case
	for _, cs := range c.d.List(flt) {
		if cs.Status.open() {
			out = append(out, cs)
		}
	}
	return out
}

func (c *Console) apiList(f *fiber.Ctx) error {
	flt, err := filterOf(f)
	if err != nil {
		return jsonError(f, fiber.StatusBadRequest, err.Error())
	}
	cs := c.list(flt)
	out := make([]Case, 0, len(cs))
	for _, x := range cs {
		x.Notes, x.History = nil, nil // GET …/{code} has them
		out = append(out, x.Staff())
	}
	return f.JSON(fiber.Map{"complaints": out, "counts": c.d.Counts()})
}

func (c *Console) apiGet(f *fiber.Ctx) error {
	cs, err := c.d.Get(f.UserContext(), strings.Clone(f.Params("code")))
	if err != nil {
		return jsonError(f, statusOf(err), detail(err))
	}
	return f.JSON(cs.Staff())
}

// actionRequest is the body of POST …/{code}/{action}.
type actionRequest struct {
	Text   string `json:"text"`   // reply, note
	Status Status `json:"status"` // status
	Agency string `json:"agency"`
	Note   string `json:"note"`
	Title  string `json:"title"` // publish
	Answer string `json:"answer"`
}

var errUnknownAction = errors.New("unknown action")

func (c *Console) do(f *fiber.Ctx, code, action string, req actionRequest) (any, error) {
	ctx, acct := f.UserContext(), webauth.Account(f)
	switch action {
	case "reply":
		cs, err := c.d.Answer(ctx, code, acct, req.Text)
		return cs, err
	case "status":
		cs, err := c.d.SetStatus(ctx, code, acct, StatusRequest{Status: req.Status, Agency: req.Agency, Note: req.Note})
		return cs.Staff(), err
	case "note":
		cs, err := c.d.AddNote(ctx, code, acct, req.Text)
		return cs.Staff(), err
	case "publish":
		return c.d.Publish(ctx, code, acct, PublishRequest{Title: req.Title, Text: req.Text, Answer: req.Answer})
	case "unpublish":
		cs, err := c.d.Unpublish(ctx, code, acct)
		return cs.Staff(), err
	}
	return nil, errUnknownAction
}

func (c *Console) apiAction(f *fiber.Ctx) error {
	var req actionRequest
	if len(f.Body()) > 0 {
		if st, msg := decodeJSON(f, &req); st != 0 {
			return jsonError(f, st, msg)
		}
	}
	out, err := c.do(f, strings.Clone(f.Params("code")), f.Params("action"), req)
	switch {
	case errors.Is(err, errUnknownAction):
		return jsonError(f, fiber.StatusNotFound, "unknown action; use reply, status, note, publish or unpublish")
	case errors.Is(err, ErrNotSent):
		c.d.logger.Error("answer recorded, not sent", "err", err)
		return f.Status(fiber.StatusAccepted).JSON(out) // the answer is kept; it goes with the citizen's next message
	case err != nil:
		if statusOf(err) == fiber.StatusServiceUnavailable {
			c.d.logger.Error("complaint action", "action", f.Params("action"), "err", err)
		}
		return jsonError(f, statusOf(err), detail(err))
	}
	return f.JSON(out)
}

// file serves an attachment to staff.
func (c *Console) file(f *fiber.Ctx) error {
	cs, err := c.d.Get(f.UserContext(), strings.Clone(f.Params("code")))
	if err != nil {
		return jsonError(f, statusOf(err), detail(err))
	}
	n, err := strconv.Atoi(f.Params("n"))
	if err != nil || n < 0 || n >= len(cs.Files) || cs.Files[n].Object == "" {
		return jsonError(f, fiber.StatusNotFound, "no such file")
	}
	fl := cs.Files[n]
	b, err := c.d.st.files.GetBytes(f.UserContext(), fl.Object)
	if errors.Is(err, jetstream.ErrObjectNotFound) {
		return jsonError(f, fiber.StatusNotFound, "file no longer kept")
	}
	if err != nil {
		return jsonError(f, fiber.StatusServiceUnavailable, "files temporarily unavailable")
	}
	mime := fl.MIME
	if !strings.HasPrefix(mime, "image/") && mime != "application/pdf" {
		// Anything else is downloaded, never rendered in the console's origin.
		mime = "application/octet-stream"
		f.Set(fiber.HeaderContentDisposition, `attachment; filename="`+fl.Object+`"`)
	}
	f.Set(fiber.HeaderContentType, mime)
	f.Set("Content-Security-Policy", "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox")
	return f.Send(b)
}

// ---- pages

type consoleData struct {
	Account, CSRF, Flash, Error string
	Tabs                        []Tab
	Filter                      Filter
	Query                       map[string]string
	Cases                       []Case
	Counts                      map[string]int
	C                           *Case
	Published                   *Published
	Days                        int
	Now                         time.Time
}

func (c *Console) base(f *fiber.Ctx) consoleData {
	return consoleData{Account: webauth.Account(f), CSRF: webauth.CSRFToken(f), Tabs: c.Tabs,
		Flash: flashes[f.Query("ok")], Error: errorNotices[f.Query("err")], Counts: c.d.Counts(), Days: c.d.cfg.Days, Now: c.d.cfg.Now()}
}

// errorNotices are the error banners a redirect may name in ?err= (a code,
// never text: a link must not make the console say what an attacker wrote).
var errorNotices = map[string]string{
	"not-sent": "Đã lưu câu trả lời nhưng chưa gửi được qua kênh; câu trả lời sẽ được gửi khi người dân nhắn tin lại.",
}

var flashes = map[string]string{
	"reply": "Đã gửi câu trả lời.", "status": "Đã cập nhật trạng thái.", "note": "Đã thêm ghi chú nội bộ.",
	"publish": "Đã công khai trên trang /phan-anh.", "unpublish": "Đã gỡ khỏi trang /phan-anh.",
}

func (c *Console) render(f *fiber.Ctx, status int, name string, d consoleData) error {
	var b bytes.Buffer
	if err := c.tmpl.ExecuteTemplate(&b, name, d); err != nil {
		c.d.logger.Error("render", "template", name, "err", err)
		return f.Status(fiber.StatusInternalServerError).SendString("Lỗi hiển thị trang.")
	}
	f.Type("html", "utf-8")
	return f.Status(status).Send(b.Bytes())
}

func (c *Console) listPage(f *fiber.Ctx) error {
	d := c.base(f)
	flt, err := filterOf(f)
	if err != nil {
		d.Error = "Bộ lọc không hợp lệ: " + err.Error()
	}
	if f.Query("status") == "" {
		flt.Status = "open"
	}
	d.Filter = flt
	d.Query = map[string]string{"status": f.Query("status", "open"), "procedure": flt.Procedure, "ward": flt.Place, "older_than": f.Query("older_than")}
	d.Cases = c.list(flt)
	return c.render(f, fiber.StatusOK, "list.html", d)
}

func (c *Console) casePage(f *fiber.Ctx) error {
	d := c.base(f)
	cs, err := c.d.Get(f.UserContext(), strings.Clone(f.Params("code")))
	if err != nil {
		d.Error = "Không tìm thấy phản ánh."
		if statusOf(err) == fiber.StatusServiceUnavailable {
			d.Error = "Hệ thống tạm thời gián đoạn, vui lòng thử lại."
		}
		d.Cases = c.d.List(Filter{})
		return c.render(f, statusOf(err), "list.html", d)
	}
	cs = cs.Staff()
	d.C = &cs
	c.d.mu.RLock()
	if p, ok := c.d.published[cs.Code]; ok {
		d.Published = &p
	}
	c.d.mu.RUnlock()
	return c.render(f, fiber.StatusOK, "case.html", d)
}

// formAction handles the console's form posts, then redirects (303) back
// to the complaint with a message code (post/redirect/get). A refused
// action shows the complaint again with the reason, without a redirect.
func (c *Console) formAction(f *fiber.Ctx) error {
	code, action := strings.Clone(f.Params("code")), strings.Clone(f.Params("action"))
	req := actionRequest{Text: f.FormValue("text"), Status: Status(f.FormValue("status")), Agency: f.FormValue("agency"),
		Note: f.FormValue("note"), Title: f.FormValue("title"), Answer: f.FormValue("answer")}
	_, err := c.do(f, code, action, req)
	target := "/hotline/complaints/c/" + url.PathEscape(code) + "?"
	switch {
	case errors.Is(err, errUnknownAction):
		return f.Status(fiber.StatusNotFound).SendString("Không có thao tác này.")
	case errors.Is(err, ErrNotSent):
		return f.Redirect(target+"err=not-sent", fiber.StatusSeeOther)
	case err != nil:
		msg := map[int]string{
			fiber.StatusBadRequest: "Chưa thực hiện được: " + viDetail(err),
			fiber.StatusNotFound:   "Không tìm thấy phản ánh.",
			fiber.StatusConflict:   "Chưa thực hiện được: " + viDetail(err),
		}[statusOf(err)]
		status := statusOf(err)
		if msg == "" {
			c.d.logger.Error("complaint action", "action", action, "err", err)
			msg, status = "Hệ thống tạm thời gián đoạn, vui lòng thử lại.", fiber.StatusServiceUnavailable
		}
		d := c.base(f)
		if cs, gerr := c.d.Get(f.UserContext(), code); gerr == nil {
			cs = cs.Staff()
			d.C = &cs
			d.Error = msg
			c.d.mu.RLock()
			if p, ok := c.d.published[cs.Code]; ok {
				d.Published = &p
			}
			c.d.mu.RUnlock()
			return c.render(f, status, "case.html", d)
		}
		d.Error = msg
		d.Cases = c.d.List(Filter{})
		return c.render(f, status, "list.html", d)
	}
	return f.Redirect(target+"ok="+url.QueryEscape(action), fiber.StatusSeeOther)
}

// viDetail words the common refusals for staff in Vietnamese.
func viDetail(err error) string {
	s := detail(err)
	switch {
	case strings.Contains(s, `"text" is required`):
		return "cần nhập nội dung."
	case strings.Contains(s, `"agency" is required`):
		return "cần ghi cơ quan được chuyển đến."
	case strings.Contains(s, "only an answered complaint"):
		return "chỉ công khai được phản ánh đã có câu trả lời."
	case strings.Contains(s, "closed"):
		return "phản ánh đã đóng; mở lại (trạng thái Đã tiếp nhận) trước khi trả lời."
	case strings.Contains(s, "answered"):
		return "trạng thái Đã trả lời được đặt khi gửi câu trả lời."
	}
	return s
}
