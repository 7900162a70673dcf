package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"botdvc/webauth"
)

// passwdCost is the bcrypt cost of new entries: as `htpasswd -nbBC 12`.
const passwdCost = 12

// runPasswd adds an account to an htpasswd file (BOT_STAFF_FILE,
// BOT_EDITOR_FILE) or changes its password: `botctl passwd FILE NAME`. The
// password is read from standard input (first line), or asked twice without
// echo on a terminal; it is never an argument. The entry is bcrypt, cost 12,
// as `htpasswd -B -C 12` writes it; other lines of the file are kept.
func runPasswd(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("passwd", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: botctl passwd FILE NAME    (the password on standard input, or asked on a terminal)")
		fmt.Fprintln(fs.Output(), "example: botctl passwd staff.htpasswd lan && BOT_STAFF_FILE=staff.htpasswd go run ./cmd/botd")
		fs.PrintDefaults()
	}
	pos, err := parseAll(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 2 {
		fs.Usage()
		return errors.New("want a file and an account name")
	}
	file, name := pos[0], pos[1]
	if name == "" || strings.ContainsAny(name, ": \t/\\<>&\"'#") {
		return fmt.Errorf("account name %q: use letters, digits, '.', '-' or '_'", name)
	}
	pass, err := readPassword(stdin, stderr)
	if err != nil {
		return err
	}
	line, err := webauth.HashLine(name, pass, passwdCost)
	if err != nil {
		return err
	}
	var kept []string
	replaced := false
	if b, err := os.ReadFile(file); err == nil {
		for _, l := range strings.Split(strings.TrimRight(string(b), "\n"), "\n") {
			if n, _, ok := strings.Cut(strings.TrimSpace(l), ":"); ok && n == name {
				replaced = true
				continue
			}
			if l != "" || len(kept) > 0 {
				kept = append(kept, l)
			}
		}
	} else if !errors.Is(err, os.ErrNotExist) {
		return err
	}
	out := strings.Join(append(kept, line), "\n") + "\n"
	if _, err := webauth.ParseHtpasswd(strings.NewReader(out)); err != nil {
		return fmt.Errorf("%s: %w (fix the file by hand)", file, err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(file), ".htpasswd-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.WriteString(out); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), file); err != nil {
		return err
	}
	what := "added"
	if replaced {
		what = "changed the password of"
	}
	fmt.Fprintf(stdout, "%s %s in %s\n", what, name, file)
	return nil
}

// readPassword reads the first line of stdin, or, when stdin is a
// terminal, asks twice with echo off (stty).
func readPassword(stdin io.Reader, stderr io.Writer) (string, error) {
	f, isFile := stdin.(*os.File)
	if isFile {
		if st, err := f.Stat(); err == nil && st.Mode()&os.ModeCharDevice != 0 {
			return askTwice(f, stderr)
		}
	}
	pass, err := bufio.NewReader(stdin).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", err
	}
	pass = strings.TrimRight(pass, "\r\n")
	if pass == "" {
		return "", errors.New("no password on standard input")
	}
	return pass, nil
}

func askTwice(tty *os.File, stderr io.Writer) (string, error) {
	echo := func(on bool) {
		arg := "-echo"
		if on {
			arg = "echo"
		}
		cmd := exec.Command("stty", arg)
		cmd.Stdin = tty
		_ = cmd.Run() // without stty the password shows; it still works
	}
	echo(false)
	defer echo(true)
	r := bufio.NewReader(tty)
	ask := func(prompt string) (string, error) {
		fmt.Fprint(stderr, prompt)
		s, err := r.ReadString('\n')
		fmt.Fprintln(stderr)
		return strings.TrimRight(s, "\r\n"), err
	}
	p1, err := ask("Mật khẩu: ")
	if err != nil {
		return "", err
	}
	p2, err := ask("Nhập lại: ")
	if err != nil {
		return "", err
	}
	if p1 != p2 {
		return "", errors.New("the two passwords differ")
	}
	if p1 == "" {
		return "", errors.New("empty password")
	}
	return p1, nil
}
