package main

import (
	"context"

	"signpost"
)

// runGUI opens the desktop app. The Fyne app arrives with issue 5; until then
// the binary is headless.
func runGUI(ctx context.Context, g globals) error {
	return &signpost.Error{Kind: signpost.KindUnavailable, Message: "the desktop window is not built yet; use the headless commands (signpost help)"}
}
