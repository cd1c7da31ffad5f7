package winetest

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"vetdesk/casework"
	"vetdesk/internal/cupstest"
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
	w.run(t, "", "vetdesk.exe", "-data", dataW, "demo", "-as", "admin", "-n", "20")
	cases := windowsCases(t, w, data)
	i := slices.IndexFunc(cases, func(c *casework.Case) bool {
		return c.State != casework.CaseDraft && c.Number != "" && c.HasItem("hukou")
	})
	if i < 0 {
		t.Fatal("no demo case with a hukou letter")
	}
	// 设置's choices, through the program: the store is encrypted
	w.run(t, "", "vetdesk.exe", "-data", dataW, "printer", "-as", "admin", "-offset", "3,-2", casework.DocHukouLetter, queue)

	start := time.Now()
	out := w.run(t, "", "vetdesk.exe", "-data", dataW, "print", "-as", "admin", casework.DocHukouLetter, cases[i].Number)
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

// testSpoolerList runs printing's own Windows test (TestSpoolerPrint),
// cross-compiled without cgo, under Wine: the spooler lists the CUPS
// queues by name (EnumPrinters) with the default first, and a letter sent
// with an offset of (3, -2) mm to a queue whose defaults are Letter paper
// fitted to the page comes out on A4 with its ink within 1 mm of the PDF
// the test saved. It needs no store, so it checks the print path whatever
// vetdesk.exe's other parts do.
func testSpoolerList(t *testing.T, w *wine) {
	model := cupstest.Skip(t, "pdfinfo")
	const queue = "vetdesk-wine-letter"
	cupstest.AddQueue(t, queue, model, "-o", "PageSize=Letter", "-o", "media-default=na_letter_8.5x11in", "-o", "fit-to-page-default=true")
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	exe := filepath.Join(w.exes, "printing.test.exe")
	start := time.Now()
	build := exec.Command("go", "test", "-c", "-o", exe, "./printing/")
	build.Dir = root
	build.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=windows", "GOARCH=amd64")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go test -c ./printing/ for Windows: %v\n%s", err, out)
	}
	t.Logf("printing.test.exe built in %v", time.Since(start).Round(100*time.Millisecond))

	job := "vetdesk-spool-" + time.Now().Format("150405.000000") + ".pdf"
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := w.command(ctx, "printing.test.exe", "-test.run", "^TestSpoolerPrint$", "-test.v")
	keep := filepath.Join(w.prefix, "drive_c", "spool")
	if err := os.MkdirAll(keep, 0o755); err != nil {
		t.Fatal(err)
	}
	cmd.Env = append(cmd.Env, "VETDESK_SPOOL_PRINTER="+queue, "VETDESK_SPOOL_JOB="+job,
		"VETDESK_SPOOL_OFFSET=3,-2", "VETDESK_SPOOL_DIR="+w.winPath(keep))
	start = time.Now()
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "--- PASS: TestSpoolerPrint") {
		t.Fatalf("printing.test.exe -test.run TestSpoolerPrint under Wine: %v\n%s", err, out)
	}
	t.Logf("under Wine:\n%s", out)
	printed := cupstest.WaitPDF(t, job, start)
	pw, ph := cupstest.IsA4(t, printed)
	got, want := cupstest.SameInk(t, printed, filepath.Join(keep, job), 100)
	t.Logf("printed on %s (Letter by default): %.1f x %.1f pt; ink box printed %v, saved PDF %v (px at 100 dpi)", queue, pw, ph, got, want)
}
