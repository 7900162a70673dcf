package dvhc

import (
	"bytes"
	_ "embed"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"

	"golang.org/x/text/unicode/norm"

	"botdvc/knowledge/vntext"
)

// bundled is a verbatim copy of ../shared/data/dvhc-2025.csv, so that the
// service runs from a fresh clone. Regenerate it with `go generate ./dvhc`
// after the shared file changes; TestBundledMatchesShared fails until then.
//
//go:generate cp ../../shared/data/dvhc-2025.csv dvhc-2025.csv
//go:embed dvhc-2025.csv
var bundled []byte

// Kind is the kind of an administrative unit.
type Kind int

// Unit kinds. KindUnknown means the file does not say.
const (
	KindUnknown Kind = iota
	Phuong           // phường
	Xa               // xã
	ThiTran          // thị trấn (abolished in 2025: every one merged into a xã or phường)
	DacKhu           // đặc khu
	Huyen            // huyện: a whole old district listed as one part (island districts)
)

// String returns the Vietnamese unit word in lower case ("phường"), or "".
func (k Kind) String() string {
	switch k {
	case Phuong:
		return "phường"
	case Xa:
		return "xã"
	case ThiTran:
		return "thị trấn"
	case DacKhu:
		return "đặc khu"
	case Huyen:
		return "huyện"
	}
	return ""
}

// Unit is a commune-level unit after the 1 July 2025 reorganisation.
type Unit struct {
	Province string
	Name     string
	// Kind is what the file says of the unit, directly ("sáp nhập vào
	// phường X") or through its parts (all old phường make a phường, all
	// old xã and thị trấn a xã); KindUnknown when it cannot tell.
	Kind Kind
	// Parts are the old units it was formed from, as listed; none when
	// Unchanged.
	Parts []Part
	// Unchanged marks a unit the file lists as "Không sáp nhập".
	Unchanged bool
	// Line is the unit's line in the file.
	Line int
}

// Part is one old unit as listed under a new one.
type Part struct {
	Kind Kind
	Name string
	// District is the old district the file names to tell units of the
	// same name apart, as written ("quận Hai Bà Trưng"); "" when none.
	District string
	// Remainder marks "(phần còn lại sau khi sáp nhập vào …)": only what
	// was left of the old unit, after the other parts went to Others, came
	// to this unit.
	Remainder bool
	// Others are the new units named in the remainder note, as written
	// ("phường Tây Mỗ").
	Others []string
	// Note holds any other bracketed remark ("bao gồm Hòn Đá Bạc").
	Note string
}

// Label returns the part as a citizen names it: "Phường Minh Khai (quận Hai Bà Trưng)".
func (p Part) Label() string {
	s := p.Name
	if w := p.Kind.String(); w != "" {
		s = upperFirst(w) + " " + s
	}
	if p.District != "" {
		s += " (" + p.District + ")"
	}
	return s
}

// Label returns the unit with its unit word when known: "phường Cầu Giấy".
func (u *Unit) Label() string {
	if w := u.Kind.String(); w != "" {
		return w + " " + u.Name
	}
	return u.Name
}

// Old is one unit before the reorganisation: every part of the file with the
// same province, kind, name and district is taken to be the same old unit.
// Two different old units of one name and kind in one province that the
// file does not tell apart by district end up as one Old with the new units
// of both; the answers say so ("có tên trong danh sách của …").
type Old struct {
	Province string
	Kind     Kind
	Name     string
	District string
	// Into are the new units it went to, in file order: the units that
	// list it, then those named in its remainder notes.
	Into []*Unit
	// Split reports that the file marks the unit as divided (a remainder note).
	Split bool
	// Remainder is the new unit that took what was left after the split,
	// when the file says so.
	Remainder *Unit
	key       string
}

// Key identifies the old unit in payloads; it is stable for a given file.
func (o *Old) Key() string { return o.key }

// Label returns the old unit as a citizen names it.
func (o *Old) Label() string {
	return Part{Kind: o.Kind, Name: o.Name, District: o.District}.Label()
}

// Directory is the parsed file: the new units and the old ones, indexed by
// folded name.
type Directory struct {
	Units []*Unit
	Olds  []*Old

	byOld     map[string][]*Old  // folded name → old units
	byNew     map[string][]*Unit // folded name → new units
	byKey     map[string]*Old
	districts map[string][]string // folded district name → names as written (province-qualified)
	// districtIdx maps a folded district name (file qualifiers and Hà
	// Nội's old districts) to the names as written, without the district word.
	districtIdx map[string][]string
	maxWords    int
}

