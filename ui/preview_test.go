package ui

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"

	"vetdesk/casework"
	"vetdesk/counter"
	"vetdesk/printing"
)

// TestPreviewPrintsAndSaves guards the print preview: choosing a document
// in 打印预览 shows its pages as A4 images; 打印 prints it into the
// documents folder; 另存PDF writes the chosen file and says where.
func TestPreviewPrintsAndSaves(t *testing.T) {
	f := newFixture(t)
	pr, err := printing.New(printing.Options{})
	if err != nil {
		t.Fatal(err)
	}
	docs := filepath.Join(t.TempDir(), "documents")
	n := 0
	svc := &counter.Printing{Store: f.st, Cat: f.cat, Printer: pr, Dir: docs, Now: func() time.Time { n++; return fixedNow.Add(time.Duration(n) * time.Second) }}
	f.desk.Svc.Printer = svc
	ctx := context.Background()
	_ = f.st.SetSetting(ctx, SettingPhone, "0631-5200000")
	_ = f.st.SetSetting(ctx, SettingAddress, "威海市环翠区新威路1号")
	f.desk.LoggedIn(f.clerk)
	in := NewIntakeScreen(f.desk)
	f.fillIntake(t, in, true)
	cs := NewCaseScreen(f.desk, in.C.ID)
	f.desk.Show(cs)
	c, err := f.st.Case(ctx, in.C.ID)
	if err != nil {
		t.Fatal(err)
	}
	sel := previewSelect(f.desk, c, cs.Message)
	if len(sel.Options) < 3 || sel.Options[0] != T("preview.doc.receipt") {
		t.Fatalf("preview offers %q", sel.Options)
	}
	p := showPreview(f.desk, c.ID, casework.DocReceipt, "t", cs.Message)
	if p == nil {
		t.Fatalf("no preview: %q", cs.Message.Text)
	}
	if len(p.Pages) == 0 || p.Pages[0].Image.Bounds().Dx() != 827 {
		t.Fatalf("preview has %d pages, want A4 images at %d dpi", len(p.Pages), previewDPI)
	}
	if f.win.Canvas().Overlays().Top() == nil {
		t.Error("preview dialog not shown")
	}
	test.Tap(p.Print)
	waitFor(t, "the print", func() bool { es, _ := os.ReadDir(docs); return len(es) == 1 && cs.Message.Text != T("common.working") })
	out := filepath.Join(t.TempDir(), "r.pdf")
	p.saveTo(f.desk, svc, c.ID, casework.DocReceipt, out, cs.Message)
	if fi, err := os.Stat(out); err != nil || fi.Size() == 0 {
		t.Errorf("另存PDF wrote nothing at %s: %v", out, err)
	}
	if want := T("preview.saved", map[string]any{"Path": out}); cs.Message.Text != want {
		t.Errorf("message %q, want %q", cs.Message.Text, want)
	}
}
