package ui

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"signpost"
)

// reviewScreen is the management team's "To review" tab (issue 14, slice
// review): the national feeds' rows the matcher could not decide for their
// authority, oldest first, a page at a time; the one chosen beside each
// child it may be, field by field, what differs in bold and the warning
// colour, its score and why it was held; and Link, Create new and Dismiss,
// each asking a reason. Merge records starts a merge of two records of one
// child. Online only: nothing of it is kept on this laptop.
type reviewScreen struct {
	app     *App
	summary *widget.Label
	notice  *widget.Label // what the last decision did
	list    *widget.List
	more    *button
	refresh *button
	merge   *button
	items   []signpost.ReviewSummary
	next    string
	open    int
	gen     int

	// The detail pane.
	detail  *fyne.Container
	title   *widget.Label
	why     *widget.Label
	grid    *fyne.Container
	actions *fyne.Container
	links   []*button
	create  *button
	dismiss *button
	cur     *signpost.ReviewDetail
	dlg     *formDialog
	merger  *mergeFlow
}

func newReviewScreen(a *App) *reviewScreen { return &reviewScreen{app: a} }

// reviewTitle is the tab's title with the open count as its badge (n < 0:
// not known yet).
func reviewTitle(n int) string {
	if n <= 0 {
		return "To review"
	}
	return "To review (" + strconv.Itoa(n) + ")"
}

func (s *reviewScreen) build() fyne.CanvasObject {
	s.summary = wrapped("Loading…")
	s.notice = wrapped("")
	s.notice.Importance = widget.SuccessImportance
	s.notice.Hide()
	s.list = widget.NewList(func() int { return len(s.items) }, s.newRow, s.updateRow)
	s.list.OnSelected = s.onSelect
	s.more = newButton("Show more", theme.MoreHorizontalIcon(), func() { s.app.touch(); s.loadMore() })
	s.more.Hide()
	s.refresh = newButton("Refresh", theme.ViewRefreshIcon(), func() { s.app.touch(); s.load() })
	s.merge = newButton("Merge records…", theme.ContentCopyIcon(), func() { s.app.touch(); s.onMerge("", "") })
	intro := wrapped("Records from the national feeds that could not be matched to a child for certain. " +
		"Compare each with the children it may be, then link it, create a new child or dismiss it. Every decision asks why, and is recorded.")
	intro.TextStyle = fyne.TextStyle{Italic: true}
	top := container.NewVBox(container.NewBorder(nil, nil, nil, container.NewHBox(s.merge, s.refresh), heading("Records to review")), intro, s.summary, s.notice)
	left := container.NewBorder(nil, s.more, nil, nil, s.list)

	s.title = heading("Choose a record on the left")
	s.why = wrapped("")
	s.grid = container.NewVBox()
	s.create = newButton("Create new child…", theme.ContentAddIcon(), func() { s.onDecide(signpost.ReviewActionCreate, "") })
	s.dismiss = newButton("Dismiss…", theme.CancelIcon(), func() { s.onDecide(signpost.ReviewActionDismiss, "") })
	s.actions = container.NewHBox()
	s.detail = container.NewVBox(s.title, s.why, s.grid, s.actions)
	s.showDetail(nil)
	split := container.NewHSplit(left, container.NewVScroll(container.NewPadded(s.detail)))
	split.Offset = 0.35
	return container.NewBorder(top, nil, nil, nil, split)
}

// load reads the first page again (and the count for the tab's title).
func (s *reviewScreen) load() {
	s.gen++
	gen := s.gen
	fetch(s.app.br, func(ctx context.Context) (*signpost.ReviewsResponse, error) { return s.app.svc.Reviews(ctx, "") },
		func(p *signpost.ReviewsResponse, err error) {
			if gen != s.gen {
				return
			}
			if err != nil {
				s.failed(err)
				return
			}
			s.items, s.next, s.open = p.Reviews, p.Next, p.Open
			s.shown()
			if s.cur != nil && !s.has(s.cur.ID) {
				s.showDetail(nil)
			}
		})
}

