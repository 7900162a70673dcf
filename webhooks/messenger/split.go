package messenger

import (
	"unicode/utf16"
	"unicode/utf8"
)

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
