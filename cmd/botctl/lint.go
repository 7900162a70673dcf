package main

import (
	"context"
	"errors"
	"io"
)

// runLint is owned by the knowledge layer (issue 3); this placeholder is replaced by that work.
func runLint(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	return errors.New("not implemented yet")
}
