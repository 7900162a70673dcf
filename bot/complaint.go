package bot

import "botdvc/knowledge/vntext"

// IsComplaint reports whether text is a complaint or petition (phản ánh,
// kiến nghị, a complaint about staff or delays) rather than a question,
// including a question about how to complain ("làm sao gửi kiến nghị" is a
// procedure question). It is the engine's own recognition, exposed for the
// complaint intake that runs in front of the engine (package complaint).
func IsComplaint(text string) bool {
	return understand(text, vntext.DefaultDict()).intent == intentComplaint
}
