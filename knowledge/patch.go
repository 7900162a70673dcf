package knowledge

import (
	"bytes"
	"strings"

	"go.yaml.in/yaml/v3"
)

// PatchGuide returns the guide file file with only the front matter fields
// in which g differs from old rewritten (as FormatGuide writes them), added
// or removed; every other line (other fields as written, with their block
// or quote style and comments) and, unless it changed, the body are kept
// byte for byte. An editor who changes one field in a form thus changes one
// field in the guide's history.
//
// old must be what ParseGuide read from file. When file cannot be patched
// (it does not parse), or the patched file would not read back as g, the
// result is FormatGuide(g). Line ends are always LF.
func PatchGuide(file []byte, old, g Guide) []byte {
	out, ok := patchGuide(file, old, g)
	if !ok {
		return FormatGuide(g)
	}
	// What could be read is compared even when g is not a valid guide (a
	// required field emptied): the file then carries the same problems.
	back, _ := ParseGuide(g.ID+".md", out)
	if !bytes.Equal(FormatGuide(back), FormatGuide(g)) || back.Body != g.Body {
		return FormatGuide(g)
	}
	return out
}

// frontLines splits a guide file into its opening line, the front matter
// lines (each with its "\n"), the closing line and the body.
func frontLines(text string) (open string, front []string, closing, body string, ok bool) {
	if !strings.HasPrefix(text, "---\n") {
		return "", nil, "", "", false
	}
	lines := strings.SplitAfter(text[len("---\n"):], "\n")
	for i, ln := range lines {
		if strings.TrimRight(strings.TrimSuffix(ln, "\n"), " \t") == "---" {
			return "---\n", lines[:i], ln, strings.Join(lines[i+1:], ""), true
		}
	}
	return "", nil, "", "", false
}

func patchGuide(file []byte, old, g Guide) ([]byte, bool) {
	text := strings.ReplaceAll(string(bytes.TrimPrefix(file, []byte("\xef\xbb\xbf"))), "\r\n", "\n")
	open, front, closing, body, ok := frontLines(text)
	if !ok {
		return nil, false
	}
	var doc yaml.Node
	if err := yaml.Unmarshal([]byte(strings.Join(front, "")), &doc); err != nil {
		return nil, false
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) != 1 || doc.Content[0].Kind != yaml.MappingNode {
		return nil, false
	}
	root := doc.Content[0]

	// Where each field of the file starts and ends (0-based front lines,
	// end exclusive). A field ends where the next begins, less the blank
	// and comment lines at column 0 before it: they belong to the next one.
	type span struct{ start, end int }
	spans := map[string]span{}
	var order []string
	for i := 0; i+1 < len(root.Content); i += 2 {
		k := root.Content[i]
		if k.Kind != yaml.ScalarNode || k.Line < 1 || k.Column != 1 {
			return nil, false
		}
		if _, dup := spans[k.Value]; dup {
			return nil, false
		}
		spans[k.Value] = span{start: k.Line - 1}
		order = append(order, k.Value)
	}
	for i, key := range order {
		end := len(front)
		if i+1 < len(order) {
			end = spans[order[i+1]].start
		}
		for end > spans[key].start+1 {
			ln := strings.TrimRight(front[end-1], "\n")
			if strings.TrimSpace(ln) != "" && !strings.HasPrefix(ln, "#") {
				break
			}
			end--
		}
		sp := spans[key]
		sp.end = end
		spans[key] = sp
	}

	oldF, newF := renderFields(old), renderFields(g)
	replace := map[int]string{} // front line index where a field starts -> its new text
	drop := map[int]bool{}      // front lines to leave out
	insert := map[int][]string{}
	for _, key := range Fields {
		if oldF[key] == newF[key] {
			continue
		}
		sp, inFile := spans[key]
		switch {
		case inFile:
			for l := sp.start; l < sp.end; l++ {
				drop[l] = true
			}
			replace[sp.start] = newF[key]
		case newF[key] != "":
			// A new field goes after the nearest field before it in
			// Fields order that the file has, else before the first field.
			at := 0
			if len(order) > 0 {
				at = spans[order[0]].start
				for l := 0; l < at; l++ { // leading comments stay first
					if ln := strings.TrimSpace(front[l]); ln != "" && !strings.HasPrefix(ln, "#") {
						at = l
						break
					}
				}
			}
			for _, prev := range Fields {
				if prev == key {
					break
				}
				if s, ok := spans[prev]; ok {
					at = s.end
				}
			}
			insert[at] = append(insert[at], newF[key])
		}
	}
	var b strings.Builder
	b.WriteString(open)
	for l := 0; l <= len(front); l++ {
		for _, s := range insert[l] {
			b.WriteString(s)
		}
		if l == len(front) {
			break
		}
		if s, ok := replace[l]; ok {
			b.WriteString(s)
		}
		if !drop[l] {
			b.WriteString(front[l])
		}
	}
	if len(front) > 0 && !strings.HasSuffix(front[len(front)-1], "\n") {
		return nil, false
	}
	b.WriteString(closing)
	if old.Body != g.Body {
		if !strings.HasSuffix(closing, "\n") {
			b.WriteString("\n")
		}
		if g.Body != "" {
			b.WriteString("\n" + g.Body + "\n")
		}
	} else {
		b.WriteString(body)
	}
	return []byte(b.String()), true
}

// renderFields returns each filled front matter field of g as FormatGuide
// writes it ("key: value\n", or a block of lines), by field name.
func renderFields(g Guide) map[string]string {
	out := map[string]string{}
	for _, f := range fieldNodes(g) {
		m := &yaml.Node{Kind: yaml.MappingNode, Content: []*yaml.Node{keyNode(f.key), f.node}}
		var buf bytes.Buffer
		enc := yaml.NewEncoder(&buf)
		enc.SetIndent(2)
		if err := enc.Encode(m); err != nil {
			continue // cannot happen for string scalars; the caller's check falls back
		}
		_ = enc.Close()
		out[f.key] = buf.String()
	}
	return out
}
