package printing

import (
	"image"
	"io"
	"testing"
)

// BenchmarkReceipt renders a receipt cold (a fresh Printer: templates and
// the 4.6 MB primary font parsed again) and warm (one Printer reused). The
// budget (DESIGN.md) is 30 ms warm.
func BenchmarkReceipt(b *testing.B) {
	cat := loadCat(b)
	c := acceptedCase(b, cat, "张䶮", 7)
	data := ReceiptData{Case: c, Cat: cat, Office: testOffice, Clerk: "刘洋", Lookup: "K7Q2M9", Printed: testNow}
	b.Run("cold", func(b *testing.B) {
		for b.Loop() {
			p, err := New(Options{})
			if err != nil {
				b.Fatal(err)
			}
			if _, err := p.Receipt(io.Discard, data); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("warm", func(b *testing.B) {
		p := newPrinter(b)
		for b.Loop() {
			if _, err := p.Receipt(io.Discard, data); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkSpoolPage draws a hukou letter's page as the Windows path does
// for a 600 dpi printer: band by band from the display list, each band
// packed into a DIB (what GDI is then handed is not drawn here).
func BenchmarkSpoolPage(b *testing.B) {
	cat := loadCat(b)
	c := acceptedCase(b, cat, "张三", 7)
	pages, q, err := newPrinter(b).pageList(func(q *Printer, w io.Writer) (Result, error) {
		return q.Letter(w, LetterData{Case: c, Cat: cat, Number: "N1", ValidDays: 30, Issued: testNow})
	})
	if err != nil {
		b.Fatal(err)
	}
	dev := device{DPIX: 600, DPIY: 600, OffX: 100, OffY: 100, Width: 4761, Height: 6816, PaperW: 4961, PaperH: 7016}
	pl, err := devicePlacement(dev, 3, -2)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		n := 0
		if err := q.drawPage(pages[0], dev, pl, func(bits, bmi []byte, w, h int, at image.Point) error { n += len(bits); return nil }); err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(n)/(1<<20), "MB-sent")
	}
}
