// Package bleveindex is the default, embedded search index over procedure
// guides, built on bleve v2 (scorch, BM25).
//
// Vietnamese analysis happens in Go with package vntext, not in bleve: each
// guide is turned into pre-analysed strings (normalised accented syllables,
// folded syllables, folded syllable bigrams) and bleve only splits them on
// spaces. The Meilisearch backend indexes the same strings, so both
// backends see the same tokens. See doc/search.md for the field layout,
// boosts, the fuzzy fallback and the benchmark figures.
//
// The mapping is explicit and versioned (mappingVersion): an on-disk index
// written with another version is deleted and recreated empty on Open. The
// caller keeps the stored corpus in step with its guides through
// Fingerprint/SetFingerprint, or simply calls Sync.
package bleveindex
