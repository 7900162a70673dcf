package main

import (
	"errors"
	"flag"
	"fmt"
	"net/http"
	"os"
	"strings"
	"time"
)

// credFlags are how every command that talks to a running botd (hotline,
// export-guides) is told where it runs and who signs in, all the same way:
//
//	--url URL             $BOTCTL_URL, default http://localhost:8080
//	--user NAME           $BOTCTL_USER
//	--password-file FILE  $BOTCTL_PASSWORD_FILE (first line of the file), else $BOTCTL_PASSWORD
//
// The password is never a flag, so it stays out of the process list and the
// shell history. The hotline's older variables BOT_HOTLINE_URL,
// BOT_HOTLINE_USER and BOT_HOTLINE_PASSWORD are still read when the BOTCTL_
// ones are unset.
type credFlags struct {
	url, user, pwFile string
	getenv            func(string) string
}

func addCredFlags(fs *flag.FlagSet, account string) *credFlags {
	c := &credFlags{getenv: os.Getenv}
	fs.StringVar(&c.url, "url", c.env("BOTCTL_URL", "BOT_HOTLINE_URL", "http://localhost:8080"), "botd base URL ($BOTCTL_URL)")
	fs.StringVar(&c.user, "user", c.env("BOTCTL_USER", "BOT_HOTLINE_USER", ""), account+" ($BOTCTL_USER)")
	fs.StringVar(&c.pwFile, "password-file", c.env("BOTCTL_PASSWORD_FILE", "", ""), "file whose first line is the password ($BOTCTL_PASSWORD_FILE; else the password is read from $BOTCTL_PASSWORD)")
	return c
}

func (c *credFlags) env(key, old, def string) string {
	if v := c.getenv(key); v != "" {
		return v
	}
	if old != "" {
		if v := c.getenv(old); v != "" {
			return v
		}
	}
	return def
}

// client returns an API client with the account and password, or an error
// that says how to give them.
func (c *credFlags) client() (*apiClient, error) {
	pass := c.env("BOTCTL_PASSWORD", "BOT_HOTLINE_PASSWORD", "")
	if c.pwFile != "" {
		b, err := os.ReadFile(c.pwFile)
		if err != nil {
			return nil, fmt.Errorf("--password-file: %w", err)
		}
		pass, _, _ = strings.Cut(string(b), "\n")
		pass = strings.TrimRight(pass, "\r")
	}
	if c.user == "" || pass == "" {
		return nil, errors.New("give the account with --user (or BOTCTL_USER) and the password with --password-file (or BOTCTL_PASSWORD_FILE, or BOTCTL_PASSWORD)")
	}
	if !strings.HasPrefix(c.url, "http://") && !strings.HasPrefix(c.url, "https://") {
		return nil, fmt.Errorf("--url %q: want the service's base URL, e.g. http://localhost:8080", c.url)
	}
	return &apiClient{base: strings.TrimRight(c.url, "/"), user: c.user, pass: pass, http: &http.Client{Timeout: 30 * time.Second}}, nil
}
