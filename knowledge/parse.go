package knowledge

import (
	"bytes"
	"errors"
	"fmt"
	"net/url"
	"path"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"
	"golang.org/x/text/unicode/norm"
)

// ParseError is one problem in a guide file. Line is 1-based and counts from
// the first line of the file (the opening "---"); 0 means the problem has no
// single line (e.g. a missing required field is reported at the closing
// "---" instead, so Line is rarely 0). Field is the front matter field
// concerned, or "front matter" / "body" / "file".
type ParseError struct {
	File    string
	Line    int
	Field   string
	Msg     string
	Warning bool // a lint warning: reported, but it does not make the corpus invalid
	// Format and Args are Msg before formatting (Msg == fmt.Sprintf(Format,
	// Args...)) when ParseGuide made it, so a page can say it in another
	// language (the admin says it in Vietnamese). Empty otherwise.
	Format string
	Args   []any
}

// Error returns "file:line: field: msg"; warnings have "warning: " before msg.
func (e *ParseError) Error() string {
	msg := e.Msg
	if e.Warning {
		msg = "warning: " + msg
	}
	return fmt.Sprintf("%s:%d: %s: %s", e.File, e.Line, e.Field, msg)
}

// ParseErrors is every problem found in one file or one corpus, in file and
// line order. It is an error; errors.As finds the single *ParseError values
// through Unwrap.
type ParseErrors []*ParseError

// Error returns one problem per line.
func (es ParseErrors) Error() string {
	lines := make([]string, len(es))
	for i, e := range es {
		lines[i] = e.Error()
	}
	return strings.Join(lines, "\n")
}

// Unwrap returns the single problems, for errors.As and errors.Is.
func (es ParseErrors) Unwrap() []error {
	out := make([]error, len(es))
	for i, e := range es {
		out[i] = e
	}
	return out
}

// Errors returns the problems that are not warnings.
func (es ParseErrors) Errors() ParseErrors {
	var out ParseErrors
	for _, e := range es {
		if !e.Warning {
			out = append(out, e)
		}
	}
	return out
}

// Warnings returns the problems that are warnings.
func (es ParseErrors) Warnings() ParseErrors {
	var out ParseErrors
	for _, e := range es {
		if e.Warning {
			out = append(out, e)
		}
	}
	return out
}

// Err returns the non-warning problems as an error, or nil when there are none.
func (es ParseErrors) Err() error {
	if errs := es.Errors(); len(errs) > 0 {
		return errs
	}
	return nil
}

// Front matter field names, in the order FormatGuide writes them.
const (
	fieldID          = "id"
	fieldSource      = "source"
	fieldCode        = "code"
	fieldOtherCodes  = "other_codes"
	fieldTitle       = "title"
	fieldAliases     = "aliases"
	fieldDomain      = "domain"
	fieldAgency      = "agency"
	fieldLevel       = "level"
	fieldOnline      = "online"
	fieldFee         = "fee"
	fieldDuration    = "duration"
	fieldWhere       = "where"
	fieldDocuments   = "documents"
	fieldSteps       = "steps"
	fieldEligibility = "eligibility"
	fieldMethods     = "methods"
	fieldLegalBasis  = "legal_basis"
	fieldSourceURL   = "source_url"
	fieldReviewed    = "reviewed"
	fieldRelated     = "related"
	fieldFAQ         = "faq"
)

// Fields lists every front matter field in the order FormatGuide writes them.
var Fields = []string{
	fieldID, fieldSource, fieldCode, fieldOtherCodes, fieldTitle, fieldAliases, fieldDomain,
	fieldAgency, fieldLevel, fieldOnline, fieldFee, fieldDuration, fieldWhere, fieldDocuments,
	fieldSteps, fieldEligibility, fieldMethods, fieldLegalBasis, fieldSourceURL, fieldReviewed,
	fieldRelated, fieldFAQ,
}

