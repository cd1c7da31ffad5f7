package printing

import (
	"encoding/binary"
	"image"
	"image/color"
	"io"
	"math"
	"testing"
)

// a4Device is a printer whose printable area is the A4 paper less its
// physical margins (offX, offY left and top, the same right and bottom).
func a4Device(dpiX, dpiY, offX, offY int) device {
	pw, ph := pagePixels(float64(dpiX), float64(dpiY)).X, pagePixels(float64(dpiX), float64(dpiY)).Y
	return device{DPIX: dpiX, DPIY: dpiY, OffX: offX, OffY: offY, Width: pw - 2*offX, Height: ph - 2*offY, PaperW: pw, PaperH: ph}
}

// TestDevicePlacement guards the Windows path's geometry: an A4 page is
// drawn at 100 % (210 × 297 mm times dpi/25.4, whatever the printer's
// resolution, also unequal across and down), GDI's physical offset is
// subtracted so that page (0,0) lands on paper (0,0), the printer's offset
// moves the page by exactly offset·dpi/25.4 device pixels, and only what
// falls on the printable area is drawn.
func TestDevicePlacement(t *testing.T) {
	tests := []struct {
		name       string
		dev        device
		offX, offY float64
		page       image.Point
		src        image.Rectangle
		dst        image.Point
	}{
		{"600 dpi, borderless", a4Device(600, 600, 0, 0), 0, 0,
			image.Pt(4961, 7016), image.Rect(0, 0, 4961, 7016), image.Pt(0, 0)},
		{"600 dpi, 100 px margins", a4Device(600, 600, 100, 120), 0, 0,
			image.Pt(4961, 7016), image.Rect(100, 120, 4861, 6896), image.Pt(0, 0)},
		// 3 mm right = 70.87 → 71 px, 2 mm up = -47.24 → -47 px: the page
		// moves right and up, its right part and top fall off the
		// printable area.
		{"600 dpi, offset (3,-2) mm", a4Device(600, 600, 100, 120), 3, -2,
			image.Pt(4961, 7016), image.Rect(29, 167, 4790, 6943), image.Pt(0, 0)},
		{"600 dpi, offset (-3,2) mm", a4Device(600, 600, 100, 120), -3, 2,
			image.Pt(4961, 7016), image.Rect(171, 73, 4932, 6849), image.Pt(0, 0)},
		// A big offset leaves part of the printable area blank: the page
		// starts inside it.
		{"600 dpi, offset (10,10) mm", a4Device(600, 600, 100, 120), 10, 10,
			image.Pt(4961, 7016), image.Rect(0, 0, 4625, 6660), image.Pt(136, 116)},
		{"203 dpi label printer", a4Device(203, 203, 12, 12), 0, 0,
			image.Pt(1678, 2374), image.Rect(12, 12, 1666, 2362), image.Pt(0, 0)},
		{"360 x 180 dpi dot matrix", a4Device(360, 180, 18, 0), 1, 1,
			image.Pt(2976, 2105), image.Rect(4, 0, 2944, 2098), image.Pt(0, 7)},
	}
	for _, tt := range tests {
		pl, err := devicePlacement(tt.dev, tt.offX, tt.offY)
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		if pl.Page != tt.page || pl.Src != tt.src || pl.Dst != tt.dst {
			t.Errorf("%s: page %v, src %v, dst %v; want %v, %v, %v", tt.name, pl.Page, pl.Src, pl.Dst, tt.page, tt.src, tt.dst)
		}
		// Every drawn page pixel lands on the paper at itself plus the
		// offset, and inside the printable area.
		ux, uy := mmToPixels(tt.offX, tt.dev.DPIX), mmToPixels(tt.offY, tt.dev.DPIY)
		for _, p := range []image.Point{pl.Src.Min, pl.Src.Max.Sub(image.Pt(1, 1))} {
			dc := pl.Dst.Add(p.Sub(pl.Src.Min))
			if paper := dc.Add(image.Pt(tt.dev.OffX, tt.dev.OffY)); paper != p.Add(image.Pt(ux, uy)) {
				t.Errorf("%s: page pixel %v lands on paper %v, want %v", tt.name, p, paper, p.Add(image.Pt(ux, uy)))
			}
			if !dc.In(image.Rect(0, 0, tt.dev.Width, tt.dev.Height)) {
				t.Errorf("%s: page pixel %v drawn at %v, outside the printable area", tt.name, p, dc)
			}
		}
	}
	if _, err := devicePlacement(device{DPIX: 0, DPIY: 600, Width: 1, Height: 1}, 0, 0); err == nil {
		t.Error("devicePlacement(0 dpi) = nil error")
	}
}

