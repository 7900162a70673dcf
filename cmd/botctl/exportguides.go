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
	"strings"
	"time"

	"botdvc/knowledge"
)

// runExportGuides writes the live corpus of a running botd back to files,
// one <id>.md each, so editors' published changes can be committed to git.
// It reads the editors' API with HTTP Basic credentials of an editor account.
func runExportGuides(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("export-guides", flag.ContinueOnError)
	fs.SetOutput(stderr)
	base := fs.String("url", envDefault("BOTCTL_URL", "http://localhost:8080"), "botd base URL (env BOTCTL_URL)")
	user := fs.String("user", os.Getenv("BOTCTL_USER"), "editor account (env BOTCTL_USER)")
	pass := fs.String("password", "", "password (default: env BOTCTL_PASSWORD)")
	retired := fs.Bool("delete-retired", false, "remove files of guides editors retired")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return errors.New("usage: botctl export-guides [--url URL] [--user NAME] DIR")
	}
	if *pass == "" {
		*pass = os.Getenv("BOTCTL_PASSWORD")
	}
	dir := fs.Arg(0)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	c := &apiClient{base: strings.TrimRight(*base, "/"), user: *user, pass: *pass, http: &http.Client{Timeout: 30 * time.Second}}
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

func envDefault(key, def string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return def
}
