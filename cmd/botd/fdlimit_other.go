//go:build !unix

package main

// fdLimit is unknown here: connections are capped only by BOT_MAX_CONNS.
func fdLimit() int { return 0 }
