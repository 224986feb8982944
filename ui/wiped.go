package ui

import (
	"strconv"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// wipedScreen says that the cache on this laptop was erased: by the IT
// service, after too many wrong passphrases, or after too long offline; how
// many changes were lost; and what to do now.
type wipedScreen struct {
	app     *App
	st      State
	message *widget.Label
	lost    *widget.Label
	again   *button
}

func newWipedScreen(a *App, st State) *wipedScreen { return &wipedScreen{app: a, st: st} }

func (s *wipedScreen) build() fyne.CanvasObject {
	w := s.st.Wiped
	if w == nil {
		w = &Wiped{Message: "This device was wiped by your IT service."}
	}
	s.message = wrapped(w.Message)
	s.message.TextStyle = fyne.TextStyle{Bold: true}
	lost := "No changes were lost: everything had reached the directory."
	if w.Lost > 0 {
		lost = plural(w.Lost, "change", "changes") + " lost"
		if w.Kinds != "" {
			lost += ": " + w.Kinds
		}
		lost += ". " + these(w.Lost) + " had not reached the directory " +
			"(refused ones included) and could not be sent. If they mattered, record them again."
	}
	if !w.At.IsZero() {
		lost = "Wiped " + when(w.At, s.app.now()) + ". " + lost
	}
	s.lost = wrapped(lost)
	next := wrapped("No records of children are left on this laptop. If you did not expect this, contact your IT service. " +
		"If your IT service has told you to, you can set Signpost up again with your directory account.")
	next.TextStyle = fyne.TextStyle{Italic: true}
	s.again = newButton("Set up this laptop again", theme.ViewRefreshIcon(), s.onAgain)
	icon := widget.NewIcon(theme.NewErrorThemedResource(theme.DeleteIcon()))
	body := container.NewVBox(
		container.NewCenter(container.NewGridWrap(fyne.NewSize(64, 64), icon)),
		container.NewCenter(heading("This device was wiped")),
		s.message, s.lost, next, container.NewHBox(s.again))
	return centred(body, 560)
}

// these is "This change" or "These 3 changes".
func these(n int) string {
	if n == 1 {
		return "This change"
	}
	return "These " + strconv.Itoa(n) + " changes"
}

func (s *wipedScreen) onAgain() {
	s.app.touch()
	s.app.stage = StageEnrol
	s.app.enrol = newEnrolScreen(s.app)
	s.app.setContent(s.app.enrol.build(), s.app.enrol.first())
}
