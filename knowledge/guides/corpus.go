package guides

import (
	"fmt"

	"botdvc/knowledge"
	"botdvc/knowledge/catalog"
)

// Corpus is what botd and botctl answer from: the curated guides and, when
// asked for, the national catalogue's records.
type Corpus struct {
	Curated  []knowledge.Guide // the guides of the directory given, or the bundled ones
	Catalog  []knowledge.Guide // the catalogue's records as read, also those curated guides cover (the audit needs them)
	Problems []catalog.Problem // catalogue records with a problem, by line
}

// All returns the curated guides merged with the catalogue (knowledge.Merge:
// a curated guide replaces the record of its procedure).
func (c Corpus) All() []knowledge.Guide {
	if len(c.Catalog) == 0 {
		return c.Curated
	}
	return knowledge.Merge(c.Curated, c.Catalog)
}

// LoadCurated returns the guides of dir (knowledge.LoadDir), or the bundled
// ones (Load) when dir is "".
func LoadCurated(dir string) ([]knowledge.Guide, error) {
	if dir == "" {
		return Load()
	}
	return knowledge.LoadDir(dir)
}

// LoadCorpus loads the curated guides (LoadCurated) and, when catalogPath is
// not "", the national catalogue (catalog.ReadFile, which calls progress as
// it reads; progress may be nil). botd and botctl both load with it.
func LoadCorpus(dir, catalogPath string, progress func(records int)) (Corpus, error) {
	var c Corpus
	var err error
	if c.Curated, err = LoadCurated(dir); err != nil {
		return Corpus{}, fmt.Errorf("load guides: %w", err)
	}
	if catalogPath == "" {
		return c, nil
	}
	if c.Catalog, c.Problems, err = catalog.ReadFile(catalogPath, progress); err != nil {
		return Corpus{}, fmt.Errorf("catalogue: %w", err)
	}
	return c, nil
}