// Problem is a line of the file that could not be read, or a part of a line
// that was skipped.
type Problem struct {
	Line int
	Msg  string
}

func (p Problem) Error() string { return fmt.Sprintf("line %d: %s", p.Line, p.Msg) }

var (
	loadOnce sync.Once
	loaded   *Directory
	loadErr  error
)

// Load returns the directory of the bundled file, parsed once.
func Load() (*Directory, error) {
	loadOnce.Do(func() {
		var probs []Problem
		loaded, probs, loadErr = Parse(bytes.NewReader(bundled))
		if loadErr == nil && len(loaded.Units) == 0 {
			loadErr = errors.New("dvhc.Load: the bundled file has no units")
		}
		_ = probs // the bundled file's quirks are known and tested (TestBundledProblems)
	})
	return loaded, loadErr
}

// Parse reads a file in the shape of dvhc-2025.csv: a header, then
// province, new unit, and the old units it replaced ("Không sáp nhập" when
// none). A record with the wrong number of fields or an empty name is
// skipped and reported with its line; a CSV syntax error stops the parse
// and is returned with its line.
func Parse(r io.Reader) (*Directory, []Problem, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	d := &Directory{byOld: map[string][]*Old{}, byNew: map[string][]*Unit{}, byKey: map[string]*Old{}, districts: map[string][]string{}}
	var probs []Problem
	for n := 0; ; n++ {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				return nil, probs, fmt.Errorf("dvhc.Parse: line %d: %v", pe.Line, pe.Err)
			}
			return nil, probs, fmt.Errorf("dvhc.Parse: %w", err)
		}
		line, _ := cr.FieldPos(0)
		if n == 0 && len(rec) > 0 && strings.HasPrefix(strings.TrimPrefix(rec[0], "\ufeff"), "Tỉnh") {
			continue // header
		}
		if len(rec) != 3 {
			probs = append(probs, Problem{line, fmt.Sprintf("want 3 fields (province, new unit, old units), got %d", len(rec))})
			continue
		}
		prov, name, olds := clean(rec[0]), clean(rec[1]), clean(rec[2])
		if prov == "" || name == "" {
			probs = append(probs, Problem{line, "empty province or unit name"})
			continue
		}
		u := &Unit{Province: prov, Name: name, Line: line}
		if vntext.Fold(olds) == "khong sap nhap" || olds == "" {
			u.Unchanged = true
		} else {
			for _, raw := range splitTop(olds) {
				p, ok, msg := parsePart(raw)
				if msg != "" {
					probs = append(probs, Problem{line, msg})
				}
				if ok {
					u.Parts = append(u.Parts, p)
				}
			}
		}
		d.Units = append(d.Units, u)
	}
	d.index()
	d.indexDistricts()
	return d, probs, nil
}

// clean returns s in NFC with blanks collapsed (the file mixes NFD rows in).
func clean(s string) string {
	return strings.Join(strings.Fields(norm.NFC.String(strings.TrimPrefix(s, "\ufeff"))), " ")
}

// splitTop splits at commas outside parentheses.
func splitTop(s string) []string {
	var out []string
	depth, start := 0, 0
	for i, r := range s {
		switch r {
		case '(':
			depth++
		case ')':
			if depth > 0 {
				depth--
			}
		case ',':
			if depth == 0 {
				out = append(out, strings.TrimSpace(s[start:i]))
				start = i + 1
			}
		}
	}
	return append(out, strings.TrimSpace(s[start:]))
}

// unitWords are the prefixes of old units in the file, longest first.
var unitWords = []struct {
	word string
	kind Kind
}{
	{"thị trấn", ThiTran}, {"đặc khu", DacKhu}, {"phường", Phuong}, {"huyện", Huyen}, {"xã", Xa},
}

