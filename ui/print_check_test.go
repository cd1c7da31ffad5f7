package ui

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"

	"vetdesk/counter"
	"vetdesk/printing"
)

// TestPrintWarnsOfMissingOfficeDetails: with the office's address and
// phone unset, printing the receipt says so and asks first; nothing is
// printed until the clerk goes on. With them set it prints at once.
func TestPrintWarnsOfMissingOfficeDetails(t *testing.T) {
	f := newFixture(t)
	pr, err := printing.New(printing.Options{})
	if err != nil {
		t.Fatal(err)
	}
	docs := filepath.Join(t.TempDir(), "documents")
	n := 0 // each print a second later, so each PDF has its own name
	f.desk.Svc.Printer = &counter.Printing{Store: f.st, Cat: f.cat, Printer: pr, Dir: docs, Now: func() time.Time { n++; return fixedNow.Add(time.Duration(n) * time.Second) }}
	f.desk.LoggedIn(f.clerk)
	in := NewIntakeScreen(f.desk)
	f.fillIntake(t, in, true)
	cs := NewCaseScreen(f.desk, in.C.ID)
	f.desk.Show(cs)
	pdfs := func() int { es, _ := os.ReadDir(docs); return len(es) }

	cs.PrintDefault() // Ctrl+P
	want := T("print.office.missing", map[string]any{"What": T("setup.address") + "、" + T("setup.phone")})
	if cs.Message.Text != want || f.win.Canvas().Overlays().Top() == nil {
		t.Fatalf("print with no office details: message %q, dialog %v; want %q and a question", cs.Message.Text, f.win.Canvas().Overlays().Top() != nil, want)
	}
	if pdfs() != 0 {
		t.Fatalf("printed before the clerk answered")
	}
	test.Tap(overlayButton(t, f.win, T("print.office.anyway")))
	waitFor(t, "the print", func() bool { return pdfs() == 1 && cs.Message.Text != T("common.working") })

	ctx := context.Background()
	_ = f.st.SetSetting(ctx, SettingPhone, "0631-5200000")
	_ = f.st.SetSetting(ctx, SettingAddress, "威海市环翠区新威路1号")
	cs.PrintDefault()
	if f.win.Canvas().Overlays().Top() != nil {
		t.Errorf("with the office details set, printing still asks")
	}
	waitFor(t, "the second print", func() bool { return pdfs() == 2 })
}
