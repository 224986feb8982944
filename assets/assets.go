// Package assets holds the app's bundled resources: the icon (drawn by
// icon_gen.go; regenerate with `go run assets/icon_gen.go` from the module
// root). FyneApp.toml points `fyne package` at the same file.
package assets

import (
	_ "embed"

	"fyne.io/fyne/v2"
)

//go:embed icon.png
var iconPNG []byte

// Icon is the Signpost icon, 512×512 PNG.
var Icon = fyne.NewStaticResource("icon.png", iconPNG)
