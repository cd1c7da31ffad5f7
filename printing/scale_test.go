package printing

import (
	"context"
	"io"
	"math"
	"testing"
	"time"

	"vetdesk/internal/cupstest"
)

// TestSendCUPSKeepsScale prints a hukou letter through a cups-pdf queue
// whose defaults would shrink it (Letter paper, fit-to-page on) and checks
// that Send's options win: the printed page is A4 and the ink sits where
// it sits in our PDF, within 1 mm. cups-pdf re-distils the text into
// Type 3 glyphs pdftotext cannot read, so the place of the ink is measured
// on both files rasterised by pdftoppm at the same resolution.
func TestSendCUPSKeepsScale(t *testing.T) {
	if testing.Short() {
		t.Skip("prints through CUPS")
	}
	model := cupstest.Skip(t, "pdfinfo", "pdftoppm")
	const queue = "vetdesk-pdf-letter"
	cupstest.AddQueue(t, queue, model, "-o", "PageSize=Letter", "-o", "media-default=na_letter_8.5x11in", "-o", "fit-to-page-default=true")
	cat := loadCat(t)
	p := newPrinter(t)
	c := acceptedCase(t, cat, "张三", 7)
	name := "vetdesk-scale-" + time.Now().Format("150405.000000") + ".pdf"
	path, err := SaveAtomic(t.TempDir(), name, func(w io.Writer) error {
		_, err := p.Letter(w, LetterData{Case: c, Cat: cat, Number: "N1", ValidDays: 30, Issued: testNow})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := Send(ctx, Job{PDF: path, Printer: queue}); err != nil {
		t.Fatalf("Send: %v", err)
	}
	out := cupstest.WaitPDF(t, name, start)
	w, h := cupstest.PageSizePt(t, out)
	if math.Abs(w-595.3) > 1.5 || math.Abs(h-841.9) > 1.5 {
		t.Errorf("printed page is %.1f x %.1f pt, want A4 (595.3 x 841.9)", w, h)
	}
	const dpi = 100
	got, want := cupstest.SameInk(t, out, path, dpi)
	t.Logf("printed %.1f x %.1f pt; ink box printed %v, ours %v at %d dpi", w, h, got, want, dpi)
}
