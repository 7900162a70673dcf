// Package catalog imports the national procedure catalogue: the records of
// the National Public Service Portal (dichvucong.gov.vn), one JSON object a
// line, optionally gzip-compressed, as in ../shared/data/dvcqg-procedures.jsonl.gz.
//
// Read turns each record into a knowledge.Guide with Source ==
// knowledge.SourceCatalog and id "tthc-" + the code with dots as hyphens.
// The portal's tables arrive with their cells run together; ParseMethods,
// SplitDocuments, SplitLegalBasis and SplitSteps take them apart (see each
// function for the rules, and doc/guide-format.md for the field mapping).
// Records that cannot become a guide are reported as Problems with their line
// and never dropped silently; so are records kept with parts missing.
//
// Curated guides win over catalogue guides with the same code:
// knowledge.Merge applies that rule.
package catalog
