package winetest

import (
	"context"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"vetdesk/casework"
	"vetdesk/counter"
	"vetdesk/internal/cupstest"
	"vetdesk/store"
)

// testSpooler: vetdesk.exe prints a hukou letter straight to the Windows
// spooler (GDI, no viewer, no dialog) on a printer chosen for the letter
// with an offset of (3, -2) mm. Wine's spooler hands the job to CUPS, whose
// cups-pdf queue writes a PDF: its page is A4 within 1 mm and its ink sits
// where it sits in the PDF the desk saved for that print (offset
// included), within 1 mm. cups-pdf's page is a bitmap, so the ink is
// measured on both rasterised by pdftoppm.
func testSpooler(t *testing.T, w *wine) {
	model := cupstest.Skip(t, "pdfinfo", "pdftoppm")
	const queue = "vetdesk-wine-pdf"
	cupstest.AddQueue(t, queue, model)

	data := filepath.Join(w.prefix, "drive_c", "打印 测试")
	dataW := w.winPath(data)
	w.run(t, "", "vetdesk.exe", "-data", dataW, "demo", "-n", "20")
	cases := readCases(t, filepath.Join(data, "vetdesk.db"))
	i := slices.IndexFunc(cases, func(c *casework.Case) bool {
		return c.State != casework.CaseDraft && c.Number != "" && c.HasItem("hukou")
	})
	if i < 0 {
		t.Fatal("no demo case with a hukou letter")
	}
	// 设置's choices, written as the desk stores them.
	st, err := store.Open(filepath.Join(data, "vetdesk.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for k, v := range map[string]string{counter.PrinterSetting(casework.DocHukouLetter): queue, counter.OffsetSetting(queue): "3,-2"} {
		if err := st.SetSetting(ctx, k, v); err != nil {
			t.Fatal(err)
		}
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}

	start := time.Now()
	out := w.run(t, "", "vetdesk.exe", "-data", dataW, "print", casework.DocHukouLetter, cases[i].Number)
	saved := w.unixPath(strings.TrimSpace(out))
	if saved == "" {
		t.Fatalf("print printed %q, want the saved PDF's path", out)
	}
	printed := cupstest.WaitPDF(t, filepath.Base(saved), start)
	t.Logf("spooled and printed by cups-pdf in %v: %s", time.Since(start).Round(100*time.Millisecond), filepath.Base(printed))
	pw, ph := cupstest.IsA4(t, printed)
	got, want := cupstest.SameInk(t, printed, saved, 100)
	t.Logf("printed page %.1f x %.1f pt; ink box printed %v, saved PDF %v (px at 100 dpi)", pw, ph, got, want)
}
