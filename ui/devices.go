package ui

import (
	"context"
	"fmt"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"signpost"
)

// devicesScreen is for IT staff: the laptops enrolled, who uses them, when
// each was last seen and its state; a laptop can be ordered wiped (saying
// why: lost, stolen or a leaver's, and typing its name to confirm), an order
// not yet carried out can be cancelled, and the receipt shows when it
// arrives.
type devicesScreen struct {
	app     *App
	summary *widget.Label
	list    *widget.List
	refresh *button
	devices []signpost.Device
	gen     int
	stop    func()
	dlg     *formDialog
	reason  *widget.RadioGroup // the open wipe dialog's reason
}

// wipeReasons are the reasons IT staff choose from, as the dialog says them.
var wipeReasons = []struct{ reason, label string }{
	{signpost.WipeLost, "Lost"},
	{signpost.WipeStolen, "Stolen"},
	{signpost.WipeLeaver, "Leaver (the person has left)"},
}

// devicePoll is how often the list is read again while a wipe is awaited.
const devicePoll = 10 * time.Second

func newDevicesScreen(a *App) *devicesScreen { return &devicesScreen{app: a} }

func (s *devicesScreen) build() fyne.CanvasObject {
	s.summary = wrapped("Loading…")
	s.list = widget.NewList(func() int { return len(s.devices) }, s.newRow, s.updateRow)
	s.list.OnSelected = func(widget.ListItemID) { s.list.UnselectAll() }
	s.refresh = newButton("Refresh", theme.ViewRefreshIcon(), func() { s.app.touch(); s.load() })
	intro := wrapped("A lost or stolen laptop erases its Signpost records as soon as it is online, even if nobody has unlocked it; " +
		"a leaver's laptop first sends its last changes, which needs it unlocked. Each sends a receipt, which appears here.")
	intro.TextStyle = fyne.TextStyle{Italic: true}
	s.stop = s.app.br.every(devicePoll, s.poll)
	top := container.NewVBox(container.NewBorder(nil, nil, nil, s.refresh, heading("Devices")), intro, s.summary)
	return container.NewBorder(top, nil, nil, nil, s.list)
}

// poll reads the list again while a wipe is awaited and the tab is on show.
func (s *devicesScreen) poll() {
	if s.app.home == nil || s.app.home.devices != s {
		s.stop()
		return
	}
	if !s.app.home.selected(tabDevices) {
		return
	}
	for _, d := range s.devices {
		if d.State == signpost.DeviceWipeOrdered {
			s.load()
			return
		}
	}
}

func (s *devicesScreen) load() {
	s.gen++
	gen := s.gen
	fetch(s.app.br, s.app.svc.Devices, func(ds []signpost.Device, err error) {
		if gen != s.gen {
			return
		}
		if err != nil {
			s.summary.SetText("The list of devices could not be read.")
			s.app.showError("listing devices", err)
			return
		}
		s.devices = ds
		waiting := 0
		for _, d := range ds {
			if d.State == signpost.DeviceWipeOrdered {
				waiting++
			}
		}
		text := plural(len(ds), "device", "devices") + " enrolled."
		if waiting > 0 {
			text += " " + plural(waiting, "wipe is", "wipes are") + " waiting for the laptop to connect; this list refreshes by itself."
		}
		s.summary.SetText(text)
		s.list.Refresh()
	})
}

type deviceRow struct {
	widget.BaseWidget
	name    *widget.Label
	detail  *widget.Label
	state   *widget.Label
	wipe    *button
	cancel  *button // cancels a wipe order not yet carried out
	content fyne.CanvasObject
	dev     signpost.Device
}

func (s *devicesScreen) newRow() fyne.CanvasObject {
	r := &deviceRow{name: widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}), detail: widget.NewLabel(""), state: widget.NewLabel("")}
	r.detail.TextStyle = fyne.TextStyle{Italic: true}
	r.state.Truncation = fyne.TextTruncateEllipsis
	r.wipe = newButton("Wipe…", theme.DeleteIcon(), func() { s.onWipe(r.dev) })
	r.wipe.Importance = widget.DangerImportance
	r.cancel = newButton("Cancel wipe…", theme.CancelIcon(), func() { s.onCancelWipe(r.dev) })
	r.content = container.NewBorder(nil, nil, nil, container.NewCenter(container.NewHBox(r.wipe, r.cancel)), container.NewVBox(r.name, r.detail, r.state))
	r.ExtendBaseWidget(r)
	return r
}

func (r *deviceRow) CreateRenderer() fyne.WidgetRenderer { return widget.NewSimpleRenderer(r.content) }

