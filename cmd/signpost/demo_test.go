package main

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
)

// TestDemoDirectoryServesOnLoopbackAndCloses starts the app's in-process demo
// directory, as --demo does, and stops it.
func TestDemoDirectoryServesOnLoopbackAndCloses(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "directory")
	d, err := startDemoDirectory(context.Background(), dir, 0, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(d.URL, "http://127.0.0.1:") {
		t.Errorf("the demo directory serves on %s, want plain HTTP on loopback", d.URL)
	}
	res, err := http.Get(d.URL + "/healthz")
	if err != nil || res.StatusCode != 200 {
		t.Fatalf("healthz: %v %v", res, err)
	}
	res.Body.Close()
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}
	if res, err := http.Get(d.URL + "/healthz"); err == nil {
		res.Body.Close()
		t.Error("the demo directory still answers after Close")
	}
}
