package complaint

import (
	"regexp"
	"strings"
	"unicode"

	"botdvc/knowledge"
	"botdvc/knowledge/vntext"
)

// What an officer needs is read from whatever the citizen writes, so that
// nothing already said is asked again: the procedure (a guide's title or
// alias named in the text), the commune or ward ("phường Cầu Giấy"), when
// ("hôm qua", "ngày 12/3"), a phone number or e-mail (offered as contact,
// kept only with consent).

// words is how texts and guide names are compared: tokens, abbreviations
// expanded, folded (the engine's and the search backends' analysis).
func words(s string) []string {
	return vntext.FoldTokens(vntext.DefaultDict().Expand(vntext.Tokens(s)))
}

// plain folds a text's words without expanding abbreviations, for names
// ("hong" must stay the syllable of "Hồng Hà", not the slang for "không").
func plain(s string) []string { return vntext.FoldTokens(vntext.Tokens(s)) }

// findPhrase returns the start of p in ws, or -1.
func findPhrase(ws, p []string) int {
	if len(p) == 0 {
		return -1
	}
outer:
	for i := 0; i+len(p) <= len(ws); i++ {
		for j := range p {
			if ws[i+j] != p[j] {
				continue outer
			}
		}
		return i
	}
	return -1
}

// matchProcedure finds the guide the text names: the guide with the
// longest run of words in common with one of its names (title or alias),
// where a run counts when it is the whole name, or three words or more of
// it ("làm căn cước" in "làm căn cước lần đầu"); a one-word name counts
// when it has four letters or more ("cccd"). Only curated guides are
// considered: the catalogue's formal titles are not how citizens speak.
func matchProcedure(text string, guides []knowledge.Guide) (knowledge.Guide, bool) {
	ws := words(text)
	best, bestLen, bestFull := knowledge.Guide{}, 0, false
	for _, g := range guides {
		if g.Source == knowledge.SourceCatalog {
			continue
		}
		for _, name := range append([]string{g.Title}, g.Aliases...) {
			p := words(name)
			if len(p) == 1 && len(p[0]) < 4 {
				continue
			}
			n := commonRun(ws, p)
			full := n == len(p)
			if !full && n < 3 {
				continue
			}
			if n > bestLen || n == bestLen && full && !bestFull {
				best, bestLen, bestFull = g, n, full
			}
		}
	}
	return best, bestLen > 0
}

// commonRun is the length of the longest run of words that a and b share in order.
func commonRun(a, b []string) int {
	best := 0
	for i := range a {
		for j := range b {
			k := 0
			for i+k < len(a) && j+k < len(b) && a[i+k] == b[j+k] {
				k++
			}
			best = max(best, k)
		}
	}
	return best
}

// rePlace finds a commune or ward named with its unit word and capitalised
// words: "phường Cầu Giấy", "xã Minh Quang", "UBND phường Hồng Hà".
var rePlace = regexp.MustCompile(`(?i:\b(phường|xã|thị trấn|phuong|xa|thi tran)\s+)((?:\p{Lu}[\p{L}\p{M}]*|\d+)(?:\s+(?:\p{Lu}[\p{L}\p{M}]*|\d+)){0,3})`)

// findPlace returns the first "phường/xã X" in text, or "".
func findPlace(text string) string {
	m := rePlace.FindStringSubmatch(text)
	if m == nil {
		return ""
	}
	unit := strings.ToLower(m[1])
	switch unit {
	case "phuong":
		unit = "phường"
	case "xa":
		unit = "xã"
	case "thi tran":
		unit = "thị trấn"
	}
	return unit + " " + m[2]
}

// reDate finds written dates: 12/3, 12-3-2026, 12.03.2026.
var reDate = regexp.MustCompile(`\b\d{1,2}[/.\-]\d{1,2}(?:[/.\-]\d{2,4})?\b`)

