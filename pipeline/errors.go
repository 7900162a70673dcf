package pipeline

import "errors"

// Errors of package pipeline.
var (
	// ErrInvalid means a message or outbound reply lacks required fields or
	// carries invalid UTF-8; it is a programming error in the caller.
	ErrInvalid = errors.New("invalid message")
	// ErrTooLong means an inbound message exceeds the size limit.
	ErrTooLong = errors.New("message too long")
	// ErrRateLimited means a conversation sent more than its rate allows.
	ErrRateLimited = errors.New("rate limited")
)