// parsePart reads one old unit: "Phường Minh Khai (quận Hai Bà Trưng)
// (phần còn lại sau khi sáp nhập vào phường Bạch Mai)". It reports false for
// placeholders ("-") and a message for what it could not read.
func parsePart(raw string) (Part, bool, string) {
	if raw == "" || strings.Trim(raw, "-– ") == "" {
		return Part{}, false, ""
	}
	var p Part
	head := raw
	var groups []string
	if i := strings.IndexByte(raw, '('); i >= 0 {
		head = strings.TrimSpace(raw[:i])
		groups = parenGroups(raw[i:])
	}
	lower := strings.ToLower(head)
	for _, w := range unitWords {
		if strings.HasPrefix(lower, w.word+" ") {
			p.Kind = w.kind
			head = strings.TrimSpace(head[len(w.word):])
			break
		}
	}
	p.Name = head
	if p.Name == "" {
		return Part{}, false, fmt.Sprintf("part %q has no name", raw)
	}
	var notes []string
	for _, g := range groups {
		fg := vntext.Fold(g)
		switch {
		case strings.HasPrefix(fg, "phan con lai"):
			p.Remainder = true
			if i := strings.Index(fg, "sap nhap vao"); i >= 0 {
				// Folding keeps byte offsets only for ASCII; find the same
				// place in g by counting words.
				rest := wordsAfter(g, len(strings.Fields(fg[:i+len("sap nhap vao")])))
				for _, o := range strings.Split(rest, ",") {
					if o = strings.TrimSpace(o); o != "" {
						p.Others = append(p.Others, o)
					}
				}
			}
		case isDistrict(fg) && p.District == "":
			p.District = lowerFirst(g)
		default:
			notes = append(notes, g)
		}
	}
	p.Note = strings.Join(notes, "; ")
	msg := ""
	if p.Kind == KindUnknown {
		msg = fmt.Sprintf("part %q has no unit word (phường, xã, thị trấn): kind unknown", raw)
	}
	return p, true, msg
}

// parenGroups returns the top-level bracketed groups of s, without brackets.
func parenGroups(s string) []string {
	var out []string
	depth, start := 0, -1
	for i, r := range s {
		switch r {
		case '(':
			if depth == 0 {
				start = i + 1
			}
			depth++
		case ')':
			if depth > 0 {
				depth--
				if depth == 0 && start >= 0 {
					out = append(out, strings.TrimSpace(s[start:i]))
					start = -1
				}
			}
		}
	}
	if depth > 0 && start >= 0 { // unbalanced: keep what is there
		out = append(out, strings.TrimSpace(s[start:]))
	}
	return out
}

// wordsAfter returns s without its first n words.
func wordsAfter(s string, n int) string {
	f := strings.Fields(s)
	if n >= len(f) {
		return ""
	}
	return strings.Join(f[n:], " ")
}

// districtWords start a district qualifier, folded.
var districtWords = []string{"quan ", "huyen ", "thi xa ", "thanh pho "}

func isDistrict(folded string) bool {
	for _, w := range districtWords {
		if strings.HasPrefix(folded, w) {
			return true
		}
	}
	return false
}

func upperFirst(s string) string {
	for i, r := range s {
		return strings.ToUpper(string(r)) + s[i+len(string(r)):]
	}
	return s
}

func lowerFirst(s string) string {
	for i, r := range s {
		return strings.ToLower(string(r)) + s[i+len(string(r)):]
	}
	return s
}

// foldName is the index key of a name: folded words joined by one space.
func foldName(s string) string {
	return strings.Join(vntext.FoldTokens(vntext.Tokens(s)), " ")
}

// districtName strips the district word: "quận Hai Bà Trưng" → "Hai Bà Trưng".
func districtName(d string) string {
	fd := vntext.Fold(d)
	for _, w := range districtWords {
		if strings.HasPrefix(fd, w) {
			return wordsAfter(d, len(strings.Fields(w)))
		}
	}
	return d
}

