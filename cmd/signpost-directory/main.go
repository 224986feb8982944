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
	"os"
	"os/signal"
	"runtime/debug"
	"runtime/pprof"
	"strings"
	gosync "sync"
	"syscall"
	"time"

	"signpost"
	"signpost/directory"
	"signpost/directory/demo"
	"signpost/directory/importer"
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
  create-authority  --code E08000035 --name Leeds [--phone P] [--email E]
  set-authority-contact --authority NAME --phone P --email E
                    how shielded records say to reach the authority's management team
  create-org        --name NAME [--authority NAME] [--accredited=false]
  create-user       --username U --name "Full Name" --role practitioner|management|itadmin --org NAME
                    [--job TITLE] [--phone P] [--email E] [--child-protection]
                    (password from SIGNPOST_PASSWORD, or asked for)
  disable-user      --username U [--enable]
  devices           list enrolled devices
  wipe              --device ID [--reason lost|stolen|leaver] [--cancel]
                                  order a remote wipe (lost, stolen: even while the
                                  laptop is locked; leaver: after its last push), or
                                  cancel one not yet carried out
  revoke            --device ID   refuse the device's tokens from now on (no wipe)
  audit             --child ID [--csv --reason R]   every search and view of a child (subject-access report)
  alerts            --authority NAME [--ack ID --note N]   break-glass and harvest alerts for an authority
` + policyUsage + `
` + backupUsage + `

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
	if ok, err := backupCommand(ctx, cmd, args, stdout, stderr); ok { // issue 17, operations
		return err
	}
	switch cmd {
	case "serve":
		return runServe(ctx, args, stdout, stderr)
	case "create-authority":
		return runCreateAuthority(ctx, args, stderr)
	case "set-authority-contact":
		return runSetAuthorityContact(ctx, args, stderr)
	case "create-org":
		return runCreateOrg(ctx, args, stderr)
	case "create-user":
		return runCreateUser(ctx, args, stdout, stderr)
	case "disable-user":
		return runDisableUser(ctx, args, stderr)
	case "devices":
		return runDevices(ctx, args, stdout, stderr)
	case "wipe", "revoke":
		return runMoveDevice(ctx, cmd, args, stdout, stderr)
	case "audit":
		return runAudit(ctx, args, stdout, stderr)
	case "alerts":
		return runAlerts(ctx, args, stdout, stderr)
	}
	return fmt.Errorf("unknown command %q\n\n%s", cmd, usage)
}

// serveGCPercent is serve's GOGC unless the environment sets one: the heap
// may grow a quarter past what is live before a collection (see runServe).
const serveGCPercent = 25

