package editor

import (
	"context"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io"
	"log/slog"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gofiber/fiber/v2"

	"botdvc/bot"
	"botdvc/channel"
	"botdvc/knowledge"
	"botdvc/knowledge/audit"
	"botdvc/webauth"
)

// Asker answers one question as a citizen would get it (a fresh session).
type Asker func(ctx context.Context, text string) (bot.Reply, error)

// PreviewFunc builds an Asker over the live corpus with the given draft
// guides put in place of their live versions, and a function that releases
// what it holds (an index). The Admin caches the Asker until the drafts
// change, then releases it.
type PreviewFunc func(ctx context.Context, drafts []knowledge.Guide) (Asker, func(), error)

// ImportFunc loads a national catalogue file into the live index, calling
// progress with the number of records read so far. It returns how many
// guides were loaded and the problems found.
type ImportFunc func(ctx context.Context, r io.Reader, progress func(done int)) (loaded int, problems []string, err error)

// Admin serves the editors' pages at /admin and their API under /api/v1.
// Store and Auth are required; the rest is optional and the matching
// feature says it is off when missing.
type Admin struct {
	Store    *Store
	Recorder *Recorder
	Tickets  Tickets
	Auth     *webauth.Auth
	Live     Asker
	Preview  PreviewFunc
	Import   ImportFunc
	// CheckSynonyms validates editors' synonym rules before they are stored.
	CheckSynonyms func(rules string) error
	Logger        *slog.Logger
	Now           func() time.Time
	// StaleAfter is the review age after which a guide is listed as stale; default 183 days.
	StaleAfter time.Duration
	// News, when set, adds the announcements (bản tin) pages and API.
	News Announcements
	// AuditCatalog, when set, gives the national catalogue index the stale
	// page audits the live guides against (botctl audit's checks; see
	// package knowledge/audit). It may return nil (no catalogue loaded):
	// the page then runs only the checks that need none.
	AuditCatalog func() *audit.Catalog

	// Complaints is the complaints desk, for the monthly report.
	Complaints Complaints
	// Channels are the channels the service carries: the charts show each
	// in its own colour (channel.Info.Color).
	Channels *channel.Registry
	// Domain gives a guide's domain for the monthly report (cmd/botd: from
	// the live library, catalogue records too); nil reads the editors' store.
	Domain func(guideID string) string

	tmpl *template.Template

	mu       sync.Mutex
	prevKey  string
	prevAsk  Asker
	prevFree func()
	importSt importStatus
}

type importStatus struct {
	Running  bool     `json:"running"`
	Done     int      `json:"done"`
	Loaded   int      `json:"loaded"`
	Problems []string `json:"problems,omitempty"`
	Error    string   `json:"error,omitempty"`
	Finished bool     `json:"finished"`
}

//go:embed templates/*.html templates/import.js
var templateFS embed.FS

//go:embed static/edit.js
var editJS []byte

