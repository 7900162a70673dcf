package news

import (
	_ "embed"
	"encoding/xml"
	"html/template"
	"net/url"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
)

//go:embed page.html
var pageHTML string

var pageTmpl = template.Must(template.New("page").Funcs(template.FuncMap{
	"paras": paragraphs,
	"day":   Day,
	"ask":   func(title string) string { return "/?q=" + url.QueryEscape(title) },
}).Parse(pageHTML))

// Pages serves the public announcement pages: GET /tin-moi (the current
// announcements), GET /tin-moi/{id} (one, also after it ended), and the
// Atom feed GET /tin-moi.atom for the city's portal and page admins.
type Pages struct{ S *Service }

// Pages returns the public pages to mount.
func (s *Service) Pages() *Pages { return &Pages{S: s} }

// Mount registers the routes.
func (p *Pages) Mount(r fiber.Router) {
	r.Get("/tin-moi", p.list)
	r.Get("/tin-moi.atom", p.feed)
	r.Get("/tin-moi/:id", p.one)
}

type guideLink struct{ ID, Title string }

type entry struct {
	Announcement
	Links   []guideLink
	Current bool
}

type pageData struct {
	Entries []entry
	One     bool
}

func (p *Pages) entry(a Announcement, now time.Time) entry {
	e := entry{Announcement: a, Current: a.Current(now)}
	for _, g := range a.Guides {
		e.Links = append(e.Links, guideLink{ID: g, Title: p.S.title(g)})
	}
	return e
}

func (p *Pages) list(c *fiber.Ctx) error {
	now := p.S.cfg.Now()
	var d pageData
	for _, a := range p.S.Current(now) {
		d.Entries = append(d.Entries, p.entry(a, now))
	}
	return render(c, d)
}

func (p *Pages) one(c *fiber.Ctx) error {
	now := p.S.cfg.Now()
	a, ok := p.S.published(c.Params("id"), now)
	if !ok {
		c.Status(fiber.StatusNotFound)
		return render(c, pageData{One: true})
	}
	return render(c, pageData{One: true, Entries: []entry{p.entry(a, now)}})
}

func render(c *fiber.Ctx, d pageData) error {
	c.Set(fiber.HeaderContentType, fiber.MIMETextHTMLCharsetUTF8)
	c.Set("Cache-Control", "public, max-age=60")
	return pageTmpl.Execute(c, d)
}

// paragraphs splits a body at blank lines.
func paragraphs(s string) []string {
	var out []string
	for _, p := range strings.Split(strings.ReplaceAll(s, "\r\n", "\n"), "\n\n") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// Atom (RFC 4287) documents.
type atomFeed struct {
	XMLName xml.Name    `xml:"http://www.w3.org/2005/Atom feed"`
	Title   string      `xml:"title"`
	ID      string      `xml:"id"`
	Updated string      `xml:"updated"`
	Author  atomPerson  `xml:"author"`
	Links   []atomLink  `xml:"link"`
	Entries []atomEntry `xml:"entry"`
}

type atomPerson struct {
	Name string `xml:"name"`
}

type atomLink struct {
	Href string `xml:"href,attr"`
	Rel  string `xml:"rel,attr,omitempty"`
	Type string `xml:"type,attr,omitempty"`
}

type atomEntry struct {
	Title     string     `xml:"title"`
	ID        string     `xml:"id"`
	Updated   string     `xml:"updated"`
	Published string     `xml:"published"`
	Links     []atomLink `xml:"link"`
	Summary   string     `xml:"summary"`
	Content   atomText   `xml:"content"`
}

type atomText struct {
	Type string `xml:"type,attr"`
	Text string `xml:",chardata"`
}

// feedID is the feed's permanent id (a tag URI, RFC 4151): it does not
// change with the host name the feed is read under.
const feedID = "tag:botdvc,2026:tin-moi"

func (p *Pages) feed(c *fiber.Ctx) error {
	now := p.S.cfg.Now()
	base := c.BaseURL()
	f := atomFeed{
		Title:   "Tin mới về thủ tục hành chính – Hà Nội",
		ID:      feedID,
		Updated: now.UTC().Format(time.RFC3339),
		Author:  atomPerson{Name: "Hỏi đáp thủ tục hành chính Hà Nội"},
		Links: []atomLink{
			{Href: base + "/tin-moi.atom", Rel: "self", Type: "application/atom+xml"},
			{Href: base + "/tin-moi", Rel: "alternate", Type: "text/html"},
		},
	}
	cur := p.S.Current(now)
	var latest time.Time
	for _, a := range cur {
		if a.Updated.After(latest) {
			latest = a.Updated
		}
		body := a.Body + "\n\n(" + strings.TrimSpace(a.Period()) + ")"
		var titles []string
		for _, g := range a.Guides {
			titles = append(titles, p.S.title(g))
		}
		if len(titles) > 0 {
			body += "\nThủ tục liên quan: " + strings.Join(titles, "; ")
		}
		f.Entries = append(f.Entries, atomEntry{
			Title:     a.Title,
			ID:        feedID + ":" + a.ID,
			Updated:   a.Updated.UTC().Format(time.RFC3339),
			Published: a.From.UTC().Format(time.RFC3339),
			Links:     []atomLink{{Href: base + "/tin-moi/" + a.ID, Rel: "alternate", Type: "text/html"}},
			Summary:   clip(a.Body, 300),
			Content:   atomText{Type: "text", Text: body},
		})
	}
	if !latest.IsZero() {
		f.Updated = latest.UTC().Format(time.RFC3339)
	}
	out, err := xml.MarshalIndent(f, "", "  ")
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, "application/atom+xml; charset=utf-8")
	c.Set("Cache-Control", "public, max-age=60")
	return c.Send(append([]byte(xml.Header), out...))
}
