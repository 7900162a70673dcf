package meiliindex

import "errors"

// ErrTaskFailed is returned when Meilisearch reports an asynchronous task
// (settings, documents) as failed or canceled; the message carries
// Meilisearch's error code.
var ErrTaskFailed = errors.New("meilisearch task failed")
