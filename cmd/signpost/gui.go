package main

import (
	"context"
	"log/slog"
	"os"
	"runtime/debug"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/app"

	"signpost"
	"signpost/assets"
	"signpost/device"
	"signpost/ui"
)

// appID matches FyneApp.toml (`fyne package` reads that file; a plain
// `go build` does not, so the binary carries it too; the version is
// signpost.Version, read from the file itself).
const (
	appID = "uk.org.signpost.app"

	memoryLimit = 48 << 20 // soft limit of the Go heap (GOMEMLIMIT overrides)
)

// runGUI opens the desktop app on the cache in g.data, or with --demo on a
// demo directory of its own. It returns when the window is closed or ctx ends
// (SIGINT, SIGTERM), after locking the cache (and stopping the demo).
func runGUI(ctx context.Context, g globals) error {
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	if os.Getenv("GOMEMLIMIT") == "" {
		// The app's live heap is 30–45 MB, most of it Fyne's parsed fonts
		// (about 28 MB, the bundled colour emoji font once per text style)
		// and the record views Fyne's caches keep after they leave the screen.
		// A soft limit keeps the garbage collector from letting it double
		// before it runs, on laptops that run Signpost all day beside
		// everything else: at 64 MiB the heap sat at the limit after 100
		// records (make bench: 211 MB resident, median of 3); at 48 MiB, with
		// Fyne's 10 s cache (package fynecache), 185 MB.
		debug.SetMemoryLimit(memoryLimit)
	}
	var (
		svc  *device.Device
		demo *demo
		err  error
	)
	if g.demo {
		if demo, err = startDemo(ctx, log, os.Stdout); err != nil {
			return err
		}
		defer demo.Close()
		svc = demo.svc
	} else {
		if svc, err = device.New(ctx, device.Options{Dir: g.data, CAFile: g.caFile, Logger: log}); err != nil {
			return err
		}
		defer svc.Close()
	}

	defer heapProfiles(ctx, log)()

	fa := app.NewWithID(appID)
	fa.SetIcon(assets.Icon)
	// Fyne's own metadata says 0.0.1 unless fyne build injected it: the
	// version is FyneApp.toml's, read at build time, whatever built it.
	// desktopServices: issue 16, desktop notifications (notify16.go).
	w := ui.New(fa, desktopServices{svc}, ui.Options{Logger: log, Version: signpost.Version})
	defer w.Close()
	stop := context.AfterFunc(ctx, func() { fyne.Do(fa.Quit) })
	defer stop()
	w.Window().ShowAndRun()
	return nil
}

// The window drives the device through the screens' interface.
var _ ui.Services = (*device.Device)(nil)
