package printing

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"vetdesk/internal/cupstest"
)

func TestSaveAtomic(t *testing.T) {
	dir := t.TempDir()
	path, err := SaveAtomic(dir, "a.pdf", func(w io.Writer) error { _, err := w.Write([]byte("one")); return err })
	if err != nil {
		t.Fatal(err)
	}
	boom := errors.New("boom")
	if _, err := SaveAtomic(dir, "a.pdf", func(w io.Writer) error { w.Write([]byte("half")); return boom }); !errors.Is(err, boom) {
		t.Errorf("SaveAtomic(failing render) = %v, want %v", err, boom)
	}
	got, _ := os.ReadFile(path)
	if string(got) != "one" {
		t.Errorf("after a failed save the file holds %q, want %q", got, "one")
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("dir holds %d entries, want 1 (no temp files left)", len(entries))
	}
	if _, err := SaveAtomic(dir, "../x.pdf", func(io.Writer) error { return nil }); err == nil {
		t.Error("SaveAtomic(../x.pdf) = nil error, want refusal")
	}
}

// TestSendCUPS prints a receipt to a cups-pdf queue and waits for the
// printed file. It starts cupsd when it is not running and leaves it
// running; it creates the queue vetdesk-pdf if missing.
func TestSendCUPS(t *testing.T) {
	if testing.Short() {
		t.Skip("prints through CUPS")
	}
	model := cupstest.Skip(t)
	const queue = "vetdesk-pdf"
	cupstest.AddQueue(t, queue, model)
	cat := loadCat(t)
	p := newPrinter(t)
	c := acceptedCase(t, cat, "张䶮", 7)
	name := "vetdesk-cups-" + time.Now().Format("150405.000000") + ".pdf"
	var pages int
	path, err := SaveAtomic(t.TempDir(), name, func(w io.Writer) error {
		res, err := p.Receipt(w, ReceiptData{Case: c, Cat: cat, Office: testOffice, Lookup: "L", Printed: testNow})
		pages = res.Pages
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
	// cups-pdf re-distils through Ghostscript; check form here and
	// geometry in TestSendCUPSKeepsScale.
	if b := mustRead(t, out); !bytes.HasPrefix(b, []byte("%PDF-")) {
		t.Errorf("printed file %s is not a PDF", out)
	}
	if info, err := exec.Command("pdfinfo", out).Output(); err == nil {
		if m := pagesRe.FindSubmatch(info); m == nil || string(m[1]) != fmt.Sprint(pages) {
			t.Errorf("printed file %s: pdfinfo = %s, want %d pages", out, info, pages)
		}
	}
	t.Logf("cups-pdf wrote %s after %v", out, time.Since(start).Round(time.Millisecond))
}

func TestSendUnknownQueue(t *testing.T) {
	if _, err := exec.LookPath("lp"); err != nil {
		t.Skip("lp not installed")
	}
	if cupstest.Ensure() != nil {
		t.Skip("cupsd not running")
	}
	path := filepath.Join(t.TempDir(), "x.pdf")
	os.WriteFile(path, []byte("%PDF-1.4\n"), 0o644)
	err := Send(context.Background(), Job{PDF: path, Printer: "vetdesk-no-such-queue"})
	if err == nil || !strings.Contains(err.Error(), "lp") {
		t.Errorf("Send(unknown queue) = %v, want an lp error", err)
	}
}

var pagesRe = regexp.MustCompile(`Pages:\s+(\d+)`)

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
