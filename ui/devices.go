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

	// Issue 14, accounts slice: filters, order and paging.
	user, name *entry
	state      *widget.Select
	notSeen    *widget.Select
	order      *widget.Select
	more       *button
	next       string
}

// The filters' choices, as the screen says them.
var (
	deviceStates = []struct{ state, label string }{{"", "Any state"}, {signpost.DeviceActive, "In use"},
		{signpost.DeviceWipeOrdered, "Wipe ordered"}, {signpost.DeviceWiped, "Wiped"}, {signpost.DeviceRevoked, "Revoked"}}
	notSeenChoices = []struct {
		days  int
		label string
	}{{0, "Seen any time"}, {7, "Not seen for 7 days"}, {14, "Not seen for 14 days"}, {30, "Not seen for 30 days"}, {90, "Not seen for 90 days"}}
	deviceOrders = []string{"Most recently seen first", "Least recently seen first"}
)

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
	top := container.NewVBox(container.NewBorder(nil, nil, nil, s.refresh, heading("Devices")), intro, s.buildFilters(), s.summary)
	s.more = newButton("Show more", theme.MoreHorizontalIcon(), func() { s.app.touch(); s.loadPage(s.next) })
	s.more.Hide()
	// On a small screen the filters and the list scroll together rather
	// than make the window taller than it (the list fills what is left).
	return container.NewVScroll(container.NewBorder(top, s.more, nil, nil, s.list))
}

// buildFilters makes the filter bar: user, laptop name, state, not seen
// for, and the order.
func (s *devicesScreen) buildFilters() fyne.CanvasObject {
	s.user, s.name = newEntry(), newEntry()
	s.user.SetPlaceHolder("User")
	s.name.SetPlaceHolder("Laptop name")
	for _, e := range []*entry{s.user, s.name} {
		e.OnSubmitted = func(string) { s.app.touch(); s.load() }
	}
	var labels []string
	for _, st := range deviceStates {
		labels = append(labels, st.label)
	}
	s.state = widget.NewSelect(labels, func(string) { s.app.touch(); s.load() })
	labels = nil
	for _, c := range notSeenChoices {
		labels = append(labels, c.label)
	}
	s.notSeen = widget.NewSelect(labels, func(string) { s.app.touch(); s.load() })
	s.order = widget.NewSelect(deviceOrders, func(string) { s.app.touch(); s.load() })
	s.state.Selected, s.notSeen.Selected, s.order.Selected = deviceStates[0].label, notSeenChoices[0].label, deviceOrders[0]
	find := newButton("Find", theme.SearchIcon(), func() { s.app.touch(); s.load() })
	return container.NewGridWithColumns(3, s.user, s.name, s.state, s.notSeen, s.order, find)
}

