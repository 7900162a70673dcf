//go:build !unix

package main

// lockDataDir does nothing where flock is not available; run one botd per
// data directory there.
func lockDataDir(dir string) (release func(), err error) { return func() {}, nil }
