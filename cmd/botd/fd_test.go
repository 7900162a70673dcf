package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestHelperBotd is not a test of its own: TestDescriptorExhaustion runs the
// test binary again with BOTD_FD_CHILD set, and then this lowers the
// process's descriptor limit to BOTD_FD_LIMIT (soft and hard, as
// `ulimit -n` does) and runs botd as main does, configured from the
// environment: it prints "URL <base>" when serving and "FAILED <err>" if
// the server stops on its own, and closes when its standard input does.
func TestHelperBotd(t *testing.T) {
	if os.Getenv("BOTD_FD_CHILD") == "" {
		t.Skip("helper process of TestDescriptorExhaustion")
	}
	n, _ := strconv.ParseUint(os.Getenv("BOTD_FD_LIMIT"), 10, 64)
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &syscall.Rlimit{Cur: n, Max: n}); err != nil {
		fmt.Println("FAILED setrlimit:", err)
		os.Exit(2)
	}
	cfg, err := LoadConfig(nil, os.Getenv, os.Stderr)
	if err == nil {
		err = cfg.Validate()
	}
	if err != nil {
		fmt.Println("FAILED config:", err)
		os.Exit(2)
	}
	m := NewMain(cfg)
	m.Logger = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	if err := m.Run(context.Background()); err != nil {
		fmt.Println("FAILED run:", err)
		os.Exit(2)
	}
	fmt.Println("URL", m.URL())
	stdin := make(chan struct{})
	go func() { io.Copy(io.Discard, os.Stdin); close(stdin) }()
	select {
	case err := <-m.Failed():
		fmt.Println("FAILED", err)
		os.Exit(3)
	case <-stdin:
	}
	_ = m.Close()
	os.Exit(0)
}

// child is a botd process started by startChild.
type child struct {
	url    string
	stdin  io.WriteCloser
	exited chan error
	lines  chan string
	stderr *lockedBuffer
}

// startChild runs botd in a child process whose descriptor limit is limit.
func startChild(t *testing.T, limit int, env map[string]string) *child {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperBotd$")
	cmd.Env = append(os.Environ(), "BOTD_FD_CHILD=1", fmt.Sprint("BOTD_FD_LIMIT=", limit),
		"BOT_ADDR=127.0.0.1:0", "BOT_DATA_DIR="+t.TempDir())
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	c := &child{exited: make(chan error, 1), lines: make(chan string, 16), stderr: &lockedBuffer{}}
	cmd.Stderr = c.stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if c.stdin, err = cmd.StdinPipe(); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			c.lines <- sc.Text()
		}
		close(c.lines)
	}()
	go func() { c.exited <- cmd.Wait() }()
	t.Cleanup(func() {
		c.stdin.Close()
		select {
		case <-c.exited:
		case <-time.After(30 * time.Second):
			cmd.Process.Kill()
		}
	})
	timeout := time.After(60 * time.Second)
	for {
		select {
		case l, ok := <-c.lines:
			if !ok {
				t.Fatalf("botd child ended before serving:\n%s", tail(c.stderr.String(), 20))
			}
			if u, found := strings.CutPrefix(l, "URL "); found {
				c.url = u
				return c
			}
			if strings.HasPrefix(l, "FAILED") {
				t.Fatalf("botd child: %s\n%s", l, tail(c.stderr.String(), 20))
			}
		case <-timeout:
			t.Fatal("botd child did not start in 60s")
		}
	}
}

// alive fails the test if the child has exited or reported a failure.
func (c *child) alive(t *testing.T, when string) {
	t.Helper()
	select {
	case err := <-c.exited:
		t.Fatalf("%s: botd exited (%v)\n%s", when, err, tail(c.stderr.String(), 20))
	default:
	}
	select {
	case l, ok := <-c.lines:
		if ok && strings.HasPrefix(l, "FAILED") {
			t.Fatalf("%s: botd %s\n%s", when, l, tail(c.stderr.String(), 20))
		}
	default:
	}
}

func tail(s string, n int) string {
	ls := strings.Split(strings.TrimSpace(s), "\n")
	if len(ls) > n {
		ls = ls[len(ls)-n:]
	}
	return strings.Join(ls, "\n")
}

// healthy asks /healthz on a new connection until it answers 200 or total passes.
func healthy(base string, total time.Duration) error {
	deadline := time.Now().Add(total)
	var last error
	for time.Now().Before(deadline) {
		client := &http.Client{Timeout: 2 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
		resp, err := client.Get(base + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return nil
			}
			err = fmt.Errorf("status %d", resp.StatusCode)
		}
		last = err
		time.Sleep(200 * time.Millisecond)
	}
	return fmt.Errorf("/healthz not answered in %v: %v", total, last)
}

