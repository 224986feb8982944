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
// each was last seen and its state; a lost laptop can be ordered wiped (after
// typing its name to confirm), and the receipt shows when it arrives.
type devicesScreen struct {
	app     *App
	summary *widget.Label
	list    *widget.List
	refresh *widget.Button
	devices []signpost.Device
	gen     int
	stop    func()
	dlg     *formDialog
}

// devicePoll is how often the list is read again while a wipe is awaited.
const devicePoll = 10 * time.Second

func newDevicesScreen(a *App) *devicesScreen { return &devicesScreen{app: a} }

func (s *devicesScreen) build() fyne.CanvasObject {
	s.summary = wrapped("Loading…")
	s.list = widget.NewList(func() int { return len(s.devices) }, s.newRow, s.updateRow)
	s.list.OnSelected = func(widget.ListItemID) { s.list.UnselectAll() }
	s.refresh = widget.NewButtonWithIcon("Refresh", theme.ViewRefreshIcon(), func() { s.app.touch(); s.load() })
	intro := wrapped("A wipe order reaches a laptop the next time it contacts the directory: it sends what it can, " +
		"erases its cache and sends a receipt, which appears here.")
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
	wipe    *widget.Button
	content fyne.CanvasObject
	dev     signpost.Device
}

func (s *devicesScreen) newRow() fyne.CanvasObject {
	r := &deviceRow{name: widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}), detail: widget.NewLabel(""), state: widget.NewLabel("")}
	r.detail.TextStyle = fyne.TextStyle{Italic: true}
	r.state.Truncation = fyne.TextTruncateEllipsis
	r.wipe = widget.NewButtonWithIcon("Wipe…", theme.DeleteIcon(), func() { s.onWipe(r.dev) })
	r.wipe.Importance = widget.DangerImportance
	r.content = container.NewBorder(nil, nil, nil, container.NewCenter(r.wipe), container.NewVBox(r.name, r.detail, r.state))
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
	r.Refresh()
}

// deviceState says a device's state in words, with the wipe receipt.
func deviceState(d signpost.Device, now time.Time) string {
	switch d.State {
	case signpost.DeviceActive:
		return "In use"
	case signpost.DeviceWipeOrdered:
		return "Wipe ordered: waiting for the laptop to connect"
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

// onWipe asks IT staff to confirm a wipe by typing the laptop's name.
func (s *devicesScreen) onWipe(d signpost.Device) {
	s.app.touch()
	name := widget.NewEntry()
	name.SetPlaceHolder(signpost.Printable(d.Name))
	s.dlg = s.app.newFormDialog("Wipe "+signpost.Printable(d.Name), "Order the wipe",
		fmt.Sprintf("The laptop “%s” of %s will erase its Signpost cache the next time it contacts the directory. "+
			"Changes it has not sent yet are sent first if they can be. This cannot be undone. "+
			"Type the laptop's name to confirm.", signpost.Printable(d.Name), signpost.Printable(d.User)),
		[]*widget.FormItem{widget.NewFormItem("Laptop name", name)},
		func() error {
			if !strings.EqualFold(strings.TrimSpace(name.Text), d.Name) {
				return signpost.FieldError("name", "type the laptop's name, %s, to confirm", d.Name)
			}
			return nil
		},
		func() job {
			return func(ctx context.Context) error {
				_, err := s.app.svc.OrderWipe(ctx, d.ID)
				return err
			}
		},
		s.load)
	s.dlg.show()
	s.app.win.Canvas().Focus(name)
}
