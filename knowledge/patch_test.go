package knowledge_test

import (
	"io/fs"
	"strings"
	"testing"
	"time"

	"botdvc/knowledge"
	"botdvc/knowledge/guides"
)

// changedLines returns the lines of b that are not in a at the same place
// (a line diff good enough for one-block edits: common prefix and suffix).
func changedLines(a, b string) (removed, added []string) {
	al, bl := strings.Split(a, "\n"), strings.Split(b, "\n")
	i := 0
	for i < len(al) && i < len(bl) && al[i] == bl[i] {
		i++
	}
	j := 0
	for j < len(al)-i && j < len(bl)-i && al[len(al)-1-j] == bl[len(bl)-1-j] {
		j++
	}
	return al[i : len(al)-j], bl[i : len(bl)-j]
}

// keysIn returns the front matter keys that start one of the lines.
func keysIn(lines []string) map[string]bool {
	keys := map[string]bool{}
	for _, l := range lines {
		if k, _, ok := strings.Cut(l, ":"); ok && k != "" && !strings.ContainsAny(k, " -#\t") {
			keys[k] = true
		}
	}
	return keys
}

func bundledFile(t testing.TB, id string) ([]byte, knowledge.Guide) {
	t.Helper()
	b, err := fs.ReadFile(guides.FS, id+".md")
	if err != nil {
		t.Fatal(err)
	}
	g, err := knowledge.ParseGuide(id+".md", b)
	if err != nil {
		t.Fatal(err)
	}
	return b, g
}

// TestPatchGuideOneField: changing one field rewrites that field's lines
// only, whatever the style of the others (the bundled files use literal
// blocks that FormatGuide would write as plain scalars: issue 15 saw three
// fields change in the history for a one-field edit).
func TestPatchGuideOneField(t *testing.T) {
	const id = "cap-ho-chieu-pho-thong"
	file, old := bundledFile(t, id)
	if string(knowledge.FormatGuide(old)) == string(file) {
		t.Fatal("fixture: the bundled file is already in FormatGuide's layout; pick one that is not")
	}
	for _, c := range []struct {
		name string
		edit func(g *knowledge.Guide)
		want string // a line the new field has
	}{
		{"fee", func(g *knowledge.Guide) { g.Fee = "Lệ phí 200.000 đồng." }, "fee: Lệ phí 200.000 đồng."},
		{"title", func(g *knowledge.Guide) { g.Title = "Cấp hộ chiếu" }, "title: Cấp hộ chiếu"},
		{"one alias more", func(g *knowledge.Guide) { g.Aliases = append(append([]string(nil), g.Aliases...), "làm passport") }, "  - làm passport"},
		{"reviewed", func(g *knowledge.Guide) { g.Reviewed = time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC) }, "reviewed: 2026-12-01"},
		{"a multi-line value", func(g *knowledge.Guide) {
			g.Eligibility = "Công dân Việt Nam.\nNgười dưới 14 tuổi do cha mẹ khai."
		}, "  Người dưới 14 tuổi do cha mẹ khai."},
		{"a line more in a multi-line field", func(g *knowledge.Guide) {
			g.Where += "\nCó thể hẹn trước trên VNeID."
		}, "  Có thể hẹn trước trên VNeID."},
	} {
		g := old
		c.edit(&g)
		out := string(knowledge.PatchGuide(file, old, g))
		back, err := knowledge.ParseGuide(id+".md", []byte(out))
		if err != nil {
			t.Fatalf("%s: patched file does not parse: %v", c.name, err)
		}
		if string(knowledge.FormatGuide(back)) != string(knowledge.FormatGuide(g)) {
			t.Errorf("%s: patched file does not read back as the edit", c.name)
		}
		removed, added := changedLines(string(file), out)
		if !strings.Contains(strings.Join(added, "\n"), c.want) {
			t.Errorf("%s: added lines %q lack %q", c.name, added, c.want)
		}
		// Only lines of the one field changed; a multi-line field keeps its
		// "key: |" header as the guides are written (not "|-").
		for _, l := range added {
			if strings.HasSuffix(l, ": |-") {
				t.Errorf("%s: the field's header became %q", c.name, l)
			}
		}
		if got := keysIn(append(removed, added...)); len(got) > 1 {
			t.Errorf("%s: lines of %v changed:\n-%s\n+%s", c.name, got, strings.Join(removed, "\n-"), strings.Join(added, "\n+"))
		}
	}
}

