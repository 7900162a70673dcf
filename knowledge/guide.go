package knowledge

import "time"

// Guide is one procedure guide: the single canonical document that both
// search backends index and the answer engine composes replies from.
//
// Curated guides are Markdown files with YAML front matter (see
// doc/guide-format.md); catalogue guides are built from the national
// procedure catalogue by the importer and carry Source == SourceCatalog.
type Guide struct {
	ID         string   // stable id, the manifest's (e.g. "dang-ky-khai-sinh")
	Code       string   // national procedure code (ma_thu_tuc), e.g. "1.001193"; empty when none
	OtherCodes []string // further national codes the guide also covers (variants by level or age)
	// CodeNames gives the catalogue's name of each code of a curated guide
	// whose record Merge set aside ("1.013080": "Cấp lại chứng nhận đăng
	// ký xe ..."), so that an answer can name the code of the case asked.
	CodeNames map[string]string
	Title     string   // procedure name as citizens see it
	Aliases   []string // colloquial names: "sổ đỏ", "giấy chứng tử", "nhập khẩu"
	Domain    string   // manifest domain, e.g. "ho-tich"
	Agency    string   // who decides (cơ quan có thẩm quyền)
	Level     string   // "cấp xã", "cấp tỉnh", "cấp bộ", ...
	Online    string   // "toàn trình", "một phần" or "không"

	Fee         string   // fee and charge, in prose; say where to check when uncertain
	Duration    string   // time limit for the result
	Where       string   // where to submit (places and portals)
	Documents   []string // dossier components, one item each
	Steps       []string // what the citizen does, in order
	Eligibility string   // who may or must apply, conditions

	Methods    []Method // submission channels with time and fee (catalogue records; optional in curated guides)
	LegalBasis []string // laws, decrees, circulars, decisions
	SourceURL  string   // official page (National Public Service Portal record)
	Reviewed   time.Time
	Related    []string // ids of related guides
	FAQ        []FAQ
	Body       string // Markdown body after the front matter: longer notes by section

	Source string // SourceCurated or SourceCatalog
	Path   string // file the guide was read from, for error messages; empty for KV or catalogue

	lines map[string]int // front matter field (or "field=item" for list items) -> line, set by ParseGuide
}

// Line returns the line of front matter field in the file g was parsed from,
// or 0 when unknown (guides not read from a file). ItemLine gives the line of
// one list item.
func (g Guide) Line(field string) int { return g.lines[field] }

// ItemLine returns the line of the list item with text item in field (e.g.
// the related id "dang-ky-khai-sinh"), falling back to the field's line.
func (g Guide) ItemLine(field, item string) int {
	if l, ok := g.lines[field+"="+item]; ok {
		return l
	}
	return g.lines[field]
}

// Method is one way to submit a dossier, as the national catalogue lists it.
type Method struct {
	Channel  string // "Trực tiếp", "Trực tuyến", "Dịch vụ bưu chính"
	Duration string
	Fee      string
	Note     string
}

// FAQ is one question a citizen often asks about a guide, with its answer.
type FAQ struct {
	Q string
	A string
}

// Where a guide came from.
const (
	SourceCurated = "curated"
	SourceCatalog = "catalog"
)

// Online levels allowed in Guide.Online.
const (
	OnlineFull    = "toàn trình"
	OnlinePartial = "một phần"
	OnlineNone    = "không"
)

// Query is a search request. Text is the citizen's question as typed; backends
// analyse it with package vntext.
type Query struct {
	Text  string
	Limit int // 0 means the backend's default (10)
}

// Hit is one search result.
type Hit struct {
	GuideID string
	Code    string
	Title   string
	Score   float64  // backend score, higher is better; comparable only within one result list
	Fields  []string // fields that matched, e.g. "title", "aliases", "body"
}
