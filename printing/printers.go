package printing

import "context"

// PrinterLister lists the print queues a desk can send to, by the names
// Send takes. An empty list means only the system's default destination.
type PrinterLister interface {
	Printers(ctx context.Context) ([]string, error)
}

// SystemPrinters lists the system's print queues: CUPS's destinations on
// Linux (printers_unix.go), the spooler's printers on Windows, the default
// one first (printers_windows.go).
type SystemPrinters struct{}

// Printers implements PrinterLister.
func (SystemPrinters) Printers(ctx context.Context) ([]string, error) { return systemPrinters(ctx) }

// lpNoScaling are the lp options that print a page at 100 %: CUPS's
// pdftopdf neither fits the page to the paper (fit-to-page, print-scaling)
// nor scales it (scaling), and the paper is A4 like our documents.
var lpNoScaling = []string{"-o", "fit-to-page=false", "-o", "print-scaling=none", "-o", "scaling=100", "-o", "media=A4"}
