package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"signpost"
	"signpost/localstore"
)

// asCommand, in a child's environment, makes the test binary the signpost
// command (see TestMain): runAsCommand runs it in a process of its own, as a
// shell would, so that what every package prints while it initialises (Fyne
// looks up the locale) is part of the output the tests see.
const asCommand = "SIGNPOST_TEST_AS_COMMAND"

// runAsCommand runs the command with args in the C.UTF-8 locale, with the
// environment variables env added and the caller's locale and secrets
// removed, and returns its exit code, standard output and standard error.
func runAsCommand(t *testing.T, env []string, args ...string) (int, string, string) {
	t.Helper()
	cmd := exec.Command(os.Args[0], args...)
	for _, kv := range os.Environ() {
		switch k, _, _ := strings.Cut(kv, "="); k {
		case "LANG", "LANGUAGE", "LC_ALL", "LC_MESSAGES", "SIGNPOST_PASSWORD", "SIGNPOST_PASSPHRASE":
		default:
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Env = append(append(cmd.Env, asCommand+"=1", "LANG=C.UTF-8"), env...)
	cmd.Stdin = strings.NewReader("")
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("running %v: %v", args, err)
	}
	return code, out.String(), errb.String()
}

// enrolledCache makes a cache as enrolment leaves it (without a directory:
// status reads the cache only) and returns its folder.
func enrolledCache(t *testing.T, passphrase string) string {
	t.Helper()
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "cache")
	st, err := localstore.Create(ctx, dir, passphrase, localstore.Options{KDF: localstore.KDFParams{MemoryKiB: 8 * 1024, Iterations: 1, Threads: 1}})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	for _, f := range []func() error{
		func() error {
			return st.SetUser(ctx, signpost.User{Username: "nurse", DisplayName: "Nia Nurse", Role: "practitioner"})
		},
		func() error { return st.SetServerURL(ctx, "http://127.0.0.1:9") },
		func() error { return st.SetPolicy(ctx, signpost.DefaultPolicy()) },
	} {
		if err := f(); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// TestHeadlessCommandsPrintOnlyTheirAnswerInTheCLocale runs the real command
// in C.UTF-8: on success standard error stays empty (no Fyne locale error),
// and an error is one line of its own, ending in a newline.
func TestHeadlessCommandsPrintOnlyTheirAnswerInTheCLocale(t *testing.T) {
	const pass = "a long cache passphrase"
	cache := enrolledCache(t, pass)
	empty := filepath.Join(t.TempDir(), "empty")
	for _, tc := range []struct {
		name     string
		env      []string
		args     []string
		code     int
		stdout   string // contained in standard output
		stderrOK func(string) bool
	}{
		{"status of an enrolled cache", []string{"SIGNPOST_PASSPHRASE=" + pass}, []string{"--data", cache, "status"}, 0, "Nia Nurse (nurse)", isEmpty},
		{"help", nil, []string{"help"}, 0, "usage: signpost", isEmpty},
		{"status of an empty folder", nil, []string{"--data", empty, "status"}, 1, "", isOneErrorLine},
		{"wrong passphrase", []string{"SIGNPOST_PASSPHRASE=not it"}, []string{"--data", cache, "status"}, 1, "", isOneErrorLine},
		{"no passphrase at the prompt", nil, []string{"--data", cache, "status"}, 1, "", endsLinesWithError},
		{"a flag status does not take", nil, []string{"--data", cache, "status", "--frob"}, 1, "", endsLinesWithError},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errs := runAsCommand(t, tc.env, tc.args...)
			if code != tc.code || !strings.Contains(out, tc.stdout) {
				t.Errorf("exit %d, want %d; standard output %q, want it to contain %q", code, tc.code, out, tc.stdout)
			}
			if !tc.stderrOK(errs) {
				t.Errorf("standard error %q", errs)
			}
		})
	}
}

func isEmpty(s string) bool { return s == "" }

// isOneErrorLine: the command's error alone, on one line.
func isOneErrorLine(s string) bool {
	return strings.HasPrefix(s, "signpost: ") && strings.Count(s, "\n") == 1 && strings.HasSuffix(s, "\n")
}

// endsLinesWithError: whatever came before (a prompt, usage), the error is
// the last line, on a line of its own, ending in a newline.
func endsLinesWithError(s string) bool {
	if !strings.HasSuffix(s, "\n") || strings.Contains(s, "Fyne") {
		return false
	}
	lines := strings.Split(strings.TrimSuffix(s, "\n"), "\n")
	return strings.HasPrefix(lines[len(lines)-1], "signpost: ")
}

// TestFyneCacheDurationIsSetBeforeFyneReadsIt proves the init order package
// fynecache relies on: its init (which sets FYNE_CACHE) runs before Fyne's
// cache package reads the variable, in the binary as built.
func TestFyneCacheDurationIsSetBeforeFyneReadsIt(t *testing.T) {
	_, _, stderr := runAsCommand(t, []string{"GODEBUG=inittrace=1"}, "--help")
	order := map[string]int{}
	for i, line := range strings.Split(stderr, "\n") {
		if f := strings.Fields(line); len(f) > 2 && f[0] == "init" {
			order[f[1]] = i + 1
		}
	}
	ours, fyne := order["signpost/cmd/signpost/internal/fynecache"], order["fyne.io/fyne/v2/internal/cache"]
	if ours == 0 || fyne == 0 {
		t.Fatalf("inittrace shows fynecache at line %d, Fyne's cache at line %d; stderr:\n%s", ours, fyne, stderr)
	}
	if ours > fyne {
		t.Errorf("fynecache initialises at line %d, after Fyne's cache (line %d) has read FYNE_CACHE", ours, fyne)
	}
}
