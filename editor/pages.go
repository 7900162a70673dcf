package editor

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"botdvc/bot"
	"botdvc/knowledge"
	"botdvc/knowledge/audit"
	"botdvc/webauth"
)

// view is the data every page template gets.
type view struct {
	Title   string
	Account string
	CSRF    string
	Flash   string
	Error   string
	Data    any
}

func (a *Admin) render(c *fiber.Ctx, name string, title string, data any) error {
	c.Set(fiber.HeaderContentType, fiber.MIMETextHTMLCharsetUTF8)
	c.Set("Cache-Control", "no-store")
	v := view{Title: title, Account: webauth.Account(c), CSRF: webauth.CSRFToken(c),
		Flash: noticeText(c.Query("ok"), c.Query("n")), Error: noticeText(c.Query("err"), c.Query("n")), Data: data}
	if msg, ok := c.Locals(localError).(string); ok {
		v.Error = msg
	}
	return a.tmpl.ExecuteTemplate(c, name, v)
}

// localError carries an error message a handler shows on the page it
// renders itself (instead of a redirect with a code).
const localError = "editor.error"

// notices are the banner texts of /admin by the code a redirect puts in
// ?ok= or ?err= (with a number in ?n= for some). Banners show only these:
// text in a URL is never shown, so a link cannot make the admin say
// something an attacker wrote.
var notices = map[string]string{
	"draft-saved":     "Đã lưu bản nháp. Bản nháp chưa đến người dân cho đến khi xuất bản.",
	"published":       "Đã xuất bản phiên bản %d. Mọi máy chủ áp dụng trong vòng một giây.",
	"draft-discarded": "Đã bỏ bản nháp.",
	"flag-updated":    "Đã cập nhật đánh dấu căn cứ pháp lý.",
	"rolled-back":     "Đã khôi phục nội dung cũ thành phiên bản %d.",
	"synonyms-saved":  "Đã lưu. Mọi máy chủ áp dụng ngay.",
	"alias-added":     "Đã thêm vào bản nháp. Hãy xem lại, xem trước rồi xuất bản.",
	"bad-id":          "Mã chỉ gồm chữ thường không dấu, số và dấu gạch ngang.",
	"pick-guide":      "Hãy chọn hướng dẫn và câu hỏi.",
	"guide-not-found": "Không tìm thấy hướng dẫn này.",
	"pick-file":       "Hãy chọn tệp danh mục (.jsonl hoặc .jsonl.gz).",
	"import-running":  "Đang có một lần nhập chạy.",
}

// noticeText returns the banner text of a code ("" for unknown codes); n
// fills a %d.
func noticeText(code, n string) string {
	t, ok := notices[code]
	if !ok {
		return ""
	}
	if strings.Contains(t, "%d") {
		v, err := strconv.Atoi(n)
		if err != nil || v < 0 {
			return ""
		}
		return fmt.Sprintf(t, v)
	}
	return t
}

// showError renders a page with an error message of our own.
func (a *Admin) showError(c *fiber.Ctx, status int, msg string, render func() error) error {
	c.Locals(localError, msg)
	c.Status(status)
	return render()
}

func (a *Admin) loginPage(c *fiber.Ctx) error {
	var notice any // nil: no message
	if n := a.Auth.LoginNotice(c); n != "" {
		notice = n
	}
	return a.render(c, "login.html", "Đăng nhập biên tập", notice)
}

func (a *Admin) login(c *fiber.Ctx) error {
	c.Set(fiber.HeaderCacheControl, "no-store")
	err := a.Auth.SignIn(c, c.FormValue("user"), c.FormValue("password"))
	switch {
	case errors.Is(err, webauth.ErrCrossSite): // login CSRF: another site posting our form
		c.Status(fiber.StatusForbidden)
		return a.render(c, "login.html", "Đăng nhập biên tập", "Yêu cầu đăng nhập không hợp lệ.")
	case errors.Is(err, webauth.ErrRateLimited):
		wait := webauth.RetryAfter(err)
		c.Set(fiber.HeaderRetryAfter, strconv.Itoa(int(math.Ceil(wait.Seconds()))))
		c.Status(fiber.StatusTooManyRequests)
		return a.render(c, "login.html", "Đăng nhập biên tập", "Tài khoản này vừa đăng nhập sai nhiều lần. Vui lòng thử lại sau "+webauth.WaitText(wait)+".")
	case errors.Is(err, webauth.ErrBadCredentials):
		c.Status(fiber.StatusUnauthorized)
		return a.render(c, "login.html", "Đăng nhập biên tập", "Tên đăng nhập hoặc mật khẩu không đúng.")
	case err != nil:
		a.Logger.Error("sign-in", "err", err)
		c.Status(fiber.StatusServiceUnavailable)
		return a.render(c, "login.html", "Đăng nhập biên tập", "Hệ thống tạm thời gián đoạn, vui lòng thử lại.")
	}
	return c.Redirect("/admin/?"+webauth.AfterSignIn, fiber.StatusSeeOther)
}

