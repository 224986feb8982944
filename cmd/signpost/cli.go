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
	"signpost/localstore"
	psync "signpost/sync"
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
	return s.read("Cache passphrase: ", "SIGNPOST_PASSPHRASE", "SIGNPOST_PASSWORD")
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

// openCache opens and unlocks the cache in g.data.
func openCache(ctx context.Context, g globals, sec *secrets) (*localstore.Store, error) {
	st, err := localstore.Open(ctx, g.data, localstore.Options{})
	if err != nil {
		if signpost.KindOf(err) == signpost.KindNotFound {
			return nil, &signpost.Error{Kind: signpost.KindNotFound, Message: "there is no Signpost cache in " + g.data + "; enrol first (signpost enrol --server URL --user NAME --otp CODE)"}
		}
		return nil, err
	}
	pass, err := sec.passphrase()
	if err != nil {
		st.Close()
		return nil, err
	}
	if err := st.Unlock(ctx, pass); err != nil {
		st.Close()
		return nil, err
	}
	return st, nil
}

// engineFor makes the client and engine for an unlocked cache.
func engineFor(ctx context.Context, g globals, st *localstore.Store, events func(psync.Event)) (*psync.Engine, *psync.Client, error) {
	server, err := st.ServerURL(ctx)
	if err != nil {
		return nil, nil, err
	}
	c, err := psync.NewClient(psync.ClientOptions{BaseURL: server, CAFile: g.caFile})
	if err != nil {
		return nil, nil, err
	}
	if tok, err := st.Token(ctx); err == nil {
		c.SetToken(tok)
	}
	return psync.NewEngine(c, st, psync.EngineOptions{OnEvent: events}), c, nil
}

