package knowledge

import "errors"

// ErrNotFound is returned when a guide id is unknown.
var ErrNotFound = errors.New("guide not found")
