package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"golang.org/x/term"

	"signpost"
	"signpost/device"
	"signpost/localstore"
)

// secrets reads passwords: from the environment, else a prompt (without echo
// on a terminal). Never from a flag, where other users could read them.
type secrets struct {
	stdin  io.Reader
	stderr io.Writer
	lines  *bufio.Reader
}

func (s *secrets) read(prompt string, envs ...string) (string, error) {
	for _, e := range envs {
		if v := os.Getenv(e); v != "" {
			return v, nil
		}
	}
	fmt.Fprint(s.stderr, prompt)
	if f, ok := s.stdin.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		b, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(s.stderr)
		if err != nil {
			return "", fmt.Errorf("reading the secret: %w", err)
		}
		return string(b), nil
	}
	if s.lines == nil {
		s.lines = bufio.NewReader(s.stdin)
	}
	line, err := s.lines.ReadString('\n')
	// Nothing echoed the line: end the prompt's, so what follows (an error,
	// progress) starts a line of its own.
	fmt.Fprintln(s.stderr)
	line = strings.TrimRight(line, "\r\n")
	if line == "" && err != nil {
		return "", &signpost.Error{Kind: signpost.KindInvalid, Message: "no secret given: set " + strings.Join(envs, " or ") + ", or type it at the prompt"}
	}
	return line, nil
}

func (s *secrets) password() (string, error) {
	return s.read("Directory password: ", "SIGNPOST_PASSWORD")
}

func (s *secrets) passphrase() (string, error) {
	return s.read("Passphrase for this laptop: ", "SIGNPOST_PASSPHRASE", "SIGNPOST_PASSWORD")
}

func parseFlags(fs *flag.FlagSet, args []string, stderr io.Writer) error {
	fs.SetOutput(stderr)
	if err := fs.Parse(args); err != nil {
		return &signpost.Error{Kind: signpost.KindInvalid, Message: err.Error()}
	}
	if fs.NArg() > 0 {
		return &signpost.Error{Kind: signpost.KindInvalid, Message: fmt.Sprintf("unexpected %q", strings.Join(fs.Args(), " "))}
	}
	return nil
}

// openDevice opens the cache in g.data as a headless device and unlocks it.
func openDevice(ctx context.Context, g globals, sec *secrets) (*device.Device, error) {
	d, err := device.New(ctx, device.Options{Dir: g.data, CAFile: g.caFile, Headless: true})
	if err != nil {
		return nil, err
	}
	switch st := d.State(); st.Stage {
	case device.StageEnrol:
		d.Close()
		return nil, &signpost.Error{Kind: signpost.KindNotFound, Message: "there is no Signpost cache in " + g.data + "; enrol first (signpost enrol --server URL --user NAME --otp CODE)"}
	case device.StageWiped:
		d.Close()
		return nil, &signpost.Error{Kind: signpost.KindWiped, Message: st.Wiped.Message}
	}
	pass, err := sec.passphrase()
	if err != nil {
		d.Close()
		return nil, err
	}
	if err := d.Unlock(ctx, pass); err != nil {
		d.Close()
		return nil, err
	}
	return d, nil
}

// progress prints sync progress on one line of a terminal (and nothing when
// standard error is not one).
func progress(w io.Writer) func(device.Status) {
	if f, ok := w.(*os.File); !ok || !term.IsTerminal(int(f.Fd())) {
		return nil
	}
	return func(st device.Status) {
		switch {
		case st.Syncing && st.Total > 0:
			fmt.Fprintf(w, "\rsending changes: %d of %d   ", st.Done, st.Total)
		case st.Syncing:
			fmt.Fprintf(w, "\rreceiving: %d children   ", st.Done)
		default:
			fmt.Fprint(w, "\r")
		}
	}
}

// subscribe shows the device's sync progress on a terminal.
func subscribe(d *device.Device, stderr io.Writer) {
	if f := progress(stderr); f != nil {
		d.Subscribe(f)
	}
}

