package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"signpost/directory/importer"
	"strconv"
	"time"

	"github.com/pquerna/otp/totp"

	"signpost/device"
	"signpost/directory"
	demodir "signpost/directory/demo"
	"signpost/directory/sqlcipher"
)

// The demo: `signpost --demo` runs a demo directory in this process on
// 127.0.0.1 (a free port) with its data in a temporary folder, enrols the
// nurse account on a temporary cache, and opens the window unlocked. Closing
// the window stops the directory and removes both folders.
const (
	demoPassphrase  = "signpost demo passphrase"
	demoChildren    = 10000 // SIGNPOST_DEMO_CHILDREN overrides
	demoDefaultUser = "nurse"
)

// demoDirectory is a directory served in-process.
type demoDirectory struct {
	store    *sqlcipher.Store
	server   *directory.Server
	listener *directory.Listener
	URL      string
}

// startDemoDirectory seeds a demo directory in dir and serves it on loopback.
func startDemoDirectory(ctx context.Context, dir string, children int, log *slog.Logger) (*demoDirectory, error) {
	st, err := sqlcipher.OpenDir(ctx, dir, "")
	if err != nil {
		return nil, err
	}
	if err := demodir.Seed(ctx, st, children, time.Now(), directory.DefaultPasswordParams); err != nil {
		st.Close()
		return nil, fmt.Errorf("seeding the demo directory: %w", err)
	}
	if err := demodir.SeedManagementWork(ctx, st, time.Now()); err != nil {
		st.Close()
		return nil, fmt.Errorf("seeding the demo directory: %w", err)
	}
	if err := demodir.SeedNotifications(ctx, st, time.Now()); err != nil { // issue 16, slice app
		st.Close()
		return nil, fmt.Errorf("seeding the demo directory: %w", err)
	}
	// The review decisions are the importer's, as signpost-directory serve's.
	srv := directory.NewServer(st, directory.Config{Logger: log, Decider: importer.Decider{}})
	l, err := directory.Listen(srv, directory.ListenConfig{Addr: "127.0.0.1:0", Logger: log})
	if err != nil {
		srv.Close()
		st.Close()
		return nil, err
	}
	return &demoDirectory{store: st, server: srv, listener: l, URL: l.URL()}, nil
}

// Close stops serving (long-polls first), flushes the audit and closes the store.
func (d *demoDirectory) Close() error {
	return errors.Join(d.listener.Close(), d.server.Close(), d.store.Close())
}

// demo is a running demo: the directory, the enrolled services, the folder.
type demo struct {
	dir  string
	dirc *demoDirectory
	svc  *device.Device
}

// startDemo starts the demo directory and enrols the demo user (nurse, or
// SIGNPOST_DEMO_USER: social, manager, itadmin) on a fresh cache.
func startDemo(ctx context.Context, log *slog.Logger, out io.Writer) (*demo, error) {
	n := demoChildren
	if v := os.Getenv("SIGNPOST_DEMO_CHILDREN"); v != "" {
		if i, err := strconv.Atoi(v); err == nil && i >= 0 {
			n = i
		}
	}
	user := os.Getenv("SIGNPOST_DEMO_USER")
	if user == "" {
		user = demoDefaultUser
	}
	tmp, err := os.MkdirTemp("", "signpost-demo-")
	if err != nil {
		return nil, err
	}
	d := &demo{dir: tmp}
	start := time.Now()
	if d.dirc, err = startDemoDirectory(ctx, filepath.Join(tmp, "directory"), n, log); err != nil {
		os.RemoveAll(tmp)
		return nil, err
	}
	fmt.Fprintf(out, "signpost demo: directory %s with %d children (data in %s, removed on exit)\n", d.dirc.URL, n, tmp)
	fmt.Fprintf(out, "signpost demo: accounts nurse, social, manager, itadmin; password %s; TOTP secret %s\n", demodir.Password, demodir.TOTPSecret)
	d.svc, err = device.New(ctx, device.Options{Dir: filepath.Join(tmp, "cache"), Logger: log,
		Hint: "Demo: the passphrase is “" + demoPassphrase + "”."})
	if err != nil {
		d.Close()
		return nil, err
	}
	code, err := totp.GenerateCode(demodir.TOTPSecret, time.Now())
	if err != nil {
		d.Close()
		return nil, err
	}
	err = d.svc.Enrol(ctx, device.EnrolRequest{Server: d.dirc.URL, Username: user, Password: demodir.Password,
		OTP: code, DeviceName: "Demo laptop", Passphrase: demoPassphrase}, nil)
	if err != nil {
		d.Close()
		return nil, fmt.Errorf("enrolling %s in the demo: %w", user, err)
	}
	fmt.Fprintf(out, "signpost demo: %s enrolled in %.1f s; the passphrase of its Signpost data on this laptop is %q\n", user, time.Since(start).Seconds(), demoPassphrase)
	return d, nil
}

// Close stops the app's services, then the directory, and removes the folder.
func (d *demo) Close() error {
	var errs []error
	if d.svc != nil {
		errs = append(errs, d.svc.Close())
	}
	if d.dirc != nil {
		errs = append(errs, d.dirc.Close())
	}
	errs = append(errs, os.RemoveAll(d.dir))
	return errors.Join(errs...)
}