// loadMore appends the next page.
func (s *reviewScreen) loadMore() {
	if s.next == "" {
		return
	}
	s.gen++
	gen, after := s.gen, s.next
	fetch(s.app.br, func(ctx context.Context) (*signpost.ReviewsResponse, error) { return s.app.svc.Reviews(ctx, after) },
		func(p *signpost.ReviewsResponse, err error) {
			if gen != s.gen {
				return
			}
			if err != nil {
				s.failed(err)
				return
			}
			s.items, s.next, s.open = append(s.items, p.Reviews...), p.Next, p.Open
			s.shown()
		})
}

// failed says why the list could not be read: offline, in the summary
// alone; anything else in a dialog too.
func (s *reviewScreen) failed(err error) {
	_, msg := explain(err)
	s.summary.SetText(msg)
	if signpost.KindOf(err) != signpost.KindUnavailable {
		s.app.showError("listing the records to review", err)
	}
}

func (s *reviewScreen) has(id int64) bool {
	for _, it := range s.items {
		if it.ID == id {
			return true
		}
	}
	return false
}

// shown updates the summary, the list and the tab's count.
func (s *reviewScreen) shown() {
	switch {
	case s.open == 0:
		s.summary.SetText("Nothing to review: every record from the feeds was matched.")
	case len(s.items) < s.open:
		s.summary.SetText(fmt.Sprintf("%s to review, oldest first; %d shown.", plural(s.open, "record", "records"), len(s.items)))
	default:
		s.summary.SetText(plural(s.open, "record", "records") + " to review, oldest first.")
	}
	showIf(s.more, s.next != "")
	s.list.Refresh()
	s.setCount(s.open)
}

// setCount puts the open count in the tab's title.
func (s *reviewScreen) setCount(n int) {
	h := s.app.home
	if h == nil {
		return
	}
	if it, ok := h.items[tabReview]; ok && it.Text != reviewTitle(n) {
		it.Text = reviewTitle(n)
		if n > 0 {
			it.Icon = theme.NewWarningThemedResource(theme.DocumentIcon())
		} else {
			it.Icon = theme.DocumentIcon()
		}
		h.tabs.Refresh()
	}
}

type reviewRow struct {
	widget.BaseWidget
	text    *widget.RichText
	content fyne.CanvasObject
}

func (s *reviewScreen) newRow() fyne.CanvasObject {
	r := &reviewRow{text: lines()}
	setLines(r.text, "Given Family", []string{"born 1 Jan 2000 · Births feed"}, "1 candidate") // the list sizes rows on the template
	r.content = r.text
	r.ExtendBaseWidget(r)
	return r
}

func (r *reviewRow) CreateRenderer() fyne.WidgetRenderer { return widget.NewSimpleRenderer(r.content) }

func (s *reviewScreen) updateRow(i widget.ListItemID, o fyne.CanvasObject) {
	if i < 0 || i >= len(s.items) {
		return
	}
	it, r := s.items[i], o.(*reviewRow)
	name := strings.TrimSpace(signpost.Printable(it.GivenName + " " + it.FamilyName))
	if name == "" {
		name = "No name given"
	}
	born := ""
	if it.DateOfBirth != "" {
		born = "born " + shortDate(it.DateOfBirth)
	}
	setLines(r.text, name, []string{joinNonEmpty(" · ", born, feedName(it.Feed)+" feed", "queued "+when(it.CreatedAt, s.app.now()))},
		fmt.Sprintf("%s, best score %.2f: %s", plural(it.Candidates, "candidate", "candidates"), it.BestScore, it.Reason))
}

func joinNonEmpty(sep string, parts ...string) string {
	var out []string
	for _, p := range parts {
		if p != "" {
			out = append(out, p)
		}
	}
	return strings.Join(out, sep)
}

// feedName says a feed as people do.
func feedName(f string) string {
	switch f {
	case "births":
		return "Births"
	case "deaths":
		return "Deaths"
	case "school":
		return "School census"
	case "gp":
		return "GP registration"
	}
	return title(f)
}

func (s *reviewScreen) onSelect(i widget.ListItemID) {
	s.app.touch()
	if i < 0 || i >= len(s.items) {
		return
	}
	s.open1(s.items[i].ID)
}

