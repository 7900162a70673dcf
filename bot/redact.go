package bot

import (
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Patterns of personal data citizens send, matched after normalizeDigits.
var (
	reEmail = regexp.MustCompile(`[\p{L}\p{N}._%+-]+@[\p{L}\p{N}.-]+\.[\p{L}]{2,}`)
	// Vietnamese phone numbers: mobile 0 + 9 digits, landline 0 + 2x + 8
	// digits (024 3825 1234), or +84/84 instead of the 0; spaces, dots or
	// hyphens between digits; or the area code in brackets: (024) 3825-1234.
	rePhone = regexp.MustCompile(`(?:(?:\+|\b)84|\b0)(?:[ .-]?\d){9,10}\b|\(0\d{2,3}\)[ .-]?\d{3,4}(?:[ .-]?\d){3,4}\b`)
	// 12-digit personal id (căn cước / CCCD) or 9-digit old CMND, with
	// optional spaces, dots or hyphens between groups of three.
	reIDNumber = regexp.MustCompile(`\b\d{3}[ .-]?\d{3}[ .-]?\d{3}(?:[ .-]?\d{3})?\b`)
	// Passport: one letter and seven digits (C1234567).
	rePassport = regexp.MustCompile(`\b[A-Za-z]\d{7}\b`)
	// Bank account and card numbers: 8 or more digits in all (notAccount),
	// possibly in groups separated by spaces or hyphens (not dots: those
	// group money amounts).
	reAccount = regexp.MustCompile(`\b\d{4,}(?:[ -]\d{3,})*\b`)
	// A money amount follows: the digits are a price, not a number to hide.
	reCurrency = regexp.MustCompile(`(?i)^\s?(?:đồng|đ\b|₫|vnđ|vnd|dong\b|triệu|nghìn|ngàn)`)
)

// Redact replaces phone numbers (mobile and landline), căn cước and old
// CMND numbers, passport numbers, bank account and card numbers and e-mail
// addresses with placeholders, so text can be stored and shown to staff
// and editors. Full-width and other non-ASCII digits are read as digits
// first (the output carries them as ASCII). Dossier codes (letters and
// digits joined by dots and hyphens), money amounts ("150.000.000 đồng"),
// dates and the 1900/1800 hotlines are kept: staff need them.
func Redact(s string) string {
	s = normalizeDigits(s)
	s = reEmail.ReplaceAllString(s, "[email]")
	s = replaceUnlessCode(rePhone, s, "[số điện thoại]", false)
	s = replaceUnlessCode(reIDNumber, s, "[số giấy tờ]", true)
	s = replaceUnlessCode(rePassport, s, "[số giấy tờ]", false)
	s = replaceUnlessCode(reAccount, s, "[số tài khoản]", true, notAccount)
	return s
}

// replaceUnlessCode replaces the matches of re in s with repl, except a
// match that is part of a longer code (joined to letters or digits by a
// dot, hyphen or slash, as in H26.01-251125-0001) and, with money, one
// followed by a currency word.
func replaceUnlessCode(re *regexp.Regexp, s, repl string, money bool, keep ...func(string) bool) string {
	idx := re.FindAllStringIndex(s, -1)
	if idx == nil {
		return s
	}
	var b strings.Builder
	last := 0
	for _, m := range idx {
		start, end := m[0], m[1]
		if joined(s, start, end) || (money && reCurrency.MatchString(s[end:])) || (len(keep) > 0 && keep[0](s[start:end])) {
			continue
		}
		b.WriteString(s[last:start])
		b.WriteString(repl)
		last = end
	}
	b.WriteString(s[last:])
	return b.String()
}

// notAccount reports whether a match of reAccount is no account or card
// number: fewer than 8 digits (a year, a law's year, a house number, a
// port) or a service line.
func notAccount(m string) bool {
	n := 0
	for i := 0; i < len(m); i++ {
		if m[i] >= '0' && m[i] <= '9' {
			n++
		}
	}
	return n < 8 || serviceNumber(m)
}

// serviceNumber reports whether a run of digits is a 1900/1800 service
// line (1900 1234, 1800 123456): public numbers, not personal data.
func serviceNumber(m string) bool {
	d := strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return r
		}
		return -1
	}, m)
	return len(d) <= 10 && (strings.HasPrefix(d, "1900") || strings.HasPrefix(d, "1800"))
}

// joined reports whether s[start:end] is glued to a longer code.
func joined(s string, start, end int) bool {
	isSep := func(r rune) bool { return r == '.' || r == '-' || r == '/' }
	isAlnum := func(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }
	if r1, n := utf8.DecodeLastRuneInString(s[:start]); n > 0 && isSep(r1) {
		if r2, m := utf8.DecodeLastRuneInString(s[:start-n]); m > 0 && isAlnum(r2) {
			return true
		}
	}
	if r1, n := utf8.DecodeRuneInString(s[end:]); n > 0 && isSep(r1) {
		if r2, m := utf8.DecodeRuneInString(s[end+n:]); m > 0 && isAlnum(r2) {
			return true
		}
	}
	return false
}

// normalizeDigits rewrites full-width ASCII forms (０-９, ＋, －, ＠, Ａ…)
// and the ideographic space as ASCII, and every other Unicode decimal
// digit as its ASCII digit, so that numbers typed on other keyboards are
// recognised. It returns s itself when there is nothing to rewrite.
func normalizeDigits(s string) string {
	clean := true
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	changed := false
	out := strings.Map(func(r rune) rune {
		switch {
		case r >= 0xFF01 && r <= 0xFF5E: // full-width forms of ASCII ! … ~
			changed = true
			return r - 0xFF01 + '!'
		case r == 0x3000: // ideographic space
			changed = true
			return ' '
		case r > unicode.MaxASCII && unicode.IsDigit(r):
			changed = true
			return '0' + digitValue(r)
		}
		return r
	}, s)
	if !changed {
		return s
	}
	return out
}

// digitValue returns the value of a Unicode decimal digit: its distance
// from the start of its run of digits, modulo 10 (digits are encoded in
// runs of ten starting at zero; some runs hold several sets in a row).
func digitValue(r rune) rune {
	start := r
	for start > 0 && unicode.IsDigit(start-1) {
		start--
	}
	return (r - start) % 10
}
