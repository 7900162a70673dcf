package editor

import (
	"context"
	"encoding/json"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"

	"botdvc/bot"
	"botdvc/internal/natstest"
	"botdvc/knowledge"
	"botdvc/webauth"
)

// TestSaveCRLFStoredAsLF: a guide file sent with CRLF line ends (a Windows
// editor, a browser's textarea) is stored with LF, and once published the
// answers carry no "\r" (issue 15: /api/v1/ask answered with "\r\n").
func TestSaveCRLFStoredAsLF(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	js := declaredJetStream(t)
	raw, gs := baseFiles(t)
	st, err := Open(ctx, js, raw)
	if err != nil {
		t.Fatal(err)
	}
	in := newInstance(t, ctx, st, gs)
	app, user, pass := adminApp(t, &Admin{Store: st})
	const id = "cap-lai-the-can-cuoc"
	crlf := strings.ReplaceAll(strings.Replace(string(raw[id]), "fee: |\n", "fee: |\n  Lệ phí mới, dòng một.\n  Dòng hai.\n", 1), "\n", "\r\n")
	req, _ := http.NewRequest("PUT", "/api/v1/guides/"+id, strings.NewReader(crlf))
	req.SetBasicAuth(user, pass)
	if resp, err := app.Test(req, -1); err != nil || resp.StatusCode != 200 {
		t.Fatalf("PUT: %v %v", resp.StatusCode, err)
	}
	d, err := st.Draft(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(d.Markdown, "\r") || d.Markdown != strings.ReplaceAll(crlf, "\r\n", "\n") {
		t.Fatalf("draft stored with CR: %q", d.Markdown[:80])
	}
	if _, err := st.Publish(ctx, id, user); err != nil {
		t.Fatal(err)
	}
	natstest.CheckFor(t, 2*time.Second, 20*time.Millisecond, func() error {
		if g, _ := in.lib.Get(id); !strings.Contains(g.Fee, "dòng một") {
			return fmt.Errorf("not yet followed")
		}
		return nil
	})
	r := in.ask(t, "làm lại căn cước bị mất hết bao nhiêu tiền")
	if r.GuideID != id || !strings.Contains(r.Text, "dòng một") || strings.Contains(r.Text, "\r") {
		t.Errorf("answer %s: %q", r.GuideID, r.Text)
	}
	// A value that already holds an escaped "\r\n" (saved before this fix
	// through the form) reads back without it.
	g, err := knowledge.ParseGuide(id+".md", []byte(strings.Replace(string(raw[id]), "fee: |\n", "fee: \"a\\r\\nb\"\nx_fee: |\n", 1)))
	_ = err // x_fee is unknown; the fee was still read
	if g.Fee != "a\nb" {
		t.Errorf("escaped CRLF in a scalar: %q", g.Fee)
	}
}

// formValues reads the form of the edit page as a browser would submit it:
// inputs and selected options as they are, textareas with CRLF line ends
// (HTML's form submission normalises newlines to CRLF).
func formValues(t *testing.T, page string) map[string]string {
	t.Helper()
	i := strings.Index(page, `<input type="hidden" name="mode" value="form">`)
	if i < 0 {
		t.Fatal("no form editor on the page")
	}
	form := page[i:]
	form = form[:strings.Index(form, "</form>")]
	vals := map[string]string{"mode": "form"}
	unescape := func(s string) string {
		r := strings.NewReplacer("&lt;", "<", "&gt;", ">", "&#34;", `"`, "&#39;", "'", "&quot;", `"`, "&amp;", "&")
		return r.Replace(s)
	}
	attr := func(tag, name string) string {
		j := strings.Index(tag, name+`="`)
		if j < 0 {
			return ""
		}
		v := tag[j+len(name)+2:]
		return unescape(v[:strings.Index(v, `"`)])
	}
	for rest := form; ; {
		j := strings.IndexAny(rest, "<")
		if j < 0 {
			break
		}
		rest = rest[j:]
		end := strings.Index(rest, ">")
		tag := rest[:end+1]
		switch {
		case strings.HasPrefix(tag, "<input"):
			vals[attr(tag, "name")] = attr(tag, "value")
		case strings.HasPrefix(tag, "<textarea"):
			body := rest[end+1:]
			body = body[:strings.Index(body, "</textarea>")]
			body = strings.TrimPrefix(body, "\n") // HTML drops a newline right after <textarea>
			vals[attr(tag, "name")] = strings.ReplaceAll(unescape(body), "\n", "\r\n")
		case strings.HasPrefix(tag, "<select"):
			body := rest[end+1:]
			body = body[:strings.Index(body, "</select>")]
			k := strings.Index(body, "selected>")
			if k < 0 {
				k = strings.Index(body, "<option>") + len("<option>") - len("selected>")
			}
			opt := body[k+len("selected>"):]
			vals[attr(tag, "name")] = unescape(opt[:strings.Index(opt, "<")])
		}
		rest = rest[end+1:]
	}
	return vals
}

// TestFormEditChangesOneField: saving the form with one field changed, as a
// browser submits it (CRLF in every textarea), then publishing, puts one
// changed field in the history (issue 15: three fields changed).
func TestFormEditChangesOneField(t *testing.T) {
	ctx := context.Background()
	js := declaredJetStream(t)
	raw, _ := baseFiles(t)
	st, err := Open(ctx, js, raw)
	if err != nil {
		t.Fatal(err)
	}
	app, base := serveAdmin(t, &Admin{Store: st})
	c := signInAdmin(t, base)
	const id = "cap-ho-chieu-pho-thong"
	page := c.get(t, "/admin/guides/"+id)
	vals := formValues(t, page)
	if !strings.Contains(vals["eligibility"], "\r\n") && !strings.Contains(vals["aliases"], "\r\n") {
		t.Fatal("fixture: no multi-line textarea on the form")
	}
	vals["fee"] = "Lệ phí 200.000 đồng/hộ chiếu.\r\nNhận qua bưu chính thì trả thêm cước."
	code, loc := c.post(t, "/admin/guides/"+id+"/draft", vals)
	if code != 303 || !strings.Contains(loc, "ok=") {
		t.Fatalf("save: %d %s", code, loc)
	}
	if _, err := st.Publish(ctx, id, "bientap"); err != nil {
		t.Fatal(err)
	}
	_ = app
	hist, err := st.History(ctx, id)
	if err != nil || len(hist) != 2 {
		t.Fatalf("history: %d revisions, %v", len(hist), err)
	}
	if strings.Contains(hist[1].Markdown, "\r") {
		t.Error("stored with CR")
	}
	var removed, added []string
	for _, l := range Diff(hist[0].Markdown, hist[1].Markdown) {
		switch l.Op {
		case '-':
			removed = append(removed, l.Text)
		case '+':
			added = append(added, l.Text)
		}
	}
	keys := map[string]bool{}
	for _, l := range append(removed, added...) {
		if k, _, ok := strings.Cut(l, ":"); ok && !strings.HasPrefix(l, " ") {
			keys[k] = true
		}
	}
	// The field's header line ("fee: |") may stay as it was: only its
	// lines change. No other field's line changes, and read back, the two
	// revisions differ in the fee alone.
	if len(keys) > 1 || (len(keys) == 1 && !keys["fee"]) || len(removed)+len(added) == 0 {
		t.Errorf("the history shows changes in %v:\n-%s\n+%s", keys, strings.Join(removed, "\n-"), strings.Join(added, "\n+"))
	}
	onlyFee(t, id, hist[0].Markdown, hist[1].Markdown)
	g, _, _ := st.Current(ctx, id)
	if g.Fee != "Lệ phí 200.000 đồng/hộ chiếu.\nNhận qua bưu chính thì trả thêm cước." {
		t.Errorf("fee = %q", g.Fee)
	}
}

// onlyFee fails t unless the guide files before and after read back the
// same but for the fee.
func onlyFee(t *testing.T, id, before, after string) {
	t.Helper()
	a, err := knowledge.ParseGuide(id+".md", []byte(before))
	if err != nil {
		t.Fatal(err)
	}
	b, err := knowledge.ParseGuide(id+".md", []byte(after))
	if err != nil {
		t.Fatal(err)
	}
	if a.Fee == b.Fee {
		t.Error("the fee did not change")
	}
	a.Fee = b.Fee
	if string(knowledge.FormatGuide(a)) != string(knowledge.FormatGuide(b)) {
		t.Error("fields other than the fee changed")
	}
}

// TestValidationInVietnamese: a refused save lists its problems in
// Vietnamese with their line and the form's field label; an unknown related
// id has its line (issue 15: English messages, no line for related); the raw
// editor is told where the first problem is, and the form editor marks its
// fields.
func TestValidationInVietnamese(t *testing.T) {
	ctx := context.Background()
	js := declaredJetStream(t)
	raw, _ := baseFiles(t)
	st, err := Open(ctx, js, raw)
	if err != nil {
		t.Fatal(err)
	}
	_, base := serveAdmin(t, &Admin{Store: st})
	c := signInAdmin(t, base)
	const id = "dang-ky-khai-sinh"
	lineOf := func(md, prefix string) int {
		for i, l := range strings.Split(md, "\n") {
			if strings.HasPrefix(l, prefix) {
				return i + 1
			}
		}
		t.Fatalf("fixture: no line %q", prefix)
		return 0
	}
	// An unknown related id: refused at its line.
	md := strings.Replace(string(raw[id]), "\nrelated:\n", "\nrelated:\n  - khong-ton-tai\n", 1)
	if md == string(raw[id]) {
		t.Fatal("fixture: no related list")
	}
	code, page := c.postPage(t, "/admin/guides/"+id+"/draft", map[string]string{"mode": "raw", "markdown": strings.ReplaceAll(md, "\n", "\r\n")})
	n := lineOf(md, "  - khong-ton-tai")
	for _, want := range []string{
		"Bản nháp chưa được lưu vì có lỗi",
		fmt.Sprintf(`data-line="%d">Dòng %d</a>: <b>Hướng dẫn liên quan (related)</b>: không có hướng dẫn nào mã &#34;khong-ton-tai&#34;`, n, n),
		fmt.Sprintf(`data-error-line="%d"`, n),
		`<script src="/admin/edit.js">`,
	} {
		if code != 422 || !strings.Contains(page, want) {
			i := strings.Index(page, `id="problems"`)
			t.Errorf("%d: page lacks %q:\n%s", code, want, page[max(i, 0):min(len(page), max(i, 0)+1500)])
		}
	}
	// Parse problems: in Vietnamese, with their lines.
	md = strings.Replace(string(raw[id]), "\nonline: ", "\nonline: trực tuyến hết\nx_online: ", 1)
	code, page = c.postPage(t, "/admin/guides/"+id+"/draft", map[string]string{"mode": "raw", "markdown": md})
	n = lineOf(md, "online: ")
	for _, want := range []string{
		fmt.Sprintf(`Dòng %d</a>: <b>Trực tuyến (online)</b>: &#34;trực tuyến hết&#34; không phải mức trực tuyến: dùng &#34;toàn trình&#34;, &#34;một phần&#34; hoặc &#34;không&#34;`, n),
		fmt.Sprintf(`Dòng %d</a>: <b>x_online</b>: không có trường này trong mẫu hướng dẫn (có phải &#34;online&#34;?)`, n+1),
	} {
		if code != 422 || !strings.Contains(page, want) {
			t.Errorf("%d: page lacks %q", code, want)
		}
	}
	for _, en := range []string{"unknown guide id", "unknown field", "is not an online level", "did you mean"} {
		if strings.Contains(page, en) {
			t.Errorf("page says %q in English", en)
		}
	}
	// The form: an emptied required field is named by its label, the form
	// (not the raw file) comes back with the field marked.
	vals := formValues(t, c.get(t, "/admin/guides/"+id))
	vals["fee"] = ""
	code, page = c.postPage(t, "/admin/guides/"+id+"/draft", vals)
	if code != 422 || !strings.Contains(page, "<b>Phí, lệ phí (fee)</b>: trường bắt buộc, không được để trống") ||
		!strings.Contains(page, `id="fee" name="fee" class="bad" aria-invalid="true"`) {
		i := strings.Index(page, `id="problems"`)
		j := strings.Index(page, `id="fee"`)
		t.Errorf("form with an empty fee: %d\n%s\n%s", code, page[max(i, 0):min(len(page), max(i, 0)+300)], page[max(j, 0):min(len(page), max(j, 0)+200)])
	}
	// The API keeps its machine-readable problems, with the related line.
	req, _ := http.NewRequest("PUT", base+"/api/v1/guides/"+id, strings.NewReader(strings.Replace(string(raw[id]), "\nreviewed: ", "\nrelated:\n  - khong-ton-tai\nreviewed: ", 1)))
	req.SetBasicAuth("bientap", "mat-khau-thu")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var body struct {
		Problems []struct {
			Line  int
			Field string
		}
	}
	json.NewDecoder(resp.Body).Decode(&body)
	resp.Body.Close()
	if resp.StatusCode != 422 || len(body.Problems) != 1 || body.Problems[0].Line == 0 || body.Problems[0].Field != "related" {
		t.Errorf("API: %d %+v", resp.StatusCode, body)
	}
}

// TestEveryParseMessageHasVietnamese reads knowledge/parse.go and checks
// that every message ParseGuide can report has a Vietnamese form here.
func TestEveryParseMessageHasVietnamese(t *testing.T) {
	f, err := parser.ParseFile(token.NewFileSet(), "../knowledge/parse.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	ast.Inspect(f, func(node ast.Node) bool {
		call, ok := node.(*ast.CallExpr)
		if !ok || len(call.Args) < 3 {
			return true
		}
		if sel, ok := call.Fun.(*ast.SelectorExpr); !ok || sel.Sel.Name != "add" {
			return true
		}
		lit, ok := call.Args[2].(*ast.BasicLit)
		if !ok {
			t.Errorf("a p.add call with a computed format at %v", call.Pos())
			return true
		}
		format, _ := strconv.Unquote(lit.Value)
		n++
		if _, ok := viFormats[format]; !ok {
			t.Errorf("no Vietnamese for %q", format)
		}
		return true
	})
	if n < 25 {
		t.Fatalf("found only %d messages: is the parser still p.add?", n)
	}
	// Formatting the Vietnamese form with the English one's arguments works.
	for en, vi := range viFormats {
		if strings.Count(en, "%") != strings.Count(vi, "%") {
			t.Errorf("%q and %q take different arguments", en, vi)
		}
	}
}

