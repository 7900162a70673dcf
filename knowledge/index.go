package knowledge

import "context"

// Index is what a search backend provides. Both bleveindex and meiliindex
// implement it and pass the indextest conformance suite.
type Index interface {
	// Search returns hits ordered by descending score. An empty result is not an error.
	Search(ctx context.Context, q Query) ([]Hit, error)
	// Upsert adds or replaces guides by ID.
	Upsert(ctx context.Context, guides ...Guide) error
	// Delete removes guides by ID; unknown IDs are ignored.
	Delete(ctx context.Context, ids ...string) error
	// Count returns the number of indexed guides.
	Count(ctx context.Context) (int, error)
	// Sync makes the index hold exactly guides: when the corpus fingerprint
	// stored with the index differs from fp (Library.Fingerprint), it
	// deletes the guides that are gone, indexes the new and changed ones and
	// stores fp. It reports whether the fingerprint differed. Instances
	// sharing one external index may all call it; the outcome is the same.
	Sync(ctx context.Context, guides []Guide, fp string) (bool, error)
	Close() error
}
