package zalo

import (
	"strings"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"
)

// split cuts text into pieces of at most max units as measured by size,
// preferring paragraph boundaries, then line breaks, then sentence ends,
// then spaces, and cutting inside a word only when a word alone is longer
// than max. Pieces are trimmed of surrounding white space; empty pieces are
// dropped. The same splitter lives in package zalo: siblings do not import
// each other, and bot has no Split yet.
func split(text string, max int, size func(string) int) []string {
	text = strings.TrimSpace(text)
	var out []string
	for text != "" {
		if size(text) <= max {
			out = append(out, text)
			break
		}
		cut := prefixLen(text, max, size) // longest prefix (bytes) that fits
		head := text[:cut]
		at := -1
		for _, sep := range []string{"\n\n", "\n", ". ", "! ", "? ", "; ", " "} {
			if i := strings.LastIndex(head, sep); i > 0 {
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
	for i, r := range s {
		w := size(string(r))
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

// utf16Len counts UTF-16 code units, the unit JavaScript-based limits use:
// an emoji outside the BMP counts twice.
func utf16Len(s string) int {
	n := 0
	for _, r := range s {
		n += utf16.RuneLen(r)
	}
	return n
}

// truncate cuts s to at most max runes.
func truncate(s string, max int) string {
	if utf8.RuneCountInString(s) <= max {
		return s
	}
	r := []rune(s)
	return string(r[:max])
}
