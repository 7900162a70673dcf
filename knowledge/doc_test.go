package knowledge

import (
	"os"
	"strings"
	"testing"
)

// TestFormatDocExample keeps the example in doc/guide-format.md a valid guide.
func TestFormatDocExample(t *testing.T) {
	data, err := os.ReadFile("../doc/guide-format.md")
	if err != nil {
		t.Skipf("doc not available: %v", err)
	}
	doc := string(data)
	start := strings.Index(doc, "```markdown\n")
	if start < 0 {
		t.Fatal("no ```markdown example in doc/guide-format.md")
	}
	doc = doc[start+len("```markdown\n"):]
	end := strings.Index(doc, "\n```")
	if end < 0 {
		t.Fatal("example block not closed")
	}
	g, err := ParseGuide("dang-ky-khai-sinh.md", []byte(doc[:end+1]))
	if err != nil {
		t.Fatalf("the documented example does not parse:\n%v", err)
	}
	if g.Code != "1.001193" || len(g.FAQ) != 1 || !strings.HasPrefix(g.Body, "## Lưu ý") {
		t.Errorf("example parsed as %+v", g)
	}
}