// paperOf simulates GDI for drawPage: the DIBs it hands over are decoded
// (stride, palette) and put on a white sheet of dev's paper at their
// place plus the physical offset.
func paperOf(t *testing.T, p *Printer, items []item, dev device, offX, offY float64) *image.Gray {
	t.Helper()
	pl, err := devicePlacement(dev, offX, offY)
	if err != nil {
		t.Fatal(err)
	}
	paper := image.NewGray(image.Rect(0, 0, dev.PaperW, dev.PaperH))
	for i := range paper.Pix {
		paper.Pix[i] = 0xff
	}
	printable := image.Rect(0, 0, dev.Width, dev.Height)
	err = p.drawPage(items, dev, pl, func(bits, bmi []byte, w, h int, at image.Point) error {
		le := binary.LittleEndian
		if int(int32(le.Uint32(bmi[4:]))) != w || int(int32(le.Uint32(bmi[8:]))) != -h || le.Uint16(bmi[14:]) != 8 {
			t.Fatalf("BITMAPINFO %x does not describe a top-down 8-bit %dx%d DIB", bmi[:16], w, h)
		}
		if !image.Rect(at.X, at.Y, at.X+w, at.Y+h).In(printable) {
			t.Errorf("band %dx%d at %v leaves the printable area %v", w, h, at, printable)
		}
		stride := (w + 3) &^ 3
		if len(bits) != stride*h {
			t.Fatalf("DIB of %dx%d has %d bytes, want %d", w, h, len(bits), stride*h)
		}
		for y := 0; y < h; y++ {
			for x := 0; x < w; x++ {
				v := bits[y*stride+x]
				pal := bmi[40+4*int(v):]
				paper.SetGray(at.X+x+dev.OffX, at.Y+y+dev.OffY, color.Gray{Y: pal[2]})
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return paper
}

func letterPages(t *testing.T) ([][]item, *Printer) {
	t.Helper()
	cat := loadCat(t)
	c := acceptedCase(t, cat, "张三", 7)
	pages, q, err := newPrinter(t).pageList(func(q *Printer, w io.Writer) (Result, error) {
		return q.Letter(w, LetterData{Case: c, Cat: cat, Number: "N1", ValidDays: 30, Issued: testNow})
	})
	if err != nil {
		t.Fatal(err)
	}
	return pages, q
}

// TestSpoolLetterOffset guards the hukou letter on pre-printed stock: what
// the Windows path puts on paper for a printer with offset (3, -2) mm is,
// pixel for pixel, what it puts there without one moved by exactly
// (3, -2)·dpi/25.4 device pixels; on a printer with unprintable margins
// it is the same page clipped to the printable area (page (0,0) on the
// paper's corner); and drawn in bands it is the preview's page image,
// placed 1:1.
func TestSpoolLetterOffset(t *testing.T) {
	pages, q := letterPages(t)
	for _, dpi := range [][2]int{{203, 203}, {360, 180}} {
		dev := a4Device(dpi[0], dpi[1], 0, 0)
		plain := paperOf(t, q, pages[0], dev, 0, 0)
		moved := paperOf(t, q, pages[0], dev, 3, -2)
		dx, dy := mmToPixels(3, dpi[0]), mmToPixels(-2, dpi[1])
		var diff, ink int
		r := plain.Bounds()
		for y := r.Min.Y; y < r.Max.Y; y++ {
			for x := r.Min.X; x < r.Max.X; x++ {
				sx, sy := x-dx, y-dy
				if !image.Pt(sx, sy).In(r) {
					if moved.GrayAt(x, y).Y != 0xff {
						diff++
					}
					continue
				}
				if plain.GrayAt(sx, sy).Y < 0x80 {
					ink++
				}
				if moved.GrayAt(x, y) != plain.GrayAt(sx, sy) {
					diff++
				}
			}
		}
		if ink == 0 || diff != 0 {
			t.Errorf("%v dpi: with offset (3,-2) mm, %d pixels differ from the page moved by (%d, %d) px (%d ink pixels)", dpi, diff, dx, dy, ink)
		}
		// A printer with unprintable margins prints the same page, pixel
		// for pixel, where it can, and nothing where it cannot.
		margined := a4Device(dpi[0], dpi[1], 50, 60)
		clipped := paperOf(t, q, pages[0], margined, 0, 0)
		printable := image.Rect(50, 60, margined.PaperW-50, margined.PaperH-60)
		diff = 0
		for y := r.Min.Y; y < r.Max.Y; y++ {
			for x := r.Min.X; x < r.Max.X; x++ {
				want := plain.GrayAt(x, y).Y
				if !image.Pt(x, y).In(printable) {
					want = 0xff
				}
				if clipped.GrayAt(x, y).Y != want {
					diff++
				}
			}
		}
		if diff != 0 {
			t.Errorf("%v dpi: with margins of 50 x 60 px, %d pixels differ from the page clipped to the printable area", dpi, diff)
		}
		// Drawn band by band, the page is the page drawn whole.
		whole := q.rasterRect(pages[0], float64(dpi[0]), float64(dpi[1]), image.Rectangle{Max: pagePixels(float64(dpi[0]), float64(dpi[1]))})
		if n := grayDiff(whole, plain); n != 0 {
			t.Errorf("%v dpi: the banded page differs from the whole page in %d pixels", dpi, n)
		}
		// At 100 %: the ink sits where the 100 dpi preview puts it, within
		// 1 mm, across and down.
		got, want := grayInk(plain), grayInk(q.rasterPage(pages[0], 100))
		gx := func(px int) float64 { return float64(px) * 25.4 / float64(dpi[0]) }
		gy := func(px int) float64 { return float64(px) * 25.4 / float64(dpi[1]) }
		wm := func(px int) float64 { return float64(px) * 25.4 / 100 }
		for i, d := range []float64{gx(got.Min.X) - wm(want.Min.X), gy(got.Min.Y) - wm(want.Min.Y), gx(got.Max.X) - wm(want.Max.X), gy(got.Max.Y) - wm(want.Max.Y)} {
			if math.Abs(d) > 1 {
				t.Errorf("%v dpi: ink box edge %d is %.2f mm off the preview's: %v px vs %v px at 100 dpi", dpi, i, d, got, want)
			}
		}
	}
}

// grayDiff counts the pixels where a and b differ by more than 2 levels.
func grayDiff(a, b *image.Gray) int {
	n := 0
	r := a.Bounds().Intersect(b.Bounds())
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			if d := int(a.GrayAt(x, y).Y) - int(b.GrayAt(x, y).Y); d > 2 || d < -2 {
				n++
			}
		}
	}
	return n
}

// TestSetDevModeA4 guards the paper the Windows path asks the driver for:
// portrait A4 at 100 %, with a custom size or form name (which would win
// over A4) dropped and the driver's other fields kept.
func TestSetDevModeA4(t *testing.T) {
	dm := make([]byte, devModeSize+16)
	le := binary.LittleEndian
	const dmColor = 0x800
	le.PutUint32(dm[dmFieldsOff:], dmPaperLength|dmPaperWidth|dmFormName|dmColor)
	le.PutUint16(dm[dmPaperSizeOff:], 1) // Letter
	le.PutUint16(dm[dmOrientationOff:], 2)
	le.PutUint16(dm[dmScaleOff:], 94)
	dm[devModeSize+3] = 0xAB // driver data
	setDevModeA4(dm)
	if f := le.Uint32(dm[dmFieldsOff:]); f != dmColor|dmOrientation|dmPaperSize|dmScale {
		t.Errorf("dmFields = %#x, want %#x", f, dmColor|dmOrientation|dmPaperSize|dmScale)
	}
	if o, p, s := le.Uint16(dm[dmOrientationOff:]), le.Uint16(dm[dmPaperSizeOff:]), le.Uint16(dm[dmScaleOff:]); o != 1 || p != 9 || s != 100 {
		t.Errorf("orientation %d, paper %d, scale %d; want 1 (portrait), 9 (A4), 100", o, p, s)
	}
	if dm[devModeSize+3] != 0xAB {
		t.Error("driver data changed")
	}
}