func cmdEnrol(ctx context.Context, g globals, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("enrol", flag.ContinueOnError)
	server := fs.String("server", "", "the directory's address, e.g. https://signpost.example.org")
	user := fs.String("user", "", "your username")
	code := fs.String("otp", "", "the 6-digit code from your authenticator app")
	name := fs.String("device-name", "", "a name for this laptop (default: its host name)")
	fs.StringVar(&g.caFile, "ca-file", "", "an extra certificate authority to trust (PEM)")
	if err := parseFlags(fs, args, stderr); err != nil {
		return err
	}
	for _, f := range []struct{ name, v string }{{"--server", *server}, {"--user", *user}, {"--otp", *code}} {
		if f.v == "" {
			return &signpost.Error{Kind: signpost.KindInvalid, Message: f.name + " is required"}
		}
	}
	if *name == "" {
		*name, _ = os.Hostname()
	}
	sec := &secrets{stdin: stdin, stderr: stderr}
	pw, err := sec.password()
	if err != nil {
		return err
	}
	pass, err := sec.passphrase()
	if err != nil {
		return err
	}
	d, err := device.New(ctx, device.Options{Dir: g.data, CAFile: g.caFile, Headless: true})
	if err != nil {
		return err
	}
	defer d.Close()
	req := device.EnrolRequest{Server: *server, Username: *user, Password: pw, OTP: *code, DeviceName: *name, Passphrase: pass}
	if err := d.Enrol(ctx, req, progress(stderr)); err != nil {
		return err
	}
	sum, err := d.Summary(ctx)
	if err != nil {
		return err
	}
	u := sum.User
	fmt.Fprintf(stdout, "enrolled %s (%s, %s) on %s; %d children on this device\n", u.DisplayName, u.Role, u.Organisation, *name, sum.Caseload)
	return nil
}

func cmdSync(ctx context.Context, g globals, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("sync", flag.ContinueOnError)
	if err := parseFlags(fs, args, stderr); err != nil {
		return err
	}
	d, err := openDevice(ctx, g, &secrets{stdin: stdin, stderr: stderr})
	if err != nil {
		return err
	}
	defer d.Close()
	subscribe(d, stderr)
	rep, err := d.Sync(ctx)
	if err != nil {
		return err
	}
	sum, err := d.Summary(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "synced: %d changes sent, %d refused, %d children received, %d removed; %d waiting\n", rep.Pushed, rep.Rejected, rep.Pulled, rep.Removed, sum.Pending)
	return nil
}

func cmdStatus(ctx context.Context, g globals, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("status", flag.ContinueOnError)
	if err := parseFlags(fs, args, stderr); err != nil {
		return err
	}
	d, err := openDevice(ctx, g, &secrets{stdin: stdin, stderr: stderr})
	if err != nil {
		return err
	}
	defer d.Close()
	sum, err := d.Summary(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "user:         %s (%s)\n", sum.User.DisplayName, sum.User.Username)
	fmt.Fprintf(stdout, "directory:    %s\n", sum.Server)
	fmt.Fprintf(stdout, "device:       %s\n", sum.DeviceID)
	if sum.LastSynced.IsZero() {
		fmt.Fprintf(stdout, "last synced:  never\n")
	} else {
		fmt.Fprintf(stdout, "last synced:  %s (%s ago)\n", sum.LastSynced.Local().Format("2 Jan 2006 15:04"), sum.Since.Round(time.Minute))
	}
	fmt.Fprintf(stdout, "caseload:     %d children\n", sum.Caseload)
	fmt.Fprintf(stdout, "waiting:      %d changes\n", sum.Pending)
	for _, c := range sum.Refused {
		fmt.Fprintf(stdout, "refused:      %s — %s\n", c.Description, c.Reason)
	}
	return nil
}

