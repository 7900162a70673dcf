package main

import (
	"context"
	"errors"
	"io"
)

// runHotline is owned by the hotline (issue 7); this placeholder is replaced by that work.
func runHotline(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	return errors.New("not implemented yet")
}
