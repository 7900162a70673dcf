// Command botctl is the command-line tool of the citizen help service: ask the
// engine questions, lint and list guides, import the national catalogue,
// evaluate answer quality and work the hotline queue from a terminal.
//
// Usage (botctl -h lists the commands, botctl COMMAND -h their flags):
//
//	botctl ask [--json] [--guides DIR] [--catalog FILE] [--url URL] [QUESTION...]
//	botctl chat [--guides DIR] [--catalog FILE] [--url URL]
//	botctl eval [--guides DIR] [--catalog FILE] [--url URL] FILE.tsv
//	botctl lint [DIR]
//	botctl audit [--guides DIR] [--catalog FILE] [--today YYYY-MM-DD] [--open] [--json]
//	botctl guides [--json] [--guides DIR] [--catalog FILE]
//	botctl import-catalog [--out DIR] [--json] FILE
//	botctl hotline [--url URL] [--user NAME] [--password-file FILE] list|show|claim|reply|note|close|link
//	botctl export-guides [--url URL] [--user NAME] [--password-file FILE] DIR
//	botctl passwd FILE NAME                               add an account (password on stdin)
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"strings"
	"syscall"
	"unicode/utf8"
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
	"audit":          runAudit,
	"fit":            runFit,
	"passwd":         runPasswd,
}

// about describes each command in one sentence, for botctl -h and
// botctl COMMAND -h. Every entry of commands needs one (TestHelp checks).
var about = map[string]string{
	"ask":            "Answer questions as a citizen would get them: the question given as arguments, or one per line on standard input (each in a fresh conversation); --url asks a running botd instead of the bundled guides.",
	"chat":           "Talk to the engine in one conversation (follow-ups, option numbers, hand-offs), a line at a time; --url talks to a running botd.",
	"eval":           "Answer a question set (TSV, as ../shared/eval/score.py reads it) and print score.py's accuracy table; --url evaluates a running botd.",
	"lint":           "Check guide files (a directory, default the bundled corpus) and print each problem with its file and line.",
	"guides":         "List the guides with the fields they fill and the required ones they miss.",
	"import-catalog": "Parse the national procedure catalogue, report the records with problems (with their line), optionally write one guide file per record.",
	"hotline":        "Work the hotline queue of a running botd with a staff account: list, show, claim, reply, note, close, link.",
	"export-guides":  "Write the published guides of a running botd back to files (an editor account), to review and commit them to git.",
	"fit":            "Fit the engine's model (bot/model.json) on the labelled question sets of internal/fit/sets.tsv and print plain and cross-validated accuracy and wrong-answer rates per set.",
	"audit":          "Check the guides for stale facts against the national catalogue (--catalog or BOT_CATALOG): missing circulars, unknown fee amounts, replaced documents, time-limited rates, old reviews; each finding with its file and line.",
	"passwd":         "Add an account to an htpasswd file (BOT_STAFF_FILE, BOT_EDITOR_FILE) or change its password; bcrypt as htpasswd -B -C 12 writes it.",
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := Main(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// Main runs botctl and returns the process exit code: 0 success (and help
// asked for with -h), 1 failure, 2 usage.
func Main(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		usage(stderr)
		return 2
	}
	if isHelp(args[0]) || args[0] == "help" {
		if len(args) > 1 && commands[args[1]] != nil { // botctl help ask
			return Main(ctx, []string{args[1], "-h"}, stdin, stdout, stderr)
		}
		usage(stdout)
		return 0
	}
	name := args[0]
	cmd, ok := commands[name]
	if !ok {
		fmt.Fprintf(stderr, "botctl: unknown command %q\n", name)
		usage(stderr)
		return 2
	}
	errw := stderr
	if helpAsked(args[1:]) {
		// The flag package prints the usage to the command's error
		// writer; asked for, it is the answer, so it goes to stdout.
		fmt.Fprintf(stdout, "botctl %s: %s\n\n", name, about[name])
		errw = stdout
	}
	if err := cmd(ctx, args[1:], stdin, stdout, errw); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		fmt.Fprintf(stderr, "botctl %s: %v\n", name, err)
		return 1
	}
	return 0
}

func isHelp(a string) bool { return a == "-h" || a == "-help" || a == "--help" }

// helpAsked reports whether -h (or -help, --help) comes among the flags,
// before a "--".
func helpAsked(args []string) bool {
	for _, a := range args {
		if a == "--" {
			return false
		}
		if isHelp(a) {
			return true
		}
	}
	return false
}

func usage(w io.Writer) {
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	fmt.Fprintln(w, "botctl: the command-line tool of the citizen help service (botd).")
	fmt.Fprintln(w, "\nusage: botctl COMMAND [flags] [args]\n\ncommands:")
	for _, n := range names {
		fmt.Fprintf(w, "  %-15s %s\n", n, wrap(about[n], 60, 18))
	}
	fmt.Fprintln(w, "\nbotctl COMMAND -h shows a command's flags.")
}

// wrap breaks s into lines of at most width characters, indenting every
// line after the first by indent spaces.
func wrap(s string, width, indent int) string {
	var b strings.Builder
	n := 0
	for i, w := range strings.Fields(s) {
		l := utf8.RuneCountInString(w)
		if i > 0 && n+1+l > width {
			b.WriteString("\n" + strings.Repeat(" ", indent))
			n = 0
		} else if i > 0 {
			b.WriteByte(' ')
			n++
		}
		b.WriteString(w)
		n += l
	}
	return b.String()
}
