package main

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"botdvc/knowledge"
	"botdvc/knowledge/catalog"
)

// importReport is what `botctl import-catalog --json` prints.
type importReport struct {
	File     string          `json:"file"`
	Lines    int             `json:"lines"`
	Guides   int             `json:"guides"`
	Dropped  int             `json:"dropped"`
	Problems []importProblem `json:"problems"`
	Written  int             `json:"written"`
	Out      string          `json:"out,omitempty"`
}

type importProblem struct {
	Line    int    `json:"line"`
	Code    string `json:"code,omitempty"`
	Reason  string `json:"reason"`
	Dropped bool   `json:"dropped"`
}

// runImportCatalog parses the national catalogue:
// `botctl import-catalog [--out DIR] [--json] FILE`. It shows progress on
// stderr, reports every record with a problem with its line number, writes
// one guide file per record to DIR when --out is given (FormatGuide; the
// files pass botctl lint), and prints a summary (or, with --json, one JSON
// report). It fails only when the file cannot be read or a file cannot be
// written; records with problems are reported, not fatal.
func runImportCatalog(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("import-catalog", flag.ContinueOnError)
	fs.SetOutput(stderr)
	out := fs.String("out", "", "write one guide file per record into this directory")
	asJSON := fs.Bool("json", false, "print a JSON report instead of text")
	quiet := fs.Bool("quiet", false, "no progress line")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: botctl import-catalog [--out DIR] [--json] FILE")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return errors.New("want one catalogue file")
	}
	file := fs.Arg(0)

	total, err := countLines(file)
	if err != nil {
		return err
	}
	progress := func(done int) {
		if !*quiet {
			fmt.Fprintf(stderr, "\r  %d/%d", done, total)
		}
	}
	gs, probs, err := catalog.ReadFile(file, progress)
	if !*quiet {
		fmt.Fprintln(stderr)
	}
	if err != nil {
		return err
	}

	rep := importReport{File: file, Lines: total, Guides: len(gs), Out: *out, Problems: []importProblem{}}
	for _, p := range probs {
		if p.Dropped {
			rep.Dropped++
		}
		rep.Problems = append(rep.Problems, importProblem{Line: p.Line, Code: p.Code, Reason: p.Reason, Dropped: p.Dropped})
	}
	if *out != "" {
		if err := os.MkdirAll(*out, 0o755); err != nil {
			return err
		}
		for _, g := range gs {
			if err := ctx.Err(); err != nil {
				return err
			}
			path := filepath.Join(*out, g.ID+".md")
			if err := os.WriteFile(path, knowledge.FormatGuide(g), 0o644); err != nil {
				return err
			}
			rep.Written++
		}
	}

	if *asJSON {
		b, err := marshalNoEscape(rep)
		if err != nil {
			return err
		}
		_, err = fmt.Fprintf(stdout, "%s\n", b)
		return err
	}
	for _, p := range probs {
		what := "kept"
		if p.Dropped {
			what = "dropped"
		}
		code := p.Code
		if code == "" {
			code = "-"
		}
		fmt.Fprintf(stdout, "%s:%d: %s: %s: %s\n", file, p.Line, code, what, p.Reason)
	}
	fmt.Fprintf(stdout, "%s: %d lines, %d guides, %d problems (%d records dropped)", file, total, len(gs), len(probs), rep.Dropped)
	if *out != "" {
		fmt.Fprintf(stdout, ", %d guide files written to %s", rep.Written, *out)
	}
	fmt.Fprintln(stdout)
	return nil
}

// countLines counts the non-empty lines of a catalogue file (gunzipped when
// it is gzip data), for the progress line.
func countLines(path string) (int, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	br := bufio.NewReaderSize(f, 64<<10)
	var r io.Reader = br
	if magic, _ := br.Peek(2); len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return 0, fmt.Errorf("%s: gzip: %w", path, err)
		}
		defer zr.Close()
		r = zr
	}
	n, last := 0, byte('\n')
	buf := make([]byte, 64<<10)
	for {
		k, err := r.Read(buf)
		if k > 0 {
			n += bytes.Count(buf[:k], []byte{'\n'})
			last = buf[k-1]
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return 0, fmt.Errorf("%s: %w", path, err)
		}
	}
	if last != '\n' {
		n++
	}
	return n, nil
}
