package main

import (
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
)

// Issue 16, slice app: the window's services raise Fyne's desktop
// notification (the screens decide when, and name no child: ui tests).
func TestDesktopServicesSendFynesNotification(t *testing.T) {
	test.NewTempApp(t)
	want := fyne.NewNotification("Signpost", "2 updates about children you work with")
	test.AssertNotificationSent(t, want, func() {
		desktopServices{}.SendNotification("Signpost", "2 updates about children you work with")
	})
}
