package knowledge

import (
	"bytes"
	"strings"

	"go.yaml.in/yaml/v3"
)

// FormatGuide writes g as a guide file in the format ParseGuide reads: YAML
// front matter with the fields in the order of Fields (empty ones left out),
// then the body. ParseGuide(name, FormatGuide(g)) gives g back for any g that
// ParseGuide itself produced (text NFC and trimmed); Path and line numbers
// are not part of the file. A catalogue guide gets "source: catalog".
func FormatGuide(g Guide) []byte {
	m := &yaml.Node{Kind: yaml.MappingNode}
	for _, f := range fieldNodes(g) {
		m.Content = append(m.Content, keyNode(f.key), f.node)
	}

	var buf bytes.Buffer
	buf.WriteString("---\n")
	if len(m.Content) > 0 {
		enc := yaml.NewEncoder(&buf)
		enc.SetIndent(2)
		if err := enc.Encode(m); err != nil {
			// Encoding a tree of string scalars does not fail; keep the
			// file recognisably broken rather than silently empty.
			buf.WriteString("# format error: " + strings.ReplaceAll(err.Error(), "\n", " ") + "\n")
		}
		_ = enc.Close()
	}
	buf.WriteString("---\n")
	if g.Body != "" {
		buf.WriteString("\n")
		buf.WriteString(g.Body)
		buf.WriteString("\n")
	}
	return buf.Bytes()
}

// fieldNode is one front matter field as FormatGuide writes it.
type fieldNode struct {
	key  string
	node *yaml.Node
}

func keyNode(k string) *yaml.Node { return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: k} }

// fieldNodes returns the filled front matter fields of g, in the order of
// Fields, as FormatGuide writes them (PatchGuide writes single fields with
// the same nodes).
func fieldNodes(g Guide) []fieldNode {
	var out []fieldNode
	add := func(key string, v *yaml.Node) { out = append(out, fieldNode{key, v}) }
	str := func(key, v string) {
		if v != "" {
			add(key, textNode(v))
		}
	}
	list := func(key string, vs []string) {
		if len(vs) == 0 {
			return
		}
		seq := &yaml.Node{Kind: yaml.SequenceNode}
		for _, v := range vs {
			seq.Content = append(seq.Content, textNode(v))
		}
		add(key, seq)
	}
	str(fieldID, g.ID)
	if g.Source != "" && g.Source != SourceCurated {
		str(fieldSource, g.Source)
	}
	str(fieldCode, g.Code)
	list(fieldOtherCodes, g.OtherCodes)
	str(fieldTitle, g.Title)
	list(fieldAliases, g.Aliases)
	str(fieldDomain, g.Domain)
	str(fieldAgency, g.Agency)
	str(fieldLevel, g.Level)
	str(fieldOnline, g.Online)
	str(fieldFee, g.Fee)
	str(fieldDuration, g.Duration)
	str(fieldWhere, g.Where)
	list(fieldDocuments, g.Documents)
	list(fieldSteps, g.Steps)
	str(fieldEligibility, g.Eligibility)
	if len(g.Methods) > 0 {
		seq := &yaml.Node{Kind: yaml.SequenceNode}
		for _, me := range g.Methods {
			item := &yaml.Node{Kind: yaml.MappingNode}
			for _, kv := range [][2]string{{"channel", me.Channel}, {"duration", me.Duration}, {"fee", me.Fee}, {"note", me.Note}} {
				if kv[1] != "" {
					item.Content = append(item.Content, keyNode(kv[0]), textNode(kv[1]))
				}
			}
			seq.Content = append(seq.Content, item)
		}
		add(fieldMethods, seq)
	}
	list(fieldLegalBasis, g.LegalBasis)
	str(fieldSourceURL, g.SourceURL)
	if !g.Reviewed.IsZero() {
		add(fieldReviewed, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!timestamp", Value: g.Reviewed.Format(DateLayout)})
	}
	list(fieldRelated, g.Related)
	if len(g.FAQ) > 0 {
		seq := &yaml.Node{Kind: yaml.SequenceNode}
		for _, f := range g.FAQ {
			item := &yaml.Node{Kind: yaml.MappingNode}
			item.Content = append(item.Content, keyNode("q"), textNode(f.Q), keyNode("a"), textNode(f.A))
			seq.Content = append(seq.Content, item)
		}
		add(fieldFAQ, seq)
	}
	return out
}

// textNode returns a string scalar, as a literal block when it spans lines
// and the literal form can carry it exactly, else in the encoder's choice of
// plain or quoted style. The !!str tag makes the encoder quote values such as
// 1.001193 or "yes" that would otherwise read back as numbers or booleans.
// A literal block ends with a line end, so it is written "|" as the guides
// are written by hand, not "|-" (ParseGuide trims it either way): a form
// edit of a multi-line field then changes its lines, not its header.
func textNode(s string) *yaml.Node {
	n := &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: s}
	if strings.Contains(s, "\n") && literalSafe(s) {
		n.Style = yaml.LiteralStyle
		if !strings.HasSuffix(s, "\n") {
			n.Value = s + "\n"
		}
	}
	return n
}

// literalSafe reports whether s survives a YAML literal block unchanged:
// no trailing blanks on lines, no tabs or carriage returns, no leading blank
// on the first line, and no control characters.
func literalSafe(s string) bool {
	if strings.HasPrefix(s, " ") || strings.HasPrefix(s, "\n") {
		return false
	}
	for _, ln := range strings.Split(s, "\n") {
		if strings.HasSuffix(ln, " ") {
			return false
		}
	}
	for _, r := range s {
		if r == '\t' || r == '\r' || (r < 0x20 && r != '\n') || r == 0x7f || r == 0xfeff || r == 0x85 || r == 0x2028 || r == 0x2029 {
			return false
		}
	}
	return true
}
