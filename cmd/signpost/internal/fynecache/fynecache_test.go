package fynecache

import "testing"

func TestShortenKeepsAValueAlreadySet(t *testing.T) {
	for _, tc := range []struct {
		name, set, want string
	}{
		{"unset", "", Duration},
		{"set by a person", "2m", "2m"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			env := map[string]string{}
			if tc.set != "" {
				env[Env] = tc.set
			}
			Shorten(func(k string) string { return env[k] }, func(k, v string) error { env[k] = v; return nil })
			if got := env[Env]; got != tc.want {
				t.Errorf("%s = %q, want %q", Env, got, tc.want)
			}
		})
	}
}
