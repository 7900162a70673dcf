package pipeline

import (
	"fmt"
	"log/slog"
	"net"
	"strconv"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
)

// EmbedOptions configures an embedded nats-server.
type EmbedOptions struct {
	StoreDir string       // JetStream storage directory
	Listen   string       // optional host:port for outside clients (the nats CLI); empty: in-process only
	Logger   *slog.Logger // nil: the server logs nothing
}

// StartEmbedded starts a nats-server with JetStream inside the process and
// waits until it accepts connections. It never installs signal handlers
// (NoSigs), so shutdown stays in the caller's hands. Connect to it with
// ConnectEmbedded.
func StartEmbedded(o EmbedOptions) (*server.Server, error) {
	opts := &server.Options{
		ServerName: "botd",
		JetStream:  true,
		StoreDir:   o.StoreDir,
		NoSigs:     true,
		NoLog:      o.Logger == nil,
		DontListen: o.Listen == "",
	}
	if o.Listen != "" {
		host, port, err := net.SplitHostPort(o.Listen)
		if err != nil {
			return nil, fmt.Errorf("pipeline.StartEmbedded: listen address %q: %w", o.Listen, err)
		}
		n, err := strconv.Atoi(port)
		if err != nil {
			return nil, fmt.Errorf("pipeline.StartEmbedded: listen port %q: %w", port, err)
		}
		opts.Host, opts.Port = host, n
	}
	ns, err := server.NewServer(opts)
	if err != nil {
		return nil, fmt.Errorf("pipeline.StartEmbedded: %w", err)
	}
	if o.Logger != nil {
		ns.SetLoggerV2(&natsLogger{l: o.Logger}, false, false, false)
	}
	ns.Start()
	if !ns.ReadyForConnections(10 * time.Second) {
		ns.Shutdown()
		return nil, fmt.Errorf("pipeline.StartEmbedded: server not ready after 10s")
	}
	return ns, nil
}

// ConnectEmbedded opens an in-process client connection to ns.
func ConnectEmbedded(ns *server.Server, opts ...nats.Option) (*nats.Conn, error) {
	nc, err := nats.Connect(ns.ClientURL(), append([]nats.Option{nats.InProcessServer(ns)}, opts...)...)
	if err != nil {
		return nil, fmt.Errorf("pipeline.ConnectEmbedded: %w", err)
	}
	return nc, nil
}

// natsLogger bridges nats-server's logger to slog.
type natsLogger struct{ l *slog.Logger }

// Noticef logs at info.
func (n *natsLogger) Noticef(format string, v ...any) { n.l.Info(fmt.Sprintf(format, v...)) }

// Warnf logs at warn.
func (n *natsLogger) Warnf(format string, v ...any) { n.l.Warn(fmt.Sprintf(format, v...)) }

// Fatalf logs at error (the server decides what to do next).
func (n *natsLogger) Fatalf(format string, v ...any) { n.l.Error(fmt.Sprintf(format, v...)) }

// Errorf logs at error.
func (n *natsLogger) Errorf(format string, v ...any) { n.l.Error(fmt.Sprintf(format, v...)) }

// Debugf logs at debug.
func (n *natsLogger) Debugf(format string, v ...any) { n.l.Debug(fmt.Sprintf(format, v...)) }

// Tracef logs at debug.
func (n *natsLogger) Tracef(format string, v ...any) { n.l.Debug(fmt.Sprintf(format, v...)) }

var _ server.Logger = (*natsLogger)(nil)
