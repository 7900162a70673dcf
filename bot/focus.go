package bot

import (
	"slices"
	"strings"

	"botdvc/knowledge/vntext"
)

// Real questions tell a story before they ask ("Tôi đăng ký thường trú ở
// Nghệ An, 3 năm nay tạm trú ở Hà Nội. Giờ tôi có thể xin lý lịch tư pháp ở
// Hà Nội được không?"): the procedure asked about is in the sentence that
// asks, the others are background. The engine measures each candidate on
// the whole text and on this focus; the fitted model weighs the two.

// sentence is one sentence of a message as typed, with whether it asks.
type sentence struct {
	text     string
	asks     bool // a question mark, or words that ask or say what is wanted
	question bool // ends with a question mark
}

// splitSentences cuts text at sentence ends (. ? ! ; and line breaks). A dot
// between digits or letters with no space after it ("1.001193", "H26.01")
// does not end a sentence.
func splitSentences(text string) []sentence {
	var out []sentence
	start := 0
	rs := []rune(text)
	flush := func(end int, q bool) {
		s := strings.TrimSpace(string(rs[start:end]))
		start = end
		if s == "" {
			return
		}
		out = append(out, sentence{text: s, question: q, asks: q || asksWords(vntext.FoldTokens(vntext.Tokens(s)))})
	}
	for i, r := range rs {
		switch r {
		case '?':
			flush(i+1, true)
		case '!', ';', '\n':
			flush(i+1, false)
		case '.':
			if i+1 < len(rs) && rs[i+1] != ' ' && rs[i+1] != '\n' {
				continue // "1.001193", "v.v", a URL
			}
			flush(i+1, false)
		}
	}
	flush(len(rs), false)
	return out
}

// askCues mark a sentence that asks even without a question mark: a
// request to ask ("xin hỏi", "cho tôi hỏi"), what the citizen wants to do
// ("tôi muốn đổi lại biển số"), a question word, or a yes/no question's
// final word.
var askCues = pats("hỏi", "muốn", "có nhu cầu", "dự định", "thế nào", "như nào", "ra sao", "làm sao", "ở đâu", "bao lâu", "bao nhiêu", "bao giờ", "những gì",
	"được không", "hay không", "có phải * không", "có cần * không", "có được * không", "có thể * không", "gì")

// askEnds are final words of a yes/no or wh- question typed without "?".
var askEnds = set("không khong chưa chua gì nào sao đâu nhỉ hả ạ")

func asksWords(ws []string) bool {
	if len(ws) == 0 {
		return false
	}
	if askEnds[ws[len(ws)-1]] && len(ws) > 2 {
		return true
	}
	return anyMatch(askCues, ws)
}

// focusText returns the sentences of text that ask, joined, or "" when the
// message is one sentence or every sentence asks (the focus is then the
// whole message). Sentences with a question mark are the focus when there
// are any; else those that ask by their words ("xin hỏi", "tôi muốn");
// else the last one: a story ends with what the citizen wants. An asking
// sentence too short to name anything ("Em cần làm những gì ạ?") takes
// the sentence before it along.
func focusText(text string) string {
	ss := splitSentences(text)
	if len(ss) < 2 {
		return ""
	}
	pick := func(s sentence) bool { return s.asks }
	if slices.ContainsFunc(ss, func(s sentence) bool { return s.question }) {
		pick = func(s sentence) bool { return s.question }
	}
	var parts []string
	for i, s := range ss {
		if !pick(s) {
			continue
		}
		if i > 0 && !pick(ss[i-1]) && len(vntext.ContentWords(s.text)) < minFocusWords {
			parts = append(parts, ss[i-1].text)
		}
		parts = append(parts, s.text)
	}
	switch len(parts) {
	case 0:
		return ss[len(ss)-1].text
	case len(ss):
		return ""
	}
	return strings.Join(parts, " ")
}

// minFocusWords is the fewest content words an asking sentence needs to
// stand alone as the focus.
const minFocusWords = 3
