package deps

import (
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// list runs go list over pattern and returns, for each package, its
// imports (direct, or with deps every package it needs, its own included)
// and whether each is in the standard library.
func list(t *testing.T, deps bool, pattern string) map[string]map[string]bool {
	t.Helper()
	args := []string{"list", "-f", `{{.ImportPath}}{{range .Imports}} {{.}}{{end}}`, pattern}
	if deps {
		args = []string{"list", "-deps", "-f", `{{if not .Standard}}{{.ImportPath}}{{end}}`, pattern}
	}
	cmd := exec.Command(filepath.Join(runtime.GOROOT(), "bin", "go"), args...)
	cmd.Dir = "../.."
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go %s: %v", strings.Join(args, " "), err)
	}
	res := map[string]map[string]bool{}
	if deps {
		set := map[string]bool{}
		for _, l := range strings.Fields(string(out)) {
			set[l] = true
		}
		res[pattern] = set
		return res
	}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		f := strings.Fields(line)
		set := map[string]bool{}
		for _, imp := range f[1:] {
			set[imp] = true
		}
		res[f[0]] = set
	}
	return res
}

// TestDependencyDirection: the domain never imports an adapter or a
// library of one; adapters of the same kind never import each other.
func TestDependencyDirection(t *testing.T) {
	const mod = "botdvc/"
	// Everything a package needs, by package path (non-standard only).
	needs := func(pkg string) map[string]bool {
		return list(t, true, "./"+strings.TrimPrefix(pkg, mod))["./"+strings.TrimPrefix(pkg, mod)]
	}
	for _, rule := range []struct {
		pkg       string
		forbidden []string // prefixes
		why       string
	}{
		// STYLE.md asks for the standard library only; knowledge also reads
		// the guides' YAML front matter (yaml) and normalises Unicode
		// (x/text): parsers, not adapters. No other package of ours, no
		// adapter library.
		{mod + "knowledge", []string{mod, "github.com/gofiber", "github.com/nats-io", "github.com/blevesearch", "github.com/meilisearch"}, "knowledge is the root of the domain"},
		{mod + "bot", []string{"github.com/gofiber", "github.com/nats-io", "github.com/blevesearch", "github.com/meilisearch", mod + "webhooks", mod + "pipeline", mod + "hotline"}, "the domain never imports an adapter or its library"},
		{mod + "pipeline", []string{"github.com/gofiber", mod + "webhooks", mod + "hotline"}, "the pipeline needs no web framework (RefusedError is bot's)"},
		{mod + "hotline", []string{mod + "webhooks", mod + "pipeline"}, "hotline must not import webhooks; staff replies go through its Outbox"},
		// A channel is one unit: its adapter package (webhooks/NAME) opens
		// it; the domain asks it through package channel, a leaf.
		{mod + "channel", []string{"github.com/gofiber", "github.com/nats-io", "github.com/blevesearch", "github.com/meilisearch", "github.com/prometheus", mod + "webhooks", mod + "pipeline", mod + "hotline", mod + "news", mod + "complaint", mod + "editor"}, "channel is a leaf: the standard library and bot"},
		{mod + "news", []string{mod + "webhooks", mod + "hotline"}, "news asks a channel through package channel, never its adapter"},
		{mod + "complaint", []string{mod + "webhooks", mod + "hotline"}, "the complaints desk asks a channel through package channel, never its adapter"},
		{mod + "editor", []string{mod + "webhooks", mod + "hotline"}, "the editors' pages ask a channel through package channel, never its adapter"},
	} {
		for dep := range needs(rule.pkg) {
			if dep == rule.pkg {
				continue
			}
			for _, f := range rule.forbidden {
				if strings.HasPrefix(dep, f) {
					t.Errorf("%s needs %s: %s", rule.pkg, dep, rule.why)
				}
			}
		}
	}

	direct := list(t, false, "./...")
	siblings := [][]string{
		{mod + "webhooks/zalo", mod + "webhooks/messenger", mod + "webhooks/webchat"},
		{mod + "knowledge/bleveindex", mod + "knowledge/meiliindex"},
	}
	for pkg, imports := range direct {
		if pkg == mod+"channel" {
			for imp := range imports {
				std := !strings.HasPrefix(imp, mod) && !strings.Contains(strings.Split(imp, "/")[0], ".")
				if !std && imp != mod+"bot" {
					t.Errorf("%s imports %s: channel imports only the standard library and bot", pkg, imp)
				}
			}
		}
		if strings.HasPrefix(pkg, mod+"webhooks") {
			for imp := range imports {
				if strings.HasPrefix(imp, mod+"knowledge") || strings.HasPrefix(imp, mod+"hotline") || strings.HasPrefix(imp, mod+"pipeline") {
					t.Errorf("%s imports %s: webhooks/* must not import knowledge/*, hotline or pipeline", pkg, imp)
				}
			}
		}
		for _, group := range siblings {
			for _, a := range group {
				for _, b := range group {
					if a != b && pkg == a && imports[b] {
						t.Errorf("%s imports its sibling %s", a, b)
					}
				}
			}
		}
	}
	if len(direct) < 20 {
		t.Fatalf("go list saw %d packages: run from the module", len(direct))
	}
}
