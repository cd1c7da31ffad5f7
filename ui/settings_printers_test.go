package ui

import (
	"context"
	"testing"

	"fyne.io/fyne/v2/test"

	"vetdesk/casework"
	"vetdesk/counter"
)

// TestClerkSetsPrinterPerDocument guards the printers in 设置: the system's
// queues are offered for each document type, a clerk (not only an admin)
// saves a printer for the hukou letter and its offset, the print service
// then reads that printer and offset, and an offset that is not "x,y" mm
// is refused with nothing saved.
func TestClerkSetsPrinterPerDocument(t *testing.T) {
	f := newFixture(t)
	f.desk.Svc.Printers = func(context.Context) ([]string, error) { return []string{"office-laser", "hukou-tray"}, nil }
	f.desk.LoggedIn(f.clerk)
	f.desk.Open("nav.settings")
	s := f.desk.Current().(*SettingsScreen)
	letter := s.Printers.Docs[casework.DocHukouLetter]
	if got := s.Printers.Listed; len(got) != 2 || got[1] != "hukou-tray" {
		t.Fatalf("letter printer offers %q, want the system's queues", got)
	}
	if _, ok := s.Printers.Offsets["hukou-tray"]; !ok {
		t.Fatal("no offset row for the listed printer hukou-tray")
	}
	ctx := context.Background()
	test.Type(s.Printers.Offsets["hukou-tray"], "3;-2")
	test.Tap(s.SaveBtn)
	if v, _ := f.st.Setting(ctx, counter.OffsetSetting("hukou-tray")); v != "" {
		t.Errorf("bad offset saved as %q", v)
	}
	if s.Message.Text == T("settings.saved") {
		t.Error("a bad offset was reported as saved")
	}
	s.Printers.Offsets["hukou-tray"].SetText("3,-2")
	letter.SetText("hukou-tray")
	test.Tap(s.SaveBtn)
	if s.Message.Text != T("settings.saved") {
		t.Fatalf("save as clerk: message %q", s.Message.Text)
	}
	p := &counter.Printing{Store: f.st}
	printer, x, y, err := p.DocPrinter(ctx, casework.DocHukouLetter)
	if err != nil || printer != "hukou-tray" || x != 3 || y != -2 {
		t.Errorf("letter prints to %q at (%v, %v), %v; want hukou-tray at (3, -2)", printer, x, y, err)
	}
	if printer, _, _, _ := p.DocPrinter(ctx, casework.DocReceipt); printer != "" {
		t.Errorf("receipt prints to %q, want the desk's default", printer)
	}
}