// index builds the old units, the new units' kinds and the name indexes.
func (d *Directory) index() {
	// Kinds named in remainder notes: "sáp nhập vào phường Tây Mỗ".
	named := map[string]Kind{} // province|folded name → kind
	for _, u := range d.Units {
		for _, p := range u.Parts {
			for _, o := range p.Others {
				k, n := splitUnitWord(o)
				if k != KindUnknown {
					named[u.Province+"|"+foldName(n)] = k
				}
			}
		}
	}
	byProvName := map[string]*Unit{}
	for _, u := range d.Units {
		u.Kind = inferKind(u, named)
		fn := foldName(u.Name)
		d.byNew[fn] = append(d.byNew[fn], u)
		byProvName[u.Province+"|"+fn] = u
		d.maxWords = max(d.maxWords, len(strings.Fields(fn)))
	}
	for _, u := range d.Units {
		for _, p := range u.Parts {
			key := oldKey(u.Province, p)
			o := d.byKey[key]
			if o == nil {
				o = &Old{Province: u.Province, Kind: p.Kind, Name: p.Name, District: p.District, key: key}
				d.byKey[key] = o
				d.Olds = append(d.Olds, o)
				fn := foldName(p.Name)
				d.byOld[fn] = append(d.byOld[fn], o)
				d.maxWords = max(d.maxWords, len(strings.Fields(fn)))
				if p.District != "" {
					fd := foldName(districtName(p.District))
					label := p.District + ", " + u.Province
					if !contains(d.districts[fd], label) {
						d.districts[fd] = append(d.districts[fd], label)
					}
				}
			}
			o.addInto(u)
			if p.Remainder {
				o.Split = true
				o.Remainder = u
				for _, other := range p.Others {
					_, n := splitUnitWord(other)
					if nu := byProvName[u.Province+"|"+foldName(n)]; nu != nil {
						o.addInto(nu)
					}
				}
			}
		}
	}
}

// indexDistricts builds districtIdx once the qualifiers are known.
func (d *Directory) indexDistricts() {
	d.districtIdx = map[string][]string{}
	add := func(name string) {
		k := foldName(name)
		if !contains(d.districtIdx[k], name) {
			d.districtIdx[k] = append(d.districtIdx[k], name)
		}
	}
	for _, labels := range d.districts {
		for _, l := range labels {
			add(districtName(strings.SplitN(l, ",", 2)[0]))
		}
	}
	for _, h := range hanoiDistricts {
		add(districtName(h))
	}
}

func (o *Old) addInto(u *Unit) {
	for _, x := range o.Into {
		if x == u {
			return
		}
	}
	o.Into = append(o.Into, u)
}

// oldKey groups parts into old units.
func oldKey(province string, p Part) string {
	return foldName(province) + "|" + p.Kind.String() + "|" + foldName(p.Name) + "|" + foldName(districtName(p.District))
}

// splitUnitWord splits "phường Tây Mỗ" into Phuong and "Tây Mỗ".
func splitUnitWord(s string) (Kind, string) {
	lower := strings.ToLower(s)
	for _, w := range unitWords {
		if strings.HasPrefix(lower, w.word+" ") {
			return w.kind, strings.TrimSpace(s[len(w.word):])
		}
	}
	return KindUnknown, s
}

// inferKind tells a new unit's kind from the remainder notes naming it, or
// from its parts: all phường make a phường, all xã and thị trấn a xã.
// Anything else is left unknown rather than guessed.
func inferKind(u *Unit, named map[string]Kind) Kind {
	if k, ok := named[u.Province+"|"+foldName(u.Name)]; ok {
		return k
	}
	if k, ok := knownKinds[u.Province+"|"+u.Name]; ok {
		return k
	}
	if len(u.Parts) == 0 {
		return KindUnknown
	}
	allPhuong, allXa := true, true
	for _, p := range u.Parts {
		allPhuong = allPhuong && p.Kind == Phuong
		allXa = allXa && (p.Kind == Xa || p.Kind == ThiTran)
	}
	switch {
	case allPhuong:
		return Phuong
	case allXa:
		return Xa
	}
	return KindUnknown
}

func contains(xs []string, s string) bool {
	for _, x := range xs {
		if x == s {
			return true
		}
	}
	return false
}

// OldByKey returns the old unit with key k (Old.Key).
func (d *Directory) OldByKey(k string) (*Old, bool) {
	o, ok := d.byKey[k]
	return o, ok
}

// OldNamed returns the old units whose name folds to the same words as name
// (unit word and district not included), in file order.
func (d *Directory) OldNamed(name string) []*Old { return d.byOld[foldName(name)] }

// NewNamed returns the new units named name (folded), in file order.
func (d *Directory) NewNamed(name string) []*Unit { return d.byNew[foldName(name)] }

// Provinces returns the provinces of the file, in file order.
func (d *Directory) Provinces() []string {
	var out []string
	seen := map[string]bool{}
	for _, u := range d.Units {
		if !seen[u.Province] {
			seen[u.Province] = true
			out = append(out, u.Province)
		}
	}
	return out
}
