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
	Close() error
}
