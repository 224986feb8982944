package directory

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"time"
)

// ListenConfig says where and how a Listener serves.
type ListenConfig struct {
	// Addr is host:port; port 0 takes a free port.
	Addr string
	// TLSCert and TLSKey are PEM files, given together. Without them the
	// Listener serves plain HTTP, which only a loopback address allows
	// unless Insecure.
	TLSCert, TLSKey string
	Insecure        bool
	// Logger receives the HTTP server's own errors, as warnings.
	Logger *slog.Logger
}

// TLS reports whether the config serves HTTPS.
func (c ListenConfig) TLS() bool { return c.TLSCert != "" || c.TLSKey != "" }

// Check reports whether the config can be served: the TLS files go
// together, Addr is host:port, and plain HTTP stays on loopback unless
// Insecure. It reads no file, so a program can check before it opens the
// store.
func (c ListenConfig) Check() error {
	if c.TLS() && (c.TLSCert == "" || c.TLSKey == "") {
		return errors.New("--tls-cert and --tls-key go together")
	}
	host, _, err := net.SplitHostPort(c.Addr)
	if err != nil {
		return fmt.Errorf("--listen %q is not host:port", c.Addr)
	}
	if ip := net.ParseIP(host); !c.TLS() && !c.Insecure && host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return fmt.Errorf("plain HTTP is only allowed on loopback: give --tls-cert and --tls-key to listen on %s (or --insecure)", c.Addr)
	}
	return nil
}

// Listener serves a handler (the directory's Server) over HTTP or HTTPS on
// one address until Close.
type Listener struct {
	ln     net.Listener
	hs     *http.Server
	tls    bool
	cancel context.CancelFunc
}

// Listen checks cfg (see Check), loads its certificate and serves h on
// cfg.Addr in the background.
func Listen(h http.Handler, cfg ListenConfig) (*Listener, error) {
	if err := cfg.Check(); err != nil {
		return nil, err
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	var tlsConfig *tls.Config
	if cfg.TLS() {
		cert, err := tls.LoadX509KeyPair(cfg.TLSCert, cfg.TLSKey)
		if err != nil {
			return nil, fmt.Errorf("loading TLS certificate: %w", err)
		}
		tlsConfig = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return nil, fmt.Errorf("listening on %s: %w", cfg.Addr, err)
	}
	// Requests, long-polls above all, end when the listener closes: their
	// context is cancelled before the server waits for them to finish.
	base, cancel := context.WithCancel(context.Background())
	// A long-poll (/v1/sync/wait) holds its response up to Config.WaitTimeout
	// (25 s): the write timeout leaves it room, and a slow pull.
	hs := &http.Server{Handler: h, BaseContext: func(net.Listener) context.Context { return base }, TLSConfig: tlsConfig,
		ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second, WriteTimeout: 60 * time.Second, IdleTimeout: 120 * time.Second,
		ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn)}
	l := &Listener{ln: ln, hs: hs, tls: tlsConfig != nil, cancel: cancel}
	if l.tls {
		go hs.ServeTLS(ln, "", "")
	} else {
		go hs.Serve(ln)
	}
	return l, nil
}

// Addr returns the address the listener serves on (with the port taken
// when the config asked for port 0).
func (l *Listener) Addr() net.Addr { return l.ln.Addr() }

// TLS reports whether the listener serves HTTPS.
func (l *Listener) TLS() bool { return l.tls }

// URL returns the base URL the listener serves.
func (l *Listener) URL() string {
	scheme := "http"
	if l.tls {
		scheme = "https"
	}
	return scheme + "://" + l.ln.Addr().String()
}

// Close ends the requests in flight (long-polls return at once), and stops
// serving, waiting up to 5 seconds for responses to finish.
func (l *Listener) Close() error {
	l.cancel()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return l.hs.Shutdown(ctx)
}
