package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"

	"signpost"
	"signpost/directory"
)

const policyUsage = `  policy            [--set NAME=N ...]   show the policy, or change it (a running directory reads it within a minute)`

// setFlags collects repeated --set NAME=N flags.
type setFlags []string

func (s *setFlags) String() string     { return strings.Join(*s, ",") }
func (s *setFlags) Set(v string) error { *s = append(*s, v); return nil }

// policyCommand runs "policy": it prints the directory's policy (what every
// device follows, and the directory's own daily limits on one account) and
// changes it with --set name=value, by the JSON names.
func policyCommand(ctx context.Context, cmd string, args []string, stdout, stderr io.Writer) (bool, error) {
	if cmd != "policy" {
		return false, nil
	}
	fs, m := newFlags(cmd, stderr)
	var sets setFlags
	fs.Var(&sets, "set", "NAME=N: change one setting (repeat for more), e.g. max_off_caseload_views_per_day=80")
	addStoreFlags(fs, m) // issue 17
	if err := fs.Parse(args); err != nil {
		return true, flagErr(err)
	}
	st, err := m.openAdminStore(ctx)
	if err != nil {
		return true, err
	}
	defer st.Close()
	p, err := directory.StoredPolicy(ctx, st)
	if err != nil {
		return true, err
	}
	if p.DeviceStaleDays == 0 { // issue 14, accounts slice: shown and set like the others
		p.DeviceStaleDays = signpost.DefaultDeviceStaleDays
	}
	if len(sets) > 0 {
		fields := map[string]any{}
		b, _ := json.Marshal(p)
		_ = json.Unmarshal(b, &fields)
		for _, kv := range sets {
			name, value, ok := strings.Cut(kv, "=")
			if _, known := fields[name]; !ok || !known {
				return true, signpost.FieldError("set", "--set takes NAME=N with NAME one of the settings shown by signpost-directory policy (got %q)", kv)
			}
			n, err := strconv.Atoi(value)
			if err != nil {
				return true, signpost.FieldError("set", "%s must be a whole number (got %q)", name, value)
			}
			fields[name] = n
		}
		b, _ = json.Marshal(fields)
		p = signpost.DefaultPolicy()
		if err := json.Unmarshal(b, &p); err != nil {
			return true, signpost.Internal("changing the policy", err)
		}
		if err := directory.SetPolicy(ctx, st, p); err != nil {
			return true, err
		}
	}
	b, _ := json.MarshalIndent(p, "", "  ")
	fmt.Fprintln(stdout, string(b))
	return true, nil
}
