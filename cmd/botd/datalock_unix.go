//go:build unix

package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// lockDataDir takes an exclusive lock on DataDir/botd.lock (flock), held
// until release. The embedded NATS store and the bleve index each allow one
// process: without this lock a second botd on the same directory waited
// forever for the index's file lock, silently. Now it stops at once and
// says who holds the directory.
func lockDataDir(dir string) (release func(), err error) {
	path := filepath.Join(dir, "botd.lock")
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("botd: data dir lock: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			holder := "another botd"
			if b, rerr := os.ReadFile(path); rerr == nil {
				if pid := strings.TrimSpace(string(b)); pid != "" {
					holder += " (pid " + pid + ")"
				}
			}
			return nil, fmt.Errorf("botd: data directory %s is in use by %s: stop it, or give this one its own BOT_DATA_DIR", dir, holder)
		}
		return nil, fmt.Errorf("botd: data dir lock: %w", err)
	}
	_ = f.Truncate(0)
	_, _ = f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
	return func() {
		_ = f.Truncate(0)
		_ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		_ = f.Close()
	}, nil
}
