// Package webauth signs staff in to the service's web pages and APIs: the
// hotline console (/hotline, BOT_STAFF_FILE) and the editors' admin page
// (/admin, BOT_EDITOR_FILE).
//
// Accounts come from an htpasswd file whose entries are bcrypt hashes, as
// `htpasswd -B` makes them; other hash kinds are refused with the line
// number. A page sign-in creates a server-side Session (random id in a
// Secure, HttpOnly, SameSite=Strict cookie; the store keeps only a hash of
// the id) with its own CSRF token, which every form post must echo in the
// _csrf field and every cookie-authenticated API call in the X-CSRF-Token
// header. APIs also take HTTP Basic with the same accounts (no CSRF needed:
// browsers never send Basic credentials cross-site on their own).
//
// Failed sign-ins (form or Basic) are counted per client IP and account;
// after Config.MaxFailures within Config.FailureWindow that pair is refused
// with 429 until the window passes, even with the right password. A looser
// per-IP limit stops one client from spraying many accounts. The counters
// are per process: with several instances behind a balancer the effective
// limit is multiplied by the number of instances.
//
// Sessions live in a Store: NewMemoryStore for one process, NewKVStore (a
// JetStream KV bucket with a TTL) when several instances share the work.
package webauth
