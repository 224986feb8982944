package main

// Issue 16, slice app: the window raises desktop notifications with Fyne's;
// the device underneath knows nothing of Fyne.

import (
	"fyne.io/fyne/v2"

	"signpost/device"
	"signpost/ui"
)

// desktopServices is the device, with desktop notifications.
type desktopServices struct{ *device.Device }

// SendNotification raises a desktop notification (the screens never name a
// child in one).
func (desktopServices) SendNotification(title, content string) {
	if a := fyne.CurrentApp(); a != nil {
		a.SendNotification(fyne.NewNotification(title, content))
	}
}

var _ ui.Services = desktopServices{}