// open1 reads one item and shows it beside its candidates.
func (s *reviewScreen) open1(id int64) {
	fetch(s.app.br, func(ctx context.Context) (*signpost.ReviewDetail, error) { return s.app.svc.Review(ctx, id) },
		func(d *signpost.ReviewDetail, err error) {
			if err != nil {
				s.app.showError("opening the record to review", err)
				return
			}
			s.showDetail(d)
		})
}

// showDetail lays the item out: a row per field, the incoming value and
// each candidate's, what differs bold in the warning colour and marked ≠.
func (s *reviewScreen) showDetail(d *signpost.ReviewDetail) {
	s.cur = d
	s.grid.RemoveAll()
	s.actions.RemoveAll()
	s.links = nil
	if d == nil {
		s.title.SetText("Choose a record on the left")
		s.why.SetText("")
		return
	}
	s.title.SetText(fmt.Sprintf("%s feed record — best score %.2f", feedName(d.Feed), d.Score))
	s.why.SetText("Held because: " + strings.Join(d.Why, "; ") + ".")
	cols := 2 + len(d.Candidates)
	header := []fyne.CanvasObject{boldLabel("Field"), boldLabel("Incoming record")}
	for _, c := range d.Candidates {
		header = append(header, boldLabel(fmt.Sprintf("%s (score %.2f)", c.SignpostID, c.Score)))
	}
	rows := [][]fyne.CanvasObject{header}
	for _, name := range fieldOrder(d) {
		label, incoming := name, ""
		row := make([]fyne.CanvasObject, 0, cols)
		cells := make([]fyne.CanvasObject, len(d.Candidates))
		anyDiff := false
		for i, c := range d.Candidates {
			f, ok := fieldOf(c.Fields, name)
			held := ""
			if ok {
				label, incoming, held = f.Label, f.Incoming, f.Held
			}
			if c.Withheld {
				held = "withheld"
			}
			cells[i] = valueCell(held, ok && f.Differs)
			anyDiff = anyDiff || (ok && f.Differs)
		}
		if f, ok := fieldOf(d.Incoming, name); ok {
			label, incoming = f.Label, f.Incoming
		}
		row = append(row, widget.NewLabel(label), valueCell(incoming, anyDiff))
		row = append(row, cells...)
		rows = append(rows, row)
	}
	for _, r := range rows {
		s.grid.Add(container.NewGridWithColumns(cols, r...))
	}
	for _, c := range d.Candidates {
		why := c.Why
		if len(why) == 0 {
			why = []string{"no differences"}
		}
		l := wrapped(c.SignpostID + ": " + strings.Join(why, " · "))
		if c.Shielded {
			l.Importance = widget.DangerImportance
		}
		s.grid.Add(l)
	}
	for _, c := range d.Candidates {
		if c.Withheld {
			continue // another authority's shielded child: its team decides
		}
		id := c.SignpostID
		b := newButton("Link to "+id+"…", theme.ConfirmIcon(), func() { s.onDecide(signpost.ReviewActionLink, id) })
		s.links = append(s.links, b)
		s.actions.Add(b)
	}
	s.actions.Add(s.create)
	s.actions.Add(s.dismiss)
	// Two candidates of the team's own may be one child: merge them.
	var own []string
	for _, c := range d.Candidates {
		if !c.Withheld {
			own = append(own, c.SignpostID)
		}
	}
	if len(own) > 1 {
		a, b := own[0], own[1]
		s.actions.Add(newButton("Merge records…", theme.ContentCopyIcon(), func() { s.onMerge(a, b) }))
	}
	s.detail.Refresh()
}