// TestPatchGuideAddRemoveBody: a field the file lacks is inserted in
// Fields order, an emptied one removed, the body replaced; nothing else moves.
func TestPatchGuideAddRemoveBody(t *testing.T) {
	file := "---\n# a comment stays\nid: dang-ky-khai-sinh\ntitle: Đăng ký khai sinh\n\n# about fees\nfee: |\n  Miễn phí.\nwhere: 'UBND xã'\n---\n\nNội dung.\n"
	old, _ := knowledge.ParseGuide("dang-ky-khai-sinh.md", []byte(file))
	g := old
	g.Code = "1.001193"
	g.Where = ""
	g.Body = "Nội dung mới."
	got := string(knowledge.PatchGuide([]byte(file), old, g))
	want := "---\n# a comment stays\nid: dang-ky-khai-sinh\ncode: \"1.001193\"\ntitle: Đăng ký khai sinh\n\n# about fees\nfee: |\n  Miễn phí.\n---\n\nNội dung mới.\n"
	if got != want {
		t.Errorf("got:\n%s\nwant:\n%s", got, want)
	}
	// Nothing changed: the file comes back as it was (CRLF made LF).
	crlf := strings.ReplaceAll(file, "\n", "\r\n")
	if got := string(knowledge.PatchGuide([]byte(crlf), old, old)); got != file {
		t.Errorf("unchanged guide:\n%q", got)
	}
	// Not a guide file: FormatGuide.
	if got := string(knowledge.PatchGuide([]byte("no front matter"), knowledge.Guide{}, g)); got != string(knowledge.FormatGuide(g)) {
		t.Errorf("unparsable file: %q", got)
	}
}

// FuzzPatchGuide: whatever text goes into a field of a bundled guide, the
// patched file reads back as the edited guide.
func FuzzPatchGuide(f *testing.F) {
	f.Add("dang-ky-khai-sinh", 0, "Miễn lệ phí")
	f.Add("cap-ho-chieu-pho-thong", 3, "dòng một\ndòng hai: có dấu hai chấm")
	f.Add("cap-the-can-cuoc-lan-dau", 5, "- không phải danh sách\n  # không phải chú thích")
	f.Add("dang-ky-khai-sinh", 7, "---")
	f.Fuzz(func(t *testing.T, id string, field int, value string) {
		b, err := fs.ReadFile(guides.FS, id+".md")
		if err != nil {
			return
		}
		old, err := knowledge.ParseGuide(id+".md", b)
		if err != nil {
			return
		}
		// Values as ParseGuide gives them: NFC, trimmed, LF.
		v, _ := knowledge.ParseGuide("x.md", knowledge.FormatGuide(knowledge.Guide{Title: value}))
		value = v.Title
		g := old
		switch ((field % 8) + 8) % 8 {
		case 0:
			g.Fee = value
		case 1:
			g.Title = value
		case 2:
			g.Where = value
		case 3:
			g.Eligibility = value
		case 4:
			if value != "" {
				g.Aliases = append(append([]string(nil), g.Aliases...), value)
			}
		case 5:
			g.Body = value
		case 6:
			g.Code = value
		case 7:
			g.Duration = value
		}
		out := knowledge.PatchGuide(b, old, g)
		back, _ := knowledge.ParseGuide(id+".md", out)
		if string(knowledge.FormatGuide(back)) != string(knowledge.FormatGuide(g)) || back.Body != g.Body {
			t.Fatalf("patched file does not read back as the edit:\n%s", out)
		}
	})
}