// progress prints sync progress on one line of a terminal (and nothing when
// standard error is not one).
func progress(w io.Writer) func(psync.Event) {
	if f, ok := w.(*os.File); !ok || !term.IsTerminal(int(f.Fd())) {
		return nil
	}
	return func(ev psync.Event) {
		switch ev.Phase {
		case psync.PhasePushing:
			fmt.Fprintf(w, "\rsending changes: %d of %d   ", ev.Done, ev.Total)
		case psync.PhasePulling:
			fmt.Fprintf(w, "\rreceiving: %d children   ", ev.Done)
		case psync.PhaseIdle:
			fmt.Fprint(w, "\r")
		}
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
	c, err := psync.NewClient(psync.ClientOptions{BaseURL: *server, CAFile: g.caFile})
	if err != nil {
		return err
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
	st, err := localstore.Create(ctx, g.data, pass, localstore.Options{})
	if err != nil {
		return err
	}
	defer st.Close()
	e := psync.NewEngine(c, st, psync.EngineOptions{OnEvent: progress(stderr)})
	resp, err := e.SignIn(ctx, *user, pw, *code, *name)
	if err != nil {
		// Nothing to keep: a cache that never signed in holds nothing.
		st.Wipe(context.WithoutCancel(ctx))
		return err
	}
	if err := st.SetServerURL(ctx, *server); err != nil {
		return err
	}
	rep, err := e.Sync(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "enrolled %s (%s, %s) on %s; %d children on this device\n", resp.User.DisplayName, resp.User.Role, resp.User.Organisation, *name, rep.Pulled)
	return nil
}

func cmdSync(ctx context.Context, g globals, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("sync", flag.ContinueOnError)
	if err := parseFlags(fs, args, stderr); err != nil {
		return err
	}
	st, err := openCache(ctx, g, &secrets{stdin: stdin, stderr: stderr})
	if err != nil {
		return err
	}
	defer st.Close()
	e, _, err := engineFor(ctx, g, st, progress(stderr))
	if err != nil {
		return err
	}
	rep, err := e.Sync(ctx)
	if err != nil {
		return err
	}
	pending, _ := st.PendingCount(ctx)
	fmt.Fprintf(stdout, "synced: %d changes sent, %d refused, %d children received, %d removed; %d waiting\n", rep.Pushed, rep.Rejected, rep.Pulled, rep.Removed, pending)
	return nil
}

func cmdStatus(ctx context.Context, g globals, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("status", flag.ContinueOnError)
	if err := parseFlags(fs, args, stderr); err != nil {
		return err
	}
	st, err := openCache(ctx, g, &secrets{stdin: stdin, stderr: stderr})
	if err != nil {
		return err
	}
	defer st.Close()
	u, _ := st.User(ctx)
	server, _ := st.ServerURL(ctx)
	contact, ago := st.LastContact()
	pending, _ := st.PendingCount(ctx)
	cases, _ := st.Caseload(ctx, "")
	items, _ := st.Outbox(ctx)
	fmt.Fprintf(stdout, "user:         %s (%s)\n", u.DisplayName, u.Username)
	fmt.Fprintf(stdout, "directory:    %s\n", server)
	fmt.Fprintf(stdout, "device:       %s\n", st.DeviceID())
	if contact.Server.IsZero() {
		fmt.Fprintf(stdout, "last synced:  never\n")
	} else {
		fmt.Fprintf(stdout, "last synced:  %s (%s ago)\n", contact.Server.Local().Format("2 Jan 2006 15:04"), ago.Round(time.Minute))
	}
	fmt.Fprintf(stdout, "caseload:     %d children\n", len(cases))
	fmt.Fprintf(stdout, "waiting:      %d changes\n", pending)
	for _, it := range items {
		if it.State == localstore.StateRejected {
			fmt.Fprintf(stdout, "refused:      %s — %s\n", it.Description, it.Reason)
		}
	}
	return nil
}

func cmdSearch(ctx context.Context, g globals, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("search", flag.ContinueOnError)
	var req signpost.SearchRequest
	fs.StringVar(&req.FamilyName, "family", "", "family name")
	fs.StringVar(&req.GivenName, "given", "", "given name")
	fs.StringVar(&req.DateOfBirth, "dob", "", "date of birth, YYYY-MM-DD")
	fs.StringVar(&req.Postcode, "postcode", "", "postcode")
	fs.StringVar(&req.Reason, "reason", "", "why you are searching (recorded in the audit)")
	if err := parseFlags(fs, args, stderr); err != nil {
		return err
	}
	st, err := openCache(ctx, g, &secrets{stdin: stdin, stderr: stderr})
	if err != nil {
		return err
	}
	defer st.Close()
	_, c, err := engineFor(ctx, g, st, nil)
	if err != nil {
		return err
	}
	resp, err := c.Search(ctx, req)
	if psync.IsOffline(err) {
		ms, lerr := st.SearchCache(ctx, req)
		if lerr != nil {
			return lerr
		}
		fmt.Fprintln(stdout, "offline: searched this device's cache only")
		printMatches(stdout, ms)
		return nil
	}
	if err != nil {
		return err
	}
	if resp.TooMany {
		fmt.Fprintln(stdout, "too many matches: add detail (given name, postcode) and search again")
		return nil
	}
	printMatches(stdout, resp.Matches)
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
	st, err := openCache(ctx, g, &secrets{stdin: stdin, stderr: stderr})
	if err != nil {
		return err
	}
	defer st.Close()
	m := signpost.Mutation{Kind: signpost.MutStartInvolvement, ChildID: signpost.NormaliseSignpostID(*child), Role: *role}
	if verb == "end" {
		m.Kind, m.Role = signpost.MutEndInvolvement, ""
	}
	e, c, err := engineFor(ctx, g, st, nil)
	if err != nil {
		return err
	}
	_, err = st.Enqueue(ctx, m)
	if signpost.KindOf(err) == signpost.KindNotFound && verb == "start" {
		// Not in the cache: fetch the record online (audited, with the reason) and keep it.
		child, ferr := c.Child(ctx, m.ChildID, "starting an involvement")
		if ferr != nil {
			if psync.IsOffline(ferr) {
				return &signpost.Error{Kind: signpost.KindNotFound, Message: "this child is not in this device's cache and the directory cannot be reached; record them by name, date of birth and postcode in the app, or try again online"}
			}
			return ferr
		}
		if err := st.SaveLookup(ctx, child); err != nil {
			return err
		}
		_, err = st.Enqueue(ctx, m)
	}
	if err != nil {
		return err
	}
	sctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	if _, err := e.Sync(sctx); err != nil {
		fmt.Fprintf(stdout, "saved on this device; waiting to sync (%s)\n", signpost.MessageOf(err))
		return nil
	}
	items, _ := st.Outbox(ctx)
	for _, it := range items {
		if it.State == localstore.StateRejected && it.ChildID == m.ChildID {
			return &signpost.Error{Kind: signpost.KindConflict, Message: "the directory refused it: " + it.Reason}
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