// query is what the filter bar asks for.
func (s *devicesScreen) query() DeviceQuery {
	q := DeviceQuery{User: strings.TrimSpace(s.user.Text), Name: strings.TrimSpace(s.name.Text), Oldest: s.order.Selected == deviceOrders[1]}
	for _, st := range deviceStates {
		if st.label == s.state.Selected {
			q.State = st.state
		}
	}
	for _, c := range notSeenChoices {
		if c.label == s.notSeen.Selected {
			q.NotSeenDays = c.days
		}
	}
	return q
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

func (s *devicesScreen) load() { s.loadPage("") }

// loadPage reads a page of the devices the filters select: the first
// (after "") or the next.
func (s *devicesScreen) loadPage(after string) {
	s.gen++
	gen := s.gen
	q := s.query()
	q.After = after
	fetch(s.app.br, func(ctx context.Context) (signpost.DevicesResponse, error) { return s.app.svc.DevicesFiltered(ctx, q) },
		func(page signpost.DevicesResponse, err error) {
			if gen != s.gen {
				return
			}
			if err != nil {
				s.summary.SetText(offline(err, "The list of devices"))
				s.app.log.Warn("ui: listing devices", "kind", signpost.KindOf(err), "err", err)
				return
			}
			if after == "" {
				s.devices = nil
			}
			s.devices, s.next = append(s.devices, page.Devices...), page.Next
			s.summary.SetText(s.summarise())
			showIf(s.more, s.next != "")
			s.list.Refresh()
		})
}

// summarise counts the devices shown, those waiting to wipe and those not
// seen for a while.
func (s *devicesScreen) summarise() string {
	waiting, stale := 0, 0
	for _, d := range s.devices {
		if d.State == signpost.DeviceWipeOrdered {
			waiting++
		}
		if d.Stale {
			stale++
		}
	}
	text := plural(len(s.devices), "device", "devices") + " enrolled"
	if s.query() != (DeviceQuery{}) {
		text = plural(len(s.devices), "device matches", "devices match") + " the filters"
	}
	if s.next != "" {
		text += " so far"
	}
	text += "."
	if stale > 0 {
		text += " " + plural(stale, "has", "have") + " not been seen for a while."
	}
	if waiting > 0 {
		text += " " + plural(waiting, "wipe is", "wipes are") + " waiting for the laptop to connect; this list refreshes by itself."
	}
	return text
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

	// Issue 14, accounts slice.
	stale  *badge
	order  *widget.Label // who ordered the wipe, when and why
	revoke *button
}

// badgeStale marks a device in use not seen for the policy's days.
const badgeStale = "Not seen for a while"

func (s *devicesScreen) newRow() fyne.CanvasObject {
	r := &deviceRow{name: widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}), detail: widget.NewLabel(""), state: widget.NewLabel("")}
	r.detail.TextStyle = fyne.TextStyle{Italic: true}
	r.state.Truncation = fyne.TextTruncateEllipsis
	r.wipe = newButton("Wipe…", theme.DeleteIcon(), func() { s.onWipe(r.dev) })
	r.wipe.Importance = widget.DangerImportance
	r.cancel = newButton("Cancel wipe…", theme.CancelIcon(), func() { s.onCancelWipe(r.dev) })
	r.stale, r.order = newBadge(badgeStale), widget.NewLabel("")
	r.order.Truncation = fyne.TextTruncateEllipsis
	r.revoke = newButton("Revoke…", theme.CancelIcon(), func() { s.onRevoke(r.dev) })
	r.revoke.Importance = widget.DangerImportance
	r.content = container.NewBorder(nil, nil, nil, container.NewCenter(container.NewHBox(r.wipe, r.cancel, r.revoke)),
		container.NewVBox(container.NewHBox(r.name, r.stale), r.detail, r.state, r.order))
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
	r.detail.SetText(deviceDetail(d, s.app.now()))
	showIf(r.stale, d.Stale)
	r.order.SetText(wipeOrder(d, s.app.now()))
	showIf(r.order, r.order.Text != "")
	showIf(r.revoke, d.State == signpost.DeviceActive || d.State == signpost.DeviceWipeOrdered)
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
	reason := newReasonEntry(2)
	reason.SetPlaceHolder("e.g. the laptop was found in the office")
	s.dlg = s.app.newFormDialog("Cancel the wipe of "+signpost.Printable(d.Name), "Cancel the wipe",
		fmt.Sprintf("The laptop “%s” of %s will not be wiped, and can be used again. "+
			"If it has already wiped itself, its receipt will show here instead.", signpost.Printable(d.Name), signpost.Printable(d.User)),
		[]*widget.FormItem{widget.NewFormItem("Why", reason)},
		func() error { return checkReason(reason.Text) },
		func() job {
			why := strings.TrimSpace(reason.Text)
			return func(ctx context.Context) error {
				_, err := s.app.svc.CancelWipe(ctx, d.ID, why)
				return err
			}
		},
		s.load)
	s.dlg.show()
	s.app.win.Canvas().Focus(reason)
}

// deviceDetail says when a device was last seen, its app and its id.
func deviceDetail(d signpost.Device, now time.Time) string {
	parts := []string{"Last seen " + when(d.LastSeen, now)}
	if d.AppVersion != "" {
		parts = append(parts, "Signpost "+signpost.Printable(d.AppVersion)+" on "+signpost.Printable(d.OS))
	}
	return strings.Join(append(parts, "device "+d.ID), " · ")
}

// wipeOrder says who ordered a device's wipe, when and why ("" for none).
func wipeOrder(d signpost.Device, now time.Time) string {
	if d.State != signpost.DeviceWipeOrdered || d.WipeOrderedBy == "" {
		return ""
	}
	text := "Ordered by " + signpost.Printable(d.WipeOrderedBy)
	if !d.WipeOrderedAt.IsZero() {
		text += " " + when(d.WipeOrderedAt, now)
	}
	if d.WipeReason != "" {
		text += ": " + d.WipeReason
	}
	return text
}

// onRevoke asks IT staff why a laptop is to be revoked, for good. The
// button that does it is not the default: Enter does not press it.
func (s *devicesScreen) onRevoke(d signpost.Device) {
	s.app.touch()
	reason := newReasonEntry(2)
	reason.SetPlaceHolder("e.g. not returned by a leaver; replaced")
	s.dlg = s.app.newFormDialog("Revoke "+signpost.Printable(d.Name), "Revoke the laptop",
		fmt.Sprintf("The laptop “%s” of %s will no longer reach the directory: its sign-in ends now, and Signpost locks on it at its next contact. "+
			"This is final; to erase its records as well, order a wipe instead.", signpost.Printable(d.Name), signpost.Printable(d.User)),
		[]*widget.FormItem{widget.NewFormItem("Why", reason)},
		func() error { return checkReason(reason.Text) },
		func() job {
			why := strings.TrimSpace(reason.Text)
			return func(ctx context.Context) error {
				_, err := s.app.svc.RevokeDevice(ctx, d.ID, why)
				return err
			}
		},
		s.load)
	s.dlg.guarded()
	s.dlg.confirm.Importance = widget.DangerImportance
	s.dlg.confirm.Refresh()
	s.dlg.show()
	s.app.win.Canvas().Focus(reason)
}
