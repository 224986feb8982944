// Command signpost-directory runs the Signpost central directory (serve) and
// its admin sub-commands.
package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	httppprof "net/http/pprof"
	"os"
	"os/signal"
	"runtime/pprof"
	"strings"
	gosync "sync"
	"syscall"
	"time"

	"signpost"
	"signpost/directory"
	"signpost/directory/demo"
	"signpost/directory/sqlcipher"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		var de *signpost.Error
		if errors.As(err, &de) {
			fmt.Fprintln(os.Stderr, "signpost-directory:", de.Message)
			if de.Kind == signpost.KindInternal && de.Err != nil {
				fmt.Fprintln(os.Stderr, "  detail:", de.Err)
			}
		} else {
			fmt.Fprintln(os.Stderr, "signpost-directory:", err)
		}
		os.Exit(1)
	}
}

const usage = `usage: signpost-directory <command> [flags]

commands:
  serve             run the directory (see serve -h)
  create-authority  --code E08000035 --name Leeds
  create-org        --name NAME [--authority NAME] [--accredited=false]
  create-user       --username U --name "Full Name" --role practitioner|management|itadmin --org NAME
                    [--job TITLE] [--phone P] [--email E] [--child-protection]
                    (password from SIGNPOST_PASSWORD, or asked for)
  disable-user      --username U [--enable]
  devices           list enrolled devices
  wipe              --device ID   order a remote wipe
  revoke            --device ID   refuse the device's tokens from now on (no wipe)
  audit             --child ID    every search and view of a child (subject-access report)
  alerts            --authority NAME   break-glass and harvest alerts for an authority
` + policyUsage + `

every command takes --data DIR (default ./signpost-data) and --key-file FILE (default DIR/store.key)

` + feedsUsage

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprintln(stdout, usage)
		return nil
	}
	cmd, args := args[0], args[1:]
	if ok, err := feedCommand(ctx, cmd, args, stdout, stderr); ok {
		return err
	}
	if ok, err := policyCommand(ctx, cmd, args, stdout, stderr); ok {
		return err
	}
	fs := flag.NewFlagSet(cmd, flag.ContinueOnError)
	fs.SetOutput(stderr)
	m := NewMain()
	fs.StringVar(&m.DataDir, "data", "signpost-data", "folder holding the store and its key")
	fs.StringVar(&m.KeyFile, "key-file", "", "file holding the store key (64 hex digits); created 0600 if absent (default DATA/store.key)")
	switch cmd {
	case "serve":
		fs.StringVar(&m.Listen, "listen", "127.0.0.1:8443", "address to listen on")
		fs.StringVar(&m.TLSCert, "tls-cert", "", "TLS certificate (PEM)")
		fs.StringVar(&m.TLSKey, "tls-key", "", "TLS private key (PEM)")
		fs.BoolVar(&m.Insecure, "insecure", false, "allow plain HTTP on a non-loopback address (never in production)")
		fs.BoolVar(&m.Demo, "demo", false, "seed the demo population and accounts (idempotent)")
		fs.IntVar(&m.DemoChildren, "demo-children", 10000, "number of generated demo children")
		fs.BoolVar(&m.Maintenance, "maintenance", true, "run the retention rules at start and once a day")
		fs.BoolVar(&m.SearchIndex, "search-index", true, "answer searches from an in-memory index of identities (built in the background at start)")
		verbose := fs.Bool("v", false, "log every request")
		cpuProfile := fs.String("cpu-profile", "", "write a CPU profile of the whole run to FILE (for measuring)")
		pprofAddr := fs.String("pprof", "", "serve Go's profiles (net/http/pprof) on this loopback address, for measuring")
		if err := fs.Parse(args); err != nil {
			return flagErr(err)
		}
		if *pprofAddr != "" {
			host, _, err := net.SplitHostPort(*pprofAddr)
			if ip := net.ParseIP(host); err != nil || ip == nil || !ip.IsLoopback() {
				return fmt.Errorf("--pprof must be a loopback address such as 127.0.0.1:6060")
			}
			ln, err := net.Listen("tcp", *pprofAddr)
			if err != nil {
				return err
			}
			defer ln.Close()
			go http.Serve(ln, pprofMux())
		}
		if *cpuProfile != "" {
			f, err := os.Create(*cpuProfile)
			if err != nil {
				return err
			}
			if err := pprof.StartCPUProfile(f); err != nil {
				return err
			}
			defer func() { pprof.StopCPUProfile(); f.Close() }()
		}
		level := slog.LevelInfo
		if *verbose {
			level = slog.LevelDebug
		}
		m.Config.Logger = slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))
		if err := m.Run(ctx); err != nil {
			return err
		}
		defer m.Close()
		if m.Demo {
			fmt.Fprintf(stdout, "demo directory ready: accounts nurse, social, manager, itadmin; password %s; TOTP secret %s\n", demo.Password, demo.TOTPSecret)
		}
		fmt.Fprintf(stdout, "listening on %s (data in %s)\n", m.URL(), m.DataDir)
		<-ctx.Done()
		return nil
	}

	var f struct {
		code, name, authority, username, role, org, job, phone, email, device, child string
		accredited, childProtection, enable                                          bool
	}
	switch cmd {
	case "create-authority":
		fs.StringVar(&f.code, "code", "", "ONS GSS code")
		fs.StringVar(&f.name, "name", "", "name")
	case "create-org":
		fs.StringVar(&f.name, "name", "", "organisation name")
		fs.StringVar(&f.authority, "authority", "", "authority name or code")
		fs.BoolVar(&f.accredited, "accredited", true, "whether its users may sign in")
	case "create-user":
		fs.StringVar(&f.username, "username", "", "username")
		fs.StringVar(&f.name, "name", "", "display name")
		fs.StringVar(&f.role, "role", "", "practitioner, management or itadmin")
		fs.StringVar(&f.org, "org", "", "organisation name")
		fs.StringVar(&f.job, "job", "", "job title")
		fs.StringVar(&f.phone, "phone", "", "work phone")
		fs.StringVar(&f.email, "email", "", "work email")
		fs.BoolVar(&f.childProtection, "child-protection", false, "holds a child-protection role (may use break-glass)")
	case "disable-user":
		fs.StringVar(&f.username, "username", "", "username")
		fs.BoolVar(&f.enable, "enable", false, "re-enable instead")
	case "devices":
	case "wipe", "revoke":
		fs.StringVar(&f.device, "device", "", "device id")
	case "audit":
		fs.StringVar(&f.child, "child", "", "Signpost ID")
	case "alerts":
		fs.StringVar(&f.authority, "authority", "", "authority name")
	default:
		return fmt.Errorf("unknown command %q\n\n%s", cmd, usage)
	}
	if err := fs.Parse(args); err != nil {
		return flagErr(err)
	}
	st, err := m.OpenStore(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	switch cmd {
	case "create-authority":
		if f.code == "" || f.name == "" {
			return errors.New("--code and --name are required")
		}
		return st.CreateAuthority(ctx, f.code, f.name)
	case "create-org":
		if f.name == "" {
			return errors.New("--name is required")
		}
		return st.CreateOrganisation(ctx, f.name, f.authority, f.accredited)
	case "create-user":
		pw, err := secret("SIGNPOST_PASSWORD", "Password for "+f.username+": ", stderr)
		if err != nil {
			return err
		}
		sec, url, err := directory.CreateUser(ctx, st, directory.NewUser{Username: f.username, DisplayName: f.name, Role: f.role, JobTitle: f.job,
			Organisation: f.org, Phone: f.phone, Email: f.email, Password: pw, ChildProtection: f.childProtection})
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "created %s\nTOTP secret: %s\notpauth URL: %s\n", f.username, sec, url)
		return nil
	case "disable-user":
		return st.SetAccountDisabled(ctx, f.username, !f.enable)
	case "devices":
		ds, err := st.Devices(ctx, directory.DeviceFilter{Limit: 1000})
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "%-36s  %-12s  %-24s  %-20s  %s\n", "DEVICE", "USER", "NAME", "LAST SEEN", "STATE")
		for _, d := range ds {
			state := d.State
			if d.Receipt != nil {
				state += fmt.Sprintf(" (receipt %s: %d pushed, %d lost)", d.Receipt.Received.Format(time.DateTime), d.Receipt.Pushed, d.Receipt.Lost)
			}
			fmt.Fprintf(stdout, "%-36s  %-12s  %-24s  %-20s  %s\n", d.ID, signpost.Printable(d.User), signpost.Printable(d.Name), d.LastSeen.Format(time.DateTime), state)
		}
		return nil
	case "wipe":
		d, err := st.MoveDevice(ctx, f.device, directory.DeviceMove{To: signpost.DeviceWipeOrdered, By: "operator", At: time.Now()})
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "wipe ordered for %s (%s, %s): it wipes at its next contact\n", d.ID, d.User, d.Name)
		return nil
	case "revoke":
		d, err := st.MoveDevice(ctx, f.device, directory.DeviceMove{To: signpost.DeviceRevoked, By: "operator", At: time.Now()})
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "revoked %s (%s, %s)\n", d.ID, d.User, d.Name)
		return nil
	case "audit":
		if !signpost.ValidSignpostID(f.child) {
			return errors.New("--child must be a valid Signpost ID")
		}
		evs, err := st.AuditForChild(ctx, f.child)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "subject-access report for %s: %d events\n", signpost.NormaliseSignpostID(f.child), len(evs))
		for _, ev := range evs {
			claimed := ""
			if !ev.ClaimedAt.IsZero() {
				claimed = "  (offline, on the device at " + ev.ClaimedAt.Format(time.DateTime) + ")"
			}
			fmt.Fprintf(stdout, "%s  %-12s  %-14s  device %-36s  reason %q %s%s\n", ev.At.Format(time.DateTime), signpost.Printable(ev.Username), ev.Action, ev.DeviceID,
				signpost.Printable(ev.Reason), ev.Flags, claimed)
		}
		return nil
	case "alerts":
		als, err := st.Alerts(ctx, directory.AlertFilter{Authority: f.authority, Limit: 1000})
		if err != nil {
			return err
		}
		for _, al := range als {
			fmt.Fprintf(stdout, "%s  %s  %s by %s: %q\n", al.At.Format(time.DateTime), al.ChildID, al.Kind, signpost.Printable(al.Username), signpost.Printable(al.Reason))
		}
		return nil
	}
	return nil
}

