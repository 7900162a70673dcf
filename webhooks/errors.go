package webhooks

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// ErrMalformed means a webhook body is not the JSON the platform sends.
// The adapters' own ErrMalformed values are this one.
var ErrMalformed = errors.New("malformed webhook body")

// Malformed wraps a JSON decoding error in ErrMalformed, with the byte
// offset when known and without quoting the body (it may hold personal data).
func Malformed(err error) error {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		return fmt.Errorf("%w: invalid JSON at byte %d", ErrMalformed, se.Offset)
	case errors.As(err, &te):
		return fmt.Errorf("%w: field %q has the wrong type (byte %d)", ErrMalformed, te.Field, te.Offset)
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return fmt.Errorf("%w: body is empty or truncated", ErrMalformed)
	default:
		return fmt.Errorf("%w: not a JSON object of the expected shape", ErrMalformed)
	}
}