// Mount registers the admin pages and the editors' API on r.
func (a *Admin) Mount(r fiber.Router) {
	if a.Now == nil {
		a.Now = time.Now
	}
	if a.StaleAfter == 0 {
		a.StaleAfter = 183 * 24 * time.Hour
	}
	if a.Logger == nil {
		a.Logger = slog.New(slog.DiscardHandler)
	}
	a.tmpl = template.Must(template.New("").Funcs(template.FuncMap{
		"date":    func(t time.Time) string { return t.In(hanoi).Format("02/01/2006") },
		"time":    func(t time.Time) string { return t.In(hanoi).Format("02/01/2006 15:04") },
		"join":    strings.Join,
		"lines":   func(xs []string) string { return strings.Join(xs, "\n") },
		"urlq":    url.QueryEscape,
		"action":  actionLabel,
		"add":     func(a, b int) int { return a + b },
		"mul100":  func(f float64) float64 { return 100 * f },
		"percent": func(a, b int) string { return percent(a, b) },
		"minutes": func(sec float64) string {
			if sec < 90 {
				return fmt.Sprintf("%.0f giây", sec)
			}
			return fmt.Sprintf("%.0f phút", sec/60)
		},
	}).ParseFS(templateFS, "templates/*.html"))

	page := a.Auth.RequirePage("/admin/login")
	r.Get("/admin/login", a.loginPage)
	r.Post("/admin/login", a.login)
	adm := r.Group("/admin", page, noStore)
	adm.Post("/logout", a.logout)
	adm.Post("/logout-all", a.logoutAll)
	adm.Get("/", a.listPage)
	adm.Get("/edit.js", func(c *fiber.Ctx) error {
		c.Set(fiber.HeaderContentType, "text/javascript; charset=utf-8")
		return c.Send(editJS)
	})
	adm.Get("/import.js", a.importJS)
	// Every route with a guide id checks it first (validID): a malformed id
	// is a 400, never a lookup.
	adm.Get("/guides/:id", validID, a.editPage)
	adm.Post("/guides/:id/draft", validID, a.saveDraftForm)
	adm.Post("/guides/:id/publish", validID, a.publishForm)
	adm.Post("/guides/:id/discard", validID, a.discardForm)
	adm.Post("/guides/:id/flag", validID, a.flagForm)
	adm.Post("/guides/:id/rollback", validID, a.rollbackForm)
	adm.Get("/guides/:id/history", validID, a.historyPage)
	adm.Get("/new", a.newPage)
	adm.Post("/preview", a.previewForm)
	adm.Get("/stale", a.stalePage)
	adm.Get("/synonyms", a.synonymsPage)
	adm.Post("/synonyms", a.saveSynonyms)
	adm.Get("/gaps", a.gapsPage)
	adm.Post("/gaps/alias", a.addAliasForm)
	adm.Get("/summary", a.summaryPage)
	adm.Get("/report", a.monthlyPage)
	adm.Get("/print.js", func(c *fiber.Ctx) error {
		c.Set(fiber.HeaderContentType, "text/javascript; charset=utf-8")
		return c.SendString(`document.getElementById("print").addEventListener("click", function () { window.print(); });`)
	})
	adm.Get("/import", a.importPage)
	adm.Post("/import", a.startImport)
	adm.Get("/import/status", a.importStatus)

	// The API routes carry the auth handler themselves: a group with
	// middleware on "/api/v1" would also guard every other /api/v1 route
	// mounted after it (the public chat and ask).
	api := a.Auth.RequireAPI()
	r.Get("/api/v1/guides", api, a.apiList)
	r.Get("/api/v1/guides/:id", api, validID, a.apiGet)
	r.Put("/api/v1/guides/:id", api, validID, a.apiPut)
	r.Delete("/api/v1/guides/:id", api, validID, a.apiDelete)
	r.Post("/api/v1/guides/:id/publish", api, validID, a.apiPublish)
	r.Get("/api/v1/guides/:id/history", api, validID, a.apiHistory)
	r.Post("/api/v1/guides/:id/rollback", api, validID, a.apiRollback)
	r.Post("/api/v1/preview/ask", api, a.apiPreview)
	r.Get("/api/v1/reports/unanswered", api, a.apiUnanswered)
	r.Get("/api/v1/reports/summary", api, a.apiSummary)
	r.Get("/api/v1/reports/monthly", api, a.apiMonthly)
	if a.News != nil {
		a.mountNews(r, adm, api)
	}
}

// validID refuses a request whose :id is not a valid guide id (400).
func validID(c *fiber.Ctx) error {
	if !knowledge.ValidID(c.Params("id")) {
		return fiber.NewError(fiber.StatusBadRequest, "invalid guide id")
	}
	return c.Next()
}

// noStore keeps the editors' pages out of caches.
func noStore(c *fiber.Ctx) error {
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.Next()
}

