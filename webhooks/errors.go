package webhooks

import "errors"

// Errors of package webhooks.
var (
	// ErrBadSignature means a webhook's signature did not verify.
	ErrBadSignature = errors.New("bad signature")
	// ErrRefused means an inbound message was refused by policy (rate or size limit).
	ErrRefused = errors.New("refused by policy")
)

// RefusedError is the error an Inbox returns when it refused a message by
// policy. It wraps ErrRefused and carries the polite Vietnamese notice the
// citizen gets, so a synchronous channel (web chat) can show it at once.
type RefusedError struct {
	Reason string // machine-readable: "rate", "size"
	Notice string // what the citizen is told, in Vietnamese
}

// Error implements error.
func (e *RefusedError) Error() string { return "refused by policy: " + e.Reason }

// Unwrap makes errors.Is(err, ErrRefused) true.
func (e *RefusedError) Unwrap() error { return ErrRefused }