// TestGapsChooseAGuide: the gap report's "add to guide" list starts with no
// guide chosen (issue 15: it defaulted to the first guide).
func TestGapsChooseAGuide(t *testing.T) {
	ctx := context.Background()
	js := declaredJetStream(t)
	raw, _ := baseFiles(t)
	st, err := Open(ctx, js, raw)
	if err != nil {
		t.Fatal(err)
	}
	rec, err := OpenRecorder(ctx, js, discard())
	if err != nil {
		t.Fatal(err)
	}
	h := rec.Middleware()(func(context.Context, bot.Message) (bot.Reply, error) {
		return bot.Reply{Action: bot.ActionFallback, Text: "…"}, nil
	})
	if _, err := h(ctx, bot.Message{ID: "1", Channel: bot.Web, UserID: "u", Kind: bot.KindText, Text: "giá vàng hôm nay"}); err != nil {
		t.Fatal(err)
	}
	_, base := serveAdmin(t, &Admin{Store: st, Recorder: rec})
	c := signInAdmin(t, base)
	var page string
	natstest.CheckFor(t, 2*time.Second, 50*time.Millisecond, func() error {
		page = c.get(t, "/admin/gaps?days=7")
		if !strings.Contains(page, "giá vàng hôm nay") {
			return fmt.Errorf("no gap yet")
		}
		return nil
	})
	if !strings.Contains(page, `<select name="guide" aria-label="Hướng dẫn" required><option value="" selected>— Chọn hướng dẫn —</option>`) {
		t.Errorf("the guide list does not start unchosen:\n%s", page[strings.Index(page, "<select"):][:300])
	}
	code, loc := c.post(t, "/admin/gaps/alias", map[string]string{"guide": "", "question": "giá vàng hôm nay", "as": "alias"})
	if code != 303 || !strings.Contains(loc, "err=") {
		t.Errorf("adding to no guide: %d %s", code, loc)
	}
}

