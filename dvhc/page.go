package dvhc

import (
	_ "embed"
	"html/template"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"
)

//go:embed page.html
var pageHTML string

var pageTmpl = template.Must(template.New("page").Parse(pageHTML))

// AllProvinces is the value of the province field that searches every province.
const AllProvinces = "*"

// maxQuery is the longest name the page searches, in characters.
const maxQuery = 100

// maxRows caps the rows of one search.
const maxRows = 60

// Page serves the public lookup page GET /tra-cuu-phuong-xa: an old
// phường, xã or thị trấn (or a new one) by name, with or without
// diacritics and unit word, in Hà Nội by default or in any province.
type Page struct {
	Dir *Directory
}

// Mount registers the page.
func (p *Page) Mount(r fiber.Router) { r.Get("/tra-cuu-phuong-xa", p.serve) }

// Row is one line of the page's results.
type Row struct {
	Old  *Old
	Unit *Unit
	// Into describes Old's new units ("phường Cầu Giấy (một phần)").
	Into []string
	// Parts describes Unit's old units.
	Parts []string
}

type pageData struct {
	Query     string
	Province  string
	Provinces []string
	All       string
	Searched  bool
	Olds      []Row
	News      []Row
	Prefix    bool // rows are names starting with the query, no exact match
	TooLong   bool
}

func (p *Page) serve(c *fiber.Ctx) error {
	q := strings.TrimSpace(c.Query("q"))
	prov := c.Query("tinh", HaNoi)
	d := pageData{Query: q, Province: prov, All: AllProvinces, Provinces: p.provinces()}
	if prov != AllProvinces && !contains(d.Provinces, prov) {
		d.Province = HaNoi
	}
	if utf8.RuneCountInString(q) > maxQuery {
		d.TooLong, q = true, ""
		c.Status(fiber.StatusBadRequest)
	}
	if q != "" {
		d.Searched = true
		d.Olds, d.News, d.Prefix = p.Dir.Search(q, d.Province)
	}
	c.Set(fiber.HeaderContentType, fiber.MIMETextHTMLCharsetUTF8)
	c.Set("Cache-Control", "public, max-age=300")
	return pageTmpl.Execute(c, d)
}

func (p *Page) provinces() []string {
	ps := p.Dir.Provinces()
	sort.Strings(ps)
	out := []string{HaNoi}
	for _, x := range ps {
		if x != HaNoi {
			out = append(out, x)
		}
	}
	return out
}

// Search finds units by name for the page: the old units and the new units
// named q (unit word, district and diacritics optional) in province (or
// AllProvinces). With no exact name it lists names that start with q, and
// reports so.
func (d *Directory) Search(q, province string) (olds, news []Row, prefix bool) {
	name := d.searchName(q)
	if name == "" {
		return nil, nil, false
	}
	inProv := func(p string) bool { return province == AllProvinces || p == province }
	collect := func(match func(key string) bool) {
		for key, os := range d.byOld {
			if !match(key) {
				continue
			}
			for _, o := range os {
				if inProv(o.Province) {
					olds = append(olds, d.oldRow(o))
				}
			}
		}
		for key, us := range d.byNew {
			if !match(key) {
				continue
			}
			for _, u := range us {
				if inProv(u.Province) {
					news = append(news, d.newRow(u))
				}
			}
		}
	}
	collect(func(k string) bool { return k == name })
	if len(olds)+len(news) == 0 && len(name) >= 2 {
		prefix = true
		collect(func(k string) bool { return strings.HasPrefix(k, name) })
	}
	sortRows(olds)
	sortRows(news)
	if len(olds) > maxRows {
		olds = olds[:maxRows]
	}
	if len(news) > maxRows {
		news = news[:maxRows]
	}
	return olds, news, prefix
}

// searchName is the folded name in a search box entry: the unit named
// after a unit word if there is one, else the words without unit and
// district words.
func (d *Directory) searchName(q string) string {
	a := d.Analyse(q + " cũ") // the cue lets a bare name be found
	if len(a.Mentions) > 0 {
		return a.Mentions[0].Name
	}
	var words []string
	skip := map[string]bool{"phuong": true, "xa": true, "thi": true, "tran": true, "p": true, "tt": true, "cu": true, "moi": true}
	for _, w := range strings.Fields(foldName(q)) {
		if !skip[w] {
			words = append(words, w)
		}
	}
	return strings.Join(words, " ")
}

func (d *Directory) oldRow(o *Old) Row {
	r := Row{Old: o}
	for _, u := range o.Into {
		s := u.Label()
		switch {
		case o.Split && u == o.Remainder:
			s += " (phần còn lại)"
		case o.Split:
			s += " (một phần)"
		}
		r.Into = append(r.Into, s)
	}
	return r
}

func (d *Directory) newRow(u *Unit) Row {
	r := Row{Unit: u}
	for _, p := range u.Parts {
		s := p.Label()
		if o := d.byKey[oldKey(u.Province, p)]; o != nil && o.Split && len(o.Into) > 1 {
			if p.Remainder {
				s += " (phần còn lại)"
			} else {
				s += " (một phần)"
			}
		}
		r.Parts = append(r.Parts, s)
	}
	return r
}

// sortRows puts Hà Nội first, then provinces and names in order.
func sortRows(rs []Row) {
	key := func(r Row) (string, string) {
		if r.Old != nil {
			return r.Old.Province, r.Old.Name + r.Old.District
		}
		return r.Unit.Province, r.Unit.Name
	}
	sort.SliceStable(rs, func(i, j int) bool {
		pi, ni := key(rs[i])
		pj, nj := key(rs[j])
		if (pi == HaNoi) != (pj == HaNoi) {
			return pi == HaNoi
		}
		if pi != pj {
			return pi < pj
		}
		return ni < nj
	})
}
