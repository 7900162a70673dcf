// Package natstest gives tests a real NATS server with JetStream. Test-only:
// imported by _test.go files.
//
// JetStream returns a connection to an embedded nats-server (JetStream on,
// store in a temp dir, in-process connection, no listener, no signal
// handlers), or, when TEST_NATS_URL is set, to that external server. An
// external server must be a disposable test server: every stream and KV
// bucket on it is deleted before each test, so run the packages one at a
// time there:
//
//	TEST_NATS_URL=nats://127.0.0.1:4222 go test -p 1 ./...
//
// Run and Connect are for tests that restart the embedded server on the same
// store directory, which an external server cannot do. StartCluster runs a
// JetStream cluster of several servers in the process, on loopback, whose
// servers can be stopped and started again (cmd/botd's TestCluster).
package natstest

import (
	"context"
	"fmt"
	"net"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// JetStream returns a JetStream handle on a fresh server: embedded, or the
// one at TEST_NATS_URL with every stream deleted first.
func JetStream(tb testing.TB) jetstream.JetStream {
	tb.Helper()
	if url := os.Getenv("TEST_NATS_URL"); url != "" {
		nc, err := nats.Connect(url, nats.Name("botdvc-test"))
		if err != nil {
			tb.Fatalf("TEST_NATS_URL: %v", err)
		}
		tb.Cleanup(nc.Close)
		js, err := jetstream.New(nc)
		if err != nil {
			tb.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		names := js.StreamNames(ctx)
		var all []string
		for n := range names.Name() {
			all = append(all, n)
		}
		for _, n := range all {
			if err := js.DeleteStream(ctx, n); err != nil {
				tb.Fatalf("TEST_NATS_URL: deleting stream %s: %v", n, err)
			}
		}
		return js
	}
	_, js := Connect(tb, Run(tb, tb.TempDir()))
	return js
}

// Run starts an embedded nats-server with JetStream storing under dir; it is
// shut down at the end of the test (shutting it down earlier is fine).
func Run(tb testing.TB, dir string) *server.Server {
	tb.Helper()
	ns, err := server.NewServer(&server.Options{JetStream: true, StoreDir: dir, DontListen: true, NoLog: true, NoSigs: true})
	if err != nil {
		tb.Fatal(err)
	}
	ns.Start()
	if !ns.ReadyForConnections(10 * time.Second) {
		tb.Fatal("nats-server not ready")
	}
	tb.Cleanup(func() { ns.Shutdown(); ns.WaitForShutdown() })
	return ns
}

// Connect opens an in-process connection to ns and its JetStream handle,
// closed at the end of the test.
func Connect(tb testing.TB, ns *server.Server) (*nats.Conn, jetstream.JetStream) {
	tb.Helper()
	nc, err := nats.Connect("", nats.InProcessServer(ns))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(nc.Close)
	js, err := jetstream.New(nc)
	if err != nil {
		tb.Fatal(err)
	}
	return nc, js
}

// CheckFor polls f every `every` until it returns nil, and fails the test
// with f's last error when total has passed (nats-server's checkFor).
func CheckFor(tb testing.TB, total, every time.Duration, f func() error) {
	tb.Helper()
	deadline := time.Now().Add(total)
	var err error
	for time.Now().Before(deadline) {
		if err = f(); err == nil {
			return
		}
		time.Sleep(every)
	}
	tb.Fatalf("after %v: %v", total, err)
}

// Declare creates (or updates) streams and buckets as cmd/botd's one
// reconcile pass does in production, for tests of a package that only binds
// to its declared resources (hotline.New, editor.Open …).
func Declare(tb testing.TB, js jetstream.JetStream, streams []jetstream.StreamConfig, buckets ...jetstream.KeyValueConfig) {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for _, sc := range streams {
		if _, err := js.CreateOrUpdateStream(ctx, sc); err != nil {
			tb.Fatalf("natstest.Declare: stream %s: %v", sc.Name, err)
		}
	}
	for _, bc := range buckets {
		if _, err := js.CreateOrUpdateKeyValue(ctx, bc); err != nil {
			tb.Fatalf("natstest.Declare: bucket %s: %v", bc.Bucket, err)
		}
	}
}

// Cluster is a JetStream cluster of nats-servers in this process, on
// loopback ports picked at start; each server stores under a directory of
// its own, so it can be stopped and started again with its state.
type Cluster struct {
	tb      testing.TB
	opts    []*server.Options
	servers []*server.Server
}

// StartCluster starts n servers in cluster mode with JetStream and waits
// until JetStream answers on every one of them.
func StartCluster(tb testing.TB, n int) *Cluster {
	tb.Helper()
	ports := freePorts(tb, 2*n)
	var routes []string
	for i := 0; i < n; i++ {
		routes = append(routes, fmt.Sprintf("nats://127.0.0.1:%d", ports[n+i]))
	}
	c := &Cluster{tb: tb}
	for i := 0; i < n; i++ {
		c.opts = append(c.opts, &server.Options{
			ServerName: fmt.Sprintf("n%d", i+1),
			Host:       "127.0.0.1",
			Port:       ports[i],
			JetStream:  true,
			StoreDir:   tb.TempDir(),
			NoLog:      true,
			NoSigs:     true,
			Cluster:    server.ClusterOpts{Name: "botdvc-test", Host: "127.0.0.1", Port: ports[n+i]},
			Routes:     server.RoutesFromStr(strings.Join(routes, ",")),
		})
		c.servers = append(c.servers, nil)
	}
	for i := range c.opts {
		c.Start(i)
	}
	tb.Cleanup(func() {
		for i := range c.servers {
			c.Stop(i)
		}
	})
	for i := range c.servers {
		CheckFor(tb, 60*time.Second, 100*time.Millisecond, func() error {
			nc, err := nats.Connect(c.servers[i].ClientURL())
			if err != nil {
				return err
			}
			defer nc.Close()
			js, err := jetstream.New(nc)
			if err != nil {
				return err
			}
			ctx, cancel := context.WithTimeout(context.Background(), time.Second)
			defer cancel()
			_, err = js.AccountInfo(ctx)
			return err
		})
	}
	return c
}

// URLs returns the client URLs of every server, comma-separated (NATS_URL).
func (c *Cluster) URLs() string {
	var urls []string
	for _, o := range c.opts {
		urls = append(urls, fmt.Sprintf("nats://127.0.0.1:%d", o.Port))
	}
	return strings.Join(urls, ",")
}

// Names returns the server names, in order.
func (c *Cluster) Names() []string {
	var names []string
	for _, o := range c.opts {
		names = append(names, o.ServerName)
	}
	return names
}

// Index returns the index of the server with the given name, or -1.
func (c *Cluster) Index(name string) int {
	for i, o := range c.opts {
		if o.ServerName == name {
			return i
		}
	}
	return -1
}

// Start starts server i (again) with its ports and store.
func (c *Cluster) Start(i int) {
	c.tb.Helper()
	if c.servers[i] != nil {
		return
	}
	o := *c.opts[i]
	ns, err := server.NewServer(&o)
	if err != nil {
		c.tb.Fatalf("natstest: server %s: %v", o.ServerName, err)
	}
	ns.Start()
	if !ns.ReadyForConnections(20 * time.Second) {
		c.tb.Fatalf("natstest: server %s not ready", o.ServerName)
	}
	c.servers[i] = ns
}

// Stop shuts server i down (its clients reconnect to the others).
func (c *Cluster) Stop(i int) {
	if ns := c.servers[i]; ns != nil {
		ns.Shutdown()
		ns.WaitForShutdown()
		c.servers[i] = nil
	}
}

// freePorts returns n loopback TCP ports that were free a moment ago.
func freePorts(tb testing.TB, n int) []int {
	tb.Helper()
	var ports []int
	var lns []net.Listener
	for i := 0; i < n; i++ {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			tb.Fatal(err)
		}
		lns = append(lns, ln)
		ports = append(ports, ln.Addr().(*net.TCPAddr).Port)
	}
	for _, ln := range lns {
		ln.Close()
	}
	return ports
}
