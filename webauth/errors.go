package webauth

import "errors"

// Errors of package webauth. Callers test them with errors.Is.
var (
	// ErrBadFile means an htpasswd file could not be parsed; the error names the line.
	ErrBadFile = errors.New("bad htpasswd file")
	// ErrBadCredentials means the account is unknown or the password is wrong.
	ErrBadCredentials = errors.New("wrong account or password")
	// ErrRateLimited means the account is backing off after failed sign-ins
	// (see RateLimitedError and RetryAfter).
	ErrRateLimited = errors.New("too many failed sign-ins")
	// ErrCrossSite means another site started the request (login CSRF).
	ErrCrossSite = errors.New("request from another site")
	// ErrNoSession means the session does not exist or has expired.
	ErrNoSession = errors.New("no session")
)
