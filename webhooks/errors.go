package webhooks

import "errors"

// Errors of package webhooks.
var (
	// ErrBadSignature means a webhook's signature did not verify.
	ErrBadSignature = errors.New("bad signature")
	// ErrRefused means an inbound message was refused by policy (rate or size limit).
	ErrRefused = errors.New("refused by policy")
)
