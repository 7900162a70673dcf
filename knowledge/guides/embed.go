// Package guides holds the bundled guide corpus: one Markdown file per
// procedure (format: doc/guide-format.md), embedded in the binary.
package guides

import (
	"embed"
	"fmt"

	"botdvc/knowledge"
)

// FS holds the guide files (*.md) of this directory.
//
//go:embed *.md
var FS embed.FS

// Dir is the corpus directory relative to the module root, used to name
// files in messages.
const Dir = "knowledge/guides"

// Load parses and lints the embedded corpus. It returns the guides sorted by
// id, or a knowledge.ParseErrors naming each file and line with a problem
// (warnings are not errors; see Check).
func Load() ([]knowledge.Guide, error) {
	gs, probs, err := Check()
	if err != nil {
		return nil, err
	}
	if err := probs.Err(); err != nil {
		return nil, fmt.Errorf("guides.Load: %w", err)
	}
	return gs, nil
}

// Check parses and lints the embedded corpus and returns every problem,
// warnings included.
func Check() ([]knowledge.Guide, knowledge.ParseErrors, error) {
	return knowledge.CheckFSAs(FS, ".", Dir)
}
