package webhooks

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// ID is a platform id (user, page, message) as it appears in webhook JSON:
// platforms send strings, and a bare number is accepted too and kept digit
// for digit, never through float64.
type ID string

// UnmarshalJSON accepts a JSON string, a JSON number or null.
func (s *ID) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case bytes.Equal(b, []byte("null")):
		*s = ""
	case len(b) > 0 && b[0] == '"':
		var v string
		if err := json.Unmarshal(b, &v); err != nil {
			return err
		}
		*s = ID(v)
	default:
		var n json.Number
		if err := json.Unmarshal(b, &n); err != nil {
			return fmt.Errorf("id must be a string or a number")
		}
		*s = ID(n.String())
	}
	return nil
}