func cmdSearch(ctx context.Context, g globals, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("search", flag.ContinueOnError)
	var req signpost.SearchRequest
	fs.StringVar(&req.FamilyName, "family", "", "family name")
	fs.StringVar(&req.GivenName, "given", "", "given name")
	fs.StringVar(&req.DateOfBirth, "dob", "", "date of birth: 2015-03-14, 14/03/2015 or \"14 Mar 2015\"")
	fs.StringVar(&req.Postcode, "postcode", "", "postcode")
	fs.StringVar(&req.Reason, "reason", "", "why you are searching (recorded in the audit)")
	if err := parseFlags(fs, args, stderr); err != nil {
		return err
	}
	if dob, ok := signpost.ParseTypedDate(req.DateOfBirth); ok {
		req.DateOfBirth = dob
	}
	d, err := openDevice(ctx, g, &secrets{stdin: stdin, stderr: stderr})
	if err != nil {
		return err
	}
	defer d.Close()
	res, err := d.Search(ctx, req)
	if err != nil {
		return err
	}
	if res.Offline {
		fmt.Fprintln(stdout, "offline: searched this laptop's records only")
	}
	if res.TooMany {
		fmt.Fprintln(stdout, signpost.TooManyMessage(req))
		return nil
	}
	printMatches(stdout, res.Matches)
	return nil
}

func printMatches(w io.Writer, ms []signpost.Match) {
	if len(ms) == 0 {
		fmt.Fprintln(w, "no matches")
		return
	}
	for _, m := range ms {
		shield := ""
		if m.Shielded {
			shield = "  [shielded]"
		}
		fmt.Fprintf(w, "%s  %s %s  born %s  %s  score %.2f%s\n", m.SignpostID, m.GivenName, m.FamilyName, m.DateOfBirth, m.Gender, m.Score, shield)
	}
}

func cmdInvolvement(ctx context.Context, g globals, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 || (args[0] != "start" && args[0] != "end") {
		return &signpost.Error{Kind: signpost.KindInvalid, Message: "say involvement start or involvement end"}
	}
	verb := args[0]
	fs := flag.NewFlagSet("involvement "+verb, flag.ContinueOnError)
	child := fs.String("child", "", "the child's Signpost ID")
	role := fs.String("role", "", "your role with the child (start only)")
	if err := parseFlags(fs, args[1:], stderr); err != nil {
		return err
	}
	if !signpost.ValidSignpostID(*child) {
		return &signpost.Error{Kind: signpost.KindInvalid, Field: "child", Message: "--child must be a Signpost ID such as SP000000018"}
	}
	d, err := openDevice(ctx, g, &secrets{stdin: stdin, stderr: stderr})
	if err != nil {
		return err
	}
	defer d.Close()
	id := signpost.NormaliseSignpostID(*child)
	if verb == "end" {
		err = d.EndInvolvement(ctx, id, "")
	} else {
		// A child not in the cache is fetched online first (audited) and kept.
		err = d.StartInvolvement(ctx, id, *role, "")
	}
	if err != nil {
		return err
	}
	sctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	if _, err := d.Sync(sctx); err != nil {
		fmt.Fprintf(stdout, "saved on this device; waiting to sync (%s)\n", signpost.MessageOf(err))
		return nil
	}
	changes, _ := d.Outbox(ctx)
	for _, c := range changes {
		if c.State == device.ChangeRejected && c.ChildID == id {
			return &signpost.Error{Kind: signpost.KindConflict, Message: "the directory refused it: " + c.Reason}
		}
	}
	fmt.Fprintln(stdout, "saved and synced")
	return nil
}

func cmdWipe(ctx context.Context, g globals, args []string, stdout io.Writer) error {
	if len(args) > 0 {
		return &signpost.Error{Kind: signpost.KindInvalid, Message: "wipe takes no arguments"}
	}
	rep, err := localstore.WipeDir(ctx, g.data)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "wiped the cache in %s; %d unsent changes were lost\n", g.data, rep.PendingLost)
	return nil
}