func (a *Admin) logoutAll(c *fiber.Ctx) error {
	if err := a.Auth.SignOutEverywhere(c); err != nil {
		return err
	}
	return c.Redirect("/admin/login", fiber.StatusSeeOther)
}

func (a *Admin) logout(c *fiber.Ctx) error {
	if err := a.Auth.SignOut(c); err != nil {
		return err
	}
	return c.Redirect("/admin/login", fiber.StatusSeeOther)
}

type listData struct {
	Query   string
	Entries []Entry
	Total   int
	Stale   map[string]bool
}

func (a *Admin) listPage(c *fiber.Ctx) error {
	entries, err := a.Store.List(c.UserContext())
	if err != nil {
		return err
	}
	q := strings.TrimSpace(c.Query("q"))
	d := listData{Query: q, Total: len(entries), Stale: map[string]bool{}}
	cut := a.Now().Add(-a.StaleAfter)
	for _, e := range entries {
		if q != "" && !matches(e, q) {
			continue
		}
		if e.Flag != nil || (!e.Guide.Reviewed.IsZero() && e.Guide.Reviewed.Before(cut)) {
			d.Stale[e.Guide.ID] = true
		}
		d.Entries = append(d.Entries, e)
	}
	return a.render(c, "list.html", "Hướng dẫn thủ tục", d)
}

// matches is the admin list's filter: folded substring on id, code, title and aliases.
func matches(e Entry, q string) bool {
	fq := GroupKeyText(q)
	hay := GroupKeyText(strings.Join(append([]string{e.Guide.ID, e.Guide.Code, e.Guide.Title}, e.Guide.Aliases...), " "))
	return strings.Contains(hay, fq)
}

type editData struct {
	ID       string
	Guide    knowledge.Guide
	Markdown string
	Revision int
	HasDraft bool
	Draft    *Draft
	Flag     *Flag
	Problems []problemView
	Tab      string
	Lines    []string
	New      bool
	Bad      map[string]bool // fields with a problem, for the form
}

type problemView struct {
	Line    int
	Field   string
	Label   string // the form's name of Field, in Vietnamese
	Message string // in Vietnamese
}

func (a *Admin) editPage(c *fiber.Ctx) error {
	id := c.Params("id")
	if !knowledge.ValidID(id) {
		return fiber.NewError(fiber.StatusBadRequest, "Mã hướng dẫn không hợp lệ.")
	}
	d, err := a.editData(c.UserContext(), id)
	if err != nil {
		return err
	}
	d.Tab = c.Query("tab", "form")
	return a.render(c, "edit.html", d.Guide.Title, d)
}

func (a *Admin) editData(ctx context.Context, id string) (editData, error) {
	d := editData{ID: id}
	md, rev, err := a.Store.Markdown(ctx, id)
	if err != nil && !errors.Is(err, knowledge.ErrNotFound) {
		return d, err
	}
	d.Markdown, d.Revision = md, rev
	if dr, err := a.Store.Draft(ctx, id); err == nil {
		d.Draft, d.HasDraft, d.Markdown = &dr, true, dr.Markdown
	}
	if d.Markdown == "" {
		d.New = true
		d.Markdown = newSkeleton(knowledge.Guide{ID: id, Reviewed: a.Now()})
	}
	if g, err := knowledge.ParseGuide(id+".md", []byte(d.Markdown)); err == nil {
		d.Guide = g
	} else {
		d.Guide.ID = id
	}
	entries, _ := a.Store.List(ctx)
	for _, e := range entries {
		if e.Guide.ID == id {
			d.Flag = e.Flag
		}
	}
	return d, nil
}

