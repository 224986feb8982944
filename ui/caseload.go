package ui

import (
	"context"
	"strconv"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// caseloadScreen lists the children the practitioner works with, from the
// cache (so it works offline), with a filter and badges; the chosen child's
// record opens beside the list.
type caseloadScreen struct {
	app    *App
	filter *entry
	count  *widget.Label
	list   *widget.List
	met    *button
	cases  []Case
	gen    int
	loaded bool
	child  *childScreen
	metDlg *metChildDialog
	// onFirstLoad, if set, hears the first unfiltered caseload read.
	onFirstLoad func([]Case)
}

func newCaseloadScreen(a *App) *caseloadScreen {
	return &caseloadScreen{app: a, child: newChildScreen(a)}
}

func (s *caseloadScreen) build() fyne.CanvasObject {
	s.filter = newEntry()
	s.filter.SetPlaceHolder("Filter by name or Signpost ID")
	s.filter.ActionItem = widget.NewIcon(theme.SearchIcon())
	s.filter.OnChanged = func(string) { s.app.touch(); s.load() }
	s.filter.OnSubmitted = func(string) { s.onSubmitFilter() }
	s.count = widget.NewLabel("Loading…")
	s.list = widget.NewList(func() int { return len(s.cases) }, newCaseRow, s.updateRow)
	s.list.OnSelected = s.onSelect
	s.met = newButton("Met a child who is not listed…", theme.ContentAddIcon(), s.onMetChild)
	left := container.NewBorder(container.NewVBox(heading("My caseload"), s.filter, s.count), s.met, nil, nil, s.list)
	split := container.NewHSplit(left, s.child.build())
	split.Offset = 0.34
	return split
}

// load reads the caseload with the current filter.
func (s *caseloadScreen) load() {
	s.gen++
	gen, filter := s.gen, s.filter.Text
	fetch(s.app.br, func(ctx context.Context) ([]Case, error) { return s.app.svc.Caseload(ctx, filter) },
		func(cs []Case, err error) {
			if gen != s.gen {
				return // a newer filter is on its way
			}
			if err != nil {
				s.count.SetText("The caseload could not be read.")
				s.app.showError("reading the caseload", err)
				return
			}
			s.loaded = true
			s.cases = cs
			if first := s.onFirstLoad; first != nil && filter == "" {
				s.onFirstLoad = nil
				defer first(cs)
			}
			s.list.UnselectAll()
			s.list.Refresh()
			switch {
			case len(cs) == 0 && filter != "":
				s.count.SetText("No child on your caseload matches “" + filter + "”.")
			case len(cs) == 0:
				s.count.SetText("No children on your caseload on this laptop yet.")
			default:
				s.count.SetText(caseloadCount(cs))
			}
		})
}

// caseloadCount counts the children, the ones met offline apart (they are
// not on this laptop yet).
func caseloadCount(cs []Case) string {
	met := 0
	for _, c := range cs {
		if c.Provisional {
			met++
		}
	}
	switch {
	case met == 0:
		return plural(len(cs), "child", "children")
	case met == len(cs):
		return plural(met, "child", "children") + " met offline"
	}
	return plural(len(cs)-met, "child", "children") + " · " + strconv.Itoa(met) + " met offline"
}

// onSubmitFilter opens the only child left by the filter.
func (s *caseloadScreen) onSubmitFilter() {
	s.app.touch()
	if len(s.cases) == 1 {
		s.list.Select(0)
	}
}

func (s *caseloadScreen) onSelect(i widget.ListItemID) {
	s.app.touch()
	if i < 0 || i >= len(s.cases) {
		return
	}
	c := s.cases[i]
	if c.Provisional {
		s.list.UnselectAll()
		s.app.showInfo(c.GivenName+" "+c.FamilyName+", met offline", provisionalInfo(c))
		return
	}
	s.child.open(c.ID, "")
}

// provisionalInfo says where a child met offline is, and what to do.
func provisionalInfo(c Case) string {
	switch {
	case c.RefusedReason != "":
		return "The directory refused this change: " + c.RefusedReason + ". Search online to find the child, " +
			"then discard the refused change in Changes."
	case c.MatchedTo != "":
		return "The directory matched this child to Signpost ID " + c.MatchedTo +
			". The record comes to this laptop with the next sync and then opens from here."
	}
	return "Saved on this laptop. At the next sync the directory matches the child by name, date of birth and postcode, " +
		"and the record then takes this line's place. Until then you can correct or cancel it in Changes."
}

func (s *caseloadScreen) onMetChild() {
	s.app.touch()
	s.metDlg = newMetChildDialog(s.app, func() { s.load() })
	s.metDlg.show()
}

// caseRow is one line of the caseload: the name with the badges beside it
// (the name gives way to them, truncated), and under it the date of birth
// and Signpost ID, never cut off: the ID is how a practitioner tells two
// children of the same name apart.
type caseRow struct {
	widget.BaseWidget
	text    *widget.RichText // the name; truncated when badges need the room
	detail  *widget.RichText // born · ID, always whole
	badges  map[string]*badge
	content fyne.CanvasObject
}

func newCaseRow() fyne.CanvasObject {
	r := &caseRow{text: lines(), detail: lines(), badges: map[string]*badge{}}
	r.detail.Truncation = fyne.TextTruncateOff
	setLines(r.text, "Family, Given", nil)
	setLines(r.detail, "", nil, "Born 1 Jan 2000 · SP000000000") // the list sizes rows on the template
	var bs []*badge
	for _, t := range []string{badgeShielded, badgeLead, badgeCAF, badgePending, badgeRowRefused, badgeMetOffline, badgeRefused} {
		b := newBadge(t)
		b.Hide()
		r.badges[t] = b
		bs = append(bs, b)
	}
	// The two lines sit as close as the two lines of one text would.
	r.content = container.New(layout.NewCustomPaddedVBoxLayout(-2*theme.Padding()),
		container.NewBorder(nil, nil, nil, badgeRow(bs...), r.text), r.detail)
	r.ExtendBaseWidget(r)
	return r
}

func (r *caseRow) CreateRenderer() fyne.WidgetRenderer { return widget.NewSimpleRenderer(r.content) }

func (s *caseloadScreen) updateRow(i widget.ListItemID, o fyne.CanvasObject) {
	if i < 0 || i >= len(s.cases) {
		return
	}
	c, r := s.cases[i], o.(*caseRow)
	setLines(r.text, c.FamilyName+", "+c.GivenName, nil)
	if c.Provisional {
		r.setProvisional(c)
		return
	}
	r.detail.Truncation = fyne.TextTruncateOff
	setLines(r.detail, "", nil, "Born "+shortDate(c.DateOfBirth)+" · "+c.ID)
	r.setBadges(map[string]bool{badgeShielded: c.Shielded, badgeLead: c.Lead, badgeCAF: c.CAF, badgePending: c.Pending,
		badgeRowRefused: c.Refused})
}

// setProvisional shows a child met offline: no Signpost ID yet, the role
// she recorded and where the change is; a refusal in the error colour.
func (r *caseRow) setProvisional(c Case) {
	born := "Born " + shortDate(c.DateOfBirth)
	r.detail.Truncation = fyne.TextTruncateEllipsis // a reason may be long; there is no ID to keep whole
	switch {
	case c.RefusedReason != "":
		setColoured(r.detail, born+" · Refused by the directory: "+c.RefusedReason, theme.ColorNameError)
	case c.MatchedTo != "":
		setColoured(r.detail, born+" · Matched to "+c.MatchedTo+" · the record comes with the next sync", theme.ColorNamePlaceHolder)
	default:
		setColoured(r.detail, provisionalDetail(born, c.Role), theme.ColorNamePlaceHolder)
	}
	r.setBadges(map[string]bool{badgeMetOffline: c.RefusedReason == "", badgeRefused: c.RefusedReason != ""})
}

func provisionalDetail(born, role string) string {
	if role != "" {
		born += " · " + role
	}
	return born + " · Met offline — waiting to sync"
}

// setColoured sets rt to one line of text in colour.
func setColoured(rt *widget.RichText, text string, colour fyne.ThemeColorName) {
	rt.Segments = []widget.RichTextSegment{&widget.TextSegment{Text: text, Style: widget.RichTextStyle{ColorName: colour}}}
	rt.Refresh()
}

func (r *caseRow) setBadges(on map[string]bool) {
	for t, b := range r.badges {
		showIf(b, on[t])
	}
	r.Refresh()
}
