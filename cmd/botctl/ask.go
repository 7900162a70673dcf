package main

import (
	"context"
	"errors"
	"io"
)

// runAsk is owned by the engine (issue 5); this placeholder is replaced by that work.
func runAsk(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	return errors.New("not implemented yet")
}