func (a *Admin) saveDraftForm(c *fiber.Ctx) error {
	id := c.Params("id")
	if !knowledge.ValidID(id) {
		return fiber.NewError(fiber.StatusBadRequest, "Mã hướng dẫn không hợp lệ.")
	}
	var md string
	form := c.FormValue("mode") != "raw"
	var fromForm knowledge.Guide
	if form {
		// Only the fields the editor changed are rewritten: the other
		// lines of the file stay as they were, so the history shows the
		// edit and nothing else.
		base, err := a.editData(c.UserContext(), id)
		if err != nil {
			return err
		}
		fromForm = a.guideFromForm(c, base.Guide, id)
		if base.New {
			md = string(knowledge.FormatGuide(fromForm))
		} else {
			md = string(knowledge.PatchGuide([]byte(base.Markdown), base.Guide, fromForm))
		}
	} else {
		md = NormalizeNewlines(c.FormValue("markdown"))
	}
	if _, err := a.Store.SaveDraft(c.UserContext(), id, md, webauth.Account(c)); err != nil {
		var ve *ValidationError
		if !errors.As(err, &ve) {
			return err
		}
		d, derr := a.editData(c.UserContext(), id)
		if derr != nil {
			return derr
		}
		d.Markdown, d.Tab = md, "raw"
		d.Lines = strings.Split(md, "\n")
		d.Bad = map[string]bool{}
		for _, p := range ve.Problems {
			pv := problemVi(p)
			d.Problems = append(d.Problems, pv)
			d.Bad[strings.SplitN(pv.Field, ".", 2)[0]] = true
		}
		if form {
			// Back to the form, as the editor filled it, with the problems
			// named by the fields' labels.
			d.Tab, d.Guide, d.Lines = "form", fromForm, nil
		}
		c.Status(fiber.StatusUnprocessableEntity)
		return a.render(c, "edit.html", d.Guide.Title, d)
	}
	return c.Redirect("/admin/guides/"+id+"?ok=draft-saved", fiber.StatusSeeOther)
}

// guideFromForm reads the form-fields editor over base (the fields the form
// does not show, such as FAQ and the body, are kept): list fields are one
// item per line; line ends from the browser (CRLF) become LF.
func (a *Admin) guideFromForm(c *fiber.Ctx, base knowledge.Guide, id string) knowledge.Guide {
	g := base
	val := func(k string) string { return strings.TrimSpace(NormalizeNewlines(c.FormValue(k))) }
	g.ID = id
	g.Code = val("code")
	g.Title = val("title")
	g.Aliases = formLines(c.FormValue("aliases"))
	g.Domain = val("domain")
	g.Agency = val("agency")
	g.Level = val("level")
	g.Online = val("online")
	g.Fee = val("fee")
	g.Duration = val("duration")
	g.Where = val("where")
	g.Documents = formLines(c.FormValue("documents"))
	g.Steps = formLines(c.FormValue("steps"))
	g.Eligibility = val("eligibility")
	g.LegalBasis = formLines(c.FormValue("legal_basis"))
	g.SourceURL = val("source_url")
	g.Related = formLines(c.FormValue("related"))
	if t, err := time.Parse("2006-01-02", val("reviewed")); err == nil {
		g.Reviewed = t
	}
	return g
}

