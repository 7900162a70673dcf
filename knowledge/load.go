package knowledge

import (
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
)

// LoadDir loads every *.md guide file in dir (not in subdirectories) and
// checks the set with Lint. It returns the guides sorted by id and, when any
// file or cross-guide check fails, a ParseErrors error holding every problem
// that is not a warning. Use CheckFS to see warnings too.
func LoadDir(dir string) ([]Guide, error) {
	gs, probs, err := CheckDir(dir)
	if err != nil {
		return nil, err
	}
	if err := probs.Err(); err != nil {
		return gs, err
	}
	return gs, nil
}

// CheckDir is CheckFS over a directory on disk; messages name files as
// dir/name.
func CheckDir(dir string) ([]Guide, ParseErrors, error) {
	if _, err := os.Stat(dir); err != nil {
		return nil, nil, fmt.Errorf("knowledge.LoadDir: %w", err)
	}
	return checkFS(os.DirFS(dir), ".", dir)
}

// LoadFS is LoadDir over a file system, e.g. the embedded corpus
// (guides.FS, "."). Error messages name files as dir/name.
func LoadFS(fsys fs.FS, dir string) ([]Guide, error) {
	gs, probs, err := CheckFS(fsys, dir)
	if err != nil {
		return nil, err
	}
	if err := probs.Err(); err != nil {
		return gs, err
	}
	return gs, nil
}

// CheckFS loads every *.md guide in dir of fsys and returns the guides that
// parsed (sorted by id) with every problem found, warnings included, in file
// and line order. err is set only when the directory cannot be read.
func CheckFS(fsys fs.FS, dir string) ([]Guide, ParseErrors, error) {
	return checkFS(fsys, dir, "")
}

// CheckFSAs is CheckFS with messages naming files as display/name instead of
// dir/name, e.g. "knowledge/guides/x.md" for the embedded corpus.
func CheckFSAs(fsys fs.FS, dir, display string) ([]Guide, ParseErrors, error) {
	return checkFS(fsys, dir, display)
}

// checkFS reads dir of fsys; display, when set, replaces dir in file names.
func checkFS(fsys fs.FS, dir, display string) ([]Guide, ParseErrors, error) {
	if display == "" {
		display = dir
	}
	entries, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return nil, nil, fmt.Errorf("knowledge.LoadFS %s: %w", display, err)
	}
	var (
		guides []Guide
		probs  ParseErrors
	)
	for _, e := range entries {
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".md") || strings.HasPrefix(e.Name(), ".") {
			continue
		}
		data, err := fs.ReadFile(fsys, path.Join(dir, e.Name()))
		if err != nil {
			return nil, nil, fmt.Errorf("knowledge.LoadFS %s: %w", e.Name(), err)
		}
		p := filepath.Join(display, e.Name())
		g, err := ParseGuide(p, data)
		if err != nil {
			if pe, ok := err.(ParseErrors); ok {
				probs = append(probs, pe...)
			} else {
				probs = append(probs, &ParseError{File: p, Field: "file", Msg: err.Error()})
			}
			if g.ID == "" {
				continue
			}
		}
		guides = append(guides, g)
	}
	if len(guides) == 0 && len(probs) == 0 {
		probs = append(probs, &ParseError{File: display, Field: "file", Msg: errNoGuides.Error()})
	}
	for _, e := range Lint(guides) {
		if pe, ok := e.(*ParseError); ok {
			probs = append(probs, pe)
		} else {
			probs = append(probs, &ParseError{File: display, Field: "file", Msg: e.Error()})
		}
	}
	sortProblems(probs)
	sort.SliceStable(guides, func(i, j int) bool { return guides[i].ID < guides[j].ID })
	return guides, probs, nil
}

// Lint runs the checks that need the whole set of guides: duplicate ids,
// related ids that do not exist (or point to the guide itself), and national
// codes claimed by two curated guides (a warning: two guides may cover
// variants of one procedure, but usually one of them has the wrong code).
// Every problem is a *ParseError.
func Lint(guides []Guide) []error {
	var errs []error
	byID := make(map[string]Guide, len(guides))
	for _, g := range guides {
		if g.ID == "" {
			continue
		}
		if first, dup := byID[g.ID]; dup {
			errs = append(errs, &ParseError{File: g.Path, Line: g.Line(fieldID), Field: fieldID,
				Msg: fmt.Sprintf("duplicate id %q (also in %s)", g.ID, where(first))})
			continue
		}
		byID[g.ID] = g
	}
	codeOwner := map[string]Guide{}
	for _, g := range guides {
		for _, id := range g.Related {
			if id == g.ID {
				errs = append(errs, &ParseError{File: g.Path, Line: g.ItemLine(fieldRelated, id), Field: fieldRelated,
					Msg: fmt.Sprintf("%q is this guide itself", id)})
			} else if _, ok := byID[id]; !ok {
				errs = append(errs, &ParseError{File: g.Path, Line: g.ItemLine(fieldRelated, id), Field: fieldRelated,
					Msg: fmt.Sprintf("unknown guide id %q", id)})
			}
		}
		if g.Source == SourceCatalog {
			continue
		}
		codes := append([]string{g.Code}, g.OtherCodes...)
		seen := map[string]bool{}
		for i, c := range codes {
			if c == "" || seen[c] {
				continue
			}
			seen[c] = true
			field := fieldCode
			if i > 0 {
				field = fieldOtherCodes
			}
			line := g.Line(field)
			if i > 0 {
				line = g.ItemLine(field, c)
			}
			if first, dup := codeOwner[c]; dup && first.ID != g.ID {
				errs = append(errs, &ParseError{File: g.Path, Line: line, Field: field, Warning: true,
					Msg: fmt.Sprintf("code %s is also claimed by guide %q (%s)", c, first.ID, where(first))})
				continue
			}
			codeOwner[c] = g
		}
	}
	return errs
}

func where(g Guide) string {
	if g.Path == "" {
		return "guide " + g.ID
	}
	if l := g.Line(fieldID); l > 0 {
		return fmt.Sprintf("%s:%d", g.Path, l)
	}
	return g.Path
}

func sortProblems(ps ParseErrors) {
	sort.SliceStable(ps, func(i, j int) bool {
		if ps[i].File != ps[j].File {
			return ps[i].File < ps[j].File
		}
		return ps[i].Line < ps[j].Line
	})
}
