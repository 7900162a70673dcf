// Package knowledge holds the guide domain: Guide, Query and Hit, the guide
// file format and its validation, the in-memory Library of guides, and the
// interfaces that search backends implement.
//
// Subpackages: vntext (Vietnamese text analysis shared by every backend),
// bleveindex (the default embedded index), meiliindex (Meilisearch),
// indextest (the conformance suite both backends pass) and catalog (the
// national procedure catalogue importer).
package knowledge
