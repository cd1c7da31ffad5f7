package ui

import (
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"vetdesk/store"
)

// TestGoldenMarkup renders each screen with the embedded-font theme and
// compares it with testdata/<screen>.xml; on a mismatch the actual markup
// lands in testdata/failed/.
func TestGoldenMarkup(t *testing.T) {
	f := newFixture(t)
	f.desk.LoggedIn(f.clerk)
	in := NewIntakeScreen(f.desk)
	f.fillIntake(t, in, true)
	caseID := in.C.ID
	f.reported(caseID)
	screens := []struct {
		name string
		show func() fyne.CanvasObject
	}{
		{"login", func() fyne.CanvasObject { return NewLoginScreen(f.desk).Content() }},
		{"setup", func() fyne.CanvasObject { return NewSetupScreen(f.desk).Content() }},
		{"dashboard", func() fyne.CanvasObject { return NewDashboardScreen(f.desk).Content() }},
		{"intake", func() fyne.CanvasObject { return NewIntakeScreen(f.desk).Content() }},
		{"search", func() fyne.CanvasObject { return NewSearchScreen(f.desk).Content() }},
		{"case", func() fyne.CanvasObject { return NewCaseScreen(f.desk, caseID).Content() }},
		{"settings", func() fyne.CanvasObject { return NewSettingsScreen(f.desk).Content() }},
		{"catalogue", func() fyne.CanvasObject { return NewCatalogueScreen(f.cat).Content() }},
		{"tasks", func() fyne.CanvasObject {
			f.desk.User = store.User{ID: "h", Login: "police", Name: "赵户籍", Role: "handler", Department: "police", Office: "371002"}
			defer func() { f.desk.User = f.clerk }()
			return NewTasksScreen(f.desk).Content()
		}},
	}
	for _, s := range screens {
		t.Run(s.name, func(t *testing.T) {
			w := test.NewWindow(s.show())
			defer w.Close()
			w.Resize(fyne.NewSize(1100, 800))
			test.AssertRendersToMarkup(t, s.name+".xml", w.Canvas())
		})
	}
}