func flagErr(err error) error {
	if errors.Is(err, flag.ErrHelp) {
		return nil
	}
	return err
}

// secret reads a secret from the environment or, on a terminal, a prompt.
func secret(env, prompt string, stderr io.Writer) (string, error) {
	if v := os.Getenv(env); v != "" {
		return v, nil
	}
	fmt.Fprint(stderr, prompt)
	line, err := bufio.NewReader(os.Stdin).ReadString('\n')
	if err != nil && line == "" {
		return "", fmt.Errorf("no password given: set %s or type it at the prompt", env)
	}
	return strings.TrimRight(line, "\r\n"), nil
}

// Main is the directory program: NewMain, set fields, Run, Close. Tests start
// the real thing with Listen "127.0.0.1:0".
type Main struct {
	DataDir      string
	KeyFile      string
	Listen       string
	TLSCert      string
	TLSKey       string
	Insecure     bool
	Demo         bool
	DemoChildren int
	Config       directory.Config
	// Maintenance runs the retention rules at start and then every
	// MaintenanceEvery (a day by default), by the clock Config.Now.
	Maintenance      bool
	MaintenanceEvery time.Duration
	// SearchIndex builds the in-memory search index in the background at
	// start; searches read the store's indexes until it is ready.
	SearchIndex bool

	Store    *sqlcipher.Store
	Server   *directory.Server
	Listener *directory.Listener
	cancel   context.CancelFunc
	bg       gosync.WaitGroup
}

