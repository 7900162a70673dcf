// Command faultload checks that botd answers every accepted message exactly
// once while faults are injected: it plays Facebook Messenger on both
// sides, sending signed webhooks to one or more botd instances at a steady
// pace (retrying any that is not answered 200, as Meta does) and serving a
// fake Graph Send API that records every reply botd sends, and it runs
// shell commands (the faults) when given numbers of webhooks have been
// sent. At the end it reports how many messages were accepted, answered,
// lost and answered more than once, the reply latency, and what the
// instances' delivery records caught (from their /metrics).
//
// The fake Graph API follows the Send API as Meta documents it
// (../shared/spec/channels.md B5): POST {base}/me/messages?access_token=,
// JSON {recipient:{id}, messaging_type, message:{text, quick_replies,
// metadata}} or {recipient, sender_action}; 200 {"recipient_id",
// "message_id"}; errors {"error":{message,type,code,fbtrace_id}} with 400.
// It answers after -graph-delay, as the real API takes a while. botd puts
// "botdvc:<outbound id>" in message.metadata; the outbound id of the reply
// to webhook message m is "messenger:m:r".
//
// Usage (cmd/faultload/cluster.sh runs it against a three-node cluster):
//
//	go run ./cmd/faultload -botd http://127.0.0.1:18230,http://127.0.0.1:18231 \
//	    -graph 127.0.0.1:18290 -n 400 -every 100ms \
//	    -fault '80=kill -9 $(cat /tmp/x/n1.pid)' -fault '200=/tmp/x/start-n1.sh'
//
// A fault command runs with sh -c; the environment carries LEADER, the
// name of the NATS server leading the BOT_INBOUND stream at that moment
// (when -nats is given).
package main

