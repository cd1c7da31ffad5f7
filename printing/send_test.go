package printing

import (
	"bufio"
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
	for _, tool := range []string{"lp", "lpstat", "lpadmin", "lpinfo"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("CUPS client %s not installed (apt-get install cups printer-driver-cups-pdf)", tool)
		}
	}
	if err := ensureCupsd(); err != nil {
		t.Skipf("cupsd cannot be started here: %v", err)
	}
	model, err := cupsPDFModel()
	if err != nil {
		t.Skipf("cups-pdf driver not available: %v", err)
	}
	const queue = "vetdesk-pdf"
	if out, err := exec.Command("lpadmin", "-p", queue, "-E", "-v", "cups-pdf:/", "-m", model).CombinedOutput(); err != nil {
		t.Fatalf("lpadmin: %v\n%s", err, out)
	}
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
	out := waitCupsPDF(t, name, start)
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

// waitCupsPDF waits up to 45 s for cups-pdf's output of the job named
// name, sent after start, and returns its path.
func waitCupsPDF(t *testing.T, name string, start time.Time) string {
	t.Helper()
	base := strings.TrimSuffix(name, ".pdf")
	home, _ := os.UserHomeDir()
	dirs := []string{filepath.Join(home, "PDF"), "/var/spool/cups-pdf/ANONYMOUS", "/var/spool/cups-pdf/root", "/root/PDF"}
	deadline := time.Now().Add(45 * time.Second)
	for time.Now().Before(deadline) {
		for _, dir := range dirs {
			entries, _ := os.ReadDir(dir)
			for _, e := range entries {
				info, err := e.Info()
				if err != nil || !strings.Contains(e.Name(), base) || info.ModTime().Before(start.Add(-time.Second)) || info.Size() == 0 {
					continue
				}
				return filepath.Join(dir, e.Name())
			}
		}
		time.Sleep(300 * time.Millisecond)
	}
	t.Fatalf("no output from cups-pdf in %v under %v", 45*time.Second, dirs)
	return ""
}

func TestSendUnknownQueue(t *testing.T) {
	if _, err := exec.LookPath("lp"); err != nil {
		t.Skip("lp not installed")
	}
	if ensureCupsd() != nil {
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

func cupsRunning() bool {
	out, err := exec.Command("lpstat", "-r").Output()
	return err == nil && strings.Contains(string(out), "is running") && !strings.Contains(string(out), "not running")
}

// ensureCupsd starts the scheduler if it is not running and waits up to
// ten seconds for it.
func ensureCupsd() error {
	if cupsRunning() {
		return nil
	}
	var errs []error
	if bin, err := exec.LookPath("cupsd"); err == nil {
		_ = os.MkdirAll("/run/cups", 0o755)
		if out, err := exec.Command(bin).CombinedOutput(); err != nil { // daemonises
			errs = append(errs, errors.New("cupsd: "+strings.TrimSpace(string(out))+": "+err.Error()))
		}
	} else if out, err := exec.Command("service", "cups", "start").CombinedOutput(); err != nil {
		errs = append(errs, errors.New("service cups start: "+strings.TrimSpace(string(out))+": "+err.Error()))
	}
	for i := 0; i < 50; i++ {
		if cupsRunning() {
			return nil
		}
		time.Sleep(200 * time.Millisecond)
	}
	errs = append(errs, errors.New("lpstat -r does not report a running scheduler"))
	return errors.Join(errs...)
}

// cupsPDFModel returns the cups-pdf PPD name as lpinfo lists it.
func cupsPDFModel() (string, error) {
	out, err := exec.Command("lpinfo", "-m").Output()
	if err != nil {
		return "", err
	}
	var fallback string
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		name, _, _ := strings.Cut(sc.Text(), " ")
		switch {
		case strings.Contains(name, "CUPS-PDF_opt"):
			return name, nil
		case strings.Contains(name, "CUPS-PDF"):
			fallback = name
		}
	}
	if fallback == "" {
		return "", errors.New("lpinfo -m lists no CUPS-PDF model")
	}
	return fallback, nil
}
