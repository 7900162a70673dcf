package main

import (
	"context"
	"fmt"
	"io"
	"runtime/debug"

	"botdvc/editor"
	"botdvc/knowledge"
	"botdvc/knowledge/catalog"
)

// catalogImporter loads a national catalogue file uploaded on the admin page
// into this instance's library and index, as BOT_CATALOG does at start:
// curated guides keep winning over records with the same code. The import
// lives in memory on this instance; BOT_CATALOG is the setting that keeps a
// catalogue across restarts and on every instance. loaded, when not nil, gets
// every record read (the stale page's audit checks guides against them).
func catalogImporter(lib *knowledge.Library, index knowledge.Index, reweigh func(), loaded func([]knowledge.Guide)) editor.ImportFunc {
	return func(ctx context.Context, r io.Reader, progress func(done int)) (int, []string, error) {
		records, problems, err := catalog.Read(r, progress)
		if err != nil {
			return 0, nil, fmt.Errorf("botd: catalogue: %w", err)
		}
		var curated []knowledge.Guide
		for _, g := range lib.All() {
			if g.Source != knowledge.SourceCatalog {
				curated = append(curated, g)
			}
		}
		var add []knowledge.Guide
		for _, g := range knowledge.Merge(curated, records) {
			if g.Source == knowledge.SourceCatalog {
				add = append(add, g)
			}
		}
		if err := index.Upsert(ctx, add...); err != nil {
			return 0, nil, fmt.Errorf("botd: catalogue index: %w", err)
		}
		for _, g := range add {
			lib.Put(g)
		}
		reweigh()
		if loaded != nil {
			loaded(records)
		}
		debug.FreeOSMemory() // see the note where the index is first built
		msgs := make([]string, len(problems))
		for i, p := range problems {
			msgs[i] = p.String()
		}
		return len(add), msgs, nil
	}
}
