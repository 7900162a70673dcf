package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"

	"botdvc/knowledge"
)

// runExportGuides writes the live corpus of a running botd back to files,
// one <id>.md each, so editors' published changes can be committed to git.
// It reads the editors' API with HTTP Basic credentials of an editor account.
func runExportGuides(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("export-guides", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: botctl export-guides [--url URL] [--user NAME] [--password-file FILE] [--delete-retired] DIR")
		fmt.Fprintln(fs.Output(), "Credentials as for botctl hotline: $BOTCTL_URL, $BOTCTL_USER, $BOTCTL_PASSWORD_FILE or $BOTCTL_PASSWORD (an editor account).")
		fs.PrintDefaults()
	}
	cred := addCredFlags(fs, "editor account")
	retired := fs.Bool("delete-retired", false, "remove files of guides editors retired")
	pos, err := parseAll(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		fs.Usage()
		return errors.New("want one directory")
	}
	c, err := cred.client()
	if err != nil {
		return err
	}
	dir := pos[0]
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	var list []struct {
		ID      string `json:"id"`
		Retired bool   `json:"retired"`
	}
	raw, err := c.do(ctx, http.MethodGet, "/api/v1/guides", nil)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(raw, &list); err != nil {
		return fmt.Errorf("guide list: %w", err)
	}
	written, removed := 0, 0
	for _, g := range list {
		if !knowledge.ValidID(g.ID) {
			return fmt.Errorf("server listed an invalid guide id %q", g.ID)
		}
		path := filepath.Join(dir, g.ID+".md")
		if g.Retired {
			if *retired {
				if err := os.Remove(path); err == nil {
					removed++
				}
			}
			continue
		}
		md, err := c.do(ctx, http.MethodGet, "/api/v1/guides/"+url.PathEscape(g.ID)+"?format=md", nil)
		if err != nil {
			return err
		}
		if _, err := knowledge.ParseGuide(g.ID+".md", md); err != nil {
			return fmt.Errorf("server returned an invalid file for %s: %v", g.ID, err)
		}
		if err := os.WriteFile(path, md, 0o644); err != nil {
			return err
		}
		written++
	}
	fmt.Fprintf(stdout, "wrote %d guides to %s", written, dir)
	if removed > 0 {
		fmt.Fprintf(stdout, ", removed %d retired", removed)
	}
	fmt.Fprintln(stdout)
	return nil
}