// Under a descriptor limit of 1,024, 1,200 idle connections (from ten
// client addresses, so that the global cap is reached, not only the
// per-address one) leave botd running and answering /healthz and the web
// chat. Caps set above what the limit allows are lowered: with them, accept
// ran out of descriptors and so did the embedded NATS store, whose file
// store then refuses every write to the stream it failed on until a restart
// ("Critical write error"), while /healthz still answered.
func TestDescriptorExhaustion(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("descriptor limits are set the Linux way")
	}
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil || lim.Cur < 1600 {
		t.Skipf("this process may open %d descriptors; the test needs 1,600 for its own connections", lim.Cur)
	}
	for _, tc := range []struct {
		name string
		env  map[string]string
	}{
		{"default caps", nil},
		{"caps set above the limit", map[string]string{"BOT_MAX_CONNS": "5000", "BOT_MAX_CONNS_PER_CLIENT": "5000"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			env := map[string]string{"BOT_CLIENT_RATE": "100000", "BOT_CLIENT_SESSIONS": "100000"} // the writer below
			for k, v := range tc.env {
				env[k] = v
			}
			c := startChild(t, 1024, env)
			addr := strings.TrimPrefix(c.url, "http://")
			var conns []net.Conn
			defer func() {
				for _, cn := range conns {
					cn.Close()
				}
			}()
			// A citizen keeps writing while the connections open, so that the
			// NATS store has files to open while descriptors are short.
			stop := make(chan struct{})
			writer := make(chan struct{})
			go func() {
				defer close(writer)
				client := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
				for i := 0; ; i++ {
					select {
					case <-stop:
						return
					case <-time.After(20 * time.Millisecond):
					}
					body := fmt.Sprintf(`{"session":"fd-writer-%d-0123456789","text":"làm hộ chiếu ở đâu"}`, i)
					if resp, err := client.Post(c.url+"/api/v1/chat", "application/json", strings.NewReader(body)); err == nil {
						resp.Body.Close()
					}
				}
			}()
			for i := 0; i < 1200; i++ {
				// Linux answers on all of 127.0.0.0/8: ten client addresses.
				d := net.Dialer{Timeout: 2 * time.Second, LocalAddr: &net.TCPAddr{IP: net.IPv4(127, 0, 0, byte(2+i%10))}}
				cn, err := d.Dial("tcp", addr)
				if err != nil {
					continue // the backlog may be full for a moment: that is the point
				}
				conns = append(conns, cn)
			}
			time.Sleep(1500 * time.Millisecond) // let botd accept (or fail to)
			close(stop)
			<-writer
			c.alive(t, "after 1,200 idle connections")
			if err := healthy(c.url, 10*time.Second); err != nil {
				t.Fatalf("while 1,200 connections are open: %v\n%s", err, tail(c.stderr.String(), 10))
			}
			client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
			chat := func(when string) {
				t.Helper()
				s := fmt.Sprintf("fd-session-%d-0123456789", time.Now().UnixNano())
				resp, err := client.Post(c.url+"/api/v1/chat", "application/json", strings.NewReader(`{"session":"`+s+`","text":"làm hộ chiếu ở đâu"}`))
				if err != nil || resp.StatusCode != 202 {
					t.Fatalf("web chat %s: %v %v", when, err, resp)
				}
				resp.Body.Close()
				if n := len(chatReplies(t, client, c.url, s, 10*time.Second)); n != 1 {
					t.Errorf("web chat reply %s: %d replies in 10s", when, n)
				}
			}
			chat("while 1,200 connections are open")
			for _, cn := range conns {
				cn.Close()
			}
			conns = nil
			if err := healthy(c.url, 15*time.Second); err != nil {
				t.Fatalf("after the connections closed: %v\n%s", err, tail(c.stderr.String(), 10))
			}
			chat("after the connections closed")
			c.alive(t, "at the end")
			logs := c.stderr.String()
			if strings.Contains(logs, "Critical write error") || strings.Contains(logs, "failed to store") {
				t.Errorf("the NATS store ran out of descriptors:\n%s", grepLines(logs, "too many open files", 3))
			}
			// The caps botd took: at most three quarters of the limit.
			var capConns int
			if m := regexp.MustCompile(`msg="connection caps" conns=(\d+)`).FindStringSubmatch(logs); m != nil {
				capConns, _ = strconv.Atoi(m[1])
			}
			if capConns == 0 || capConns > 768 {
				t.Errorf("connection cap %d under a limit of 1,024, want at most 768:\n%s", capConns, grepLines(logs, "caps", 3))
			}
			if tc.env != nil && !strings.Contains(logs, "BOT_MAX_CONNS lowered") {
				t.Errorf("caps above the limit lowered without a word:\n%s", grepLines(logs, "BOT_MAX_CONNS", 3))
			}
		})
	}
}

// chatReplies reads a web chat conversation until it holds a reply (the
// bot's or staff's turns, not the citizen's own) or wait passes.
func chatReplies(t *testing.T, client *http.Client, base, session string, wait time.Duration) []chatTurn {
	t.Helper()
	deadline := time.Now().Add(wait)
	for {
		var poll pollResult
		resp, err := client.Get(base + "/api/v1/chat/messages?wait=1&session=" + session)
		if err == nil {
			json.NewDecoder(resp.Body).Decode(&poll)
			resp.Body.Close()
		}
		if r := poll.replies(); len(r) > 0 || time.Now().After(deadline) {
			return r
		}
		time.Sleep(100 * time.Millisecond)
	}
}