func boldLabel(text string) *widget.Label {
	l := widget.NewLabelWithStyle(text, fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	l.Wrapping = fyne.TextWrapWord
	return l
}

// valueCell shows a value, bold in the warning colour and marked ≠ when it
// differs (the mark is for those who do not see the colour).
func valueCell(v string, differs bool) *widget.Label {
	l := widget.NewLabel(signpost.Printable(v))
	l.Wrapping = fyne.TextWrapWord
	if differs && v != "" {
		l.SetText("≠ " + signpost.Printable(v))
		l.TextStyle = fyne.TextStyle{Bold: true}
		l.Importance = widget.WarningImportance
	}
	return l
}

func fieldOf(fs []signpost.ReviewField, name string) (signpost.ReviewField, bool) {
	for _, f := range fs {
		if f.Name == name {
			return f, true
		}
	}
	return signpost.ReviewField{}, false
}

// fieldOrder is every field the row or a candidate holds, in the
// directory's order.
func fieldOrder(d *signpost.ReviewDetail) []string {
	var names []string
	seen := map[string]bool{}
	add := func(fs []signpost.ReviewField) {
		for _, f := range fs {
			if !seen[f.Name] {
				seen[f.Name] = true
				names = append(names, f.Name)
			}
		}
	}
	add(d.Incoming)
	for _, c := range d.Candidates {
		add(c.Fields)
	}
	return names
}

// decisionText is what each decision's dialog says.
var decisionText = map[string]struct{ title, confirm, intro string }{
	signpost.ReviewActionLink: {"Link to %s", "Link", "The incoming record is applied to %s, as a confident match would have been."},
	signpost.ReviewActionCreate: {"Create a new child", "Create new child",
		"The incoming record is a child the directory does not hold: a new record is made from it, with a new Signpost ID."},
	signpost.ReviewActionDismiss: {"Dismiss the record", "Dismiss", "The incoming record is not applied to any child."},
}

// onDecide asks why, then links, creates or dismisses the item on show.
func (s *reviewScreen) onDecide(action, child string) {
	s.app.touch()
	if s.cur == nil {
		return
	}
	id := s.cur.ID
	t := decisionText[action]
	dlgTitle, intro := t.title, t.intro
	if action == signpost.ReviewActionLink {
		dlgTitle, intro = fmt.Sprintf(t.title, child), fmt.Sprintf(t.intro, child)
	}
	reason := newReasonEntry(3)
	reason.SetPlaceHolder("e.g. same child: the surname was misspelt at registration")
	var dec *signpost.ReviewDecision
	s.dlg = s.app.newFormDialog(dlgTitle, t.confirm, intro+" Your reason is recorded in the audit.",
		[]*widget.FormItem{widget.NewFormItem("Reason", reason)},
		func() error {
			if strings.TrimSpace(reason.Text) == "" {
				return signpost.FieldError("reason", "say why; it is recorded in the audit")
			}
			return signpost.CheckReason("reason", strings.TrimSpace(reason.Text), signpost.MaxReasonLen)
		},
		func() job {
			req := signpost.ReviewDecisionRequest{Action: action, ChildID: child, Reason: strings.TrimSpace(reason.Text)}
			return func(ctx context.Context) error {
				var err error
				dec, err = s.app.svc.DecideReview(ctx, id, req)
				return err
			}
		},
		func() { s.decided(dec) })
	s.dlg.show()
	s.app.win.Canvas().Focus(reason)
}

// decided says what happened and reads the list again.
func (s *reviewScreen) decided(dec *signpost.ReviewDecision) {
	switch {
	case dec == nil:
	case dec.Status == "linked":
		s.say(fmt.Sprintf("Record %d linked to %s.", dec.ID, dec.ChildID))
	case dec.Status == "created":
		s.say(fmt.Sprintf("Record %d: new child %s created.", dec.ID, dec.ChildID))
	default:
		s.say(fmt.Sprintf("Record %d dismissed.", dec.ID))
	}
	s.list.UnselectAll()
	s.showDetail(nil)
	s.load()
}

func (s *reviewScreen) say(text string) {
	s.notice.SetText(text)
	s.notice.Show()
}

// onMerge starts a merge of two records, a and b filled in when known.
func (s *reviewScreen) onMerge(a, b string) {
	s.merger = s.app.newMergeFlow(a, b, func(p *signpost.MergePreview) {
		s.say(fmt.Sprintf("%s merged into %s.", p.Retired, p.Survivor))
		s.load()
	})
	s.merger.start()
}
