// Command signpost is the Signpost desktop app. With no command it opens the
// window; the headless commands (enrol, sync, status, search, involvement,
// wipe) do the same work from a terminal, for scripts, support and tests.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"

	"signpost"
	// Before Fyne reads the locale: a C.UTF-8 locale would have it log an
	// error ahead of every headless command's answer.
	_ "signpost/cmd/signpost/internal/locale"
	// Before Fyne reads how long it keeps what it drew (FYNE_CACHE).
	_ "signpost/cmd/signpost/internal/fynecache"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

const usage = `usage: signpost [--data DIR] [command]

With no command, opens the app (--demo: with a demo directory of its own).

commands:
  enrol --server URL --user U --otp CODE [--device-name NAME] [--ca-file FILE]
  sync
  status
  search --family F --dob YYYY-MM-DD [--given G] [--postcode P] [--reason R]
  search --family F --given G --postcode P
  involvement start --child ID [--role R]
  involvement end --child ID
  wipe

Secrets never come from flags: the password from SIGNPOST_PASSWORD, the cache
passphrase from SIGNPOST_PASSPHRASE (or, if unset, SIGNPOST_PASSWORD), or a prompt.`

// globals are the flags before the command.
type globals struct {
	data   string
	demo   bool
	caFile string
}

func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("signpost", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprintln(stderr, usage) }
	var g globals
	fs.StringVar(&g.data, "data", defaultDataDir(), "folder of this device's encrypted cache")
	fs.BoolVar(&g.demo, "demo", false, "start a demo directory on loopback, enrol the nurse account on a temporary cache, and open the app")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() == 0 {
		return exitWith(stderr, runGUI(ctx, g))
	}
	cmd, rest := fs.Arg(0), fs.Args()[1:]
	var err error
	switch cmd {
	case "enrol", "enroll":
		err = cmdEnrol(ctx, g, rest, stdin, stdout, stderr)
	case "sync":
		err = cmdSync(ctx, g, rest, stdin, stdout, stderr)
	case "status":
		err = cmdStatus(ctx, g, rest, stdin, stdout, stderr)
	case "search":
		err = cmdSearch(ctx, g, rest, stdin, stdout, stderr)
	case "involvement":
		err = cmdInvolvement(ctx, g, rest, stdin, stdout, stderr)
	case "wipe":
		err = cmdWipe(ctx, g, rest, stdout)
	case "help", "-h", "--help":
		fmt.Fprintln(stdout, usage)
		return 0
	default:
		fmt.Fprintf(stderr, "signpost: unknown command %q\n\n%s\n", cmd, usage)
		return 2
	}
	return exitWith(stderr, err)
}

// exitWith prints err as a person should read it and returns the exit code:
// 0 ok, 1 failure, 3 offline (the directory could not be reached).
func exitWith(stderr io.Writer, err error) int {
	if err == nil {
		return 0
	}
	var de *signpost.Error
	if errors.As(err, &de) {
		fmt.Fprintln(stderr, "signpost:", de.Message)
		if de.Kind == signpost.KindUnavailable {
			return 3
		}
		return 1
	}
	fmt.Fprintln(stderr, "signpost:", err)
	return 1
}

func defaultDataDir() string {
	if d, err := os.UserConfigDir(); err == nil {
		return filepath.Join(d, "signpost", "cache")
	}
	return "signpost-cache"
}
