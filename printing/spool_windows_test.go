package printing

import (
	"context"
	"io"
	"math"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestSpoolerPrint prints a hukou letter through the Windows spooler. It
// runs only when $VETDESK_SPOOL_PRINTER names a printer: internal/winetest
// runs this test binary under Wine with a cups-pdf queue and checks the
// printed page on the Linux side. $VETDESK_SPOOL_JOB names the job (the
// PDF's name, which cups-pdf's output file carries),
// $VETDESK_SPOOL_OFFSET the printer's offset "x,y" in mm and
// $VETDESK_SPOOL_DIR a folder to keep the PDF in.
func TestSpoolerPrint(t *testing.T) {
	queue := os.Getenv("VETDESK_SPOOL_PRINTER")
	if queue == "" {
		t.Skip("$VETDESK_SPOOL_PRINTER names no printer to print to")
	}
	names, err := SystemPrinters{}.Printers(context.Background())
	if err != nil {
		t.Fatalf("Printers: %v", err)
	}
	t.Logf("spooler printers: %q", names)
	if !slices.Contains(names, queue) {
		t.Fatalf("Printers() = %q, want it to list %s", names, queue)
	}
	def, err := defaultPrinter()
	t.Logf("default printer: %q (%v)", def, err)
	if err == nil && def != "" && names[0] != def {
		t.Errorf("Printers() = %q, want the default %s first", names, def)
	}
	hdc, dev, err := openPrinterDC(queue)
	if err != nil {
		t.Fatalf("openPrinterDC: %v", err)
	}
	procDeleteDC.Call(hdc)
	t.Logf("%s: %+v", queue, dev)
	if pw, ph := float64(dev.PaperW)*25.4/float64(dev.DPIX), float64(dev.PaperH)*25.4/float64(dev.DPIY); math.Abs(pw-210) > 1 || math.Abs(ph-297) > 1 {
		t.Errorf("%s: paper %.1f x %.1f mm with A4 asked for, want 210 x 297", queue, pw, ph)
	}
	var ox, oy float64
	if xs, ys, ok := strings.Cut(os.Getenv("VETDESK_SPOOL_OFFSET"), ","); ok {
		ox, _ = strconv.ParseFloat(xs, 64)
		oy, _ = strconv.ParseFloat(ys, 64)
	}
	cat := loadCat(t)
	c := acceptedCase(t, cat, "张三", 7)
	pr := newPrinter(t).WithOffset(ox, oy)
	draw := func(q *Printer, w io.Writer) (Result, error) {
		return q.Letter(w, LetterData{Case: c, Cat: cat, Number: "N1", ValidDays: 30, Issued: testNow})
	}
	name := os.Getenv("VETDESK_SPOOL_JOB")
	if name == "" {
		name = "vetdesk-spool.pdf"
	}
	// Not t.TempDir: Go's RemoveAll fails under Wine 8 (unlinkat: Invalid
	// function). $VETDESK_SPOOL_DIR keeps the PDF for the caller.
	dir := os.Getenv("VETDESK_SPOOL_DIR")
	if dir == "" {
		if dir, err = os.MkdirTemp("", "vetdesk-spool"); err != nil {
			t.Fatal(err)
		}
		defer os.Remove(dir)
	}
	path, err := SaveAtomic(dir, name, func(w io.Writer) error { _, err := draw(pr, w); return err })
	if err != nil {
		t.Fatal(err)
	}
	if os.Getenv("VETDESK_SPOOL_DIR") == "" {
		defer os.Remove(path)
	}
	start := time.Now()
	if err := Send(context.Background(), Job{PDF: path, Printer: queue, Doc: pr, Draw: draw}); err != nil {
		t.Fatalf("Send: %v", err)
	}
	t.Logf("spooled in %v", time.Since(start).Round(time.Millisecond))
}
