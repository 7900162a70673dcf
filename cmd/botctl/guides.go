package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"text/tabwriter"

	"botdvc/knowledge"
	"botdvc/knowledge/catalog"
	"botdvc/knowledge/guides"
)

// guideInfo is one line of `botctl guides --json`.
type guideInfo struct {
	ID        string   `json:"id"`
	Code      string   `json:"code"`
	Title     string   `json:"title"`
	Source    string   `json:"source"`
	Reviewed  string   `json:"reviewed"` // YYYY-MM-DD, or "" when not set
	SourceURL string   `json:"source_url"`
	Filled    []string `json:"filled"`  // front matter fields that hold a value (and "body")
	Missing   []string `json:"missing"` // required fields that are empty
}

// runGuides lists guides: `botctl guides [--json] [--guides DIR] [--catalog FILE]`.
// Without --guides it lists the embedded corpus; with --catalog it adds the
// catalogue records no curated guide covers (knowledge.Merge). --json prints
// a JSON array with, for each guide, id, code, title, source, reviewed,
// source_url, filled (the fields holding a value) and missing (required
// fields left empty).
func runGuides(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("guides", flag.ContinueOnError)
	fs.SetOutput(stderr)
	asJSON := fs.Bool("json", false, "print JSON")
	dir := fs.String("guides", "", "guide directory (default: the embedded corpus)")
	catFile := fs.String("catalog", "", "national catalogue file (.jsonl or .jsonl.gz) to list too")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: botctl guides [--json] [--guides DIR] [--catalog FILE]")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		fs.Usage()
		return errors.New("unexpected arguments")
	}
	gs, err := guides.LoadCurated(*dir)
	var perrs knowledge.ParseErrors
	if errors.As(err, &perrs) {
		return fmt.Errorf("guides have errors (run botctl lint):\n%w", err)
	} else if err != nil {
		return err
	}
	if *catFile != "" {
		cat, probs, err := catalog.ReadFile(*catFile, nil)
		if err != nil {
			return err
		}
		if len(probs) > 0 {
			fmt.Fprintf(stderr, "botctl guides: %s: %d records with problems (see botctl import-catalog)\n", *catFile, len(probs))
		}
		gs = knowledge.Merge(gs, cat)
	}

	infos := make([]guideInfo, len(gs))
	for i, g := range gs {
		infos[i] = info(g)
	}
	if *asJSON {
		return writeJSONArray(stdout, infos)
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tCODE\tREVIEWED\tFILLED\tMISSING\tTITLE")
	for _, in := range infos {
		code := in.Code
		if code == "" {
			code = "-"
		}
		missing := "-"
		if len(in.Missing) > 0 {
			missing = fmt.Sprint(in.Missing)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%s\t%s\n", in.ID, code, in.Reviewed, len(in.Filled), missing, in.Title)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%d guides\n", len(infos))
	return nil
}

func info(g knowledge.Guide) guideInfo {
	in := guideInfo{ID: g.ID, Code: g.Code, Title: g.Title, Source: g.Source, SourceURL: g.SourceURL,
		Filled: knowledge.Filled(g), Missing: knowledge.Missing(g)}
	if in.Source == "" {
		in.Source = knowledge.SourceCurated
	}
	if !g.Reviewed.IsZero() {
		in.Reviewed = g.Reviewed.Format(knowledge.DateLayout)
	}
	if in.Filled == nil {
		in.Filled = []string{}
	}
	if in.Missing == nil {
		in.Missing = []string{}
	}
	return in
}

// writeJSONArray writes a JSON array with one element per line.
func writeJSONArray[T any](w io.Writer, items []T) error {
	var buf bytes.Buffer
	buf.WriteString("[")
	for i, it := range items {
		b, err := marshalNoEscape(it)
		if err != nil {
			return err
		}
		if i > 0 {
			buf.WriteString(",")
		}
		buf.WriteString("\n  ")
		buf.Write(b)
	}
	buf.WriteString("\n]\n")
	_, err := w.Write(buf.Bytes())
	return err
}

// marshalNoEscape is json.Marshal without HTML escaping, so text stays readable.
func marshalNoEscape(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimRight(buf.Bytes(), "\n"), nil
}
