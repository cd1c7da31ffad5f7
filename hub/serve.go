package hub

import (
	"context"
	"crypto/tls"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"time"

	"golang.org/x/net/netutil"
)

// Serving defaults (Options.ReadTimeout, WriteTimeout, PushTimeout,
// TransferTimeout, MaxConns). A request's headers and body must arrive
// within ReadTimeout unless its handler, after authenticating the device,
// gives it longer: a push PushTimeout, an attachment or a snapshot file
// TransferTimeout. So an unauthenticated client trickling a body is cut
// after ReadTimeout, and at most MaxConns connections are open at once.
const (
	DefaultReadTimeout     = 20 * time.Second // enrol, config, pull, department API: small requests
	DefaultWriteTimeout    = 2 * time.Minute  // a 4 MiB pull page over a slow line
	DefaultPushTimeout     = 2 * time.Minute  // a batch of 500 ops is under 1 MB
	DefaultTransferTimeout = 30 * time.Minute // a 64 MiB scan or a snapshot at 1 Mbit/s; both resume
	DefaultMaxConns        = 1024             // a city's counters and department desks, two each, with room
	shutdownGrace          = 20 * time.Second
)

func orDefault[T int | time.Duration](v, def T) T {
	if v > 0 {
		return v
	}
	return def
}

// Server returns the hub's HTTP server with its timeouts and TLS config;
// Serve runs it.
func (h *Hub) Server(cert tls.Certificate) *http.Server {
	read := orDefault(h.opt.ReadTimeout, DefaultReadTimeout)
	return &http.Server{
		Handler:           h.Handler(),
		TLSConfig:         &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12},
		ReadHeaderTimeout: min(read, 10*time.Second),
		ReadTimeout:       read,
		WriteTimeout:      orDefault(h.opt.WriteTimeout, DefaultWriteTimeout),
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(h.log.Handler(), slog.LevelWarn),
	}
}

// Serve serves the hub over TLS with cert on ln, at most MaxConns
// connections at a time (more wait to be accepted), until ctx ends; then
// it shuts down, letting requests in flight finish for up to 20 s.
func (h *Hub) Serve(ctx context.Context, ln net.Listener, cert tls.Certificate) error {
	ln = netutil.LimitListener(ln, orDefault(h.opt.MaxConns, DefaultMaxConns))
	return serveUntil(ctx, h.Server(cert), ln)
}

// serveUntil runs srv over TLS on ln until ctx ends, then shuts it down,
// letting requests in flight finish for up to 20 s.
func serveUntil(ctx context.Context, srv *http.Server, ln net.Listener) error {
	errc := make(chan error, 1)
	go func() { errc <- srv.ServeTLS(ln, "", "") }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	err := srv.Shutdown(sctx)
	if serr := <-errc; !errors.Is(serr, http.ErrServerClosed) {
		err = errors.Join(err, serr)
	}
	return err
}

// extendDeadlines gives the request behind w until d from now to be read
// and answered: handlers of authenticated pushes and transfers call it
// before reading the body. An error (a writer that cannot) leaves the
// server's timeouts in force.
func extendDeadlines(w http.ResponseWriter, d time.Duration) {
	rc := http.NewResponseController(w)
	at := time.Now().Add(d)
	rc.SetReadDeadline(at)
	rc.SetWriteDeadline(at)
}

// pushTimeout and transferTimeout are the deadlines of those handlers.
func (h *Hub) pushTimeout() time.Duration {
	return orDefault(h.opt.PushTimeout, DefaultPushTimeout)
}

func (h *Hub) transferTimeout() time.Duration {
	return orDefault(h.opt.TransferTimeout, DefaultTransferTimeout)
}