// whenPhrases are spoken times, folded; "#" stands for a number.
var whenPhrases = [][]string{
	{"hom", "nay"}, {"hom", "qua"}, {"hom", "kia"}, {"sang", "nay"}, {"chieu", "nay"}, {"trua", "nay"}, {"toi", "qua"},
	{"sang", "qua"}, {"chieu", "qua"}, {"tuan", "truoc"}, {"tuan", "nay"}, {"thang", "truoc"}, {"thang", "nay"},
	{"nam", "ngoai"}, {"nam", "truoc"}, {"dau", "thang"}, {"cuoi", "thang"}, {"giua", "thang"}, {"may", "hom", "truoc"},
	{"may", "ngay", "truoc"}, {"hom", "truoc"}, {"#", "ngay", "truoc"}, {"#", "tuan", "truoc"}, {"#", "thang", "truoc"},
	{"ngay", "#", "thang", "#"}, {"ngay", "#"}, {"thang", "#"}, {"vua", "roi"}, {"gan", "day"},
}

// findWhen returns when it happened as the citizen said it, or "".
func findWhen(text string) string {
	if d := reDate.FindString(text); d != "" {
		return d
	}
	toks := vntext.Tokens(text)
	folded := vntext.FoldTokens(toks)
	for _, p := range whenPhrases {
		for i := 0; i+len(p) <= len(folded); i++ {
			ok := true
			for j, w := range p {
				f := folded[i+j]
				if w == "#" {
					if f == "" || strings.TrimFunc(f, unicode.IsDigit) != "" {
						ok = false
						break
					}
				} else if f != w {
					ok = false
					break
				}
			}
			if ok {
				return strings.Join(toks[i:i+len(p)], " ")
			}
		}
	}
	return ""
}

// Contacts: Vietnamese phone numbers (0 or +84/84 then nine digits, with
// optional separators) and e-mail addresses; the same shapes bot.Redact
// removes.
var (
	rePhone = regexp.MustCompile(`(?:\+84|\b84|\b0)(?:[ .\-]?\d){9}\b`)
	reEmail = regexp.MustCompile(`[\p{L}\p{N}._%+\-]+@[\p{L}\p{N}.\-]+\.[\p{L}]{2,}`)
)

// findContact returns the first phone number or e-mail address in text,
// tidied (separators dropped from a phone number), or "".
func findContact(text string) string {
	if e := reEmail.FindString(text); e != "" {
		return e
	}
	if p := rePhone.FindString(text); p != "" {
		return strings.Map(func(r rune) rune {
			if r == ' ' || r == '.' || r == '-' {
				return -1
			}
			return r
		}, p)
	}
	return ""
}

// maskContact shows enough of a contact for the citizen to recognise it
// in a reply, not the whole: "số điện thoại kết thúc bằng 678", "e-mail l…@gmail.com".
func maskContact(c string) string {
	if at := strings.IndexByte(c, '@'); at > 0 {
		r := []rune(c[:at])
		return "e-mail " + string(r[0]) + "…" + c[at:]
	}
	if len(c) >= 3 {
		return "số điện thoại kết thúc bằng " + c[len(c)-3:]
	}
	return "số điện thoại"
}

// cueWords are the words of "I want to complain" that say nothing about
// what happened.
var cueWords = map[string]bool{"phan": true, "anh": true, "kien": true, "nghi": true, "muon": true, "gui": true,
	"khieu": true, "nai": true, "to": true, "cao": true, "gop": true, "y": true, "ve": true, "viec": true,
	"xin": true, "can": true, "cho": true, "hoi": true, "chuyen": true, "nay": true}

// thin reports whether a text is too short to tell what happened
// ("tôi muốn phản ánh", "kiến nghị ạ").
func thin(text string) bool {
	n := 0
	for _, w := range vntext.FoldTokens(vntext.RemoveStopWords(vntext.Tokens(text))) {
		if !cueWords[w] {
			n++
		}
	}
	return n < 4
}

// clip trims a free-text answer to at most n characters.
func clip(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > n {
		return string(r[:n])
	}
	return s
}
