// Package knowledge holds the guide domain: Guide, Query and Hit, the guide
// file format and its validation, the in-memory Library of guides, and the
// interfaces that search backends implement.
//
// Guide files: ParseGuide reads one (every problem a *ParseError naming
// file, line and field, collected in ParseErrors), LoadDir, LoadFS and
// CheckFS read a directory and run Lint over the set, FormatGuide writes a
// guide back. Library is the concurrency-safe set the engine answers from,
// with a content Fingerprint for index rebuilds; Merge lets curated guides
// win over catalogue records with the same code. The bundled corpus is
// embedded by package knowledge/guides. doc/guide-format.md describes the
// format for editors.
//
// Subpackages: vntext (Vietnamese text analysis shared by every backend),
// bleveindex (the default embedded index), meiliindex (Meilisearch),
// indextest (the conformance suite both backends pass) and catalog (the
// national procedure catalogue importer).
package knowledge