func runServe(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, m := newFlags("serve", stderr)
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
	// Issue 17, operations: Prometheus metrics on a loopback listener of their own.
	fs.StringVar(&m.MetricsAddr, "metrics-addr", "", "serve Prometheus metrics at /metrics on this loopback address (e.g. 127.0.0.1:9464)")
	pprofAddr := fs.String("pprof", "", "serve Go's profiles (net/http/pprof) on this loopback address, for measuring")
	if err := fs.Parse(args); err != nil {
		return flagErr(err)
	}
	if *pprofAddr != "" {
		prof, err := directory.ServeProfiles(*pprofAddr)
		if err != nil {
			return err
		}
		defer prof.Close()
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
	if os.Getenv("GOGC") == "" {
		// Most of serve's live heap is the search index: pointer-free,
		// cheap to mark, and never garbage. Go's default lets the heap grow
		// to twice the live heap before collecting, which here is a
		// gigabyte of garbage per million children held for nothing.
		debug.SetGCPercent(serveGCPercent)
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

// withStore parses the flags of a command that works on the store, opens
// the store and runs do on it.
func withStore(ctx context.Context, fs *flag.FlagSet, m *Main, args []string, do func(*sqlcipher.Store) error) error {
	if err := fs.Parse(args); err != nil {
		return flagErr(err)
	}
	st, err := m.OpenStore(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	return do(st)
}

func runCreateAuthority(ctx context.Context, args []string, stderr io.Writer) error {
	fs, m := newFlags("create-authority", stderr)
	code := fs.String("code", "", "ONS GSS code")
	name := fs.String("name", "", "name")
	phone := fs.String("phone", "", "phone of the authority's Signpost management team")
	email := fs.String("email", "", "email of the authority's Signpost management team")
	return withStore(ctx, fs, m, args, func(st *sqlcipher.Store) error {
		if *code == "" || *name == "" {
			return errors.New("--code and --name are required")
		}
		if err := checkTeamContact(*phone, *email); err != nil {
			return err
		}
		if err := st.CreateAuthority(ctx, *code, *name); err != nil {
			return err
		}
		if *phone == "" && *email == "" {
			return nil
		}
		return st.SetAuthorityContact(ctx, *code, *phone, *email)
	})
}

// runSetAuthorityContact sets how the management team of an authority is
// reached, which its shielded records show.
func runSetAuthorityContact(ctx context.Context, args []string, stderr io.Writer) error {
	fs, m := newFlags("set-authority-contact", stderr)
	authority := fs.String("authority", "", "authority name or ONS code")
	phone := fs.String("phone", "", "phone of the authority's Signpost management team")
	email := fs.String("email", "", "email of the authority's Signpost management team")
	return withStore(ctx, fs, m, args, func(st *sqlcipher.Store) error {
		if *authority == "" {
			return errors.New("--authority is required")
		}
		if *phone == "" && *email == "" {
			return errors.New("--phone or --email is required: a shielded record must say how to reach the team")
		}
		// The same code as PUT /v1/authority/contact (issue 14, accounts slice).
		return directory.SetTeamContact(ctx, st, *authority, *phone, *email)
	})
}

// checkTeamContact validates a management team's phone and email, as PUT
// /v1/authority/contact does.
func checkTeamContact(phone, email string) error { return directory.CheckTeamContact(phone, email) }

func runCreateOrg(ctx context.Context, args []string, stderr io.Writer) error {
	fs, m := newFlags("create-org", stderr)
	name := fs.String("name", "", "organisation name")
	authority := fs.String("authority", "", "authority name or code")
	accredited := fs.Bool("accredited", true, "whether its users may sign in")
	return withStore(ctx, fs, m, args, func(st *sqlcipher.Store) error {
		if *name == "" {
			return errors.New("--name is required")
		}
		return st.CreateOrganisation(ctx, *name, *authority, *accredited)
	})
}

func runCreateUser(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, m := newFlags("create-user", stderr)
	var u directory.NewUser
	fs.StringVar(&u.Username, "username", "", "username")
	fs.StringVar(&u.DisplayName, "name", "", "display name")
	fs.StringVar(&u.Role, "role", "", "practitioner, management or itadmin")
	fs.StringVar(&u.Organisation, "org", "", "organisation name")
	fs.StringVar(&u.JobTitle, "job", "", "job title")
	fs.StringVar(&u.Phone, "phone", "", "work phone")
	fs.StringVar(&u.Email, "email", "", "work email")
	fs.BoolVar(&u.ChildProtection, "child-protection", false, "holds a child-protection role (may use break-glass)")
	return withStore(ctx, fs, m, args, func(st *sqlcipher.Store) error {
		pw, err := secret("SIGNPOST_PASSWORD", "Password for "+u.Username+": ", stderr)
		if err != nil {
			return err
		}
		u.Password = pw
		sec, url, err := directory.CreateUser(ctx, st, u)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "created %s\nTOTP secret: %s\notpauth URL: %s\n", u.Username, sec, url)
		return nil
	})
}

func runDisableUser(ctx context.Context, args []string, stderr io.Writer) error {
	fs, m := newFlags("disable-user", stderr)
	username := fs.String("username", "", "username")
	enable := fs.Bool("enable", false, "re-enable instead")
	return withStore(ctx, fs, m, args, func(st *sqlcipher.Store) error {
		return st.SetAccountDisabled(ctx, *username, !*enable)
	})
}

func runDevices(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, m := newFlags("devices", stderr)
	return withStore(ctx, fs, m, args, func(st *sqlcipher.Store) error {
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
	})
}

// runMoveDevice runs wipe (a remote wipe at the device's next contact) and
// revoke (its tokens refused from now on).
func runMoveDevice(ctx context.Context, cmd string, args []string, stdout, stderr io.Writer) error {
	fs, m := newFlags(cmd, stderr)
	device := fs.String("device", "", "device id")
	var reason *string
	var cancel *bool
	if cmd == "wipe" {
		reason = fs.String("reason", "", "why: lost, stolen (wiped as soon as it is online, even locked) or leaver (after its last push)")
		cancel = fs.Bool("cancel", false, "cancel a wipe order not yet carried out")
	}
	return withStore(ctx, fs, m, args, func(st *sqlcipher.Store) error {
		mv, done := directory.DeviceMove{To: signpost.DeviceRevoked}, "revoked %s (%s, %s)\n"
		switch {
		case cmd == "wipe" && *cancel:
			mv.To, done = signpost.DeviceActive, "wipe order cancelled for %s (%s, %s)\n"
		case cmd == "wipe":
			switch *reason {
			case signpost.WipeLost, signpost.WipeStolen:
				done = "wipe ordered for %s (%s, %s): it wipes as soon as it is online, even locked\n"
			case signpost.WipeLeaver, "":
				done = "wipe ordered for %s (%s, %s): it wipes after its last push, once unlocked\n"
			default:
				return errors.New("--reason must be lost, stolen or leaver")
			}
			mv.To, mv.Reason = signpost.DeviceWipeOrdered, *reason
		}
		mv.By, mv.At = "operator", time.Now()
		move := st.MoveDevice
		if mv.To == signpost.DeviceRevoked { // the same code as POST /v1/devices/{id}/revoke (issue 14)
			move = func(ctx context.Context, id string, m directory.DeviceMove) (*directory.DeviceRecord, error) {
				return directory.RevokeDevice(ctx, st, id, m.By, m.At)
			}
		}
		d, err := move(ctx, *device, mv)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, done, d.ID, d.User, d.Name)
		return nil
	})
}

func runAudit(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, m := newFlags("audit", stderr)
	child := fs.String("child", "", "Signpost ID")
	// Issue 14, slice access: the report is the one GET /v1/children/{id}/access gives.
	asCSV := fs.Bool("csv", false, "write the whole report as CSV, as the app's Export CSV does (audited; needs --reason)")
	reason := fs.String("reason", "", "with --csv: why the report is exported (e.g. the subject-access request it answers)")
	return withStore(ctx, fs, m, args, func(st *sqlcipher.Store) error {
		if !signpost.ValidSignpostID(*child) {
			return errors.New("--child must be a valid Signpost ID")
		}
		id := signpost.NormaliseSignpostID(*child)
		if *asCSV {
			if strings.TrimSpace(*reason) == "" {
				return errors.New("--csv needs --reason: the export is recorded in the audit")
			}
			if err := st.Audit(ctx, []directory.AuditEvent{{At: time.Now(), Username: "operator", Action: "access_export", ChildID: id, Reason: strings.TrimSpace(*reason)}}); err != nil {
				return err
			}
			return directory.WriteAccessCSV(ctx, st, id, stdout)
		}
		fmt.Fprintf(stdout, "subject-access report for %s, newest first\n", id)
		return directory.EachAccess(ctx, st, id, func(e signpost.AccessEntry) error {
			claimed := ""
			if e.Offline {
				claimed = "  (offline, on the device at " + e.ClaimedAt.Format(time.DateTime) + ")"
			}
			_, err := fmt.Fprintf(stdout, "%s  %-12s  %-24s  %-14s  device %-36s  reason %q %s%s\n", e.At.Format(time.DateTime), signpost.Printable(e.Username),
				signpost.Printable(e.Organisation), e.Action, e.DeviceID, signpost.Printable(e.Reason), e.Flags, claimed)
			return err
		})
	})
}

func runAlerts(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, m := newFlags("alerts", stderr)
	authority := fs.String("authority", "", "authority name")
	// Issue 14, slice access: acknowledging is POST /v1/alerts/{id}/ack's code.
	ack := fs.Int64("ack", 0, "acknowledge the alert of this id (needs --note)")
	note := fs.String("note", "", "with --ack: what was done about the alert")
	return withStore(ctx, fs, m, args, func(st *sqlcipher.Store) error {
		if *ack != 0 {
			al, err := directory.AcknowledgeAlert(ctx, st, directory.AlertAck{ID: *ack, Authority: *authority, By: "operator", Note: *note, At: time.Now()}, 0, "")
			if err != nil {
				return err
			}
			fmt.Fprintf(stdout, "alert %d acknowledged\n", al.ID)
			return nil
		}
		als, err := st.Alerts(ctx, directory.AlertFilter{Authority: *authority, Limit: 1000})
		if err != nil {
			return err
		}
		for _, al := range als {
			acked := ""
			if !al.AckAt.IsZero() {
				acked = fmt.Sprintf("  acknowledged by %s: %q", signpost.Printable(al.AckBy), signpost.Printable(al.AckNote))
			}
			fmt.Fprintf(stdout, "%d  %s  %s  %s by %s: %q%s\n", al.ID, al.At.Format(time.DateTime), al.ChildID, al.Kind, signpost.Printable(al.Username), signpost.Printable(al.Reason), acked)
		}
		return nil
	})
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
	// MetricsAddr, if set, is the loopback address /metrics is served on
	// (issue 17, operations).
	MetricsAddr string

	Store    *sqlcipher.Store
	Server   *directory.Server
	Listener *directory.Listener
	Metrics  *directory.Listener // issue 17, operations
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

// Run opens the store, seeds the demo if asked, and starts serving.
func (m *Main) Run(ctx context.Context) error {
	lc := directory.ListenConfig{Addr: m.Listen, TLSCert: m.TLSCert, TLSKey: m.TLSKey, Insecure: m.Insecure}
	if err := lc.Check(); err != nil {
		return err
	}
	if m.MetricsAddr != "" { // issue 17, operations
		if err := directory.CheckMetricsAddr(m.MetricsAddr); err != nil {
			return err
		}
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
		if err := demo.SeedManagementWork(ctx, st, time.Now()); err != nil {
			st.Close()
			return fmt.Errorf("seeding the demo: %w", err)
		}
		log.Info("demo ready", "children", m.DemoChildren, "seconds", time.Since(start).Seconds())
	}
	if m.Config.Decider == nil {
		// Issue 14, slice review: the API's review and merge decisions are the command line's.
		m.Config.Decider = importer.Decider{}
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
	if m.MetricsAddr != "" { // issue 17, operations
		if m.Metrics, err = directory.ServeMetrics(m.MetricsAddr, m.Server.MetricsHandler()); err != nil {
			l.Close()
			m.Server.Close()
			st.Close()
			return err
		}
		log.Info("metrics served", "addr", m.Metrics.Addr().String())
	}
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
	if m.Metrics != nil { // issue 17, operations
		errs = append(errs, m.Metrics.Close())
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
