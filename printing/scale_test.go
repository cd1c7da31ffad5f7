package printing

import (
	"bytes"
	"context"
	"image"
	"image/png"
	"io"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"
	"time"
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
	for _, tool := range []string{"lp", "lpstat", "lpadmin", "lpinfo", "pdfinfo", "pdftoppm"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s not installed (apt-get install cups printer-driver-cups-pdf poppler-utils)", tool)
		}
	}
	if err := ensureCupsd(); err != nil {
		t.Skipf("cupsd cannot be started here: %v", err)
	}
	model, err := cupsPDFModel()
	if err != nil {
		t.Skipf("cups-pdf driver not available: %v", err)
	}
	const queue = "vetdesk-pdf-letter"
	if out, err := exec.Command("lpadmin", "-p", queue, "-E", "-v", "cups-pdf:/", "-m", model,
		"-o", "PageSize=Letter", "-o", "media-default=na_letter_8.5x11in", "-o", "fit-to-page-default=true").CombinedOutput(); err != nil {
		t.Fatalf("lpadmin: %v\n%s", err, out)
	}
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
	out := waitCupsPDF(t, name, start)
	w, h := pageSizePt(t, out)
	if math.Abs(w-595.3) > 1.5 || math.Abs(h-841.9) > 1.5 {
		t.Errorf("printed page is %.1f x %.1f pt, want A4 (595.3 x 841.9)", w, h)
	}
	const dpi = 100
	want, got := inkBox(t, path, dpi), inkBox(t, out, dpi)
	px := func(v int) float64 { return float64(v) * 25.4 / dpi }
	for i, d := range []int{got.Min.X - want.Min.X, got.Min.Y - want.Min.Y, got.Max.X - want.Max.X, got.Max.Y - want.Max.Y} {
		if math.Abs(px(d)) > 1 {
			t.Errorf("ink box edge %d moved %.2f mm: printed %v, ours %v (px at %d dpi)", i, px(d), got, want, dpi)
		}
	}
	t.Logf("printed %.1f x %.1f pt; ink box printed %v, ours %v at %d dpi", w, h, got, want, dpi)
}

var pageSizeRe = regexp.MustCompile(`Page size:\s+([0-9.]+) x ([0-9.]+) pts`)

func pageSizePt(t *testing.T, path string) (w, h float64) {
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

// inkBox rasterises page 1 of the PDF at path in grey and returns the box
// of its pixels darker than mid grey, in pixels from the top left.
func inkBox(t *testing.T, path string, dpi int) image.Rectangle {
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
	box := image.Rectangle{Min: image.Pt(math.MaxInt, math.MaxInt)}
	r := img.Bounds()
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			if g, _, _, _ := img.At(x, y).RGBA(); g < 0x8000 {
				box.Min.X, box.Min.Y = min(box.Min.X, x), min(box.Min.Y, y)
				box.Max.X, box.Max.Y = max(box.Max.X, x+1), max(box.Max.Y, y+1)
			}
		}
	}
	if box.Empty() {
		t.Fatalf("%s: page 1 has no ink", path)
	}
	return box
}
