package ui

import (
	"context"
	"fmt"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"signpost"
)

// mergeFlow merges two records of one child (issue 14, slice review), for
// the management team of the child's authority: the two Signpost IDs, a
// preview of what the merge gives (changing nothing), then a confirmation
// with a reason whose merge button is not the default (Enter does not
// press it). The older Signpost ID survives; the other leaves every laptop
// at its next sync.
type mergeFlow struct {
	app     *App
	a, b    *entry
	reason  *entry
	ask     *formDialog // the two IDs
	confirm *formDialog // the preview and the reason
	preview *signpost.MergePreview
	done    func(*signpost.MergePreview)
}

func (a *App) newMergeFlow(x, y string, done func(*signpost.MergePreview)) *mergeFlow {
	m := &mergeFlow{app: a, a: newEntry(), b: newEntry(), done: done}
	m.a.SetText(x)
	m.b.SetText(y)
	m.a.SetPlaceHolder("SP…")
	m.b.SetPlaceHolder("SP…")
	return m
}

// start asks for the two records.
func (m *mergeFlow) start() {
	m.app.touch()
	m.ask = m.app.newFormDialog("Merge two records of one child", "Preview",
		"Give the Signpost IDs of two records that are the same child. Nothing changes until you have seen the result and confirmed.",
		[]*widget.FormItem{widget.NewFormItem("First record", m.a), widget.NewFormItem("Second record", m.b)},
		m.validate,
		func() job {
			a, b := signpost.NormaliseSignpostID(m.a.Text), signpost.NormaliseSignpostID(m.b.Text)
			return func(ctx context.Context) error {
				var err error
				m.preview, err = m.app.svc.PreviewMerge(ctx, a, b)
				return err
			}
		},
		m.showConfirm)
	m.ask.show()
	m.app.win.Canvas().Focus(m.a)
}

func (m *mergeFlow) validate() error {
	for _, f := range []struct {
		name string
		e    *entry
	}{{"a", m.a}, {"b", m.b}} {
		if !signpost.ValidSignpostID(strings.TrimSpace(f.e.Text)) {
			return signpost.FieldError(f.name, "give two Signpost IDs, like SP12345678 and a check digit; check what you typed")
		}
	}
	if signpost.NormaliseSignpostID(m.a.Text) == signpost.NormaliseSignpostID(m.b.Text) {
		return signpost.FieldError("b", "give two different records")
	}
	return nil
}

// showConfirm shows the preview and asks for the reason.
func (m *mergeFlow) showConfirm() {
	p := m.preview
	if p == nil || p.Child == nil {
		return
	}
	m.reason = newReasonEntry(2)
	m.reason.SetPlaceHolder("e.g. the same child, registered twice at birth")
	m.confirm = m.app.newFormDialog(fmt.Sprintf("Merge %s into %s?", p.Retired, p.Survivor), "Merge records", mergeText(p),
		[]*widget.FormItem{widget.NewFormItem("Reason", m.reason)},
		func() error {
			if strings.TrimSpace(m.reason.Text) == "" {
				return signpost.FieldError("reason", "say why these are one child; it is recorded in the audit")
			}
			return signpost.CheckReason("reason", strings.TrimSpace(m.reason.Text), signpost.MaxReasonLen)
		},
		func() job {
			req := signpost.MergeRequest{A: p.Survivor, B: p.Retired, Reason: strings.TrimSpace(m.reason.Text)}
			return func(ctx context.Context) error {
				res, err := m.app.svc.Merge(ctx, req)
				if err == nil {
					m.preview = res
				}
				return err
			}
		},
		func() {
			if m.done != nil {
				m.done(m.preview)
			}
		})
	// A merge cannot be undone from the app: the button says so by its
	// colour, and neither Enter nor the focus presses it.
	m.confirm.guarded()
	m.confirm.confirm.Importance = widget.DangerImportance
	m.confirm.confirm.Refresh()
	m.confirm.show()
	m.app.win.Canvas().Focus(m.reason)
}

// mergeText says what the merge gives.
func mergeText(p *signpost.MergePreview) string {
	c := p.Child
	var b strings.Builder
	fmt.Fprintf(&b, "%s is kept (the older record); %s is retired and leaves every laptop at its next sync. This cannot be undone from the app.\n\n", p.Survivor, p.Retired)
	fmt.Fprintf(&b, "The merged record: %s, born %s", signpost.Printable(c.FullName()), longDate(c.DateOfBirth))
	if c.Gender != "" {
		b.WriteString(", " + c.Gender)
	}
	b.WriteString(".\n")
	for _, f := range []struct{ label, v string }{{"Address", joinNonEmpty(", ", c.Address, c.Postcode)}, {"NHS number", c.NHSNumber}, {"UPN", c.UPN},
		{"School", settingText(c.School)}, {"GP practice", settingText(c.GP)}} {
		if f.v != "" {
			fmt.Fprintf(&b, "%s: %s\n", f.label, signpost.Printable(f.v))
		}
	}
	if c.Shielded {
		b.WriteString("Shielded: yes — only your team sees the withheld details.\n")
	}
	var who []string
	for _, inv := range c.Involvements {
		who = append(who, joinNonEmpty(", ", inv.Practitioner, inv.Organisation))
	}
	fmt.Fprintf(&b, "%s", plural(len(c.Involvements), "involvement", "involvements"))
	if len(who) > 0 {
		b.WriteString(": " + signpost.Printable(strings.Join(who, "; ")))
	}
	b.WriteString(".\n")
	for _, n := range p.Notes {
		b.WriteString("\n" + sentence(n))
	}
	return b.String()
}

func settingText(s *signpost.Setting) string {
	if s == nil {
		return ""
	}
	return joinNonEmpty(" ", s.Code, s.Name)
}

// mergeAction is the child screen's "Merge with another record…", for the
// management team of the child's own authority (nil for anyone else): the
// record on show is the first of the two; once merged, the survivor opens.
func (s *childScreen) mergeAction(rec *Record, u signpost.User) fyne.CanvasObject {
	s.merge = nil
	c := rec.Child
	if u.Role != signpost.RoleManagement || u.Authority == "" || c.Authority != u.Authority || c.Redacted || c.MergedInto != "" {
		return nil
	}
	id := c.SignpostID
	s.merge = newButton("Merge with another record…", theme.ContentCopyIcon(), func() {
		s.app.touch()
		s.app.newMergeFlow(id, "", func(p *signpost.MergePreview) { s.open(p.Survivor, s.reason) }).start()
	})
	return s.merge
}

// accessAction is the child screen's "Subject access report", for the
// management team of the child's own authority (nil for anyone else): it
// opens the Subject access tab on this child.
func (s *childScreen) accessAction(rec *Record, u signpost.User) fyne.CanvasObject {
	c := rec.Child
	h := s.app.home
	if u.Role != signpost.RoleManagement || u.Authority == "" || c.Authority != u.Authority || h == nil || h.mgmt == nil {
		return nil
	}
	id := c.SignpostID
	return newButton("Subject access report", theme.DocumentIcon(), func() {
		s.app.touch()
		h.mgmt.openAccess(id, "")
	})
}
