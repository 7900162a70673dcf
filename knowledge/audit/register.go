package audit

import (
	"bufio"
	_ "embed"
	"errors"
	"fmt"
	"io"
	"strings"

	"botdvc/knowledge"
)

// Relation says that one legal document replaces or amends another.
// Relations come from the catalogue records themselves (a title "Thông tư
// … sửa đổi, bổ sung một số điều của Thông tư số …", a note "… được sửa
// đổi, bổ sung tại Thông tư số …") and from the register (register.tsv),
// where each line names the public source that settles it.
type Relation struct {
	New, Old string // document keys (Ref.Key)
	Replaces bool   // true: New replaces Old; false: New amends Old
	// Unrelated: the register says that the catalogue record with code Old
	// cites New by mistake (a data error on the portal); the audit does not
	// ask guides of that code for New.
	Unrelated bool
	Source    string // register: the public source; catalogue: "record CODE"
	Records   []string
	Line      int // line in the register, 0 for catalogue relations
}

// Verb is "replaces", "amends" or "unrelated".
func (r Relation) Verb() string {
	if r.Unrelated {
		return "unrelated"
	}
	if r.Replaces {
		return "replaces"
	}
	return "amends"
}

//go:embed register.tsv
var registerTSV string

// DefaultRegister returns the relations of the bundled register.tsv. The
// file is checked by the tests, so this never fails at run time.
func DefaultRegister() []Relation {
	rs, err := ParseRegister(strings.NewReader(registerTSV))
	if err != nil {
		panic("audit: bundled register.tsv: " + err.Error())
	}
	return rs
}

// RegisterError is a problem on one line of a register file.
type RegisterError struct {
	Line int
	Msg  string
}

func (e *RegisterError) Error() string { return fmt.Sprintf("line %d: %s", e.Line, e.Msg) }

// ParseRegister reads a register: one relation per line, four fields
// separated by tabs: NEW, "replaces" or "amends", OLD, SOURCE (where the
// relation is settled: an official page, or a record code). A line
// "DOC<TAB>unrelated<TAB>CODE<TAB>REASON" says that catalogue record CODE
// cites DOC by mistake (REASON says how that is known). Blank lines and
// lines starting with "#" are skipped. Every bad line is reported (joined
// errors, each a *RegisterError with its line); the good lines are returned.
func ParseRegister(r io.Reader) ([]Relation, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 4096), 1<<20)
	var (
		out  []Relation
		errs []error
		n    int
	)
	for sc.Scan() {
		n++
		line := strings.TrimRight(sc.Text(), "\r")
		if strings.TrimSpace(line) == "" || strings.HasPrefix(strings.TrimSpace(line), "#") {
			continue
		}
		f := strings.Split(line, "\t")
		if len(f) != 4 {
			errs = append(errs, &RegisterError{n, fmt.Sprintf("want 4 tab-separated fields (new, replaces|amends, old, source), got %d", len(f))})
			continue
		}
		for i := range f {
			f[i] = strings.TrimSpace(f[i])
		}
		rel := Relation{Source: f[3], Line: n}
		switch f[1] {
		case "replaces":
			rel.Replaces = true
		case "amends":
		case "unrelated":
			rel.Unrelated = true
		default:
			errs = append(errs, &RegisterError{n, fmt.Sprintf("relation %q: want replaces, amends or unrelated", f[1])})
			continue
		}
		if rel.Unrelated {
			doc, ok := singleRef(f[0])
			switch {
			case !ok:
				errs = append(errs, &RegisterError{n, fmt.Sprintf("%q is not one document number (like 65/2025/TT-BTC)", f[0])})
			case !knowledge.ValidCode(f[2]):
				errs = append(errs, &RegisterError{n, fmt.Sprintf("%q is not a national procedure code (like 2.001195)", f[2])})
			case f[3] == "":
				errs = append(errs, &RegisterError{n, "say how the citation is known to be a mistake"})
			default:
				rel.New, rel.Old = doc.Key, f[2]
				out = append(out, rel)
			}
			continue
		}
		newRef, ok1 := singleRef(f[0])
		oldRef, ok2 := singleRef(f[2])
		switch {
		case !ok1:
			errs = append(errs, &RegisterError{n, fmt.Sprintf("%q is not one document number (like 16/2025/TT-BTC)", f[0])})
			continue
		case !ok2:
			errs = append(errs, &RegisterError{n, fmt.Sprintf("%q is not one document number (like 244/2016/TT-BTC)", f[2])})
			continue
		case newRef.Key == oldRef.Key:
			errs = append(errs, &RegisterError{n, "a document cannot " + rel.Verb() + " itself"})
			continue
		case f[3] == "":
			errs = append(errs, &RegisterError{n, "name the source that settles this relation"})
			continue
		}
		rel.New, rel.Old = newRef.Key, oldRef.Key
		out = append(out, rel)
	}
	if err := sc.Err(); err != nil {
		errs = append(errs, fmt.Errorf("line %d: %w", n+1, err))
	}
	return out, errors.Join(errs...)
}

// singleRef reads a field that must be exactly one document number.
func singleRef(s string) (Ref, bool) {
	rs := Refs(s)
	if len(rs) != 1 || strings.TrimSpace(s) != rs[0].Text {
		return Ref{}, false
	}
	return rs[0], true
}
