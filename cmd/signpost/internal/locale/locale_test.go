package locale

import "testing"

func TestFixSetsEnglishOnlyForCLocalesWithAnEncoding(t *testing.T) {
	for _, tc := range []struct {
		name string
		env  map[string]string
		want string // LANGUAGE afterwards
	}{
		{"C.UTF-8", map[string]string{"LANG": "C.UTF-8"}, "en"},
		{"C.utf8 in LC_ALL", map[string]string{"LC_ALL": "C.utf8", "LANG": "en_GB.UTF-8"}, "en"},
		{"POSIX with a modifier", map[string]string{"LC_MESSAGES": "POSIX@euro"}, "en"},
		{"plain C", map[string]string{"LANG": "C"}, ""},
		{"British English", map[string]string{"LANG": "en_GB.UTF-8"}, ""},
		{"LC_ALL decides", map[string]string{"LC_ALL": "fr_FR.UTF-8", "LANG": "C.UTF-8"}, ""},
		{"LANGUAGE kept", map[string]string{"LANG": "C.UTF-8", "LANGUAGE": "cy"}, "cy"},
		{"nothing set", map[string]string{}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			env := map[string]string{}
			for k, v := range tc.env {
				env[k] = v
			}
			Fix(func(k string) string { return env[k] }, func(k, v string) error { env[k] = v; return nil })
			if got := env["LANGUAGE"]; got != tc.want {
				t.Errorf("LANGUAGE = %q, want %q", got, tc.want)
			}
		})
	}
}
