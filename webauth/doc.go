// Package webauth signs staff in to the service's web pages and APIs: the
// hotline console (/hotline, BOT_STAFF_FILE) and the editors' admin page
// (/admin, BOT_EDITOR_FILE).
//
// Accounts come from an htpasswd file whose entries are bcrypt hashes, as
// `htpasswd -B` makes them; other hash kinds are refused with the line
// number. Auth.WatchFile re-reads the file when it changes.
//
// A page sign-in creates a server-side Session (random id in an HttpOnly,
// SameSite=Strict cookie, Secure as BOT_COOKIE_SECURE says; the store keeps
// only a hash of the id) with its own CSRF token, which every form post
// must echo in the _csrf field of its body and every cookie-authenticated
// API call in the X-CSRF-Token header (never in the query string). APIs
// also take HTTP Basic with the same accounts (no CSRF needed: browsers
// never send Basic credentials cross-site on their own). Sign-in and every
// unsafe request refuse what another site started (Sec-Fetch-Site). A
// sign-in redirects with AfterSignIn; arriving there without the cookie
// sends the browser back to the sign-in page, where LoginNotice says the
// browser did not keep it.
//
// A session belongs to one site: it records the site that made it, lives
// in that site's own bucket (SessionBucket), and is refused anywhere else,
// whatever cookie name it is sent under. At every request it is checked
// against the accounts file: a session whose account was removed, or whose
// password changed since, is refused and deleted. Auth.Revoke (and the
// pages' "sign out everywhere", SignOutEverywhere) ends every session of an
// account on a site.
//
// Failed sign-ins (form or Basic) are counted per site and account, not per
// client address: after Config.MaxFailures within Config.FailureWindow each
// further attempt must wait 1 s, 2 s, 4 s … (at most Config.MaxBackoff)
// after the last failure, and is refused with 429 and Retry-After until
// then, even with the right password. An unknown account costs the same
// bcrypt work as a wrong password (a decoy hash of the accounts' own cost),
// so sign-in timing does not tell which accounts exist.
//
// Sessions live in a Store and failure counters in a FailureStore: in
// memory for one process (NewMemoryStore, NewMemoryFailures), or in
// JetStream KV buckets shared by every instance (NewKVStore, NewKVFailures;
// Buckets declares them with the configured replicas), so N instances
// behave as one.
package webauth