func (a *Admin) importJS(c *fiber.Ctx) error {
	b, _ := templateFS.ReadFile("templates/import.js")
	c.Set(fiber.HeaderContentType, "text/javascript; charset=utf-8")
	return c.Send(b)
}

// ---- API ----

func (a *Admin) apiList(c *fiber.Ctx) error {
	entries, err := a.Store.List(c.UserContext())
	if err != nil {
		return a.fail(c, err)
	}
	out := make([]fiber.Map, 0, len(entries))
	for _, e := range entries {
		out = append(out, entryJSON(e))
	}
	return c.JSON(out)
}

func entryJSON(e Entry) fiber.Map {
	m := fiber.Map{"id": e.Guide.ID, "code": e.Guide.Code, "title": e.Guide.Title, "revision": e.Revision,
		"edited": e.Edited, "retired": e.Retired, "draft": e.Draft != nil, "flagged": e.Flag != nil}
	if !e.Guide.Reviewed.IsZero() {
		m["reviewed"] = e.Guide.Reviewed.Format("2006-01-02")
	}
	return m
}

func (a *Admin) apiGet(c *fiber.Ctx) error {
	id := c.Params("id")
	if !knowledge.ValidID(id) {
		return apiError(c, fiber.StatusBadRequest, "invalid guide id")
	}
	md, rev, err := a.Store.Markdown(c.UserContext(), id)
	if err != nil {
		return a.fail(c, err)
	}
	if c.Query("format") == "md" {
		c.Set(fiber.HeaderContentType, "text/markdown; charset=utf-8")
		return c.SendString(md)
	}
	out := fiber.Map{"id": id, "revision": rev, "markdown": md}
	if d, err := a.Store.Draft(c.UserContext(), id); err == nil {
		out["draft"] = d
	}
	return c.JSON(out)
}

func (a *Admin) apiPut(c *fiber.Ctx) error {
	id := c.Params("id")
	if !knowledge.ValidID(id) {
		return apiError(c, fiber.StatusBadRequest, "invalid guide id")
	}
	d, err := a.Store.SaveDraft(c.UserContext(), id, string(c.Body()), webauth.Account(c))
	if err != nil {
		return a.fail(c, err)
	}
	return c.Status(fiber.StatusOK).JSON(fiber.Map{"id": id, "draft": d})
}

func (a *Admin) apiDelete(c *fiber.Ctx) error {
	id := c.Params("id")
	if c.Query("draft") == "true" {
		if err := a.Store.DiscardDraft(c.UserContext(), id); err != nil {
			return a.fail(c, err)
		}
		return c.JSON(fiber.Map{"id": id, "draft": nil})
	}
	rev, err := a.Store.Retire(c.UserContext(), id, webauth.Account(c))
	if err != nil {
		return a.fail(c, err)
	}
	return c.JSON(rev)
}

func (a *Admin) apiPublish(c *fiber.Ctx) error {
	rev, err := a.Store.Publish(c.UserContext(), c.Params("id"), webauth.Account(c))
	if err != nil {
		return a.fail(c, err)
	}
	return c.JSON(rev)
}

func (a *Admin) apiHistory(c *fiber.Ctx) error {
	hist, err := a.Store.History(c.UserContext(), c.Params("id"))
	if err != nil {
		return a.fail(c, err)
	}
	if len(hist) == 0 {
		return apiError(c, fiber.StatusNotFound, "guide not found")
	}
	return c.JSON(hist)
}

func (a *Admin) apiRollback(c *fiber.Ctx) error {
	var req struct {
		Revision *int `json:"revision"`
	}
	if err := json.Unmarshal(c.Body(), &req); err != nil || req.Revision == nil {
		return apiError(c, fiber.StatusBadRequest, `body must be {"revision": n}`)
	}
	rev, err := a.Store.Rollback(c.UserContext(), c.Params("id"), *req.Revision, webauth.Account(c))
	if err != nil {
		return a.fail(c, err)
	}
	return c.JSON(rev)
}

