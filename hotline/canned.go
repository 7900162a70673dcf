package hotline

import (
	"bufio"
	_ "embed"
	"fmt"
	"io"
	"os"
	"strings"
)

// Canned is a ready reply staff can insert and edit before sending.
type Canned struct {
	Title string
	Text  string
}

//go:embed canned.md
var defaultCanned string

// DefaultCanned returns the built-in Vietnamese canned replies (canned.md).
func DefaultCanned() []Canned {
	c, err := ParseCanned(strings.NewReader(defaultCanned))
	if err != nil {
		panic(err) // embedded file; covered by tests
	}
	return c
}

// LoadCanned reads a canned replies file (see ParseCanned).
func LoadCanned(path string) ([]Canned, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("hotline.LoadCanned: %w", err)
	}
	defer f.Close()
	c, err := ParseCanned(f)
	if err != nil {
		return nil, fmt.Errorf("hotline.LoadCanned %s: %w", path, err)
	}
	return c, nil
}

// ParseCanned reads canned replies: each starts with a line "## Title" and
// its text is the lines up to the next "## ". Before the first title only
// blank lines and "# " comment lines are allowed. Titles must be unique,
// texts non-empty and at most 2000 characters. Errors wrap ErrBadFile and
// name the line.
func ParseCanned(r io.Reader) ([]Canned, error) {
	var out []Canned
	seen := map[string]int{}
	var cur *Canned
	start := 0
	finish := func() error {
		if cur == nil {
			return nil
		}
		cur.Text = strings.TrimSpace(cur.Text)
		if cur.Text == "" {
			return fmt.Errorf("hotline.ParseCanned: line %d: reply %q has no text: %w", start, cur.Title, ErrBadFile)
		}
		if n := len([]rune(cur.Text)); n > maxText {
			return fmt.Errorf("hotline.ParseCanned: line %d: reply %q has %d characters, at most %d: %w", start, cur.Title, n, maxText, ErrBadFile)
		}
		out = append(out, *cur)
		return nil
	}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 4096), 256*1024)
	line := 0
	for sc.Scan() {
		line++
		text := sc.Text()
		if title, ok := strings.CutPrefix(text, "## "); ok {
			if err := finish(); err != nil {
				return nil, err
			}
			title = strings.TrimSpace(title)
			if title == "" {
				return nil, fmt.Errorf("hotline.ParseCanned: line %d: empty title: %w", line, ErrBadFile)
			}
			if prev, dup := seen[title]; dup {
				return nil, fmt.Errorf("hotline.ParseCanned: line %d: title %q already used on line %d: %w", line, title, prev, ErrBadFile)
			}
			seen[title] = line
			cur, start = &Canned{Title: title}, line
			continue
		}
		if cur == nil {
			if t := strings.TrimSpace(text); t != "" && !strings.HasPrefix(t, "#") {
				return nil, fmt.Errorf("hotline.ParseCanned: line %d: text before the first \"## title\": %w", line, ErrBadFile)
			}
			continue
		}
		cur.Text += text + "\n"
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("hotline.ParseCanned: line %d: %v: %w", line+1, err, ErrBadFile)
	}
	if err := finish(); err != nil {
		return nil, err
	}
	return out, nil
}
