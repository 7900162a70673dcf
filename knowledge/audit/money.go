package audit

import (
	"regexp"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Amount is a sum of money written in a text: "200.000 đồng", "160,000 Việt
// Nam Đồng", "320.000đ".
type Amount struct {
	Value      int64
	Text       string
	Start, End int
}

// thousands matches a number written with thousands separators; a bare
// number ("50") is never taken for an amount.
var thousands = regexp.MustCompile(`\d{1,3}(?:[.,]\d{3})+`)

// Amounts returns the sums of money in text. With unit false every number
// written with thousands separators counts (a fee field: "160.000/320.000
// đồng"); with unit true only those followed by a currency word, directly
// or through a chain of "/ other amount" ("160.000/320.000 đồng"). Numbers
// glued to other digits or dots (procedure codes like 1.001456, dates) are
// never amounts.
func Amounts(text string, unit bool) []Amount {
	var out []Amount
	locs := thousands.FindAllStringIndex(text, -1)
	for i, loc := range locs {
		s, e := loc[0], loc[1]
		if s > 0 {
			switch c := text[s-1]; {
			case c >= '0' && c <= '9', c == '.', c == ',':
				continue
			case c == '/' && !chainedAmount(text, locs, i):
				continue
			}
		}
		if e < len(text) {
			if c := text[e]; c >= '0' && c <= '9' {
				continue
			}
			if c := text[e]; (c == '.' || c == ',') && e+1 < len(text) && text[e+1] >= '0' && text[e+1] <= '9' {
				continue
			}
		}
		if unit && !unitFollows(text, locs, i) {
			continue
		}
		v, err := strconv.ParseInt(strings.NewReplacer(".", "", ",", "").Replace(text[s:e]), 10, 64)
		if err != nil || v == 0 {
			continue
		}
		out = append(out, Amount{Value: v, Text: text[s:e], Start: s, End: e})
	}
	return out
}

// chainedAmount reports whether the number at locs[i] is the second of
// "A/B" where A is itself an amount ("160.000/320.000").
func chainedAmount(text string, locs [][]int, i int) bool {
	if i == 0 {
		return false
	}
	between := text[locs[i-1][1]:locs[i][0]]
	return strings.TrimSpace(between) == "/"
}

// unitFollows reports whether a currency word follows the number at
// locs[i], possibly after "/ next amount" links.
func unitFollows(text string, locs [][]int, i int) bool {
	for {
		rest := strings.TrimLeft(text[locs[i][1]:], " \u00a0")
		if hasUnit(rest) {
			return true
		}
		if i+1 < len(locs) && strings.TrimSpace(text[locs[i][1]:locs[i+1][0]]) == "/" {
			i++
			continue
		}
		return false
	}
}

var units = []string{"đồng", "Đồng", "VNĐ", "VND", "vnđ", "Việt Nam Đồng", "đ"}

func hasUnit(rest string) bool {
	for _, u := range units {
		if strings.HasPrefix(rest, u) {
			next, _ := utf8.DecodeRuneInString(rest[len(u):])
			if u == "đ" && (unicode.IsLetter(next)) {
				continue // "đ" starting a word: "để", "đã"
			}
			return true
		}
	}
	return false
}

var percentPattern = regexp.MustCompile(`(\d{1,3})\s?%`)

// Percents returns the percentages written in text ("50%", "50 %").
func Percents(text string) []int {
	var out []int
	for _, m := range percentPattern.FindAllStringSubmatch(text, -1) {
		if p, err := strconv.Atoi(m[1]); err == nil && p > 0 && p <= 100 {
			out = append(out, p)
		}
	}
	return out
}
