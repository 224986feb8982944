package signpost

import (
	_ "embed"
	"regexp"
)

//go:embed FyneApp.toml
var fyneApp string

// Version is the app's version, read from FyneApp.toml at the module root:
// the one place it is written (fyne package reads the same file).
var Version = func() string {
	m := regexp.MustCompile(`(?m)^Version\s*=\s*"([^"]+)"`).FindStringSubmatch(fyneApp)
	if m == nil {
		panic("FyneApp.toml has no Version")
	}
	return m[1]
}()