import (
	"bufio"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

type faults []fault

type fault struct {
	at  int
	cmd string
}

func (f *faults) String() string { return fmt.Sprint(*f) }

func (f *faults) Set(s string) error {
	n, cmd, ok := strings.Cut(s, "=")
	at, err := strconv.Atoi(strings.TrimSpace(n))
	if !ok || err != nil || at < 0 || strings.TrimSpace(cmd) == "" {
		return errors.New(`want N=shell command`)
	}
	*f = append(*f, fault{at, cmd})
	return nil
}

func main() {
	var fs faults
	botd := flag.String("botd", "http://127.0.0.1:8080", "botd base URLs, comma-separated (taken in turn, like a load balancer; a failed webhook is retried on the next)")
	graph := flag.String("graph", "127.0.0.1:18290", "listen address of the fake Graph API (botd's FB_GRAPH_URL = http://ADDR/v25.0)")
	delay := flag.Duration("graph-delay", 250*time.Millisecond, "time the fake Send API takes to answer a message")
	secret := flag.String("secret", "faultload-app-secret", "FB_APP_SECRET of the botd instances")
	token := flag.String("token", "faultload-page-token", "FB_PAGE_TOKEN of the botd instances")
	n := flag.Int("n", 400, "webhooks to send")
	every := flag.Duration("every", 100*time.Millisecond, "pace: one webhook every this long")
	users := flag.Int("users", 40, "distinct citizens (conversations)")
	wait := flag.Duration("wait", 3*time.Minute, "how long to wait for every reply after the last webhook")
	grace := flag.Duration("grace", 20*time.Second, "how long to keep listening for second copies once every message was answered")
	natsURL := flag.String("nats", "", "NATS URLs, to name the leader of BOT_INBOUND in $LEADER for fault commands")
	cause := flag.String("cause", "kill", "regular expression: the fault commands that may explain a reply sent twice")
	metricsToken := flag.String("metrics-token", os.Getenv("BOT_METRICS_TOKEN"), "bearer token of botd's /metrics ($BOT_METRICS_TOKEN)")
	flag.Var(&fs, "fault", "N=command: run the shell command after N webhooks were sent (repeatable)")
	flag.Parse()
	if err := run(config{
		botd: strings.Split(*botd, ","), graph: *graph, delay: *delay, secret: *secret, token: *token,
		n: *n, every: *every, users: *users, wait: *wait, grace: *grace, nats: *natsURL, faults: fs,
		metricsToken: *metricsToken, cause: regexp.MustCompile(*cause),
	}); err != nil {
		fmt.Fprintln(os.Stderr, "faultload:", err)
		os.Exit(1)
	}
}

type config struct {
	botd          []string
	graph         string
	delay         time.Duration
	secret, token string
	n             int
	every         time.Duration
	users         int
	wait, grace   time.Duration
	nats          string
	faults        faults
	metricsToken  string
	cause         *regexp.Regexp
}

// window is how long after the platform stored a reply a fault may come
// and still explain a second copy: the delivery record's write is retried
// for up to 10 s (pipeline.Pipeline.record), plus a second of slack. A fault
// from when the request reached the platform until then falls in the
// window doc/architecture.md documents (the platform has the message,
// botd has no record of it yet).
const window = 11 * time.Second

// ran is a fault command as run: from when to when (a kill lands some
// time after the shell was started), and what.
type ran struct {
	at, end time.Time
	cmd     string
}

// platform is the fake Graph Send API.
type platform struct {
	token string
	delay time.Duration

	mu sync.Mutex
	// replies: outbound id → piece (a long reply is split into several
	// messages with the same metadata, told apart by their text) → each
	// copy of that piece.
	replies map[string]map[string][]cp
	other   int // messages without our metadata
}

// cp is one copy of a reply as the platform saw it: when its request
// arrived and when the platform stored it (and began to answer 200).
type cp struct{ arrived, stored time.Time }

// first returns when the first piece of reply id arrived, and whether any
// piece arrived more than once (with the gap between its first two copies).
func (p *platform) first(id string) (at time.Time, ok bool, twice time.Duration) {
	c, ok, twice := p.firstCopy(id)
	return c.stored, ok, twice
}

// firstCopy returns the first stored copy of reply id, and the gap to the
// second copy of a piece that came more than once, if any.
func (p *platform) firstCopy(id string) (first cp, ok bool, twice time.Duration) {
	for _, copies := range p.replies[id] {
		if !ok || copies[0].stored.Before(first.stored) {
			first, ok = copies[0], true
		}
		if len(copies) > 1 && twice == 0 {
			twice = copies[1].stored.Sub(copies[0].stored)
		}
	}
	return first, ok, twice
}

func (p *platform) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	if r.Method != http.MethodPost || r.URL.Path != "/v25.0/me/messages" {
		w.WriteHeader(400)
		fmt.Fprint(w, `{"error":{"message":"Unknown path components","type":"OAuthException","code":2500,"fbtrace_id":"faultload"}}`)
		return
	}
	if r.URL.Query().Get("access_token") != p.token {
		w.WriteHeader(400)
		fmt.Fprint(w, `{"error":{"message":"Invalid OAuth access token.","type":"OAuthException","code":190,"fbtrace_id":"faultload"}}`)
		return
	}
	var req struct {
		Recipient struct {
			ID string `json:"id"`
		} `json:"recipient"`
		Message *struct {
			Text     string `json:"text"`
			Metadata string `json:"metadata"`
		} `json:"message"`
	}
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil || req.Recipient.ID == "" {
		w.WriteHeader(400)
		fmt.Fprint(w, `{"error":{"message":"(#100) Invalid parameter","type":"OAuthException","code":100,"fbtrace_id":"faultload"}}`)
		return
	}
	if req.Message == nil { // sender_action
		fmt.Fprintf(w, `{"recipient_id":%q}`, req.Recipient.ID)
		return
	}
	arrived := time.Now()
	time.Sleep(p.delay)
	p.mu.Lock()
	id, ok := strings.CutPrefix(req.Message.Metadata, "botdvc:")
	if ok {
		if p.replies[id] == nil {
			p.replies[id] = map[string][]cp{}
		}
		sum := sha256.Sum256([]byte(req.Message.Text))
		piece := hex.EncodeToString(sum[:8])
		p.replies[id][piece] = append(p.replies[id][piece], cp{arrived, time.Now()})
	} else {
		p.other++
	}
	n := len(p.replies)
	p.mu.Unlock()
	fmt.Fprintf(w, `{"recipient_id":%q,"message_id":"m_faultload_%d"}`, req.Recipient.ID, n)
}

