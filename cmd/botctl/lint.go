package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"

	"botdvc/knowledge"
	"botdvc/knowledge/guides"
)

// errLintFailed is returned when lint found errors (already printed).
var errLintFailed = errors.New("guides have errors")

// runLint checks guide files: `botctl lint [DIR]`. Without DIR it checks the
// corpus embedded in the binary (knowledge/guides). It prints one
// "file:line: field: msg" line per problem (warnings marked "warning:"), then
// a summary, and fails when any problem is an error.
func runLint(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("lint", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: botctl lint [DIR]   (default: the embedded corpus "+guides.Dir+")")
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 1 {
		fs.Usage()
		return errors.New("at most one directory")
	}
	var (
		gs    []knowledge.Guide
		probs knowledge.ParseErrors
		err   error
		what  = guides.Dir + " (embedded)"
	)
	if fs.NArg() == 1 {
		what = fs.Arg(0)
		gs, probs, err = knowledge.CheckDir(fs.Arg(0))
	} else {
		gs, probs, err = guides.Check()
	}
	if err != nil {
		return err
	}
	for _, p := range probs {
		fmt.Fprintln(stdout, p.Error())
	}
	nerr, nwarn := len(probs.Errors()), len(probs.Warnings())
	fmt.Fprintf(stdout, "%s: %d guides, %d errors, %d warnings\n", what, len(gs), nerr, nwarn)
	if nerr > 0 {
		return errLintFailed
	}
	return nil
}
