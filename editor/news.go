package editor

import (
	"context"
	"errors"
	"net/url"
	"strings"

	"github.com/gofiber/fiber/v2"

	"botdvc/news"
	"botdvc/webauth"
)

// Announcements is what the editors' pages and API need of the
// announcements (bản tin); *news.Service implements it.
type Announcements interface {
	List(ctx context.Context) ([]news.Announcement, error)
	Get(ctx context.Context, id string) (news.Announcement, error)
	Create(ctx context.Context, in news.Input, author string) (news.Announcement, error)
	Update(ctx context.Context, id string, in news.Input, author string) (news.Announcement, error)
	Delete(ctx context.Context, id string) error
}

var _ Announcements = (*news.Service)(nil)

// mountNews registers the announcement pages under /admin (guarded by
// adm) and the API (each route guarded by api):
//
//	POST   /api/v1/announcements       {"title","body","guides","from","until"} → 201 {"id"}
//	GET    /api/v1/announcements       every announcement, newest first
//	GET    /api/v1/announcements/{id}
//	PUT    /api/v1/announcements/{id}  same body → 200 the announcement
//	DELETE /api/v1/announcements/{id}  → 200 {"id","deleted":true}
//
// An invalid body is 422 {"error","problems":[{"field","message"}]}; a body
// that is not the JSON object, 400.
func (a *Admin) mountNews(r fiber.Router, adm fiber.Router, api fiber.Handler) {
	r.Post("/api/v1/announcements", api, a.apiNewsCreate)
	r.Get("/api/v1/announcements", api, a.apiNewsList)
	r.Get("/api/v1/announcements/:id", api, a.apiNewsGet)
	r.Put("/api/v1/announcements/:id", api, a.apiNewsPut)
	r.Delete("/api/v1/announcements/:id", api, a.apiNewsDelete)

	adm.Get("/news", a.newsPage)
	adm.Get("/news/new", a.newsEditPage)
	adm.Get("/news/:id", a.newsEditPage)
	adm.Post("/news/save", a.newsSave)
	adm.Post("/news/:id/delete", a.newsDeleteForm)
}

func (a *Admin) apiNewsCreate(c *fiber.Ctx) error {
	in, err := news.DecodeInput(c.Body())
	if err != nil {
		return apiError(c, fiber.StatusBadRequest, err.Error())
	}
	ann, err := a.News.Create(c.UserContext(), in, webauth.Account(c))
	if err != nil {
		return a.newsFail(c, err)
	}
	c.Location("/api/v1/announcements/" + ann.ID)
	return c.Status(fiber.StatusCreated).JSON(fiber.Map{"id": ann.ID})
}

func (a *Admin) apiNewsList(c *fiber.Ctx) error {
	list, err := a.News.List(c.UserContext())
	if err != nil {
		return a.newsFail(c, err)
	}
	if list == nil {
		list = []news.Announcement{}
	}
	return c.JSON(list)
}

func (a *Admin) apiNewsGet(c *fiber.Ctx) error {
	ann, err := a.News.Get(c.UserContext(), c.Params("id"))
	if err != nil {
		return a.newsFail(c, err)
	}
	return c.JSON(ann)
}

func (a *Admin) apiNewsPut(c *fiber.Ctx) error {
	in, err := news.DecodeInput(c.Body())
	if err != nil {
		return apiError(c, fiber.StatusBadRequest, err.Error())
	}
	ann, err := a.News.Update(c.UserContext(), c.Params("id"), in, webauth.Account(c))
	if err != nil {
		return a.newsFail(c, err)
	}
	return c.JSON(ann)
}

func (a *Admin) apiNewsDelete(c *fiber.Ctx) error {
	id := c.Params("id")
	if err := a.News.Delete(c.UserContext(), id); err != nil {
		return a.newsFail(c, err)
	}
	return c.JSON(fiber.Map{"id": id, "deleted": true})
}

// newsFail maps the announcement errors to statuses.
func (a *Admin) newsFail(c *fiber.Ctx, err error) error {
	var ve *news.ValidationError
	switch {
	case errors.As(err, &ve):
		return c.Status(fiber.StatusUnprocessableEntity).JSON(fiber.Map{"error": "invalid announcement", "problems": ve.Problems})
	case errors.Is(err, news.ErrNotFound):
		return apiError(c, fiber.StatusNotFound, "announcement not found")
	case errors.Is(err, news.ErrConflict):
		return apiError(c, fiber.StatusConflict, "the announcement was changed by someone else; reload and try again")
	}
	a.Logger.Error("announcement request failed", "path", c.Path(), "err", err)
	return apiError(c, fiber.StatusInternalServerError, "internal error")
}

// ---- pages ----

type newsListData struct {
	Items []news.Announcement
}

func (a *Admin) newsPage(c *fiber.Ctx) error {
	list, err := a.News.List(c.UserContext())
	if err != nil {
		return err
	}
	return a.render(c, "news.html", "Bản tin", newsListData{Items: list})
}

type newsEditData struct {
	ID       string
	In       news.Input
	Problems []news.Problem
	New      bool
}

func (a *Admin) newsEditPage(c *fiber.Ctx) error {
	id := c.Params("id")
	d := newsEditData{New: id == ""}
	if id != "" {
		ann, err := a.News.Get(c.UserContext(), id)
		if errors.Is(err, news.ErrNotFound) {
			return fiber.NewError(fiber.StatusNotFound, "Không có bản tin này.")
		}
		if err != nil {
			return err
		}
		d.ID = id
		d.In = ann.Input()
	}
	title := "Bản tin mới"
	if !d.New {
		title = "Sửa bản tin"
	}
	return a.render(c, "news_edit.html", title, d)
}

func (a *Admin) newsSave(c *fiber.Ctx) error {
	id := c.FormValue("id")
	in := news.Input{Title: c.FormValue("title"), Body: c.FormValue("body"), From: c.FormValue("from"), Until: c.FormValue("until")}
	for _, g := range strings.FieldsFunc(c.FormValue("guides"), func(r rune) bool { return r == ',' || r == '\n' || r == ' ' || r == '\r' }) {
		in.Guides = append(in.Guides, g)
	}
	var err error
	if id == "" {
		_, err = a.News.Create(c.UserContext(), in, webauth.Account(c))
	} else {
		_, err = a.News.Update(c.UserContext(), id, in, webauth.Account(c))
	}
	var ve *news.ValidationError
	if errors.As(err, &ve) {
		c.Status(fiber.StatusUnprocessableEntity)
		return a.render(c, "news_edit.html", "Bản tin", newsEditData{ID: id, In: in, Problems: ve.Problems, New: id == ""})
	}
	if errors.Is(err, news.ErrConflict) {
		return c.Redirect("/admin/news?err="+url.QueryEscape("Bản tin vừa được người khác sửa; hãy mở lại và sửa tiếp."), fiber.StatusSeeOther)
	}
	if err != nil {
		return err
	}
	return c.Redirect("/admin/news?ok="+url.QueryEscape("Đã lưu bản tin."), fiber.StatusSeeOther)
}

func (a *Admin) newsDeleteForm(c *fiber.Ctx) error {
	if err := a.News.Delete(c.UserContext(), c.Params("id")); err != nil && !errors.Is(err, news.ErrNotFound) {
		return err
	}
	return c.Redirect("/admin/news?ok="+url.QueryEscape("Đã xóa bản tin."), fiber.StatusSeeOther)
}
