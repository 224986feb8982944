package importer

import (
	"context"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"signpost/directory"
)

// BulkStore is a store that loads a national population faster without its
// search indexes: BeginBulk drops them, EndBulk rebuilds them by sorting.
// In between, searches are slow and only the importer may write.
type BulkStore interface {
	directory.Store
	// SetWriterCache sets the writer's page cache, in MiB.
	SetWriterCache(ctx context.Context, mb int) error
	BeginBulk(ctx context.Context) error
	// EndBulk may use up to maxCacheMB MiB of memory to read the store once.
	EndBulk(ctx context.Context, maxCacheMB int) error
}

// LoadOptions say how Load runs.
type LoadOptions struct {
	// Today is the day the feeds are checked against (see New).
	Today time.Time
	// CacheMB is the writer's page cache, in MiB.
	CacheMB int
	// Bulk is a national load: the search indexes are dropped first and
	// rebuilt at the end (do not serve meanwhile).
	Bulk bool
	// MemoryMB is a bulk load's soft limit on the importer's own memory,
	// in MiB (runtime/debug.SetMemoryLimit: the collector runs more often
	// as the heap nears it); the store's page cache comes on top. 0: none.
	MemoryMB int
	// Stdout receives what the load did and Stderr its steps; nil
	// discards them.
	Stdout, Stderr io.Writer
}

// Load is the import command's sequence: it sizes the writer's cache, reads
// every live child's identity into an Engine and has apply run the feeds on
// it. A bulk load drops the search indexes before apply and rebuilds them
// after with half the memory available (the Engine's memory given back
// first), unless ctx ended: the store then rebuilds them when it is next
// opened. Bulk changes the process's garbage collection while it runs (GOGC
// 50, and MemoryMB as a soft limit), so the heap stays nearer to what is
// live while new children are held, and the Engine drops its index once the
// feeds are decided.
func Load(ctx context.Context, st BulkStore, o LoadOptions, apply func(context.Context, *Engine) error) error {
	stdout, stderr := o.Stdout, o.Stderr
	if stdout == nil {
		stdout = io.Discard
	}
	if stderr == nil {
		stderr = io.Discard
	}
	if err := st.SetWriterCache(ctx, o.CacheMB); err != nil {
		return err
	}
	start := time.Now()
	im, err := New(ctx, st, o.Today)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "read %d children's identities in %.1fs\n", im.Children(), time.Since(start).Seconds())
	if o.Bulk {
		// A national load holds every new child until the last feed is
		// decided: collect garbage sooner, so the heap stays nearer to what
		// is live (at the cost of some more collector time).
		defer debug.SetGCPercent(debug.SetGCPercent(50))
		if o.MemoryMB > 0 {
			defer debug.SetMemoryLimit(debug.SetMemoryLimit(int64(o.MemoryMB) << 20))
		}
		// The Engine is dropped after apply: it may drop its index as soon
		// as the last feed is decided.
		im.OneRun = true
		if err := st.BeginBulk(ctx); err != nil {
			return err
		}
	}
	runErr := apply(ctx, im)
	if o.Bulk {
		// The importer's index and held children are garbage now: give
		// their memory back, and let the rebuild read the store into it.
		im = nil
		debug.FreeOSMemory()
		if ctx.Err() != nil {
			// Stopped (Ctrl-C, SIGTERM): stop now rather than spend minutes
			// on indexes. The store rebuilds any it lacks when it is next
			// opened, and running the same import again completes it.
			fmt.Fprintln(stderr, "stopped: the search indexes will be rebuilt when the store is next opened; run the same import again to complete it")
		} else {
			t := time.Now()
			fmt.Fprintln(stderr, "rebuilding the search indexes...")
			if err := st.EndBulk(ctx, rebuildCacheMB(o.CacheMB)); err != nil {
				if runErr == nil {
					runErr = err
				}
			} else {
				fmt.Fprintf(stdout, "rebuilt the search indexes in %.1fs\n", time.Since(t).Seconds())
			}
		}
	}
	if runErr != nil {
		return runErr
	}
	fmt.Fprintf(stdout, "done in %.1fs\n", time.Since(start).Seconds())
	return nil
}

// rebuildCacheMB is the page cache the index rebuild may use: half the
// memory available now (Linux says; elsewhere the writer's cache stays).
func rebuildCacheMB(cacheMB int) int {
	raw, err := os.ReadFile("/proc/meminfo")
	if err != nil {
		return cacheMB
	}
	for _, line := range strings.Split(string(raw), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "MemAvailable:" {
			if kb, err := strconv.Atoi(f[1]); err == nil {
				return max(cacheMB, kb/1024/2)
			}
		}
	}
	return cacheMB
}
