package bot

import "errors"

// Errors of package bot. Callers test them with errors.Is.
var (
	// ErrUndeliverable marks a send failure that retrying cannot fix.
	ErrUndeliverable = errors.New("undeliverable")
	// ErrNoAnswer means nothing in the corpus scored above the threshold.
	ErrNoAnswer = errors.New("no answer")
)
