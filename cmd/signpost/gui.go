package main

import (
	"context"
	"log/slog"
	"os"
	"runtime/debug"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/app"

	"signpost/assets"
	"signpost/device"
	"signpost/ui"
)

// appID and version match FyneApp.toml (`fyne package` reads that file;
// a plain `go build` does not, so the binary carries them too).
const (
	appID   = "uk.org.signpost.app"
	version = "0.1.0"

	memoryLimit = 64 << 20 // soft limit of the Go heap (GOMEMLIMIT overrides)
)

// runGUI opens the desktop app on the cache in g.data, or with --demo on a
// demo directory of its own. It returns when the window is closed or ctx ends
// (SIGINT, SIGTERM), after locking the cache (and stopping the demo).
func runGUI(ctx context.Context, g globals) error {
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	if os.Getenv("GOMEMLIMIT") == "" {
		// The app's live heap is 20–40 MB; a soft limit keeps the garbage
		// collector from letting it double before it runs, on laptops that
		// run Signpost all day beside everything else.
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

	fa := app.NewWithID(appID)
	fa.SetIcon(assets.Icon)
	v := fa.Metadata().Version
	if v == "" {
		v = version
	}
	w := ui.New(fa, svc, ui.Options{Logger: log, Version: v})
	defer w.Close()
	stop := context.AfterFunc(ctx, func() { fyne.Do(fa.Quit) })
	defer stop()
	w.Window().ShowAndRun()
	return nil
}

// The window drives the device through the screens' interface.
var _ ui.Services = (*device.Device)(nil)
