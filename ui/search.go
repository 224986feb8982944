package ui

import (
	"context"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"signpost"
)

// searchScreen is the signposting search: enough detail to identify one
// child, at most 10 matches or "too many — add detail". Offline it searches
// the cache and says so. The chosen match's record opens beside the results.
type searchScreen struct {
	app      *App
	family   *entry
	given    *entry
	dob      *entry
	postcode *entry
	nhs      *entry
	upn      *entry
	spid     *entry
	reason   *entry
	gender   *widget.Select
	submit   *button
	clear    *button
	offline  *banner
	result   *widget.Label
	list     *keyList
	matches  []signpost.Match
	busy     bool
	reasonOf string // the reason given with the search, reused to open a match
	child    *childScreen
}

func newSearchScreen(a *App) *searchScreen {
	return &searchScreen{app: a, child: newChildScreen(a)}
}

func (s *searchScreen) build() fyne.CanvasObject {
	input := func(placeholder string) *entry {
		e := newEntry()
		e.SetPlaceHolder(placeholder)
		e.OnSubmitted = func(string) { s.onSearch() }
		e.OnChanged = func(string) { s.app.touch() }
		return e
	}
	s.family = input("e.g. Fixture")
	s.given = input("e.g. Jamie")
	s.dob = input("e.g. 14/03/2015")
	s.postcode = input("e.g. LS1 4AP")
	s.nhs = input("10 digits")
	s.upn = input("13 characters")
	s.spid = input("e.g. SP000000018")
	s.reason = input("Why you are searching (recorded)")
	s.gender = widget.NewSelect([]string{"Any", "Female", "Male", "Other", "Unknown"}, func(string) { s.app.touch() })
	s.gender.SetSelected("Any")
	s.submit = newButton("Search", theme.SearchIcon(), s.onSearch)
	s.submit.Importance = widget.HighImportance
	s.clear = newButton("Clear", theme.ContentClearIcon(), s.onClear)
	s.offline = newBanner(theme.NewWarningThemedResource(theme.WarningIcon()), widget.WarningImportance,
		"You are offline: only the children kept on this laptop were searched. Search again when you are back online to ask the directory.")
	s.offline.box.Hide()
	s.result = wrapped(searchHint)
	s.list = newKeyList(func() int { return len(s.matches) }, newMatchRow, s.updateRow, s.onSelect)

	// The fields flow into as many columns as the width allows (one, at the
	// narrowest), so the form never makes the window wider than a small
	// laptop's 1024 pixels; the record beside it scrolls.
	fields := container.NewGridWrap(fyne.NewSize(searchFieldWidth, field("X", s.family).MinSize().Height),
		field("Family name", s.family), field("Given name", s.given), field("Date of birth", s.dob),
		field("Postcode", s.postcode), field("Gender", s.gender), field("Signpost ID", s.spid),
		field("NHS number", s.nhs), field("Unique pupil number", s.upn))
	form := container.NewVBox(
		heading("Search the directory"),
		fields,
		field("Reason for searching", s.reason),
		container.NewHBox(s.submit, s.clear),
		s.offline.box, s.result)
	left := container.NewBorder(form, nil, nil, nil, s.list)
	split := container.NewHSplit(container.NewVScroll(left), container.NewHScroll(s.child.build()))
	split.Offset = 0.45
	return split
}

// searchHint is what the search screen says before a search.
const searchHint = "Search by family name and date of birth, or family name, given name and postcode, or by an NHS number, UPN or Signpost ID."

// searchFieldWidth is the width of one field of the search form.
const searchFieldWidth = 180

// focusFamily puts the cursor in the family name with its text selected, so
// that what is typed next (after Ctrl+F) replaces it.
func (s *searchScreen) focusFamily() {
	s.app.win.Canvas().Focus(s.family)
	s.family.TypedShortcut(&fyne.ShortcutSelectAll{})
}

// onClear empties every field, the results and the record beside them.
func (s *searchScreen) onClear() {
	s.app.touch()
	for _, e := range []*entry{s.family, s.given, s.dob, s.postcode, s.nhs, s.upn, s.spid, s.reason} {
		e.SetText("")
	}
	s.gender.SetSelected("Any")
	s.matches = nil
	s.list.UnselectAll()
	s.list.Refresh()
	s.offline.box.Hide()
	s.result.Importance = widget.MediumImportance
	s.result.SetText(searchHint)
	s.child.close()
	s.app.win.Canvas().Focus(s.family)
}

