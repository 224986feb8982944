package ui

import (
	"strconv"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"signpost"
)

// Tabs of the home screen.
const (
	tabCaseload = "caseload"
	tabSearch   = "search"
	tabOutbox   = "outbox"
	tabDevices  = "devices"
	tabSettings = "settings"
	tabReview   = "review"   // issue 14, slice review
	tabAccounts = "accounts" // issue 14, accounts slice
)

// homeScreen is the unlocked app: who is signed in, the tabs a role needs,
// and the status bar.
type homeScreen struct {
	app      *App
	st       State
	tabs     *container.AppTabs
	items    map[string]*container.TabItem
	status   *statusBar
	caseload *caseloadScreen
	search   *searchScreen
	outbox   *outboxScreen
	devices  *devicesScreen
	settings *settingsScreen
	lock     *button
	review   *reviewScreen   // issue 14, slice review: management team
	mgmt     *managementTabs // issue 14, slice access: management team only
	accounts *accountsScreen // issue 14, accounts slice: management team only
	whatsnew *whatsNewScreen // issue 16, slice app: practitioners and management teams
}

func newHomeScreen(a *App, st State) *homeScreen {
	return &homeScreen{app: a, st: st, items: map[string]*container.TabItem{}}
}

func (h *homeScreen) build() fyne.CanvasObject {
	h.status = newStatusBar(h.app)
	bar := h.status.build()
	h.status.apply(h.app.status)

	h.tabs = container.NewAppTabs()
	add := func(key, label string, icon fyne.Resource, content fyne.CanvasObject) {
		it := container.NewTabItemWithIcon(label, icon, content)
		h.items[key] = it
		h.tabs.Append(it)
	}
	if h.st.User.Role != signpost.RoleITAdmin {
		h.caseload = newCaseloadScreen(h.app)
		add(tabCaseload, "Caseload", theme.HomeIcon(), h.caseload.build())
		h.whatsnew = newWhatsNewScreen(h.app) // issue 16, slice app
		add(tabWhatsNew, whatsNewTitle(0), theme.MailComposeIcon(), h.whatsnew.build())
		h.whatsnew.onUnread = h.updateWhatsNewTitle
		h.search = newSearchScreen(h.app)
		add(tabSearch, "Search", theme.SearchIcon(), h.search.build())
		h.outbox = newOutboxScreen(h.app)
		add(tabOutbox, "Changes", theme.UploadIcon(), h.outbox.build())
		if h.st.User.Role == signpost.RoleManagement { // issue 14, slice access
			h.mgmt = addManagementTabs(h, add)
		}
	} else {
		h.devices = newDevicesScreen(h.app)
		add(tabDevices, "Devices", theme.ComputerIcon(), h.devices.build())
	}
	if h.st.User.Role == signpost.RoleManagement { // issue 14, slice review
		h.review = newReviewScreen(h.app)
		add(tabReview, reviewTitle(-1), theme.DocumentIcon(), h.review.build())
		h.accounts = newAccountsScreen(h.app) // issue 14, accounts slice
		add(tabAccounts, "Accounts", theme.AccountIcon(), h.accounts.build())
	}
	h.settings = newSettingsScreen(h.app, h.st)
	add(tabSettings, "Settings", theme.SettingsIcon(), h.settings.build())
	h.tabs.OnSelected = h.onTab

	u := h.st.User
	who := u.DisplayName
	if who == "" {
		who = u.Username
	}
	var parts []string
	for _, p := range []string{who, u.JobTitle, u.Organisation} {
		if p != "" {
			parts = append(parts, p)
		}
	}
	user := widget.NewLabelWithStyle(strings.Join(parts, " · "), fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	user.Truncation = fyne.TextTruncateEllipsis
	h.lock = newButton("Lock", theme.VisibilityOffIcon(), h.app.onLock)
	header := container.NewBorder(nil, nil, widget.NewIcon(theme.NewPrimaryThemedResource(theme.AccountIcon())), h.lock, user)
	h.updateOutboxTitle(h.app.status)
	return container.NewBorder(header, bar, nil, nil, h.tabs)
}

// start loads what the first tab shows; a management team with nobody on
// their caseload lands on Search once the caseload has been read.
func (h *homeScreen) start() {
	if h.caseload != nil {
		if h.st.User.Role == signpost.RoleManagement {
			// A management team mostly searches: land on Search unless
			// their own caseload has children.
			h.caseload.onFirstLoad = func(cs []Case) {
				if len(cs) == 0 {
					h.showSearch()
				}
			}
		}
		h.caseload.load()
		h.app.win.Canvas().Focus(h.caseload.filter)
	}
	if h.devices != nil {
		h.devices.load()
	}
	if h.whatsnew != nil { // issue 16, slice app
		h.whatsnew.load()
		h.settings.notify.load()
	}
	if h.review != nil { // issue 14, slice review: the count in the tab's title
		h.review.load()
	}
	if h.mgmt != nil { // issue 14, slice access
		h.mgmt.start()
	}
}

func (h *homeScreen) onTab(it *container.TabItem) {
	h.app.touch()
	switch it {
	case h.items[tabOutbox]:
		h.outbox.load()
	case h.items[tabDevices]:
		h.devices.load()
	case h.items[tabCaseload]:
		h.caseload.load()
	case h.items[tabWhatsNew]: // issue 16, slice app
		h.whatsnew.load()
	case h.items[tabAccounts]: // issue 14, accounts slice
		h.accounts.load()
	case h.items[tabReview]: // issue 14, slice review
		h.review.load()
	}
	if h.mgmt != nil { // issue 14, slice access
		h.mgmt.onTab(it)
	}
}

func (h *homeScreen) selected(tab string) bool {
	it, ok := h.items[tab]
	return ok && h.tabs.Selected() == it
}

func (h *homeScreen) selectTab(tab string) {
	if it, ok := h.items[tab]; ok {
		h.tabs.Select(it)
	}
}

func (h *homeScreen) showSearch() {
	if h.search == nil {
		return
	}
	h.selectTab(tabSearch)
	h.search.focusFamily()
}

// onStatus shows a new sync status and reloads what a sync may have changed.
func (h *homeScreen) onStatus(prev, st Status) {
	h.status.apply(st)
	h.updateOutboxTitle(st)
	synced := prev.Syncing && !st.Syncing
	if prev.Pending == st.Pending && prev.Refused == st.Refused && prev.Views == st.Views && !synced {
		return
	}
	if h.caseload != nil {
		h.caseload.load()
		if synced {
			h.caseload.child.refresh()
		}
	}
	if h.search != nil && synced {
		h.search.child.refresh()
	}
	if h.whatsnew != nil && synced { // issue 16, slice app: and a desktop notification
		h.whatsnew.load()
		h.whatsnew.child.refresh()
	}
	if h.selected(tabOutbox) {
		h.outbox.load()
	}
}

// updateOutboxTitle counts the changes waiting and refused in the Changes
// tab's title (records opened offline are not changes); a refused change
// turns its icon to the error colour.
func (h *homeScreen) updateOutboxTitle(st Status) {
	it, ok := h.items[tabOutbox]
	if !ok {
		return
	}
	text, icon := "Changes", theme.UploadIcon()
	switch n := st.Pending + st.Refused; {
	case st.Refused > 0:
		text = "Changes (" + strconv.Itoa(n) + ", " + strconv.Itoa(st.Refused) + " refused)"
		icon = theme.NewErrorThemedResource(theme.ErrorIcon())
	case n > 0:
		text = "Changes (" + strconv.Itoa(n) + ")"
	}
	if it.Text != text {
		it.Text, it.Icon = text, icon
		h.tabs.Refresh()
	}
}

// updateWhatsNewTitle counts the unread notifications in the What's new
// tab's title (issue 16, slice app).
func (h *homeScreen) updateWhatsNewTitle(unread int) {
	it, ok := h.items[tabWhatsNew]
	if !ok {
		return
	}
	if text := whatsNewTitle(unread); it.Text != text {
		it.Text = text
		h.tabs.Refresh()
	}
}
