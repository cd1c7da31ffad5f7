package printing

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"io"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"testing"

	"vetdesk/internal/cupstest"
)

// TestPageImagesMatchPDF guards the print preview: each document's page
// images, drawn by our own renderer, have the PDF's page count, A4's size,
// and ink where pdftoppm puts the PDF's ink (box edges within 1 mm); with
// an offset of (3, -2) mm the ink moves by that.
func TestPageImagesMatchPDF(t *testing.T) {
	needTool(t, "pdftoppm")
	cat := loadCat(t)
	c := acceptedCase(t, cat, "张三", 7)
	base := newPrinter(t)
	const dpi = 100
	docs := map[string]func(q *Printer, w io.Writer) (Result, error){
		"letter": func(q *Printer, w io.Writer) (Result, error) {
			return q.Letter(w, LetterData{Case: c, Cat: cat, Number: "N1", ValidDays: 30, Issued: testNow})
		},
		"receipt": func(q *Printer, w io.Writer) (Result, error) {
			return q.Receipt(w, ReceiptData{Case: c, Cat: cat, Office: testOffice, Lookup: "L", Printed: testNow})
		},
		"notice": func(q *Printer, w io.Writer) (Result, error) {
			return q.Notice(w, NoticeData{Case: c, Cat: cat, Office: testOffice, Printed: testNow})
		},
	}
	mm := func(px int) float64 { return float64(px) * 25.4 / dpi }
	for name, draw := range docs {
		for _, off := range [][2]float64{{0, 0}, {3, -2}} {
			p := base.WithOffset(off[0], off[1])
			pages, res, err := p.PageImages(dpi, draw)
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			if len(pages) != res.Pages || len(pages) == 0 {
				t.Fatalf("%s: %d images for %d pages", name, len(pages), res.Pages)
			}
			if b := pages[0].Bounds(); b.Dx() != 827 || b.Dy() != 1169 {
				t.Errorf("%s: page is %v px, want A4 at %d dpi (827x1169)", name, b, dpi)
			}
			var pdf bytes.Buffer
			if _, err := draw(p, &pdf); err != nil {
				t.Fatal(err)
			}
			in := filepath.Join(t.TempDir(), "d.pdf")
			if err := os.WriteFile(in, pdf.Bytes(), 0o644); err != nil {
				t.Fatal(err)
			}
			want := cupstest.InkBox(t, in, dpi)
			got := grayInk(pages[0])
			for i, d := range []int{got.Min.X - want.Min.X, got.Min.Y - want.Min.Y, got.Max.X - want.Max.X, got.Max.Y - want.Max.Y} {
				if math.Abs(mm(d)) > 1 {
					t.Errorf("%s offset %v: preview ink edge %d is %.2f mm off the PDF's: preview %v, PDF %v", name, off, i, mm(d), got, want)
				}
			}
			if off == [2]float64{3, -2} {
				plain, _, _ := base.PageImages(dpi, draw)
				p0 := grayInk(plain[0])
				if dx, dy := mm(got.Min.X-p0.Min.X), mm(got.Min.Y-p0.Min.Y); math.Abs(dx-3) > 0.3 || math.Abs(dy+2) > 0.3 {
					t.Errorf("%s: offset (3, -2) moved the preview's ink by (%.2f, %.2f) mm", name, dx, dy)
				}
			}
			if name == "letter" && off == [2]float64{} && os.Getenv("VETDESK_PREVIEW_OUT") != "" {
				var b bytes.Buffer
				png.Encode(&b, pages[0])
				os.WriteFile(filepath.Join(os.Getenv("VETDESK_PREVIEW_OUT"), "letter.png"), b.Bytes(), 0o644)
			}
		}
	}
}

// grayInk is the box of an image's pixels darker than mid grey.
func grayInk(img *image.Gray) image.Rectangle {
	box := image.Rectangle{Min: image.Pt(math.MaxInt, math.MaxInt)}
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			if img.GrayAt(x, y).Y < 0x80 {
				box.Min.X, box.Min.Y = min(box.Min.X, x), min(box.Min.Y, y)
				box.Max.X, box.Max.Y = max(box.Max.X, x+1), max(box.Max.Y, y+1)
			}
		}
	}
	return box
}

// TestPageImagesTextOverShading guards the text of shaded cells (the
// tables' headers and labels: 申请人, 序号, …) in the preview and on the
// Windows printer: the documents fill a cell before drawing its text, so
// the fill must not be laid over the text. A cell's text is as dark on
// the shading as it is on white.
func TestPageImagesTextOverShading(t *testing.T) {
	p := newPrinter(t)
	cell := []item{
		{kind: itemRect, x: 10, y: 10, w: 40, h: 10, fill: true, gray: 235},
		{kind: itemText, x: 12, y: 17, segs: p.shape("申请人"), size: 12},
		{kind: itemRect, x: 10, y: 30, w: 40, h: 10, fill: true, gray: 235}, // a later fill, elsewhere
	}
	dark := func(items []item) int {
		img := p.rasterRect(items, 150, 150, image.Rect(0, 0, 400, 400))
		n := 0
		for _, v := range img.Pix {
			if v < 0x80 {
				n++
			}
		}
		return n
	}
	onWhite, onShade := dark(cell[1:2]), dark(cell)
	if onWhite == 0 || onShade < onWhite*9/10 {
		t.Errorf("text in a shaded cell has %d dark pixels, on white %d: the shading covers it", onShade, onWhite)
	}
}