// RequiredFields lists the fields a curated guide must fill (doc/guide-format.md).
var RequiredFields = []string{
	fieldID, fieldTitle, fieldAliases, fieldDomain, fieldAgency, fieldLevel, fieldOnline,
	fieldFee, fieldDuration, fieldWhere, fieldDocuments, fieldSteps, fieldEligibility,
	fieldLegalBasis, fieldSourceURL, fieldReviewed,
}

// RequiredCatalogFields lists the fields a guide with source: catalog must fill.
var RequiredCatalogFields = []string{fieldID, fieldCode, fieldTitle, fieldSourceURL}

// MinAliases is how many aliases a curated guide needs at least.
const MinAliases = 3

// DateLayout is the layout of the reviewed field.
const DateLayout = "2006-01-02"

var (
	idPattern   = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)
	codePattern = regexp.MustCompile(`^[0-9]+\.[0-9]{6}(\.[0-9A-Za-z]+)*$`)
	yamlLineRe  = regexp.MustCompile(`line (\d+)`)
)

// ValidID reports whether id has the form of a guide id: lowercase ASCII
// letters and digits in words joined by single hyphens.
func ValidID(id string) bool { return idPattern.MatchString(id) }

// ValidCode reports whether code looks like a national procedure code
// ("1.001193", optionally followed by dotted local suffixes).
func ValidCode(code string) bool { return codePattern.MatchString(code) }

// ParseGuide parses one guide file: YAML front matter between two "---" lines,
// then an optional Markdown body. name is the file name (used for messages and
// checked against the id: "dang-ky-khai-sinh.md" must have id
// "dang-ky-khai-sinh"); only its base name matters.
//
// All text is NFC-normalised, trimmed of surrounding white space, and CRLF
// line ends become LF. Scalars are kept as written, so an unquoted code
// 1.001193 stays "1.001193".
//
// On failure the error is a ParseErrors holding every problem found, each a
// *ParseError naming the file, line and field. The returned Guide holds what
// could be read, for tools that want to show it anyway.
func ParseGuide(name string, data []byte) (Guide, error) {
	p := &guideParser{file: name}
	g := p.parse(data)
	g.Path = name
	if len(p.errs) > 0 {
		return g, p.errs
	}
	return g, nil
}

type guideParser struct {
	file  string
	errs  ParseErrors
	lines map[string]int
}

func (p *guideParser) add(line int, field, format string, args ...any) {
	p.errs = append(p.errs, &ParseError{File: p.file, Line: line, Field: field, Msg: fmt.Sprintf(format, args...), Format: format, Args: args})
}

// has reports whether a problem was already recorded for field.
func (p *guideParser) has(field string) bool {
	for _, e := range p.errs {
		if e.Field == field {
			return true
		}
	}
	return false
}

