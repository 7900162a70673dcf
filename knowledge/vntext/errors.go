package vntext

import "errors"

// ErrBadRule is returned (wrapped, with the line number) for a synonym or
// stop-word line that cannot be parsed.
var ErrBadRule = errors.New("bad rule")