func (s *devicesScreen) updateRow(i widget.ListItemID, o fyne.CanvasObject) {
	if i < 0 || i >= len(s.devices) {
		return
	}
	d, r := s.devices[i], o.(*deviceRow)
	r.dev = d
	r.name.SetText(signpost.Printable(d.Name) + " — " + signpost.Printable(d.User))
	r.detail.SetText("Last seen " + when(d.LastSeen, s.app.now()) + " · device " + d.ID)
	r.state.SetText(deviceState(d, s.app.now()))
	switch d.State {
	case signpost.DeviceWipeOrdered:
		r.state.Importance = widget.WarningImportance
	case signpost.DeviceWiped:
		r.state.Importance = widget.SuccessImportance
	case signpost.DeviceRevoked:
		r.state.Importance = widget.LowImportance
	default:
		r.state.Importance = widget.MediumImportance
	}
	showIf(r.wipe, d.State == signpost.DeviceActive)
	showIf(r.cancel, d.State == signpost.DeviceWipeOrdered)
	r.Refresh()
}

// deviceState says a device's state in words, with the wipe receipt.
func deviceState(d signpost.Device, now time.Time) string {
	switch d.State {
	case signpost.DeviceActive:
		return "In use"
	case signpost.DeviceWipeOrdered:
		if signpost.WipeAtOnce(d.WipeReason) {
			return "Wipe ordered (" + d.WipeReason + "): will wipe when next online, even locked"
		}
		why := " (leaver)"
		if d.WipeReason == "" {
			why = "" // ordered by an older app, which gave no reason
		}
		return "Wipe ordered" + why + ": waiting for the last push, which needs the laptop unlocked"
	case signpost.DeviceRevoked:
		return "Revoked"
	case signpost.DeviceWiped:
		if d.Receipt == nil {
			return "Wiped"
		}
		return fmt.Sprintf("Wiped %s: %s sent before the wipe, %s lost", when(d.Receipt.WipedAt, now),
			plural(d.Receipt.Pushed, "change", "changes"), plural(d.Receipt.Lost, "change", "changes"))
	}
	return d.State
}

// onWipe asks IT staff why the laptop is to be wiped and to confirm by
// typing its name.
func (s *devicesScreen) onWipe(d signpost.Device) {
	s.app.touch()
	name := newEntry()
	name.SetPlaceHolder(signpost.Printable(d.Name))
	labels := make([]string, len(wipeReasons))
	for i, wr := range wipeReasons {
		labels[i] = wr.label
	}
	s.reason = widget.NewRadioGroup(labels, func(string) { s.app.touch() })
	reason := func() string {
		for _, wr := range wipeReasons {
			if wr.label == s.reason.Selected {
				return wr.reason
			}
		}
		return ""
	}
	s.dlg = s.app.newFormDialog("Wipe "+signpost.Printable(d.Name), "Order the wipe",
		fmt.Sprintf("The laptop “%s” of %s will erase its Signpost records. Lost or stolen: as soon as it is online, "+
			"even locked, and changes it has not sent are lost. A leaver's: once it is unlocked and has sent its last changes. "+
			"This cannot be undone once carried out. Type the laptop's name to confirm.", signpost.Printable(d.Name), signpost.Printable(d.User)),
		[]*widget.FormItem{widget.NewFormItem("Laptop name", name), widget.NewFormItem("Why", s.reason)},
		func() error {
			if reason() == "" {
				return signpost.FieldError("reason", "say why the laptop is to be wiped: lost, stolen or a leaver's")
			}
			if !strings.EqualFold(strings.TrimSpace(name.Text), d.Name) {
				return signpost.FieldError("name", "type the laptop's name, %s, to confirm", d.Name)
			}
			return nil
		},
		func() job {
			why := reason()
			return func(ctx context.Context) error {
				_, err := s.app.svc.OrderWipe(ctx, d.ID, why)
				return err
			}
		},
		s.load)
	s.dlg.confirm.Importance = widget.DangerImportance
	s.dlg.show()
	s.app.win.Canvas().Focus(name)
}

// onCancelWipe asks IT staff to confirm cancelling a wipe order that the
// laptop has not yet carried out.
func (s *devicesScreen) onCancelWipe(d signpost.Device) {
	s.app.touch()
	s.dlg = s.app.newFormDialog("Cancel the wipe of "+signpost.Printable(d.Name), "Cancel the wipe",
		fmt.Sprintf("The laptop “%s” of %s will not be wiped, and can be used again. "+
			"If it has already wiped itself, its receipt will show here instead.", signpost.Printable(d.Name), signpost.Printable(d.User)),
		nil, func() error { return nil },
		func() job {
			return func(ctx context.Context) error {
				_, err := s.app.svc.CancelWipe(ctx, d.ID)
				return err
			}
		},
		s.load)
	s.dlg.show()
}
