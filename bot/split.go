package bot

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Split cuts text into pieces of at most limit characters (runes) for
// channels with a message size limit (Zalo: 2000). See SplitFunc.
func Split(text string, limit int) []string {
	return SplitFunc(text, limit, utf8.RuneCountInString)
}

// SplitFunc cuts text into pieces whose size, as measured by size, is at
// most limit: Messenger measures in UTF-16 units, Zalo in characters. It cuts
// at paragraph boundaries (blank lines) when it can, then at line breaks,
// then after a sentence, then between words, and only inside a word that is
// longer than limit. Pieces are trimmed and empty ones dropped; a text that
// fits is returned as one piece. limit <= 0 means no limit.
func SplitFunc(text string, limit int, size func(string) int) []string {
	text = strings.TrimSpace(text)
	if text == "" {
		return nil
	}
	if limit <= 0 {
		return []string{text}
	}
	var out []string
	for text != "" {
		if size(text) <= limit {
			out = append(out, text)
			break
		}
		cut := prefixLen(text, limit, size) // longest prefix (bytes) that fits
		at := -1
		for _, sep := range []string{"\n\n", "\n", ". ", "! ", "? ", "; ", " "} {
			// A separator may start inside the prefix and end after it: the
			// piece before it still fits, and its own spaces are trimmed.
			head := text[:min(len(text), cut+len(sep))]
			kept := len(strings.TrimRightFunc(sep, unicode.IsSpace)) // what of sep stays in the piece
			if i := strings.LastIndex(head, sep); i > 0 && i+kept <= cut {
				at = i + len(sep)
				break
			}
		}
		if at <= 0 || strings.TrimSpace(text[:at]) == "" {
			at = cut
		}
		if piece := strings.TrimRightFunc(text[:at], unicode.IsSpace); piece != "" {
			out = append(out, piece)
		}
		text = strings.TrimLeftFunc(text[at:], unicode.IsSpace)
	}
	return out
}

// prefixLen returns the byte length of the longest prefix of s, ending on a
// rune boundary, whose size is at most max (at least one rune).
func prefixLen(s string, max int, size func(string) int) int {
	n, end := 0, 0
	var buf [utf8.UTFMax]byte
	for i, r := range s {
		w := size(string(buf[:utf8.EncodeRune(buf[:], r)]))
		if n+w > max {
			break
		}
		n += w
		end = i + utf8.RuneLen(r)
	}
	if end == 0 && s != "" {
		_, end = utf8.DecodeRuneInString(s)
	}
	return end
}