// request reads the form.
func (s *searchScreen) request() signpost.SearchRequest {
	g := ""
	if s.gender.Selected != "Any" {
		g = strings.ToLower(s.gender.Selected)
	}
	dob := strings.TrimSpace(s.dob.Text)
	if d, ok := signpost.ParseTypedDate(dob); ok {
		dob = d
	}
	return signpost.SearchRequest{
		FamilyName: strings.TrimSpace(s.family.Text), GivenName: strings.TrimSpace(s.given.Text),
		DateOfBirth: dob, Postcode: strings.TrimSpace(s.postcode.Text),
		NHSNumber: strings.TrimSpace(s.nhs.Text), UPN: strings.TrimSpace(s.upn.Text),
		SignpostID: strings.TrimSpace(s.spid.Text), Gender: g, Reason: strings.TrimSpace(s.reason.Text),
	}
}

func (s *searchScreen) onSearch() {
	s.app.touch()
	if s.busy {
		return
	}
	req := s.request()
	if _, ok := signpost.ParseTypedDate(req.DateOfBirth); req.DateOfBirth != "" && !ok {
		s.result.Importance = widget.DangerImportance
		s.result.SetText("The date of birth must be a real date, written like 14/03/2015, 14 Mar 2015 or 2015-03-14.")
		return
	}
	// The directory answers only searches that can identify one child, by
	// the rules the cache searches by offline: say what is wrong before
	// anything is sent.
	if _, err := signpost.PlanSearch(req, s.app.now()); err != nil {
		s.result.Importance = widget.DangerImportance
		s.result.SetText(sentence(signpost.MessageOf(err)))
		return
	}
	s.busy = true
	s.submit.Disable()
	s.result.Importance = widget.MediumImportance
	s.result.SetText("Searching…")
	fetch(s.app.br, func(ctx context.Context) (SearchResult, error) { return s.app.svc.Search(ctx, req) },
		func(res SearchResult, err error) {
			s.busy = false
			s.submit.Enable()
			s.reasonOf = req.Reason
			s.show(req, res, err)
		})
}

// show lays out the answer to search req.
func (s *searchScreen) show(req signpost.SearchRequest, res SearchResult, err error) {
	s.matches = nil
	s.list.UnselectAll()
	s.child.close() // the record beside the results was of the last search's
	showIf(s.offline.box, res.Offline)
	s.result.Importance = widget.MediumImportance
	switch {
	case err != nil && (signpost.KindOf(err) == signpost.KindInvalid || signpost.KindOf(err) == signpost.KindRateLimited):
		s.result.Importance = widget.DangerImportance
		_, msg := explain(err)
		s.result.SetText(msg)
	case err != nil && signpost.KindOf(err) == signpost.KindTooMany:
		res.TooMany = true
		fallthrough
	case res.TooMany:
		s.result.Importance = widget.WarningImportance
		s.result.SetText(signpost.TooManyMessage(req))
	case err != nil:
		s.result.SetText("The search could not be done.")
		s.app.showError("searching", err)
	case len(res.Matches) == 0:
		s.result.SetText("No matches. Check the spelling and the date of birth, or try fewer details.")
	default:
		s.matches = res.Matches
		s.result.SetText(plural(len(res.Matches), "match", "matches") + ". Choose one to open the record; the view is recorded.")
	}
	s.list.Refresh()
}

func (s *searchScreen) onSelect(i widget.ListItemID) {
	s.app.touch()
	if i < 0 || i >= len(s.matches) {
		return
	}
	s.child.open(s.matches[i].SignpostID, s.reasonOf)
}

// close empties the record beside the results (in search.go: only the
// search screen closes a record without opening another). A record still
// being opened is dropped when it arrives.
func (c *childScreen) close() {
	c.gen++
	c.opening = false
	c.rec, c.id, c.reason = nil, "", ""
	c.placeholder("Choose a child to see who else works with them.")
}

// matchRow is one search result.
type matchRow struct {
	widget.BaseWidget
	text     *widget.RichText
	shielded *badge
	content  fyne.CanvasObject
}

func newMatchRow() fyne.CanvasObject {
	r := &matchRow{text: lines(), shielded: newBadge(badgeShielded)}
	setLines(r.text, "Family, Given", nil, "Born 1 Jan 2000") // two lines: the list sizes rows on the template
	r.shielded.Hide()
	r.content = container.NewBorder(nil, nil, nil, badgeRow(r.shielded), r.text)
	r.ExtendBaseWidget(r)
	return r
}

func (r *matchRow) CreateRenderer() fyne.WidgetRenderer { return widget.NewSimpleRenderer(r.content) }

func (s *searchScreen) updateRow(i widget.ListItemID, o fyne.CanvasObject) {
	if i < 0 || i >= len(s.matches) {
		return
	}
	m, r := s.matches[i], o.(*matchRow)
	parts := []string{"Born " + shortDate(m.DateOfBirth)}
	if m.Gender != "" {
		parts = append(parts, title(m.Gender))
	}
	parts = append(parts, m.SignpostID)
	setLines(r.text, m.FamilyName+", "+m.GivenName, nil, strings.Join(parts, " · "))
	showIf(r.shielded, m.Shielded)
	r.Refresh()
}
