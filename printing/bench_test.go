package printing

import (
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
