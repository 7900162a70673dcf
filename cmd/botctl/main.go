// Command botctl is the command-line tool of the citizen help service: ask the
// engine questions, lint and list guides, import the national catalogue,
// evaluate answer quality and work the hotline queue from a terminal.
//
// Usage:
//
//	botctl ask [--json] [--guides DIR] [--catalog FILE]   questions on stdin, one per line
//	botctl chat [--guides DIR] [--catalog FILE]           interactive conversation
//	botctl eval [--guides DIR] [--catalog FILE] FILE.tsv  accuracy table as score.py prints it
//	botctl lint [DIR]                                     check guide files
//	botctl guides [--json] [--guides DIR] [--catalog FILE] list guides and filled fields
//	botctl import-catalog [--out DIR] [--json] FILE       parse the national catalogue
//	botctl hotline [--url URL] list|claim|reply|close     the hotline queue from a shell
//	botctl export-guides [--url URL] [--user NAME] DIR    write the live corpus back to files
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"syscall"
)

// command runs one subcommand with its arguments (the subcommand name removed).
type command func(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error

// commands is the dispatch table; each subcommand lives in its own file.
var commands = map[string]command{
	"ask":            runAsk,
	"chat":           runChat,
	"eval":           runEval,
	"lint":           runLint,
	"guides":         runGuides,
	"import-catalog": runImportCatalog,
	"hotline":        runHotline,
	"export-guides":  runExportGuides,
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := Main(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// Main runs botctl and returns the process exit code: 0 success, 1 failure, 2 usage.
func Main(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		usage(stderr)
		return 2
	}
	cmd, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "botctl: unknown command %q\n", args[0])
		usage(stderr)
		return 2
	}
	if err := cmd(ctx, args[1:], stdin, stdout, stderr); err != nil {
		fmt.Fprintf(stderr, "botctl %s: %v\n", args[0], err)
		return 1
	}
	return 0
}

func usage(w io.Writer) {
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	fmt.Fprintln(w, "usage: botctl COMMAND [flags] [args]")
	fmt.Fprintln(w, "commands:")
	for _, n := range names {
		fmt.Fprintln(w, "  "+n)
	}
}