func (a *Admin) apiPreview(c *fiber.Ctx) error {
	var req struct {
		Text   string `json:"text"`
		Drafts bool   `json:"drafts"`
	}
	if err := json.Unmarshal(c.Body(), &req); err != nil || strings.TrimSpace(req.Text) == "" {
		return apiError(c, fiber.StatusBadRequest, `body must be {"text": "...", "drafts": true|false}`)
	}
	live, draft, err := a.preview(c.UserContext(), req.Text, req.Drafts)
	if err != nil {
		return a.fail(c, err)
	}
	out := fiber.Map{"live": live.Result(req.Text)}
	if req.Drafts {
		out["draft"] = draft.Result(req.Text)
	}
	return c.JSON(out)
}

func (a *Admin) apiUnanswered(c *fiber.Ctx) error {
	gaps, err := a.gaps(c.UserContext(), days(c))
	if err != nil {
		return a.fail(c, err)
	}
	return c.JSON(gaps)
}

func (a *Admin) apiSummary(c *fiber.Ctx) error {
	s, err := a.summary(c.UserContext(), days(c))
	if err != nil {
		return a.fail(c, err)
	}
	return c.JSON(s)
}

// apiMonthly is GET /api/v1/reports/monthly?month=YYYY-MM&format=json|csv
// (default: the current month, JSON).
func (a *Admin) apiMonthly(c *fiber.Ctx) error {
	month := c.Query("month", a.Now().In(hanoi).Format("2006-01"))
	if _, _, err := ParseMonth(month); err != nil {
		return apiError(c, fiber.StatusBadRequest, err.Error())
	}
	format := c.Query("format", "json")
	if format != "json" && format != "csv" {
		return apiError(c, fiber.StatusBadRequest, "format must be json or csv")
	}
	m, err := a.monthly(c.UserContext(), month)
	if err != nil {
		return a.fail(c, err)
	}
	if format == "csv" {
		c.Set(fiber.HeaderContentType, "text/csv; charset=utf-8")
		c.Set(fiber.HeaderContentDisposition, `attachment; filename="bao-cao-`+m.Month+`.csv"`)
		return c.Send(m.CSV())
	}
	return c.JSON(m)
}

// ---- shared logic ----

func (a *Admin) preview(ctx context.Context, text string, withDrafts bool) (live, draft bot.Reply, err error) {
	if a.Live == nil {
		return live, draft, errors.New("editor: live engine not configured")
	}
	if live, err = a.Live(ctx, text); err != nil {
		return
	}
	if !withDrafts {
		return live, draft, nil
	}
	ask, err := a.previewAsker(ctx)
	if err != nil {
		return live, draft, err
	}
	draft, err = ask(ctx, text)
	return live, draft, err
}

