package hotline

import (
	"errors"
	"fmt"
)

// Errors of package hotline. Callers test them with errors.Is; the console
// and API map them to status codes (see statusOf in api.go).
var (
	// ErrUnavailable means NATS or JetStream could not be reached.
	ErrUnavailable = errors.New("hotline unavailable")
	// ErrNotFound means there is no ticket with that id.
	ErrNotFound = errors.New("ticket not found")
	// ErrClaimed means another staff member holds the ticket.
	ErrClaimed = errors.New("ticket held by someone else")
	// ErrClosed means the ticket is closed.
	ErrClosed = errors.New("ticket closed")
	// ErrWindowClosed means the channel's reply window has passed: the platform would refuse the message.
	ErrWindowClosed = errors.New("reply window closed")
	// ErrInvalid means a request was malformed (empty text, bad guide id...).
	ErrInvalid = errors.New("invalid request")
	// ErrConflict means a ticket kept changing under an update; the caller may retry.
	ErrConflict = errors.New("ticket update conflict")
	// ErrBadFile means a canned replies or hours definition could not be parsed; the error names the line.
	ErrBadFile = errors.New("bad file")
)

// invalidError is an ErrInvalid whose message is for staff, in Vietnamese:
// the console and the API show it as it is.
type invalidError struct{ msg string }

func (e *invalidError) Error() string        { return e.msg }
func (e *invalidError) Is(target error) bool { return target == ErrInvalid }

// invalid returns an ErrInvalid error with a message for staff.
func invalid(format string, a ...any) error {
	return &invalidError{msg: fmt.Sprintf(format, a...)}
}
