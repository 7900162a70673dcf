package webauth

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"

	"golang.org/x/crypto/bcrypt"
)

// Accounts maps account names to bcrypt hashes, as read from an htpasswd file.
type Accounts map[string][]byte

// decoys are hashes compared against when the account is unknown, one per
// bcrypt cost, so that an unknown account costs as much time as a wrong
// password: bcrypt's time doubles with each cost step, and `htpasswd -B`
// uses cost 5 while Go's default is 10.
var decoys sync.Map // cost → []byte

func decoy(cost int) []byte {
	if h, ok := decoys.Load(cost); ok {
		return h.([]byte)
	}
	h, err := bcrypt.GenerateFromPassword([]byte("not a password"), cost)
	if err != nil {
		h, _ = bcrypt.GenerateFromPassword([]byte("not a password"), bcrypt.DefaultCost)
	}
	decoys.Store(cost, h)
	return h
}

// LoadHtpasswd reads an htpasswd file. See ParseHtpasswd.
func LoadHtpasswd(path string) (Accounts, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("webauth.LoadHtpasswd: %w", err)
	}
	defer f.Close()
	a, err := ParseHtpasswd(f)
	if err != nil {
		return nil, fmt.Errorf("webauth.LoadHtpasswd %s: %w", path, err)
	}
	return a, nil
}

// ParseHtpasswd reads lines "account:hash". Blank lines and lines starting
// with # are skipped. Only bcrypt hashes ($2y$, $2a$, $2b$, as made by
// `htpasswd -B`) are accepted; MD5, SHA1, crypt and plain entries are
// refused. Errors wrap ErrBadFile and name the line.
func ParseHtpasswd(r io.Reader) (Accounts, error) {
	a := Accounts{}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 4096), 64*1024)
	line := 0
	for sc.Scan() {
		line++
		text := strings.TrimSpace(sc.Text())
		if text == "" || strings.HasPrefix(text, "#") {
			continue
		}
		name, hash, ok := strings.Cut(text, ":")
		switch {
		case !ok:
			return nil, fmt.Errorf("line %d: no ':' between account and hash: %w", line, ErrBadFile)
		case name == "":
			return nil, fmt.Errorf("line %d: empty account name: %w", line, ErrBadFile)
		case strings.ContainsAny(name, " \t/\\<>&\"'"):
			return nil, fmt.Errorf("line %d: account name %q has a forbidden character: %w", line, name, ErrBadFile)
		case !(strings.HasPrefix(hash, "$2y$") || strings.HasPrefix(hash, "$2a$") || strings.HasPrefix(hash, "$2b$")):
			return nil, fmt.Errorf("line %d: account %q: not a bcrypt hash (make it with htpasswd -B): %w", line, name, ErrBadFile)
		}
		if _, err := bcrypt.Cost([]byte(hash)); err != nil {
			return nil, fmt.Errorf("line %d: account %q: malformed bcrypt hash: %w", line, name, ErrBadFile)
		}
		if _, dup := a[name]; dup {
			return nil, fmt.Errorf("line %d: account %q listed twice: %w", line, name, ErrBadFile)
		}
		a[name] = []byte(hash)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("line %d: %v: %w", line+1, err, ErrBadFile)
	}
	return a, nil
}

// Verify reports whether pass is the password of account user. It takes
// as long for an unknown account as for a wrong password: the unknown case
// compares against a decoy hash of the accounts' own bcrypt cost.
func (a Accounts) Verify(user, pass string) bool {
	h, ok := a[user]
	if !ok {
		_ = bcrypt.CompareHashAndPassword(decoy(a.cost()), []byte(pass))
		return false
	}
	return bcrypt.CompareHashAndPassword(h, []byte(pass)) == nil
}

// cost is the bcrypt cost most accounts use (DefaultCost with none).
func (a Accounts) cost() int {
	n := map[int]int{}
	best, most := bcrypt.DefaultCost, 0
	for _, h := range a {
		c, err := bcrypt.Cost(h)
		if err != nil {
			continue
		}
		n[c]++
		if n[c] > most || n[c] == most && c > best {
			best, most = c, n[c]
		}
	}
	return best
}

// hash returns the password hash of user.
func (a Accounts) hash(user string) ([]byte, bool) {
	h, ok := a[user]
	return h, ok
}

// HashLine returns an htpasswd line for user with a bcrypt hash of pass at
// the given cost (bcrypt.DefaultCost when cost is 0), as `htpasswd -B` would.
func HashLine(user, pass string, cost int) (string, error) {
	if cost == 0 {
		cost = bcrypt.DefaultCost
	}
	h, err := bcrypt.GenerateFromPassword([]byte(pass), cost)
	if err != nil {
		return "", fmt.Errorf("webauth.HashLine: %w", err)
	}
	// htpasswd -B writes $2y$; bcrypt accepts both.
	h = bytes.Replace(h, []byte("$2a$"), []byte("$2y$"), 1)
	return user + ":" + string(h), nil
}
