package bleveindex

import "errors"

// ErrNotIndex is returned by Open when dir exists, is not empty and does not
// hold a bleve index: Open never deletes a directory it did not create.
var ErrNotIndex = errors.New("directory is not a bleve index")
