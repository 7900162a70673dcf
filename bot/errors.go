package bot

import "errors"

// Errors of package bot. Callers test them with errors.Is.
var (
	// ErrUndeliverable marks a send failure that retrying cannot fix.
	ErrUndeliverable = errors.New("undeliverable")
	// ErrRefused means an inbound message was refused by policy (rate or
	// size limit).
	ErrRefused = errors.New("refused by policy")
)

// RefusedError is the error an inbox (pipeline.Pipeline.Accept) returns when
// it refused a message by policy. It wraps ErrRefused and carries the polite
// Vietnamese notice the citizen gets, so a synchronous channel (web chat)
// can show it at once.
type RefusedError struct {
	Reason string // machine-readable: "rate", "size"
	Notice string // what the citizen is told, in Vietnamese
}

// Error implements error.
func (e *RefusedError) Error() string { return "refused by policy: " + e.Reason }

// Unwrap makes errors.Is(err, ErrRefused) true.
func (e *RefusedError) Unwrap() error { return ErrRefused }
