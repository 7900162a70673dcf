package main

import (
	"context"
	"errors"
	"io"
)

// runChat is owned by the engine (issue 5); this placeholder is replaced by that work.
func runChat(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	return errors.New("not implemented yet")
}
