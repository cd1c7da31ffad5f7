//go:build !windows

package printing

import (
	"context"
	"os/exec"
	"slices"
	"testing"

	"vetdesk/internal/cupstest"
)

func TestParseLpstatE(t *testing.T) {
	got := parseLpstatE([]byte("vetdesk-pdf\nHP_LaserJet\n\n  hukou-tray \n"))
	want := []string{"vetdesk-pdf", "HP_LaserJet", "hukou-tray"}
	if !slices.Equal(got, want) {
		t.Errorf("parseLpstatE = %q, want %q", got, want)
	}
}

// TestSystemPrintersListsCUPSQueue guards the printer list of 设置: a CUPS
// queue is listed by the name Send takes.
func TestSystemPrintersListsCUPSQueue(t *testing.T) {
	if _, err := exec.LookPath("lpadmin"); err != nil {
		t.Skip("CUPS not installed")
	}
	model := cupstest.Skip(t)
	cupstest.AddQueue(t, "vetdesk-pdf", model)
	var l PrinterLister = SystemPrinters{}
	got, err := l.Printers(context.Background())
	if err != nil || !slices.Contains(got, "vetdesk-pdf") {
		t.Errorf("Printers() = %q, %v; want a list with vetdesk-pdf", got, err)
	}
}
