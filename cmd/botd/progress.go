package main

import (
	"log/slog"
	"sync"
	"time"
)

// logWhile logs msg (with args and the time taken so far) every interval
// until stop is called, so a long silent step at start-up (indexing the
// national catalogue takes tens of seconds on a busy machine) shows that
// botd is working rather than stuck (issue 15).
func logWhile(log *slog.Logger, every time.Duration, msg string, args ...any) (stop func()) {
	start := time.Now()
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				log.Info(msg, append(args[:len(args):len(args)], "so_far", time.Since(start).Round(time.Second))...)
			}
		}
	}()
	var once sync.Once
	return func() {
		once.Do(func() { close(done) })
		wg.Wait()
	}
}
