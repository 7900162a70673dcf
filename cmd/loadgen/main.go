// Command loadgen measures the request rate of a running botd: the bare
// /healthz route and the accepting path of the web chat (POST /api/v1/chat:
// parse, publish to JetStream, wait for the ack, answer 202), one after the
// other in the same run, and prints both with their ratio.
//
// Usage:
//
//	go run ./cmd/loadgen [-url http://127.0.0.1:8080] [-c 32] [-d 5s] [-rounds 3] [-drain=false]
//
// Draining reads /metrics with the token of -metrics-token (default
// $BOT_METRICS_TOKEN). All requests come from one address, so run botd with
// the per-client limits raised (BOT_CLIENT_RATE, BOT_CLIENT_SESSIONS; see
// doc/benchmarks.md), or the chat phase measures mostly 429 answers.
//
// The two phases alternate for -rounds rounds, so a change in the machine's
// load hits both; the ratio is reported per round and as the median.
//
// Every chat request uses a fresh session and message id, so neither the
// per-conversation rate limit nor deduplication short-cuts the path.
package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

func main() {
	base := flag.String("url", "http://127.0.0.1:8080", "botd base URL")
	conc := flag.Int("c", 32, "concurrent connections")
	dur := flag.Duration("d", 5*time.Second, "duration of each phase")
	warm := flag.Duration("warmup", time.Second, "warm-up before each phase (not counted)")
	rounds := flag.Int("rounds", 3, "alternating rounds of both phases")
	wait := flag.Bool("drain", true, "before each phase, wait until the pipeline's backlog is empty (false for an accept-only botd)")
	flag.StringVar(&metricsToken, "metrics-token", os.Getenv("BOT_METRICS_TOKEN"), "bearer token of botd's /metrics ($BOT_METRICS_TOKEN)")
	flag.Parse()
	if err := run(*base, *conc, *dur, *warm, *rounds, *wait); err != nil {
		fmt.Fprintln(os.Stderr, "loadgen:", err)
		os.Exit(1)
	}
}

// result is one phase's figures.
type result struct {
	name     string
	requests int64
	errors   int64
	elapsed  time.Duration
	lat      []time.Duration
}

func (r result) rate() float64 { return float64(r.requests) / r.elapsed.Seconds() }

func (r result) pct(p float64) time.Duration {
	if len(r.lat) == 0 {
		return 0
	}
	return r.lat[int(float64(len(r.lat)-1)*p)]
}

func run(base string, conc int, dur, warm time.Duration, rounds int, wait bool) error {
	tr := &http.Transport{MaxIdleConns: conc * 2, MaxIdleConnsPerHost: conc * 2}
	client := &http.Client{Transport: tr, Timeout: 10 * time.Second}
	health := func() (*http.Request, error) { return http.NewRequest("GET", base+"/healthz", nil) }
	chat := func() (*http.Request, error) {
		body := `{"session":"load-` + id() + `","id":"` + id() + `","text":"làm căn cước cho con cần giấy tờ gì"}`
		req, err := http.NewRequest("POST", base+"/api/v1/chat", strings.NewReader(body))
		if err == nil {
			req.Header.Set("Content-Type", "application/json")
		}
		return req, err
	}
	fmt.Printf("loadgen: %s, %d connections, %v a phase, %d rounds\n", base, conc, dur, rounds)
	var ratios []float64
	var total [2]result
	for round := 1; round <= rounds; round++ {
		var results []result
		for _, ph := range []struct {
			name string
			mk   func() (*http.Request, error)
			want int
		}{{"GET /healthz", health, 200}, {"POST /api/v1/chat", chat, 202}} {
			// Let the pipeline finish the previous phase's messages first,
			// so their processing is not billed to this phase.
			if wait {
				if err := drain(client, base, 5*time.Minute); err != nil {
					return err
				}
			}
			if warm > 0 {
				phase(client, ph.name, ph.mk, ph.want, conc, warm)
			}
			r := phase(client, ph.name, ph.mk, ph.want, conc, dur)
			results = append(results, r)
			fmt.Printf("round %d  %-18s %9.0f req/s  p50 %-9v p99 %-9v requests %d errors %d\n", round,
				r.name, r.rate(), r.pct(0.5).Round(time.Microsecond), r.pct(0.99).Round(time.Microsecond), r.requests, r.errors)
		}
		if results[0].requests == 0 {
			return errors.New("no successful /healthz request")
		}
		ratio := results[1].rate() / results[0].rate()
		ratios = append(ratios, ratio)
		fmt.Printf("round %d  accepting path / healthz = %.0f%%\n", round, 100*ratio)
		for i := range total {
			total[i].requests += results[i].requests
			total[i].elapsed += results[i].elapsed
		}
	}
	sort.Float64s(ratios)
	fmt.Printf("total: healthz %.0f req/s, chat %.0f req/s; median ratio %.0f%%\n",
		total[0].rate(), total[1].rate(), 100*ratios[len(ratios)/2])
	return nil
}

func phase(client *http.Client, name string, mk func() (*http.Request, error), want, conc int, dur time.Duration) result {
	ctx, cancel := context.WithTimeout(context.Background(), dur)
	defer cancel()
	var ok, bad atomic.Int64
	lats := make([][]time.Duration, conc)
	var wg sync.WaitGroup
	start := time.Now()
	for w := 0; w < conc; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for ctx.Err() == nil {
				req, err := mk()
				if err != nil {
					bad.Add(1)
					continue
				}
				t0 := time.Now()
				resp, err := client.Do(req)
				if err != nil {
					bad.Add(1)
					continue
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != want {
					bad.Add(1)
					continue
				}
				lats[w] = append(lats[w], time.Since(t0))
				ok.Add(1)
			}
		}(w)
	}
	wg.Wait()
	r := result{name: name, requests: ok.Load(), errors: bad.Load(), elapsed: time.Since(start)}
	for _, l := range lats {
		r.lat = append(r.lat, l...)
	}
	sort.Slice(r.lat, func(i, j int) bool { return r.lat[i] < r.lat[j] })
	return r
}

// metricsToken is sent as a bearer token to /metrics.
var metricsToken string

// drain waits until /metrics reports no message pending on the inbound
// and outbound streams' consumers.
func drain(client *http.Client, base string, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	for {
		req, _ := http.NewRequest(http.MethodGet, base+"/metrics", nil)
		req.Header.Set("Authorization", "Bearer "+metricsToken)
		resp, err := client.Do(req)
		if err != nil {
			return fmt.Errorf("metrics: %w", err)
		}
		if resp.StatusCode != http.StatusOK {
			resp.Body.Close()
			return fmt.Errorf("metrics: %s (give -metrics-token)", resp.Status)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		busy := false
		for _, line := range strings.Split(string(b), "\n") {
			if strings.HasPrefix(line, "bot_stream_consumer_pending{") && !strings.HasSuffix(line, " 0") {
				busy = true
			}
		}
		if !busy {
			return nil
		}
		if time.Now().After(deadline) {
			return errors.New("pipeline backlog did not drain")
		}
		time.Sleep(250 * time.Millisecond)
	}
}

func id() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