func run(c config) error {
	p := &platform{token: c.token, delay: c.delay, replies: map[string]map[string][]cp{}}
	ln, err := net.Listen("tcp", c.graph)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: p}
	go srv.Serve(ln)
	defer srv.Close()

	var js jetstream.JetStream
	if c.nats != "" {
		nc, err := nats.Connect(c.nats, nats.MaxReconnects(-1))
		if err != nil {
			return err
		}
		defer nc.Close()
		if js, err = jetstream.New(nc); err != nil {
			return err
		}
	}
	leader := func() string {
		if js == nil {
			return ""
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		s, err := js.Stream(ctx, "BOT_INBOUND")
		if err != nil {
			return ""
		}
		info, err := s.Info(ctx)
		if err != nil || info.Cluster == nil {
			return ""
		}
		return info.Cluster.Leader
	}

	run := fmt.Sprintf("%x", time.Now().UnixNano())[6:]
	start := time.Now()
	elapsed := func() string { return fmt.Sprintf("%6.1fs", time.Since(start).Seconds()) }
	fmt.Printf("faultload: %d webhooks every %v to %v, %d citizens, Send API delay %v, run %s\n", c.n, c.every, c.botd, c.users, c.delay, run)
	client := &http.Client{Timeout: 10 * time.Second}
	var faultsRun []ran
	runFault := func(after int, command string) {
		l := leader()
		fmt.Printf("%s after %d webhooks: %s (LEADER=%s)\n", elapsed(), after, command, l)
		cmd := exec.Command("sh", "-c", command)
		cmd.Env = append(os.Environ(), "LEADER="+l)
		cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
		at := time.Now()
		if err := cmd.Run(); err != nil {
			fmt.Printf("%s fault command failed: %v\n", elapsed(), err)
		}
		faultsRun = append(faultsRun, ran{at, time.Now(), command})
	}
	var (
		wg       sync.WaitGroup
		retries  atomic.Int64
		accepted atomic.Int64
		mu       sync.Mutex
		firstTry = map[string]time.Time{}
		acceptAt = map[string]time.Time{} // when the webhook was answered 200
		attempts = map[string]int{}
		refused  []string
	)
	tick := time.NewTicker(c.every)
	fi := 0
	for i := 0; i < c.n; i++ {
		for fi < len(c.faults) && c.faults[fi].at <= i {
			f := c.faults[fi]
			fi++
			runFault(i, f.cmd)
		}
		<-tick.C
		mid := fmt.Sprintf("m_%s_%04d", run, i)
		body := webhook(fmt.Sprintf("PSID-%s-%03d", run, i%c.users), mid, questions[i%len(questions)])
		sig := sign(c.secret, body)
		mu.Lock()
		firstTry["messenger:"+mid+":r"] = time.Now()
		mu.Unlock()
		wg.Add(1)
		go func() {
			defer wg.Done()
			id := "messenger:" + mid + ":r"
			deadline := time.Now().Add(c.wait)
			for try := i; time.Now().Before(deadline); try++ {
				mu.Lock()
				attempts[id]++
				mu.Unlock()
				// Webhooks go to the instances in turn, and a webhook
				// that failed is tried on the next one (as a load
				// balancer retries another upstream).
				base := c.botd[try%len(c.botd)]
				req, _ := http.NewRequest(http.MethodPost, base+"/webhooks/facebook", strings.NewReader(body))
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("X-Hub-Signature-256", sig)
				resp, err := client.Do(req)
				if err == nil {
					_, _ = io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					if resp.StatusCode == http.StatusOK {
						accepted.Add(1)
						mu.Lock()
						acceptAt[id] = time.Now()
						mu.Unlock()
						return
					}
				}
				retries.Add(1)
				time.Sleep(500 * time.Millisecond)
			}
			mu.Lock()
			refused = append(refused, mid)
			mu.Unlock()
		}()
	}
	tick.Stop()
	for ; fi < len(c.faults); fi++ { // faults scheduled at or after the last webhook
		runFault(c.n, c.faults[fi].cmd)
	}
	wg.Wait()
	fmt.Printf("%s all webhooks sent: %d accepted (200), %d never accepted, %d retried requests\n", elapsed(), accepted.Load(), len(refused), retries.Load())

	answered := func() (int, int) {
		p.mu.Lock()
		defer p.mu.Unlock()
		got, twice := 0, 0
		for id := range firstTry {
			if _, ok, gap := p.first(id); ok {
				got++
				if gap > 0 {
					twice++
				}
			}
		}
		return got, twice
	}
	deadline := time.Now().Add(c.wait)
	for time.Now().Before(deadline) {
		if got, _ := answered(); got >= int(accepted.Load()) {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	fmt.Printf("%s every accepted message answered or gave up waiting; listening %v for second copies\n", elapsed(), c.grace)
	time.Sleep(c.grace)

	p.mu.Lock()
	defer p.mu.Unlock()
	var lat []time.Duration
	var lost, doubles []string
	inWindow := 0
	const bucket = 5 * time.Second // timeline: worst reply latency by when the webhook was sent
	worst := map[int]time.Duration{}
	for id, t0 := range firstTry {
		at, ok, gap := p.first(id)
		if ok {
			b := int(t0.Sub(start) / bucket)
			worst[b] = max(worst[b], at.Sub(t0))
		}
		if !ok {
			if !slices.Contains(refused, strings.TrimSuffix(strings.TrimPrefix(id, "messenger:"), ":r")) {
				lost = append(lost, id)
			}
			continue
		}
		lat = append(lat, at.Sub(t0))
		if gap > 0 {
			first, _, _ := p.firstCopy(id)
			why := "no fault in the window: UNEXPLAINED"
			for _, f := range faultsRun {
				if c.cause.MatchString(f.cmd) && !f.end.Before(first.arrived) && f.at.Before(first.stored.Add(window)) {
					why = fmt.Sprintf("in the window: %q ran from %.2fs to %.2fs after the request reached the platform, which stored it after %.2fs",
						f.cmd, f.at.Sub(first.arrived).Seconds(), f.end.Sub(first.arrived).Seconds(), first.stored.Sub(first.arrived).Seconds())
					inWindow++
					break
				}
			}
			doubles = append(doubles, fmt.Sprintf("%s (first copy stored at %.1fs, second %.1fs later): %s",
				id, first.stored.Sub(start).Seconds(), gap.Seconds(), why))
		}
	}
	slices.Sort(lat)
	slices.Sort(doubles)
	pct := func(q float64) time.Duration {
		if len(lat) == 0 {
			return 0
		}
		return lat[int(q*float64(len(lat)-1))].Round(10 * time.Millisecond)
	}
	fmt.Printf("RESULT webhooks=%d accepted=%d answered=%d lost=%d answered_twice=%d (in_window=%d) latency_p50=%v p99=%v max=%v\n",
		c.n, accepted.Load(), len(lat), len(lost), len(doubles), inWindow, pct(0.5), pct(0.99), pct(1))
	for _, d := range doubles {
		fmt.Println("  twice:", d)
	}
	for _, l := range lost {
		fmt.Println("  lost:", l)
	}
	slow := 0
	for _, d := range lat {
		if d > 10*time.Second {
			slow++
		}
	}
	fmt.Printf("replies slower than 10 s: %d; messages without botd's metadata: %d\n", slow, p.other)
	var line []string
	for b := 0; b <= int(time.Since(start)/bucket); b++ {
		if d, ok := worst[b]; ok {
			line = append(line, fmt.Sprintf("%ds:%.1f", b*int(bucket/time.Second), d.Seconds()))
		}
	}
	fmt.Println("worst reply latency (s) of the webhooks sent in each 5 s from the start:", strings.Join(line, " "))
	type slowOne struct {
		id            string
		sent          time.Duration // since the start
		accept, reply time.Duration // since the first attempt
		tries         int
	}
	var slowest []slowOne
	for id, t0 := range firstTry {
		if at, ok, _ := p.first(id); ok {
			slowest = append(slowest, slowOne{id, t0.Sub(start), acceptAt[id].Sub(t0), at.Sub(t0), attempts[id]})
		}
	}
	slices.SortFunc(slowest, func(a, b slowOne) int { return int(b.reply - a.reply) })
	for _, x := range slowest[:min(8, len(slowest))] {
		fmt.Printf("  slow: %s sent at %.1fs: accepted after %.1fs (%d attempts), answered after %.1fs\n",
			x.id, x.sent.Seconds(), x.accept.Seconds(), x.tries, x.reply.Seconds())
	}
	for _, base := range c.botd {
		fmt.Printf("%s /metrics: %s\n", base, metrics(client, base, c.metricsToken))
	}
	return nil
}

// metrics picks the delivery-record counters and the resident memory out
// of a botd's /metrics.
func metrics(client *http.Client, base, token string) string {
	req, _ := http.NewRequest(http.MethodGet, base+"/metrics", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := client.Do(req)
	if err != nil {
		return "unreachable"
	}
	if resp.StatusCode != http.StatusOK {
		resp.Body.Close()
		return resp.Status
	}
	defer resp.Body.Close()
	var out []string
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		l := sc.Text()
		for _, k := range []string{`result="already_sent"`, `result="already_done"`, `kind="delivery_record"`, `bot_messages_out_total{channel="messenger",result="sent"}`, "process_resident_memory_bytes "} {
			if strings.HasPrefix(l, k) || strings.Contains(l, k) && !strings.HasPrefix(l, "#") {
				out = append(out, l)
			}
		}
	}
	if len(out) == 0 {
		return "no delivery-record counters yet"
	}
	return strings.Join(out, "; ")
}

// questions are what the citizens ask, in turn.
var questions = []string{
	"làm lại căn cước bị mất ở đâu",
	"đăng ký khai sinh cho con cần giấy tờ gì",
	"cấp đổi giấy phép lái xe mất bao lâu",
	"đăng ký thường trú cần những gì",
	"xin chào",
}

func webhook(psid, mid, text string) string {
	now := time.Now().UnixMilli()
	return fmt.Sprintf(`{"object":"page","entry":[{"id":"PAGE1","time":%d,"messaging":[{"sender":{"id":%q},"recipient":{"id":"PAGE1"},"timestamp":%d,"message":{"mid":%q,"text":%q}}]}]}`,
		now, psid, now, mid, text)
}

func sign(secret, body string) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(body))
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}
