package bot

import "regexp"

// Patterns of personal data citizens send. Order matters: longer digit runs first.
var (
	reEmail = regexp.MustCompile(`[\p{L}\p{N}._%+-]+@[\p{L}\p{N}.-]+\.[\p{L}]{2,}`)
	// 12-digit personal id (căn cước / CCCD), 9-digit old CMND, with optional spaces or dots between groups.
	reIDNumber = regexp.MustCompile(`\b\d{3}[ .]?\d{3}[ .]?\d{3}(?:[ .]?\d{3})?\b`)
	// Vietnamese phone numbers: 0 or +84/84 then 9 digits, optional separators.
	rePhone = regexp.MustCompile(`(?:\+84|\b84|\b0)(?:[ .-]?\d){9}\b`)
)

// Redact replaces phone numbers, id numbers and e-mail addresses with
// placeholders so text can be stored and shown to staff and editors.
// Dossier codes (letters and digits mixed) are kept: staff need them.
func Redact(s string) string {
	s = reEmail.ReplaceAllString(s, "[email]")
	s = rePhone.ReplaceAllString(s, "[số điện thoại]")
	s = reIDNumber.ReplaceAllString(s, "[số giấy tờ]")
	return s
}