// NewMain returns a Main with defaults.
func NewMain() *Main {
	return &Main{DataDir: "signpost-data", Listen: "127.0.0.1:8443", DemoChildren: 10000, Maintenance: true, MaintenanceEvery: 24 * time.Hour, SearchIndex: true}
}

// OpenStore opens the store in DataDir with the key file.
func (m *Main) OpenStore(ctx context.Context) (*sqlcipher.Store, error) {
	return sqlcipher.OpenDir(ctx, m.DataDir, m.KeyFile)
}

// pprofMux serves Go's profiles.
func pprofMux() *http.ServeMux {
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", httppprof.Index)
	mux.HandleFunc("/debug/pprof/profile", httppprof.Profile)
	return mux
}

// Run opens the store, seeds the demo if asked, and starts serving.
func (m *Main) Run(ctx context.Context) error {
	lc := directory.ListenConfig{Addr: m.Listen, TLSCert: m.TLSCert, TLSKey: m.TLSKey, Insecure: m.Insecure}
	if err := lc.Check(); err != nil {
		return err
	}
	st, err := m.OpenStore(ctx)
	if err != nil {
		return err
	}
	m.Store = st
	log := m.Config.Logger
	if log == nil {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
		m.Config.Logger = log
	}
	if m.Demo {
		start := time.Now()
		if err := demo.Seed(ctx, st, m.DemoChildren, time.Now(), directory.DefaultPasswordParams); err != nil {
			st.Close()
			return fmt.Errorf("seeding the demo: %w", err)
		}
		log.Info("demo ready", "children", m.DemoChildren, "seconds", time.Since(start).Seconds())
	}
	m.Server = directory.NewServer(st, m.Config)
	lc.Logger = log
	l, err := directory.Listen(m.Server, lc)
	if err != nil {
		m.Server.Close()
		st.Close()
		return err
	}
	m.Listener = l
	// The daily maintenance and the index build end when the directory
	// closes.
	base, cancel := context.WithCancel(context.Background())
	m.cancel = cancel
	if m.SearchIndex {
		m.bg.Add(1)
		go func() {
			defer m.bg.Done()
			start := time.Now()
			if err := st.BuildSearchIndex(base); err != nil {
				if base.Err() == nil {
					log.Error("the in-memory search index could not be built; searches read the store", "err", err)
				}
				return
			}
			n, _ := st.SearchIndexSize()
			log.Info("in-memory search index ready", "children", n, "seconds", time.Since(start).Seconds())
		}()
	}
	if m.Maintenance {
		now := m.Config.Now
		if now == nil {
			now = time.Now
		}
		every := m.MaintenanceEvery
		if every <= 0 {
			every = 24 * time.Hour
		}
		m.bg.Add(1)
		go func() {
			defer m.bg.Done()
			directory.RunMaintenance(base, st, now, every, log)
		}()
	}
	log.Info("directory listening", "addr", l.Addr().String(), "tls", l.TLS())
	return nil
}

// URL returns the base URL the directory serves on.
func (m *Main) URL() string { return m.Listener.URL() }

// Close stops serving, flushes the audit and closes the store.
func (m *Main) Close() error {
	var errs []error
	if m.cancel != nil {
		m.cancel()
	}
	if m.Listener != nil {
		errs = append(errs, m.Listener.Close())
	}
	m.bg.Wait()
	if m.Server != nil {
		errs = append(errs, m.Server.Close())
	}
	if m.Store != nil {
		errs = append(errs, m.Store.Close())
	}
	return errors.Join(errs...)
}
