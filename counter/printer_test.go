package counter

import (
	"context"
	"errors"
	"math"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"vetdesk/casework"
	"vetdesk/printing"
)

var wordRe = regexp.MustCompile(`<word xMin="([0-9.]+)" yMin="([0-9.]+)" xMax="[0-9.]+" yMax="[0-9.]+">([^<]*)</word>`)

// firstWord returns the text and top-left corner (pt) of the first word
// pdftotext -bbox finds in the PDF at path.
func firstWord(t *testing.T, path string) (string, float64, float64) {
	t.Helper()
	out, err := exec.Command("pdftotext", "-bbox", "-f", "1", "-l", "1", path, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext -bbox %s: %v", path, err)
	}
	m := wordRe.FindSubmatch(out)
	if m == nil {
		t.Fatalf("pdftotext -bbox %s: no word", path)
	}
	x, _ := strconv.ParseFloat(string(m[1]), 64)
	y, _ := strconv.ParseFloat(string(m[2]), 64)
	return string(m[3]), x, y
}

// TestPrintSendsToDocumentPrinter guards the printer per document type:
// a document with its own printer goes there, with that printer's offset;
// one without goes to the desk's printer, unmoved.
func TestPrintSendsToDocumentPrinter(t *testing.T) {
	r := newRig(t)
	c := r.accepted(t, 2)
	ctx := context.Background()
	var sent []string
	tick := now
	r.p.Now = func() time.Time { tick = tick.Add(time.Second); return tick } // one file per print
	var offsets [][2]float64
	r.p.Send = func(_ context.Context, job printing.Job) error {
		sent = append(sent, job.Printer)
		if job.Doc == nil || job.Draw == nil {
			t.Errorf("job for %s carries no display list to rasterise (Doc %v, Draw nil %v)", job.Printer, job.Doc, job.Draw == nil)
			return nil
		}
		l := job.Doc.Layout()
		offsets = append(offsets, [2]float64{l.OffsetXMM, l.OffsetYMM})
		return nil
	}
	for k, v := range map[string]string{SettingPrinter: "desk", PrinterSetting(casework.DocHukouLetter): "hukou-tray",
		OffsetSetting("hukou-tray"): "3,-2"} {
		if err := r.st.SetSetting(ctx, k, v); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := r.p.PrintDocument(ctx, r.a, casework.DocReceipt, c.ID); err != nil {
		t.Fatal(err)
	}
	moved, err := r.p.PrintDocument(ctx, r.a, casework.DocHukouLetter, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if err := r.st.SetSetting(ctx, PrinterSetting(casework.DocHukouLetter), ""); err != nil {
		t.Fatal(err)
	}
	plain, err := r.p.PrintDocument(ctx, r.a, casework.DocHukouLetter, c.ID) // a reprint: same text
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"desk", "hukou-tray", "desk"}; len(sent) != 3 || sent[0] != want[0] || sent[1] != want[1] || sent[2] != want[2] {
		t.Errorf("sent to %q, want %q", sent, want)
	}
	// The Windows path draws the pages from the job's Printer: it must be
	// placed for the printer the job goes to.
	if want := [][2]float64{{0, 0}, {3, -2}, {0, 0}}; !slices.Equal(offsets, want) {
		t.Errorf("jobs' offsets %v, want %v", offsets, want)
	}
	w0, x0, y0 := firstWord(t, plain)
	w1, x1, y1 := firstWord(t, moved)
	const mm = 72 / 25.4
	if w0 != w1 || math.Abs(x1-x0-3*mm) > 0.05 || math.Abs(y1-y0+2*mm) > 0.05 {
		t.Errorf("letter on hukou-tray: %q at (%.2f, %.2f) pt, on desk %q at (%.2f, %.2f) pt; want moved by (3, -2) mm",
			w1, x1, y1, w0, x0, y0)
	}
	if err := r.st.SetSetting(ctx, OffsetSetting("desk"), "3;2"); err != nil {
		t.Fatal(err)
	}
	if _, err := r.p.PrintDocument(ctx, r.a, casework.DocNotice, c.ID); !errors.Is(err, ErrBadOffset) {
		t.Errorf("print with offset \"3;2\" = %v, want ErrBadOffset", err)
	}
}

func TestParseOffset(t *testing.T) {
	tests := []struct {
		in   string
		x, y float64
		ok   bool
	}{
		{"", 0, 0, true}, {"3,-2", 3, -2, true}, {" 1.5 ， 0.5 ", 1.5, 0.5, true},
		{"3", 0, 0, false}, {"a,b", 0, 0, false}, {"31,0", 0, 0, false}, {"0,-31", 0, 0, false},
	}
	for _, tt := range tests {
		x, y, err := ParseOffset(tt.in)
		if (err == nil) != tt.ok || x != tt.x || y != tt.y {
			t.Errorf("ParseOffset(%q) = %v, %v, %v; want %v, %v, ok %v", tt.in, x, y, err, tt.x, tt.y, tt.ok)
		}
	}
}

// TestPreviewTakesNoNumber guards the preview and 另存PDF: a preview of a
// hukou letter draws its pages but audits nothing and takes no number, so
// the first print still gets 第HC01-0001号; 另存PDF writes the chosen
// file, unmoved by the printer's offset, numbered and audited as "save".
func TestPreviewTakesNoNumber(t *testing.T) {
	r := newRig(t)
	c := r.accepted(t, 3)
	ctx := context.Background()
	before, err := r.st.AuditLog(ctx, 1000)
	if err != nil {
		t.Fatal(err)
	}
	pages, err := r.p.PreviewDocument(ctx, r.a, casework.DocHukouLetter, c.ID, 50)
	if err != nil {
		t.Fatal(err)
	}
	if len(pages) == 0 || pages[0].Bounds().Dx() != 413 {
		t.Fatalf("preview: %d pages, first %v; want A4 at 50 dpi", len(pages), pages[0].Bounds())
	}
	after, _ := r.st.AuditLog(ctx, 1000)
	if len(after) != len(before) {
		t.Errorf("preview wrote %d audit entries, want none", len(after)-len(before))
	}
	if err := r.st.SetSetting(ctx, OffsetSetting(""), "3,-2"); err != nil {
		t.Fatal(err)
	}
	saved := filepath.Join(t.TempDir(), "letter.pdf")
	if err := r.p.SaveDocumentAs(ctx, r.a, casework.DocHukouLetter, c.ID, saved); err != nil {
		t.Fatal(err)
	}
	if text := pdfText(t, saved); !strings.Contains(text, "第HC01-0001号") || strings.Contains(text, "补打") {
		t.Errorf("saved letter after a preview lacks 第HC01-0001号 or says 补打:\n%s", text)
	}
	log, _ := r.st.AuditLog(ctx, 1)
	if len(log) != 1 || log[0].Action != "save" || !strings.Contains(log[0].Target, "HC01-0001") {
		t.Errorf("last audit entry = %+v, want a save of HC01-0001", log)
	}
	printed, err := r.p.PrintDocument(ctx, r.a, casework.DocHukouLetter, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	w0, x0, y0 := firstWord(t, saved)
	w1, x1, y1 := firstWord(t, printed)
	const mm = 72 / 25.4
	if w0 != w1 || math.Abs(x1-x0-3*mm) > 0.05 || math.Abs(y1-y0+2*mm) > 0.05 {
		t.Errorf("saved %q at (%.2f, %.2f), printed %q at (%.2f, %.2f): want only the print moved by (3, -2) mm", w0, x0, y0, w1, x1, y1)
	}
}