// previewAsker returns an engine over the drafts, rebuilt only when the set
// of drafts changed since the last call.
func (a *Admin) previewAsker(ctx context.Context) (Asker, error) {
	if a.Preview == nil {
		return nil, errors.New("editor: preview not configured")
	}
	drafts, err := a.Store.Drafts(ctx)
	if err != nil {
		return nil, err
	}
	ids := make([]string, 0, len(drafts))
	for id := range drafts {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	var key strings.Builder
	var guides []knowledge.Guide
	for _, id := range ids {
		d := drafts[id]
		fmt.Fprintf(&key, "%s@%d;", id, d.At.UnixNano())
		g, err := knowledge.ParseGuide(id+".md", []byte(d.Markdown))
		if err != nil {
			continue // drafts are validated on save; a stale invalid one is skipped
		}
		guides = append(guides, g)
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.prevAsk != nil && a.prevKey == key.String() {
		return a.prevAsk, nil
	}
	ask, free, err := a.Preview(ctx, guides)
	if err != nil {
		return nil, err
	}
	if a.prevFree != nil {
		a.prevFree()
	}
	a.prevKey, a.prevAsk, a.prevFree = key.String(), ask, free
	return ask, nil
}

func (a *Admin) gaps(ctx context.Context, days int) ([]Gap, error) {
	if a.Recorder == nil {
		return []Gap{}, nil
	}
	outs, err := a.Recorder.Outcomes(ctx, time.Duration(days)*24*time.Hour)
	if err != nil {
		return nil, err
	}
	var res []Resolution
	if a.Tickets != nil {
		if res, err = a.Tickets.Resolutions(ctx, a.Now().AddDate(0, 0, -days)); err != nil {
			a.Logger.Warn("hotline resolutions unavailable", "err", err)
		}
	}
	g := Unanswered(outs, res)
	if g == nil {
		g = []Gap{}
	}
	return g, nil
}

func (a *Admin) summary(ctx context.Context, days int) (Summary, error) {
	var outs []Outcome
	if a.Recorder != nil {
		var err error
		if outs, err = a.Recorder.Outcomes(ctx, time.Duration(days)*24*time.Hour); err != nil {
			return Summary{}, err
		}
	}
	var ts TicketStats
	if a.Tickets != nil {
		var err error
		if ts, err = a.Tickets.Stats(ctx, a.Now().AddDate(0, 0, -days), time.Time{}); err != nil {
			a.Logger.Warn("hotline figures unavailable", "err", err)
		}
	}
	return Summarize(outs, ts, days, a.Now()), nil
}

func days(c *fiber.Ctx) int {
	n, err := strconv.Atoi(c.Query("days", "30"))
	if err != nil || n < 1 {
		return 30
	}
	return min(n, 366)
}

// fail maps an error to a status and a JSON body; validation problems carry
// their line numbers.
func (a *Admin) fail(c *fiber.Ctx, err error) error {
	var ve *ValidationError
	switch {
	case errors.As(err, &ve):
		return c.Status(fiber.StatusUnprocessableEntity).JSON(fiber.Map{"error": "invalid guide", "problems": problemsJSON(ve.Problems)})
	case errors.Is(err, knowledge.ErrNotFound):
		return apiError(c, fiber.StatusNotFound, "guide not found")
	case errors.Is(err, ErrNoDraft):
		return apiError(c, fiber.StatusConflict, "the guide has no draft to publish")
	case errors.Is(err, ErrConflict):
		return apiError(c, fiber.StatusConflict, "the guide was changed by someone else; reload and try again")
	}
	a.Logger.Error("editor request failed", "path", c.Path(), "err", err)
	return apiError(c, fiber.StatusInternalServerError, "internal error")
}

func problemsJSON(ps []error) []fiber.Map {
	out := make([]fiber.Map, 0, len(ps))
	for _, p := range ps {
		var pe *knowledge.ParseError
		if errors.As(p, &pe) {
			out = append(out, fiber.Map{"line": pe.Line, "field": pe.Field, "message": pe.Msg, "warning": pe.Warning})
		} else {
			out = append(out, fiber.Map{"message": p.Error()})
		}
	}
	return out
}

func apiError(c *fiber.Ctx, status int, msg string) error {
	return c.Status(status).JSON(fiber.Map{"error": msg})
}

func actionLabel(a bot.Action) string {
	switch a {
	case bot.ActionAnswer:
		return "Trả lời"
	case bot.ActionClarify:
		return "Hỏi lại"
	case bot.ActionHandoff:
		return "Chuyển tổng đài"
	case bot.ActionGreeting:
		return "Chào hỏi"
	case bot.ActionFallback:
		return "Không trả lời được"
	}
	return string(a)
}

func percent(a, b int) string {
	if b == 0 {
		return "0%"
	}
	return fmt.Sprintf("%.0f%%", 100*float64(a)/float64(b))
}
