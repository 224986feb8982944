package signpost

import (
	"regexp"
	"testing"
)

func TestVersionComesFromFyneApp(t *testing.T) {
	if !regexp.MustCompile(`^\d+\.\d+\.\d+$`).MatchString(Version) {
		t.Fatalf("Version %q is not x.y.z", Version)
	}
	if !regexp.MustCompile(`(?m)^Version = "` + regexp.QuoteMeta(Version) + `"$`).MatchString(fyneApp) {
		t.Fatalf("Version %q is not FyneApp.toml's", Version)
	}
}
