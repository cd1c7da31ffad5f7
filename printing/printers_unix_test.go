//go:build !windows

package printing

import (
	"context"
	"os/exec"
	"slices"
	"testing"
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
	if ensureCupsd() != nil {
		t.Skip("cupsd not running")
	}
	model, err := cupsPDFModel()
	if err != nil {
		t.Skipf("cups-pdf driver not available: %v", err)
	}
	if out, err := exec.Command("lpadmin", "-p", "vetdesk-pdf", "-E", "-v", "cups-pdf:/", "-m", model).CombinedOutput(); err != nil {
		t.Fatalf("lpadmin: %v\n%s", err, out)
	}
	var l PrinterLister = SystemPrinters{}
	got, err := l.Printers(context.Background())
	if err != nil || !slices.Contains(got, "vetdesk-pdf") {
		t.Errorf("Printers() = %q, %v; want a list with vetdesk-pdf", got, err)
	}
}