// TestPageImagesInkLikePDF guards how heavy the page images are next to
// the PDF (pdftoppm at the same resolution): the shaded cells' text, faux
// bold and dashes drawn as the PDF draws them keep each document's count
// of dark pixels within 4 % of the PDF's (regular for bold left the letter
// 6 % light, the shading over its text the receipt 7 %).
func TestPageImagesInkLikePDF(t *testing.T) {
	needTool(t, "pdftoppm")
	cat := loadCat(t)
	c := acceptedCase(t, cat, "张三", 7)
	p := newPrinter(t)
	const dpi = 300
	docs := map[string]func(q *Printer, w io.Writer) (Result, error){
		"letter": func(q *Printer, w io.Writer) (Result, error) {
			return q.Letter(w, LetterData{Case: c, Cat: cat, Number: "N1", ValidDays: 30, Issued: testNow})
		},
		"receipt": func(q *Printer, w io.Writer) (Result, error) {
			return q.Receipt(w, ReceiptData{Case: c, Cat: cat, Office: testOffice, Lookup: "L", Printed: testNow})
		},
		"notice": func(q *Printer, w io.Writer) (Result, error) {
			return q.Notice(w, NoticeData{Case: c, Cat: cat, Office: testOffice, Printed: testNow})
		},
	}
	for name, draw := range docs {
		pages, _, err := p.PageImages(dpi, draw)
		if err != nil {
			t.Fatal(err)
		}
		var pdf bytes.Buffer
		if _, err := draw(p, &pdf); err != nil {
			t.Fatal(err)
		}
		dir := t.TempDir()
		in := filepath.Join(dir, "d.pdf")
		if err := os.WriteFile(in, pdf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		if out, err := exec.Command("pdftoppm", "-f", "1", "-l", "1", "-r", strconv.Itoa(dpi), "-gray", "-png", "-singlefile", in, filepath.Join(dir, "p")).CombinedOutput(); err != nil {
			t.Fatalf("pdftoppm: %v\n%s", err, out)
		}
		b, err := os.ReadFile(filepath.Join(dir, "p.png"))
		if err != nil {
			t.Fatal(err)
		}
		ref, err := png.Decode(bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		var got, want int
		r := ref.Bounds().Intersect(pages[0].Bounds())
		for y := r.Min.Y; y < r.Max.Y; y++ {
			for x := r.Min.X; x < r.Max.X; x++ {
				if pages[0].GrayAt(x, y).Y < 0x80 {
					got++
				}
				if color.GrayModel.Convert(ref.At(x, y)).(color.Gray).Y < 0x80 {
					want++
				}
			}
		}
		if d := float64(got-want) / float64(want); want == 0 || math.Abs(d) > 0.04 {
			t.Errorf("%s at %d dpi: %d dark pixels, the PDF %d (%+.1f %%)", name, dpi, got, want, 100*d)
		} else {
			t.Logf("%s at %d dpi: %d dark pixels, the PDF %d (%+.1f %%)", name, dpi, got, want, 100*d)
		}
	}
}

// TestPageImagesDashes guards dashed lines (the letter's 骑缝线): drawn
// 2 mm on and 1.5 mm off from the start, as the PDF draws them.
func TestPageImagesDashes(t *testing.T) {
	p := newPrinter(t)
	const dpi = 254 // 10 px per mm
	img := p.rasterRect([]item{{kind: itemLine, x: 5, y: 5, w: 25, h: 5, lw: 0.5, dash: true}}, dpi, dpi, image.Rect(0, 0, 400, 100))
	var runs [][2]int // ink runs along the line, in px
	for x := 0; x < 400; x++ {
		if img.GrayAt(x, 50).Y >= 0x80 {
			continue
		}
		if n := len(runs); n > 0 && runs[n-1][1] == x {
			runs[n-1][1] = x + 1
		} else {
			runs = append(runs, [2]int{x, x + 1})
		}
	}
	// 20 mm: on at 0, 3.5, 7, 10.5, 14, 17.5 (the last 2.5 mm long, cut
	// to 2), from x = 5 mm.
	want := [][2]int{{50, 70}, {85, 105}, {120, 140}, {155, 175}, {190, 210}, {225, 245}}
	if !slices.Equal(runs, want) {
		t.Errorf("dashed line's ink runs %v px, want %v", runs, want)
	}
}
