package complaint

import "errors"

// Errors of package complaint. Callers test them with errors.Is; the API
// maps them to status codes (see statusOf).
var (
	// ErrUnavailable means NATS or JetStream could not be reached.
	ErrUnavailable = errors.New("complaints unavailable")
	// ErrNotFound means there is no complaint with that code.
	ErrNotFound = errors.New("complaint not found")
	// ErrBadCode means a code is malformed or its check digit is wrong.
	ErrBadCode = errors.New("bad complaint code")
	// ErrInvalid means a request was malformed (empty text, unknown status...).
	ErrInvalid = errors.New("invalid request")
	// ErrState means the complaint's status does not allow the action
	// (publishing one that has no answer, answering a closed one).
	ErrState = errors.New("not allowed in this status")
	// ErrConflict means a complaint kept changing under an update; retry.
	ErrConflict = errors.New("complaint update conflict")
	// ErrNotSent means an answer was recorded but could not be put on the
	// citizen's channel now; it goes with the citizen's next message.
	ErrNotSent = errors.New("answer recorded, not sent")
	// ErrBadFile means a holiday list could not be parsed; the error names the line.
	ErrBadFile = errors.New("bad file")
)
