package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"botdvc/knowledge"
	"botdvc/knowledge/audit"
	"botdvc/knowledge/catalog"
	"botdvc/knowledge/guides"
)

// errAuditFindings is returned when the audit found open findings (already printed).
var errAuditFindings = errors.New("guides have open findings")

// auditJSON is one finding as `botctl audit --json` prints it (one object a line).
type auditJSON struct {
	Guide     string   `json:"guide"`
	File      string   `json:"file,omitempty"`
	Line      int      `json:"line"`
	Field     string   `json:"field"`
	Kind      string   `json:"kind"`
	Message   string   `json:"message"`
	Doc       string   `json:"doc,omitempty"`
	Other     string   `json:"other,omitempty"`
	Amount    int64    `json:"amount,omitempty"`
	Date      string   `json:"date,omitempty"`
	Records   []string `json:"records,omitempty"`
	Source    string   `json:"source,omitempty"`
	Explained string   `json:"explained,omitempty"`
}

// runAudit checks guides for stale facts:
// `botctl audit [--guides DIR] [--catalog FILE] [--today YYYY-MM-DD] [--open] [--json]`.
// It prints the open findings, then (unless --open) those the guides
// explain, each as "file:line: field: kind: message", and a summary; it
// fails when there is an open finding. Without a catalogue (--catalog or
// BOT_CATALOG) only the checks that need none run: time limits, review
// dates and the register of replaced documents.
func runAudit(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fset := flag.NewFlagSet("audit", flag.ContinueOnError)
	fset.SetOutput(stderr)
	dir := fset.String("guides", "", "directory of guide files (default: the bundled corpus)")
	catFile := fset.String("catalog", os.Getenv("BOT_CATALOG"), "national catalogue file (JSON lines, .gz allowed); default $BOT_CATALOG")
	todayFlag := fset.String("today", "", "audit as of this date, YYYY-MM-DD (default: today)")
	openOnly := fset.Bool("open", false, "print only the findings the guides do not explain")
	asJSON := fset.Bool("json", false, "print one JSON object per finding")
	fset.Usage = func() {
		fmt.Fprintln(stderr, "usage: botctl audit [--guides DIR] [--catalog FILE] [--today YYYY-MM-DD] [--open] [--json]")
		fset.PrintDefaults()
	}
	if err := fset.Parse(args); err != nil {
		return err
	}
	if fset.NArg() > 0 {
		fset.Usage()
		return errors.New("no arguments expected")
	}
	today := time.Now()
	if *todayFlag != "" {
		t, err := time.Parse("2006-01-02", *todayFlag)
		if err != nil {
			return fmt.Errorf("--today %q: want YYYY-MM-DD", *todayFlag)
		}
		today = t
	}
	in, what, err := auditInputs(*dir)
	if err != nil {
		return err
	}
	opt := audit.Options{Today: today, Register: audit.DefaultRegister()}
	if *catFile != "" {
		recs, problems, err := catalog.ReadFile(*catFile, nil)
		if err != nil {
			return err
		}
		opt.Catalog = audit.NewCatalog(recs)
		if len(problems) > 0 {
			fmt.Fprintf(stderr, "%s: %d records with problems (botctl import-catalog lists them)\n", *catFile, len(problems))
		}
	} else {
		fmt.Fprintln(stderr, "no catalogue (--catalog or BOT_CATALOG): only time limits, review dates and the register are checked")
	}
	findings := audit.Run(in, opt)
	var open, explained []audit.Finding
	for _, f := range findings {
		if f.Open() {
			open = append(open, f)
		} else {
			explained = append(explained, f)
		}
	}
	show := append([]audit.Finding(nil), open...)
	if !*openOnly {
		show = append(show, explained...)
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetEscapeHTML(false)
		for _, f := range show {
			j := auditJSON{Guide: f.Guide, File: f.File, Line: f.Line, Field: f.Field, Kind: string(f.Kind), Message: f.Message(),
				Doc: f.Doc, Other: f.Other, Amount: f.Amount, Records: f.Records, Source: f.Source, Explained: f.Explained}
			if !f.Date.IsZero() {
				j.Date = f.Date.Format("2006-01-02")
			}
			if err := enc.Encode(j); err != nil {
				return err
			}
		}
	} else {
		for _, f := range show {
			fmt.Fprintln(stdout, f.String())
		}
		withCat := "without catalogue"
		if opt.Catalog != nil {
			withCat = fmt.Sprintf("against %d catalogue records", opt.Catalog.Len())
		}
		fmt.Fprintf(stdout, "%s: %d guides audited as of %s %s: %d open findings, %d explained by the guides\n",
			what, len(in), today.Format("2006-01-02"), withCat, len(open), len(explained))
	}
	if len(open) > 0 {
		return errAuditFindings
	}
	return nil
}

// auditInputs loads the guides with their file text (for exact lines).
func auditInputs(dir string) ([]audit.Input, string, error) {
	var (
		gs    []knowledge.Guide
		err   error
		fsys  fs.FS
		what  string
		probs knowledge.ParseErrors
	)
	if dir == "" {
		gs, probs, err = guides.Check()
		fsys, what = guides.FS, guides.Dir+" (embedded)"
	} else {
		gs, probs, err = knowledge.CheckDir(dir)
		fsys, what = os.DirFS(dir), dir
	}
	if err != nil {
		return nil, "", err
	}
	if err := probs.Err(); err != nil {
		return nil, "", fmt.Errorf("the guides do not pass lint (run botctl lint): %w", err)
	}
	in := make([]audit.Input, 0, len(gs))
	for _, g := range gs {
		text, _ := fs.ReadFile(fsys, filepath.Base(g.Path))
		in = append(in, audit.Input{Guide: g, Text: string(text)})
	}
	return in, what, nil
}
