// Package cupstest drives this machine's CUPS for the print tests: it
// starts the scheduler, makes cups-pdf queues, waits for the PDF cups-pdf
// writes for a job, and measures a PDF's page size and where its ink is.
// Tests only; it never ships.
package cupstest

import (
	"bufio"
	"bytes"
	"errors"
	"image"
	"image/png"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Skip skips t unless CUPS's tools (and the others named) are installed,
// the scheduler runs or can be started, and cups-pdf's driver is there;
// it returns that driver's model name for lpadmin -m.
func Skip(t testing.TB, tools ...string) (model string) {
	t.Helper()
	for _, tool := range append([]string{"lp", "lpstat", "lpadmin", "lpinfo"}, tools...) {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s not installed (apt-get install cups printer-driver-cups-pdf poppler-utils)", tool)
		}
	}
	if err := Ensure(); err != nil {
		t.Skipf("cupsd cannot be started here: %v", err)
	}
	model, err := PDFModel()
	if err != nil {
		t.Skipf("cups-pdf driver not available: %v", err)
	}
	return model
}

// AddQueue makes (or remakes) the cups-pdf queue name with lpadmin's
// options opts.
func AddQueue(t testing.TB, name, model string, opts ...string) {
	t.Helper()
	args := append([]string{"-p", name, "-E", "-v", "cups-pdf:/", "-m", model}, opts...)
	if out, err := exec.Command("lpadmin", args...).CombinedOutput(); err != nil {
		t.Fatalf("lpadmin: %v\n%s", err, out)
	}
}

func running() bool {
	out, err := exec.Command("lpstat", "-r").Output()
	return err == nil && strings.Contains(string(out), "is running") && !strings.Contains(string(out), "not running")
}

// Ensure starts the scheduler if it is not running and waits up to ten
// seconds for it. It leaves it running.
func Ensure() error {
	if running() {
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
		if running() {
			return nil
		}
		time.Sleep(200 * time.Millisecond)
	}
	errs = append(errs, errors.New("lpstat -r does not report a running scheduler"))
	return errors.Join(errs...)
}

// PDFModel returns the cups-pdf PPD name as lpinfo lists it.
func PDFModel() (string, error) {
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

// WaitPDF waits up to 45 s for cups-pdf's output of the job whose title
// starts with job (a file name; its .pdf is dropped), sent after start, to
// be written to its end (%%EOF), and returns its path.
func WaitPDF(t testing.TB, job string, start time.Time) string {
	t.Helper()
	base := strings.TrimSuffix(job, ".pdf")
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
				// cups-pdf may still be writing it: wait for the end.
				path := filepath.Join(dir, e.Name())
				if b, err := os.ReadFile(path); err == nil && bytes.HasSuffix(bytes.TrimSpace(b), []byte("%%EOF")) {
					return path
				}
			}
		}
		time.Sleep(300 * time.Millisecond)
	}
	t.Fatalf("no output from cups-pdf in %v under %v", 45*time.Second, dirs)
	return ""
}

var pageSizeRe = regexp.MustCompile(`Page size:\s+([0-9.]+) x ([0-9.]+) pts`)

// PageSizePt is the size of the PDF's first page in points (pdfinfo).
func PageSizePt(t testing.TB, path string) (w, h float64) {
	t.Helper()
	info, err := exec.Command("pdfinfo", path).Output()
	if err != nil {
		t.Fatalf("pdfinfo %s: %v", path, err)
	}
	m := pageSizeRe.FindSubmatch(info)
	if m == nil {
		t.Fatalf("pdfinfo %s: no page size in %s", path, info)
	}
	w, _ = strconv.ParseFloat(string(m[1]), 64)
	h, _ = strconv.ParseFloat(string(m[2]), 64)
	return w, h
}

// InkBox rasterises page 1 of the PDF at path in grey (pdftoppm) and
// returns the box of its pixels darker than mid grey, in pixels from the
// top left.
func InkBox(t testing.TB, path string, dpi int) image.Rectangle {
	t.Helper()
	box, _ := ink(t, path, dpi)
	return box
}

// ink rasterises page 1 of the PDF at path in grey (pdftoppm) and returns
// the box of its pixels darker than mid grey and their number.
func ink(t testing.TB, path string, dpi int) (box image.Rectangle, dark int) {
	t.Helper()
	prefix := filepath.Join(t.TempDir(), "p")
	if out, err := exec.Command("pdftoppm", "-f", "1", "-l", "1", "-r", strconv.Itoa(dpi), "-gray", "-png", "-singlefile", path, prefix).CombinedOutput(); err != nil {
		t.Fatalf("pdftoppm %s: %v\n%s", path, err, out)
	}
	b, err := os.ReadFile(prefix + ".png")
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	box = image.Rectangle{Min: image.Pt(math.MaxInt, math.MaxInt)}
	r := img.Bounds()
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			if g, _, _, _ := img.At(x, y).RGBA(); g < 0x8000 {
				box.Min.X, box.Min.Y = min(box.Min.X, x), min(box.Min.Y, y)
				box.Max.X, box.Max.Y = max(box.Max.X, x+1), max(box.Max.Y, y+1)
				dark++
			}
		}
	}
	if box.Empty() {
		t.Fatalf("%s: page 1 has no ink", path)
	}
	return box, dark
}

// SameInk fails t when an edge of the ink box of the PDF got (page 1) is
// more than 1 mm from that of want, both rasterised at dpi, or when got
// has not as much ink as want within 5 % (a page with a missing band or
// line of text has the same box); it returns both boxes.
func SameInk(t testing.TB, got, want string, dpi int) (g, w image.Rectangle) {
	t.Helper()
	w, wd := ink(t, want, dpi)
	g, gd := ink(t, got, dpi)
	mm := func(v int) float64 { return float64(v) * 25.4 / float64(dpi) }
	for i, d := range []int{g.Min.X - w.Min.X, g.Min.Y - w.Min.Y, g.Max.X - w.Max.X, g.Max.Y - w.Max.Y} {
		if math.Abs(mm(d)) > 1 {
			t.Errorf("ink box edge %d moved %.2f mm: printed %v, ours %v (px at %d dpi)", i, mm(d), g, w, dpi)
		}
	}
	if d := float64(gd-wd) / float64(wd); math.Abs(d) > 0.05 {
		t.Errorf("printed page has %d dark pixels at %d dpi, ours %d (%+.1f %%)", gd, dpi, wd, 100*d)
	} else {
		t.Logf("dark pixels at %d dpi: printed %d, ours %d (%+.1f %%)", dpi, gd, wd, 100*d)
	}
	return g, w
}

// IsA4 fails t unless the PDF's first page is A4 within 1 mm.
func IsA4(t testing.TB, path string) (w, h float64) {
	t.Helper()
	w, h = PageSizePt(t, path)
	const mm = 72 / 25.4
	if math.Abs(w-210*mm) > mm || math.Abs(h-297*mm) > mm {
		t.Errorf("printed page is %.1f x %.1f pt, want A4 (595.3 x 841.9) within 1 mm", w, h)
	}
	return w, h
}
