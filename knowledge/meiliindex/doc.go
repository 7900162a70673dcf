// Package meiliindex is the optional search backend on Meilisearch, used
// when MEILI_URL is set, through meilisearch-go. It implements
// knowledge.Index like bleveindex and passes the same conformance suite.
//
// Documents are the same pre-analysed strings bleveindex indexes (vntext:
// folded syllables and folded bigrams of title, aliases and body), so both
// backends see the same tokens; questions are analysed in Go the same way
// (abbreviations expanded, fillers dropped) before they are sent. The
// synonym setting is filled from vntext's dictionary too, for queries that
// reach Meilisearch by other routes.
//
// Differences from bleve, by design of Meilisearch: it folds every word
// itself, so an accented question cannot prefer exact-accent matches, and
// scores are Meilisearch's _rankingScore (0..1), not BM25. See
// doc/search.md.
package meiliindex