// ---- a signed-in page client over real HTTP

type pageClient struct {
	base, cookie, csrf string
	http               *http.Client
}

// serveAdmin mounts a on a Fiber app listening on localhost (a secure
// context for browsers: the Secure cookie works over plain http).
func serveAdmin(t *testing.T, a *Admin) (any, string) {
	t.Helper()
	line, err := webauth.HashLine("bientap", "mat-khau-thu", 4)
	if err != nil {
		t.Fatal(err)
	}
	accts, err := webauth.ParseHtpasswd(strings.NewReader(line + "\n"))
	if err != nil {
		t.Fatal(err)
	}
	a.Auth = webauth.New(accts, webauth.NewMemoryStore(), webauth.Config{CookieName: "botdvc_admin"}, discard())
	app := fiber.New(fiber.Config{BodyLimit: 1 << 20, DisableStartupMessage: true})
	a.Mount(app)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go app.Listener(ln)
	t.Cleanup(func() { app.Shutdown() })
	return app, "http://localhost:" + strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
}

func signInAdmin(t *testing.T, base string) *pageClient {
	t.Helper()
	c := &pageClient{base: base, http: &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
	resp, err := c.http.PostForm(base+"/admin/login", map[string][]string{"user": {"bientap"}, "password": {"mat-khau-thu"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	for _, ck := range resp.Cookies() {
		c.cookie = ck.Name + "=" + ck.Value
	}
	if c.cookie == "" {
		t.Fatalf("sign-in: %d, no cookie", resp.StatusCode)
	}
	page := c.get(t, "/admin/")
	i := strings.Index(page, `name="_csrf" value="`)
	if i < 0 {
		t.Fatal("no CSRF token on the page")
	}
	c.csrf = page[i+len(`name="_csrf" value="`):]
	c.csrf = c.csrf[:strings.Index(c.csrf, `"`)]
	return c
}

func (c *pageClient) get(t *testing.T, path string) string {
	t.Helper()
	req, _ := http.NewRequest("GET", c.base+path, nil)
	req.Header.Set("Cookie", c.cookie)
	resp, err := c.http.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("GET %s: %d", path, resp.StatusCode)
	}
	return string(b)
}

func (c *pageClient) do(t *testing.T, path string, vals map[string]string) *http.Response {
	t.Helper()
	form := map[string][]string{"_csrf": {c.csrf}}
	for k, v := range vals {
		form[k] = []string{v}
	}
	req, _ := http.NewRequest("POST", c.base+path, strings.NewReader(encodeForm(form)))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Cookie", c.cookie)
	resp, err := c.http.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

func (c *pageClient) post(t *testing.T, path string, vals map[string]string) (int, string) {
	t.Helper()
	resp := c.do(t, path, vals)
	resp.Body.Close()
	return resp.StatusCode, resp.Header.Get("Location")
}

func (c *pageClient) postPage(t *testing.T, path string, vals map[string]string) (int, string) {
	t.Helper()
	resp := c.do(t, path, vals)
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func encodeForm(form map[string][]string) string {
	var parts []string
	for k, vs := range form {
		for _, v := range vs {
			parts = append(parts, urlEscape(k)+"="+urlEscape(v))
		}
	}
	return strings.Join(parts, "&")
}

// TestNewGuideSkeleton: a new guide starts from a file that lists every
// required field, so a premature save names each empty one at its line.
func TestNewGuideSkeleton(t *testing.T) {
	g := knowledge.Guide{ID: "thu-nghiem", Title: "Thủ tục thử nghiệm", Aliases: []string{"nuôi ong"}, Reviewed: time.Date(2026, 12, 3, 0, 0, 0, 0, time.UTC)}
	md := newSkeleton(g)
	for _, f := range knowledge.RequiredFields {
		if !strings.Contains(md, "\n"+f+":") {
			t.Errorf("skeleton lacks %s:\n%s", f, md)
		}
	}
	for _, want := range []string{"\nid: thu-nghiem\n", "\ntitle: Thủ tục thử nghiệm\n", "\n  - nuôi ong\n", "\nreviewed: 2026-12-03\n"} {
		if !strings.Contains(md, want) {
			t.Errorf("skeleton lacks %q:\n%s", want, md)
		}
	}
	back, err := knowledge.ParseGuide("thu-nghiem.md", []byte(md))
	if back.Title != g.Title || len(back.Aliases) != 1 {
		t.Errorf("skeleton reads back as %+v", back)
	}
	var empty int
	for _, p := range err.(knowledge.ParseErrors) {
		if p.Msg == "required field is empty" && p.Line > 1 {
			empty++
		}
	}
	if empty < 10 {
		t.Errorf("%d fields reported empty at their line: %v", empty, err)
	}
}