func (p *guideParser) parse(data []byte) Guide {
	var g Guide
	if !utf8.Valid(data) {
		line, col := invalidUTF8At(data)
		p.add(line, "file", "invalid UTF-8 at byte %d of the line; save the file as UTF-8", col)
		return g
	}
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	text := strings.ReplaceAll(string(data), "\r\n", "\n")

	if !strings.HasPrefix(text, "---\n") && text != "---" {
		p.add(1, "front matter", `missing: the file must start with a line "---", then the YAML fields, then a line "---"`)
		return g
	}
	rest := text[len("---"):]
	rest = strings.TrimPrefix(rest, "\n")
	// Find the closing line "---".
	var front, body string
	closeLine := 0
	found := false
	offset := 0
	lineNo := 2
	for offset <= len(rest) {
		end := strings.IndexByte(rest[offset:], '\n')
		var ln string
		if end < 0 {
			ln = rest[offset:]
		} else {
			ln = rest[offset : offset+end]
		}
		if strings.TrimRight(ln, " \t") == "---" {
			front = rest[:offset]
			if end >= 0 {
				body = rest[offset+end+1:]
			}
			closeLine = lineNo
			found = true
			break
		}
		if end < 0 {
			break
		}
		offset += end + 1
		lineNo++
	}
	if !found {
		p.add(1, "front matter", `not closed: add a line "---" after the last field`)
		return g
	}

	var doc yaml.Node
	if err := yaml.Unmarshal([]byte(front), &doc); err != nil {
		line := 1
		msg := err.Error()
		if m := yamlLineRe.FindStringSubmatch(msg); m != nil {
			n, _ := strconv.Atoi(m[1])
			line = n + 1
			msg = strings.Replace(msg, m[0], "", 1)
		}
		msg = strings.TrimPrefix(msg, "yaml: ")
		msg = strings.TrimLeft(msg, ": ")
		p.add(line, "front matter", "YAML syntax: %s", msg)
		return g
	}
	var root *yaml.Node
	if doc.Kind == 0 {
		root = &yaml.Node{Kind: yaml.MappingNode} // empty front matter: every required field is missing
	} else if doc.Kind == yaml.DocumentNode && len(doc.Content) == 1 {
		root = resolveAlias(doc.Content[0])
	}
	if root == nil || root.Kind != yaml.MappingNode {
		line := 2
		if root != nil {
			line = root.Line + 1
		}
		p.add(line, "front matter", "must be a set of fields (key: value), one per line")
		return g
	}

	p.lines = map[string]int{}
	g.Source = SourceCurated
	for i := 0; i+1 < len(root.Content); i += 2 {
		k, v := root.Content[i], resolveAlias(root.Content[i+1])
		line := k.Line + 1
		key := k.Value
		if k.Kind != yaml.ScalarNode {
			p.add(line, "front matter", "field names must be plain words")
			continue
		}
		if prev, dup := p.lines[key]; dup {
			p.add(line, key, "duplicate field (first at line %d)", prev)
			continue
		}
		p.lines[key] = line
		p.field(&g, key, v, line)
	}
	g.Body = clean(body)
	g.lines = p.lines

	required := RequiredFields
	if g.Source == SourceCatalog {
		required = RequiredCatalogFields
	}
	for _, f := range required {
		if _, ok := p.lines[f]; !ok {
			p.add(closeLine, f, "required field is missing")
		} else if isEmpty(&g, f) && !p.has(f) {
			p.add(p.lines[f], f, "required field is empty")
		}
	}
	if g.Source == SourceCurated && len(g.Aliases) > 0 && len(g.Aliases) < MinAliases {
		p.add(p.lines[fieldAliases], fieldAliases, "give at least %d aliases (the words people really use), found %d", MinAliases, len(g.Aliases))
	}
	if g.ID != "" {
		base := path.Base(strings.ReplaceAll(p.file, `\`, "/"))
		if want := strings.TrimSuffix(base, ".md"); strings.HasSuffix(base, ".md") && g.ID != want {
			p.add(p.lines[fieldID], fieldID, "id %q does not match the file name %q (want id %q or rename the file)", g.ID, base, want)
		}
	}
	return g
}

// field decodes one front matter field into g.
func (p *guideParser) field(g *Guide, key string, v *yaml.Node, line int) {
	switch key {
	case fieldID:
		if s, ok := p.str(key, v, line); ok {
			if s != "" && !ValidID(s) {
				p.add(line, key, "%q is not a valid id: use lowercase ASCII words joined by '-' (e.g. dang-ky-khai-sinh)", s)
			}
			g.ID = s
		}
	case fieldSource:
		if s, ok := p.str(key, v, line); ok {
			switch s {
			case SourceCurated, SourceCatalog:
				g.Source = s
			default:
				p.add(line, key, "%q is not a source: use %q or %q", s, SourceCurated, SourceCatalog)
			}
		}
	case fieldCode:
		if s, ok := p.str(key, v, line); ok {
			if s != "" && !ValidCode(s) {
				p.add(line, key, "%q is not a national procedure code (like \"1.001193\")", s)
			}
			g.Code = s
		}
	case fieldOtherCodes:
		g.OtherCodes = p.list(key, v, line)
		for _, c := range g.OtherCodes {
			if !ValidCode(c) {
				p.add(p.lines[key+"="+c], key, "%q is not a national procedure code (like \"1.001193\")", c)
			}
		}
	case fieldTitle:
		g.Title, _ = p.str(key, v, line)
	case fieldAliases:
		g.Aliases = p.list(key, v, line)
	case fieldDomain:
		if s, ok := p.str(key, v, line); ok {
			if s != "" && !ValidID(s) {
				p.add(line, key, "%q is not a valid domain: use the manifest's domain, lowercase words joined by '-' (e.g. ho-tich)", s)
			}
			g.Domain = s
		}
	case fieldAgency:
		g.Agency, _ = p.str(key, v, line)
	case fieldLevel:
		g.Level, _ = p.str(key, v, line)
	case fieldOnline:
		if s, ok := p.str(key, v, line); ok {
			switch s {
			case OnlineFull, OnlinePartial, OnlineNone:
				g.Online = s
			default:
				p.add(line, key, "%q is not an online level: use %q, %q or %q", s, OnlineFull, OnlinePartial, OnlineNone)
			}
		}
	case fieldFee:
		g.Fee, _ = p.str(key, v, line)
	case fieldDuration:
		g.Duration, _ = p.str(key, v, line)
	case fieldWhere:
		g.Where, _ = p.str(key, v, line)
	case fieldDocuments:
		g.Documents = p.list(key, v, line)
	case fieldSteps:
		g.Steps = p.list(key, v, line)
	case fieldEligibility:
		g.Eligibility, _ = p.str(key, v, line)
	case fieldMethods:
		g.Methods = p.methods(v, line)
	case fieldLegalBasis:
		g.LegalBasis = p.list(key, v, line)
	case fieldSourceURL:
		if s, ok := p.str(key, v, line); ok {
			if s != "" {
				if msg := checkURL(s); msg != "" {
					p.add(line, key, "%q %s", s, msg)
				}
			}
			g.SourceURL = s
		}
	case fieldReviewed:
		if s, ok := p.str(key, v, line); ok && s != "" {
			t, err := time.Parse(DateLayout, s)
			if err != nil {
				p.add(line, key, "%q is not a date: write YYYY-MM-DD (e.g. 2026-11-25)", s)
			} else {
				g.Reviewed = t
			}
		}
	case fieldRelated:
		g.Related = p.list(key, v, line)
		for _, id := range g.Related {
			if !ValidID(id) {
				p.add(p.lines[key+"="+id], key, "%q is not a valid guide id", id)
			}
		}
	case fieldFAQ:
		g.FAQ = p.faq(v, line)
	default:
		p.add(line, key, "unknown field%s", suggest(key))
	}
}

// str decodes a scalar as text. null (an empty value) gives "".
func (p *guideParser) str(key string, v *yaml.Node, line int) (string, bool) {
	switch v.Kind {
	case yaml.ScalarNode:
		if v.Tag == "!!null" && v.Style == 0 {
			return "", true
		}
		return clean(v.Value), true
	case yaml.SequenceNode:
		p.add(v.Line+1, key, "want a single text, got a list")
	case yaml.MappingNode:
		p.add(v.Line+1, key, "want a single text, got a set of fields (is a ':' inside the text? quote it)")
	default:
		p.add(line, key, "want a single text")
	}
	return "", false
}

// list decodes a sequence of scalars.
func (p *guideParser) list(key string, v *yaml.Node, line int) []string {
	if v.Kind == yaml.ScalarNode && v.Tag == "!!null" && v.Style == 0 {
		return nil
	}
	if v.Kind != yaml.SequenceNode {
		p.add(v.Line+1, key, "want a list (lines starting with \"- \")")
		return nil
	}
	out := make([]string, 0, len(v.Content))
	for _, it := range v.Content {
		it = resolveAlias(it)
		if it.Kind != yaml.ScalarNode {
			p.add(it.Line+1, key, "each list item must be a single text (is a ':' inside the item? quote it)")
			continue
		}
		s := clean(it.Value)
		if s == "" || (it.Tag == "!!null" && it.Style == 0) {
			p.add(it.Line+1, key, "empty list item")
			continue
		}
		if _, seen := p.lines[key+"="+s]; !seen && p.lines != nil {
			p.lines[key+"="+s] = it.Line + 1
		}
		out = append(out, s)
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// mapping decodes a list of small mappings with the given keys; it returns
// one map per item, with only known keys.
func (p *guideParser) mappings(key string, v *yaml.Node, keys []string) []map[string]string {
	if v.Kind == yaml.ScalarNode && v.Tag == "!!null" && v.Style == 0 {
		return nil
	}
	if v.Kind != yaml.SequenceNode {
		p.add(v.Line+1, key, "want a list of items with %s", strings.Join(keys, ", "))
		return nil
	}
	var out []map[string]string
	for _, it := range v.Content {
		it = resolveAlias(it)
		if it.Kind != yaml.MappingNode {
			p.add(it.Line+1, key, "each item must have the fields %s", strings.Join(keys, ", "))
			continue
		}
		m := map[string]string{}
		ok := true
		for i := 0; i+1 < len(it.Content); i += 2 {
			k, val := it.Content[i], resolveAlias(it.Content[i+1])
			known := false
			for _, kk := range keys {
				if k.Value == kk {
					known = true
				}
			}
			if !known {
				p.add(k.Line+1, key, "unknown field %q in item (want %s)", k.Value, strings.Join(keys, ", "))
				ok = false
				continue
			}
			if _, dup := m[k.Value]; dup {
				p.add(k.Line+1, key, "duplicate field %q in item", k.Value)
				ok = false
				continue
			}
			s, good := p.str(key+"."+k.Value, val, k.Line+1)
			if !good {
				ok = false
				continue
			}
			m[k.Value] = s
		}
		if ok {
			m[""] = strconv.Itoa(it.Line + 1)
			out = append(out, m)
		}
	}
	return out
}

func (p *guideParser) faq(v *yaml.Node, line int) []FAQ {
	var out []FAQ
	for _, m := range p.mappings(fieldFAQ, v, []string{"q", "a"}) {
		ln, _ := strconv.Atoi(m[""])
		if m["q"] == "" || m["a"] == "" {
			p.add(ln, fieldFAQ, "each item needs both q (the question) and a (the answer)")
			continue
		}
		out = append(out, FAQ{Q: m["q"], A: m["a"]})
	}
	return out
}

func (p *guideParser) methods(v *yaml.Node, line int) []Method {
	var out []Method
	for _, m := range p.mappings(fieldMethods, v, []string{"channel", "duration", "fee", "note"}) {
		ln, _ := strconv.Atoi(m[""])
		if m["channel"] == "" {
			p.add(ln, fieldMethods, "each item needs a channel (Trực tiếp, Trực tuyến, Dịch vụ bưu chính)")
			continue
		}
		out = append(out, Method{Channel: m["channel"], Duration: m["duration"], Fee: m["fee"], Note: m["note"]})
	}
	return out
}

// checkURL returns "" when s is an absolute http(s) URL, else what is wrong.
func checkURL(s string) string {
	if strings.ContainsAny(s, " \t\n") {
		return "is not a URL: it contains spaces"
	}
	u, err := url.Parse(s)
	if err != nil {
		return "is not a URL"
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return "is not a web address: it must start with https:// (or http://)"
	}
	if u.Host == "" {
		return "has no host name"
	}
	return ""
}

// clean NFC-normalises s, makes CRLF and lone CR line ends LF (a quoted
// scalar can hold an escaped "\r\n" that the file's own line ends did not
// show) and trims surrounding white space.
func clean(s string) string {
	if strings.Contains(s, "\r") {
		s = strings.ReplaceAll(strings.ReplaceAll(s, "\r\n", "\n"), "\r", "\n")
	}
	return strings.TrimSpace(norm.NFC.String(s))
}

func resolveAlias(n *yaml.Node) *yaml.Node {
	for i := 0; n != nil && n.Kind == yaml.AliasNode && i < 8; i++ {
		n = n.Alias
	}
	if n == nil {
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!null"}
	}
	return n
}

// isEmpty reports whether field f of g holds nothing.
func isEmpty(g *Guide, f string) bool {
	v, ok := fieldFilled(g, f)
	return ok && !v
}

// fieldFilled reports whether field f of g has a value; ok is false for an
// unknown field name.
func fieldFilled(g *Guide, f string) (filled, ok bool) {
	switch f {
	case fieldID:
		return g.ID != "", true
	case fieldSource:
		return g.Source != "", true
	case fieldCode:
		return g.Code != "", true
	case fieldOtherCodes:
		return len(g.OtherCodes) > 0, true
	case fieldTitle:
		return g.Title != "", true
	case fieldAliases:
		return len(g.Aliases) > 0, true
	case fieldDomain:
		return g.Domain != "", true
	case fieldAgency:
		return g.Agency != "", true
	case fieldLevel:
		return g.Level != "", true
	case fieldOnline:
		return g.Online != "", true
	case fieldFee:
		return g.Fee != "", true
	case fieldDuration:
		return g.Duration != "", true
	case fieldWhere:
		return g.Where != "", true
	case fieldDocuments:
		return len(g.Documents) > 0, true
	case fieldSteps:
		return len(g.Steps) > 0, true
	case fieldEligibility:
		return g.Eligibility != "", true
	case fieldMethods:
		return len(g.Methods) > 0, true
	case fieldLegalBasis:
		return len(g.LegalBasis) > 0, true
	case fieldSourceURL:
		return g.SourceURL != "", true
	case fieldReviewed:
		return !g.Reviewed.IsZero(), true
	case fieldRelated:
		return len(g.Related) > 0, true
	case fieldFAQ:
		return len(g.FAQ) > 0, true
	}
	return false, false
}

// Filled returns the front matter fields of g that hold a value, in the order
// of Fields (source left out), plus "body" when the body is not empty.
func Filled(g Guide) []string {
	var out []string
	for _, f := range Fields {
		if f == fieldSource {
			continue // always set; not content
		}
		if ok, _ := fieldFilled(&g, f); ok {
			out = append(out, f)
		}
	}
	if g.Body != "" {
		out = append(out, "body")
	}
	return out
}

// Missing returns the required fields of g that hold no value: those of
// RequiredFields for a curated guide, RequiredCatalogFields for a catalogue
// guide.
func Missing(g Guide) []string {
	required := RequiredFields
	if g.Source == SourceCatalog {
		required = RequiredCatalogFields
	}
	var out []string
	for _, f := range required {
		if ok, _ := fieldFilled(&g, f); !ok {
			out = append(out, f)
		}
	}
	return out
}

// suggest returns ` (did you mean "x"?)` for a near-miss field name.
func suggest(key string) string {
	best, bestD := "", 3
	k := strings.ToLower(key)
	for _, f := range Fields {
		d := editDistance(k, f)
		if strings.HasPrefix(f, k) || strings.HasPrefix(k, f) {
			d = min(d, 1)
		}
		if d < bestD {
			best, bestD = f, d
		}
	}
	if best == "" {
		return "; known fields: " + strings.Join(Fields, ", ")
	}
	return fmt.Sprintf(" (did you mean %q?)", best)
}

func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			c := 1
			if a[i-1] == b[j-1] {
				c = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+c)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// invalidUTF8At returns the 1-based line and byte column of the first invalid
// UTF-8 sequence in data.
func invalidUTF8At(data []byte) (line, col int) {
	line, start := 1, 0
	for i := 0; i < len(data); {
		r, size := utf8.DecodeRune(data[i:])
		if r == utf8.RuneError && size <= 1 {
			return line, i - start + 1
		}
		if data[i] == '\n' {
			line++
			start = i + 1
		}
		i += size
	}
	return line, 0
}

// errNoGuides is returned when a directory holds no guide files.
var errNoGuides = errors.New("no *.md guide files")
