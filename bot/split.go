package bot

import (
	"strings"
	"unicode/utf8"
)

// Split cuts text into pieces of at most limit characters (runes) for
// channels with a message size limit (Zalo and Messenger: 2000). It cuts at
// paragraph boundaries (blank lines) when it can, then at line breaks, then
// between words, and only cuts inside a word that is longer than limit.
// Pieces are trimmed; a text that fits is returned as one piece. limit <= 0
// means no limit.
func Split(text string, limit int) []string {
	text = strings.TrimSpace(text)
	if text == "" {
		return nil
	}
	if limit <= 0 || utf8.RuneCountInString(text) <= limit {
		return []string{text}
	}
	var out []string
	cur := ""
	flush := func() {
		if c := strings.TrimSpace(cur); c != "" {
			out = append(out, c)
		}
		cur = ""
	}
	// add appends unit to the current piece with sep, or starts a new piece;
	// a unit longer than limit is split further by split.
	add := func(unit, sep string, split func(string) []string) {
		if cur != "" && utf8.RuneCountInString(cur)+utf8.RuneCountInString(sep)+utf8.RuneCountInString(unit) <= limit {
			cur += sep + unit
			return
		}
		flush()
		if utf8.RuneCountInString(unit) <= limit {
			cur = unit
			return
		}
		out = append(out, split(unit)...)
	}
	hardCut := func(s string) []string {
		var ps []string
		for r := []rune(s); len(r) > 0; {
			n := min(limit, len(r))
			ps = append(ps, string(r[:n]))
			r = r[n:]
		}
		return ps
	}
	byWord := func(s string) []string { return pack(strings.Fields(s), " ", limit, hardCut) }
	byLine := func(s string) []string { return pack(strings.Split(s, "\n"), "\n", limit, byWord) }
	for _, para := range strings.Split(text, "\n\n") {
		if para = strings.TrimSpace(para); para != "" {
			add(para, "\n\n", byLine)
		}
	}
	flush()
	return out
}

// pack joins units with sep into pieces of at most limit runes; a unit that
// is too long on its own is cut with split.
func pack(units []string, sep string, limit int, split func(string) []string) []string {
	var out []string
	cur := ""
	for _, u := range units {
		u = strings.TrimSpace(u)
		if u == "" {
			continue
		}
		if cur != "" && utf8.RuneCountInString(cur)+utf8.RuneCountInString(sep)+utf8.RuneCountInString(u) <= limit {
			cur += sep + u
			continue
		}
		if cur != "" {
			out = append(out, cur)
			cur = ""
		}
		if utf8.RuneCountInString(u) <= limit {
			cur = u
			continue
		}
		out = append(out, split(u)...)
	}
	if cur != "" {
		out = append(out, cur)
	}
	return out
}
