package main

import (
	"context"
	"log/slog"
	"os"
	"os/signal"
	"runtime"
	"runtime/pprof"
)

// heapProfileEnv names a file the window writes a Go heap profile to, on
// SIGUSR1 and when it closes (for measuring memory: the benchmark and
// support). The profile holds allocation sites and sizes, never the
// allocated values, so no child's details reach it.
const heapProfileEnv = "SIGNPOST_HEAP_PROFILE"

// heapProfiles writes a heap profile to the file named by SIGNPOST_HEAP_PROFILE
// on each SIGUSR1 (where the system has it: not on Windows) until ctx ends. The stop function it returns writes the last
// one. Without the variable it does nothing.
func heapProfiles(ctx context.Context, log *slog.Logger) (stop func()) {
	path := os.Getenv(heapProfileEnv)
	if path == "" {
		return func() {}
	}
	usr1 := make(chan os.Signal, 1)
	if profileSignal != nil {
		signal.Notify(usr1, profileSignal)
	}
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			select {
			case <-ctx.Done():
				return
			case <-usr1:
				writeHeapProfile(path, log)
			}
		}
	}()
	return func() {
		signal.Stop(usr1)
		cancel()
		<-done
		writeHeapProfile(path, log)
	}
}

// writeHeapProfile writes the heap as of a fresh garbage collection, so the
// in-use figures are what is live, not what awaits collection.
func writeHeapProfile(path string, log *slog.Logger) {
	runtime.GC()
	tmp := path + ".tmp"
	f, err := os.Create(tmp)
	if err != nil {
		log.Warn("heap profile", "err", err)
		return
	}
	err = pprof.Lookup("heap").WriteTo(f, 0)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		log.Warn("heap profile", "err", err)
		return
	}
	log.Info("heap profile written", "file", path)
}