func formLines(s string) []string {
	var out []string
	for _, l := range strings.Split(NormalizeNewlines(s), "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}

func (a *Admin) publishForm(c *fiber.Ctx) error {
	id := c.Params("id")
	rev, err := a.Store.Publish(c.UserContext(), id, webauth.Account(c))
	if err != nil {
		return a.showError(c, fiber.StatusConflict, publishError(err), func() error { return a.editPage(c) })
	}
	return c.Redirect(fmt.Sprintf("/admin/guides/%s?ok=published&n=%d", id, rev.Number), fiber.StatusSeeOther)
}

func publishError(err error) string {
	var ve *ValidationError
	switch {
	case errors.Is(err, ErrNoDraft):
		return "Chưa có bản nháp để xuất bản."
	case errors.Is(err, ErrConflict):
		return "Hướng dẫn vừa được người khác thay đổi. Hãy tải lại trang."
	case errors.As(err, &ve):
		return "Bản nháp không hợp lệ: " + problemsVi(ve)
	}
	return "Không xuất bản được, vui lòng thử lại."
}

func (a *Admin) discardForm(c *fiber.Ctx) error {
	id := c.Params("id")
	if err := a.Store.DiscardDraft(c.UserContext(), id); err != nil {
		return err
	}
	return c.Redirect("/admin/guides/"+id+"?ok=draft-discarded", fiber.StatusSeeOther)
}

func (a *Admin) flagForm(c *fiber.Ctx) error {
	id := c.Params("id")
	if err := a.Store.SetFlag(c.UserContext(), id, strings.TrimSpace(c.FormValue("reason")), webauth.Account(c)); err != nil {
		return err
	}
	return c.Redirect("/admin/guides/"+id+"?ok=flag-updated", fiber.StatusSeeOther)
}

func (a *Admin) rollbackForm(c *fiber.Ctx) error {
	id := c.Params("id")
	n, err := strconv.Atoi(c.FormValue("revision"))
	if err != nil {
		return fiber.NewError(fiber.StatusBadRequest, "Số phiên bản không hợp lệ.")
	}
	rev, err := a.Store.Rollback(c.UserContext(), id, n, webauth.Account(c))
	if err != nil {
		a.Logger.Warn("rollback refused", "guide", id, "revision", n, "err", err)
		return a.showError(c, fiber.StatusConflict, "Không khôi phục được: "+errorVi(err), func() error { return a.historyPage(c) })
	}
	return c.Redirect(fmt.Sprintf("/admin/guides/%s/history?ok=rolled-back&n=%d", id, rev.Number), fiber.StatusSeeOther)
}

type historyData struct {
	ID        string
	Revisions []historyRow
}

type historyRow struct {
	Revision
	Diff []DiffLine
}

func (a *Admin) historyPage(c *fiber.Ctx) error {
	id := c.Params("id")
	hist, err := a.Store.History(c.UserContext(), id)
	if err != nil {
		return err
	}
	d := historyData{ID: id}
	prev := ""
	for _, r := range hist {
		d.Revisions = append(d.Revisions, historyRow{Revision: r, Diff: Diff(prev, r.Markdown)})
		prev = r.Markdown
	}
	// newest first
	for i, j := 0, len(d.Revisions)-1; i < j; i, j = i+1, j-1 {
		d.Revisions[i], d.Revisions[j] = d.Revisions[j], d.Revisions[i]
	}
	return a.render(c, "history.html", "Lịch sử "+id, d)
}

// newPage starts a guide, optionally from a citizen question in the gap report.
func (a *Admin) newPage(c *fiber.Ctx) error {
	id := strings.TrimSpace(c.Query("id"))
	q := strings.TrimSpace(c.Query("question"))
	if id == "" {
		return a.render(c, "new.html", "Hướng dẫn mới", fiber.Map{"Question": q})
	}
	if !knowledge.ValidID(id) {
		return c.Redirect("/admin/new?err=bad-id&question="+urlq(q), fiber.StatusSeeOther)
	}
	if _, _, err := a.Store.Markdown(c.UserContext(), id); err == nil {
		return c.Redirect("/admin/guides/"+id, fiber.StatusSeeOther)
	}
	g := knowledge.Guide{ID: id, Title: c.Query("title"), Reviewed: a.Now()}
	if q != "" {
		g.Aliases = []string{q}
	}
	d := editData{ID: id, Guide: g, Markdown: newSkeleton(g), New: true, Tab: "raw"}
	return a.render(c, "edit.html", "Hướng dẫn mới", d)
}

// newSkeleton is the file a new guide starts from: g's fields and every
// other required field as an empty line to fill in, in the order of the
// format, so the raw editor shows what a guide needs (and a premature save
// names each empty field at its line).
func newSkeleton(g knowledge.Guide) string {
	var b strings.Builder
	b.WriteString("---\n")
	for _, f := range knowledge.RequiredFields {
		b.WriteString(f + ":\n")
	}
	b.WriteString("---\n")
	empty, _ := knowledge.ParseGuide(g.ID+".md", []byte(b.String()))
	return string(knowledge.PatchGuide([]byte(b.String()), empty, g))
}

type previewData struct {
	Question string
	Live     bot.Reply
	Draft    bot.Reply
	Drafts   bool
	Back     string
	Err      string
}

func (a *Admin) previewForm(c *fiber.Ctx) error {
	q := strings.TrimSpace(c.FormValue("text"))
	d := previewData{Question: q, Drafts: true, Back: c.FormValue("back")}
	if q == "" {
		d.Err = "Hãy nhập một câu hỏi."
		return a.render(c, "preview.html", "Xem trước câu trả lời", d)
	}
	live, draft, err := a.preview(c.UserContext(), q, true)
	if err != nil {
		d.Err = "Không xem trước được: " + err.Error()
	}
	d.Live, d.Draft = live, draft
	return a.render(c, "preview.html", "Xem trước câu trả lời", d)
}

// auditGroup is one guide's audit findings on the stale page.
type auditGroup struct {
	ID, Title string
	Open      []auditRow
	Explained []auditRow
}

type auditRow struct {
	Line      int
	Field     string
	Kind      string
	Text      string
	Explained string
	Records   []auditRecord
}

type auditRecord struct{ Code, URL string }

func (a *Admin) stalePage(c *fiber.Ctx) error {
	ctx := c.UserContext()
	st, err := a.Store.Stale(ctx, a.StaleAfter)
	if err != nil {
		return err
	}
	groups, withCatalog, err := a.auditLive(ctx)
	if err != nil {
		return err
	}
	open := 0
	for _, g := range groups {
		open += len(g.Open)
	}
	return a.render(c, "stale.html", "Cần rà soát", fiber.Map{"Entries": st, "Months": int(a.StaleAfter.Hours() / 24 / 30),
		"Audit": groups, "AuditOpen": open, "AuditCatalog": withCatalog, "Today": a.Now()})
}

// auditLive runs the audit (package knowledge/audit, as botctl audit) over
// the live guides, each with its published file so findings carry lines.
func (a *Admin) auditLive(ctx context.Context) ([]auditGroup, bool, error) {
	entries, err := a.Store.List(ctx)
	if err != nil {
		return nil, false, err
	}
	var in []audit.Input
	titles := map[string]string{}
	for _, e := range entries {
		if e.Retired || e.Guide.Title == "" {
			continue
		}
		text, _, err := a.Store.Markdown(ctx, e.Guide.ID)
		if err != nil {
			text = ""
		}
		in = append(in, audit.Input{Guide: e.Guide, Text: text})
		titles[e.Guide.ID] = e.Guide.Title
	}
	var cat *audit.Catalog
	if a.AuditCatalog != nil {
		cat = a.AuditCatalog()
	}
	findings := audit.Run(in, audit.Options{Today: a.Now(), Catalog: cat, Register: audit.DefaultRegister()})
	var groups []auditGroup
	for _, f := range findings {
		if len(groups) == 0 || groups[len(groups)-1].ID != f.Guide {
			groups = append(groups, auditGroup{ID: f.Guide, Title: titles[f.Guide]})
		}
		row := auditRow{Line: f.Line, Field: f.Field, Kind: string(f.Kind), Text: f.Vietnamese(), Explained: f.ExplainedVI}
		for _, code := range f.Records {
			row.Records = append(row.Records, auditRecord{Code: code, URL: cat.URL(code)})
		}
		g := &groups[len(groups)-1]
		if f.Open() {
			g.Open = append(g.Open, row)
		} else {
			g.Explained = append(g.Explained, row)
		}
	}
	// Guides with something to do first; the rest keep their order.
	sort.SliceStable(groups, func(i, j int) bool { return len(groups[i].Open) > 0 && len(groups[j].Open) == 0 })
	return groups, cat != nil, nil
}

func (a *Admin) synonymsPage(c *fiber.Ctx) error {
	rules, err := a.Store.Synonyms(c.UserContext())
	if err != nil {
		return err
	}
	return a.render(c, "synonyms.html", "Từ đồng nghĩa, viết tắt", fiber.Map{"Rules": rules})
}

func (a *Admin) saveSynonyms(c *fiber.Ctx) error {
	rules := strings.ReplaceAll(c.FormValue("rules"), "\r\n", "\n")
	if a.CheckSynonyms != nil {
		if err := a.CheckSynonyms(rules); err != nil {
			c.Status(fiber.StatusUnprocessableEntity)
			return a.render(c, "synonyms.html", "Từ đồng nghĩa, viết tắt", fiber.Map{"Rules": rules, "Problem": err.Error()})
		}
	}
	if err := a.Store.SetSynonyms(c.UserContext(), rules); err != nil {
		return err
	}
	return c.Redirect("/admin/synonyms?ok=synonyms-saved", fiber.StatusSeeOther)
}

func (a *Admin) gapsPage(c *fiber.Ctx) error {
	n := days(c)
	gaps, err := a.gaps(c.UserContext(), n)
	if err != nil {
		return err
	}
	entries, _ := a.Store.List(c.UserContext())
	return a.render(c, "gaps.html", "Câu hỏi chưa được trả lời", fiber.Map{"Gaps": gaps, "Days": n, "Guides": entries})
}

// addAliasForm adds a citizen question to a guide as an alias or a FAQ, as a
// draft the editor then reviews and publishes.
func (a *Admin) addAliasForm(c *fiber.Ctx) error {
	id, q, as := c.FormValue("guide"), strings.TrimSpace(c.FormValue("question")), c.FormValue("as")
	if !knowledge.ValidID(id) || q == "" {
		return c.Redirect("/admin/gaps?err=pick-guide", fiber.StatusSeeOther)
	}
	d, err := a.editData(c.UserContext(), id)
	if err != nil || d.New {
		return c.Redirect("/admin/gaps?err=guide-not-found", fiber.StatusSeeOther)
	}
	g := d.Guide
	if as == "faq" {
		g.FAQ = append(g.FAQ, knowledge.FAQ{Q: q, A: "(Biên tập viên viết câu trả lời)"})
	} else {
		g.Aliases = append(g.Aliases, q)
	}
	if _, err := a.Store.SaveDraft(c.UserContext(), id, string(knowledge.FormatGuide(g)), webauth.Account(c)); err != nil {
		return a.showError(c, fiber.StatusUnprocessableEntity, "Không lưu được bản nháp: "+errorVi(err), func() error { return a.gapsPage(c) })
	}
	return c.Redirect("/admin/guides/"+id+"?tab=raw&ok=alias-added", fiber.StatusSeeOther)
}

func (a *Admin) summaryPage(c *fiber.Ctx) error {
	n := days(c)
	s, err := a.summary(c.UserContext(), n)
	if err != nil {
		return err
	}
	return a.render(c, "summary.html", "Tổng quan", fiber.Map{"S": s, "Chart": a.dayChart(s), "Actions": actionBars(s)})
}

func (a *Admin) importPage(c *fiber.Ctx) error {
	a.mu.Lock()
	st := a.importSt
	a.mu.Unlock()
	return a.render(c, "import.html", "Nhập danh mục thủ tục quốc gia", fiber.Map{"Enabled": a.Import != nil, "Status": st})
}

func (a *Admin) startImport(c *fiber.Ctx) error {
	if a.Import == nil {
		return fiber.NewError(fiber.StatusNotFound, "Chức năng nhập danh mục chưa được bật.")
	}
	fh, err := c.FormFile("file")
	if err != nil {
		return c.Redirect("/admin/import?err=pick-file", fiber.StatusSeeOther)
	}
	f, err := fh.Open()
	if err != nil {
		return err
	}
	a.mu.Lock()
	if a.importSt.Running {
		a.mu.Unlock()
		f.Close()
		return c.Redirect("/admin/import?err=import-running", fiber.StatusSeeOther)
	}
	a.importSt = importStatus{Running: true}
	a.mu.Unlock()
	go func() {
		defer f.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
		defer cancel()
		loaded, probs, err := a.Import(ctx, f, func(done int) {
			a.mu.Lock()
			a.importSt.Done = done
			a.mu.Unlock()
		})
		a.mu.Lock()
		defer a.mu.Unlock()
		a.importSt.Running, a.importSt.Finished, a.importSt.Loaded = false, true, loaded
		if len(probs) > 20 {
			probs = append(probs[:20], fmt.Sprintf("… và %d vấn đề khác", len(probs)-20))
		}
		a.importSt.Problems = probs
		if err != nil {
			a.importSt.Error = err.Error()
		}
	}()
	return c.Redirect("/admin/import", fiber.StatusSeeOther)
}

func (a *Admin) importStatus(c *fiber.Ctx) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	return c.JSON(a.importSt)
}

func urlq(s string) string { return strings.ReplaceAll(urlEscape(s), "+", "%20") }
