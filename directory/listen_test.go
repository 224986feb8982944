package directory_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"signpost/directory"
)

func TestListenConfigCheck(t *testing.T) {
	for _, tc := range []struct {
		name string
		cfg  directory.ListenConfig
		err  string // part of the error, "" for none
	}{
		{"plain HTTP on loopback", directory.ListenConfig{Addr: "127.0.0.1:0"}, ""},
		{"plain HTTP on localhost", directory.ListenConfig{Addr: "localhost:8443"}, ""},
		{"plain HTTP off loopback", directory.ListenConfig{Addr: "0.0.0.0:8443"}, "only allowed on loopback"},
		{"plain HTTP off loopback, insecure", directory.ListenConfig{Addr: "0.0.0.0:8443", Insecure: true}, ""},
		{"TLS off loopback", directory.ListenConfig{Addr: "0.0.0.0:8443", TLSCert: "c.pem", TLSKey: "k.pem"}, ""},
		{"a certificate without its key", directory.ListenConfig{Addr: "127.0.0.1:0", TLSCert: "c.pem"}, "go together"},
		{"no port", directory.ListenConfig{Addr: "127.0.0.1"}, "not host:port"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.cfg.Check()
			if tc.err == "" && err != nil || tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)) {
				t.Errorf("Check() = %v, want %q", err, tc.err)
			}
		})
	}
}

// A held request (a long-poll) must not make Close wait for the shutdown
// timeout: Close ends it first.
func TestListenerCloseEndsHeldRequests(t *testing.T) {
	held := make(chan struct{})
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(held)
		<-r.Context().Done()
	})
	l, err := directory.Listen(h, directory.ListenConfig{Addr: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		res, err := http.Get(l.URL() + "/v1/sync/wait")
		if err == nil {
			res.Body.Close()
		}
		done <- err
	}()
	<-held
	start := time.Now()
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("Close took %v with a request held", d)
	}
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Error("the held request did not end")
	}
}
