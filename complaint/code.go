package complaint

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// A complaint code is "PA-" and eight digits in two groups of four:
// "PA-4829-1736". Digits, because a code is read out over the phone and
// Vietnamese letter names (bê, pê, vê, đê, tê) are easily confused; seven
// come from a hash of the filing and the eighth is a Damm check digit, so
// any single wrong digit and any swap of two neighbours is caught before a
// lookup says "no such complaint". A code is not a secret: what anyone can
// see with it is the public view (status, dates, procedure, ward, the
// published answer), never the text or who sent it.

// damm is the quasigroup of order 10 of the Damm check digit algorithm
// (H. M. Damm, "Total anti-symmetrische Quasigruppen", 2004; the table
// commonly published with the algorithm).
var damm = [10][10]byte{
	{0, 3, 1, 7, 5, 9, 8, 6, 4, 2},
	{7, 0, 9, 2, 1, 5, 4, 8, 6, 3},
	{4, 2, 0, 6, 8, 7, 1, 3, 5, 9},
	{1, 7, 5, 0, 9, 8, 3, 4, 2, 6},
	{6, 1, 2, 3, 0, 4, 5, 9, 7, 8},
	{3, 6, 7, 4, 2, 0, 9, 5, 8, 1},
	{5, 8, 6, 9, 7, 2, 0, 1, 3, 4},
	{8, 9, 4, 5, 3, 6, 2, 0, 1, 7},
	{9, 4, 3, 8, 6, 1, 7, 2, 0, 5},
	{2, 5, 8, 1, 4, 3, 6, 7, 9, 0},
}

// checkDigit returns the Damm check digit of a string of digits.
func checkDigit(digits string) byte {
	var interim byte
	for i := 0; i < len(digits); i++ {
		interim = damm[interim][digits[i]-'0']
	}
	return '0' + interim
}

// newCode derives the code of a filing from its id; attempt > 0 gives
// another code for the rare case that the first is taken by another filing.
func newCode(filingID string, attempt int) string {
	h := sha256.Sum256([]byte(filingID + "#" + strconv.Itoa(attempt)))
	n := binary.BigEndian.Uint64(h[:8]) % 10_000_000
	d := fmt.Sprintf("%07d", n)
	d += string(checkDigit(d))
	return "PA-" + d[:4] + "-" + d[4:]
}

// reCode finds a code as citizens type it: "PA-4829-1736", "pa 4829 1736",
// "PA48291736", "PA-4829.1736".
var reCode = regexp.MustCompile(`(?i)\bPA[\s.\-_]*(\d{4})[\s.\-]*(\d{4})\b`)

// FindCode returns the first code-shaped string in text in canonical form
// ("PA-4829-1736"), and whether its check digit is right. found is false
// when text holds nothing shaped like a code.
func FindCode(text string) (code string, valid, found bool) {
	m := reCode.FindStringSubmatch(text)
	if m == nil {
		return "", false, false
	}
	d := m[1] + m[2]
	return "PA-" + m[1] + "-" + m[2], checkDigit(d) == '0', true
}

// ParseCode reads a code typed in any of the forms FindCode accepts, alone.
// It returns the canonical form, or an error wrapping ErrBadCode.
func ParseCode(s string) (string, error) {
	s = strings.TrimSpace(s)
	m := reCode.FindStringSubmatchIndex(s)
	if m == nil || m[0] != 0 || m[1] != len(s) {
		return "", fmt.Errorf("complaint.ParseCode: %q is not PA- and 8 digits: %w", truncate(s, 40), ErrBadCode)
	}
	code, valid, _ := FindCode(s)
	if !valid {
		return "", fmt.Errorf("complaint.ParseCode: %s: a digit is wrong (check digit): %w", code, ErrBadCode)
	}
	return code, nil
}

// validKey reports whether code is canonical and checks out: the only keys
// read from the bucket.
func validKey(code string) bool {
	c, err := ParseCode(code)
	return err == nil && c == code
}

func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n]) + "…"
}
