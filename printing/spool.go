package printing

import (
	"encoding/binary"
	"fmt"
	"image"
	"math"
)

// The Windows print path (Send on Windows, printers_windows.go) draws each
// page of a document from its display list into bitmaps at the printer's
// own resolution and hands them to GDI at 100 %: one device pixel per
// bitmap pixel. What follows is its geometry and bitmap format, kept free
// of system calls so that it is tested on every platform.

// device is a printer's page as GDI reports it (GetDeviceCaps), in device
// pixels.
type device struct {
	DPIX, DPIY int // LOGPIXELSX, LOGPIXELSY
	// OffX, OffY are the paper's unprintable margins on the left and top
	// (PHYSICALOFFSETX/Y): GDI's origin is there, not at the paper's corner.
	OffX, OffY int
	// Width, Height are the printable area (HORZRES, VERTRES).
	Width, Height int
	// PaperW, PaperH are the paper's size (PHYSICALWIDTH/HEIGHT).
	PaperW, PaperH int
}

// placement says which part of a page's bitmap goes where on the device.
type placement struct {
	// Page is the size of the page's bitmap: A4 at the device's resolution,
	// 210 × 297 mm times dpi/25.4, unscaled.
	Page image.Point
	// Src is the part of the page's bitmap (page pixels, origin at the
	// page's top left) that falls inside the printable area; the rest would
	// fall off the paper or into its unprintable margins.
	Src image.Rectangle
	// Dst is where Src.Min is drawn, in GDI's coordinates (origin at the
	// printable area's top left). Src is drawn 1:1 from there.
	Dst image.Point
}

// devicePlacement places an A4 page on device d at 100 %: page (0,0) lands
// on the paper's corner, moved by the printer's offset (offXMM right,
// offYMM down, negative left and up) rounded to whole device pixels, and
// the physical offset of GDI's origin is subtracted. Whatever falls outside
// the printable area is clipped.
func devicePlacement(d device, offXMM, offYMM float64) (placement, error) {
	if d.DPIX <= 0 || d.DPIY <= 0 {
		return placement{}, fmt.Errorf("printing: printer reports %d × %d dpi", d.DPIX, d.DPIY)
	}
	if d.Width <= 0 || d.Height <= 0 {
		return placement{}, fmt.Errorf("printing: printer reports a printable area of %d × %d pixels", d.Width, d.Height)
	}
	pl := placement{Page: pagePixels(float64(d.DPIX), float64(d.DPIY))}
	// A page pixel p lands on the paper at p+user and in GDI's
	// coordinates at p+user-phys.
	shift := image.Pt(mmToPixels(offXMM, d.DPIX)-d.OffX, mmToPixels(offYMM, d.DPIY)-d.OffY)
	printable := image.Rect(0, 0, d.Width, d.Height).Sub(shift) // in page pixels
	pl.Src = image.Rectangle{Max: pl.Page}.Intersect(printable)
	pl.Dst = pl.Src.Min.Add(shift)
	return pl, nil
}

// mmToPixels is mm at dpi in whole pixels (rounded half away from zero, so
// that an offset of -x moves by exactly as many pixels as one of +x).
func mmToPixels(mm float64, dpi int) int {
	return int(math.Round(mm * float64(dpi) / 25.4))
}

// bands splits r into horizontal bands of at most about budget bytes of a
// rasterizer's float32 buffer each (at least 16 rows), top to bottom.
func bands(r image.Rectangle, budget int) []image.Rectangle {
	if r.Empty() {
		return nil
	}
	rows := max(16, budget/(4*r.Dx()))
	var out []image.Rectangle
	for y := r.Min.Y; y < r.Max.Y; y += rows {
		out = append(out, image.Rect(r.Min.X, y, r.Max.X, min(y+rows, r.Max.Y)))
	}
	return out
}

// drawPage draws the page items on dev as pl places them, band by band:
// each band is drawn from the display list at the device's resolution
// (rasterRect, the preview's renderer) and handed to put as an 8-bit grey
// DIB (bits and BITMAPINFO) of w × h pixels to be drawn 1:1 with its top
// left at at, in GDI's coordinates. Bands are whole rows of the page at
// fixed rows, so a page pixel is drawn the same wherever pl puts it.
func (p *Printer) drawPage(items []item, dev device, pl placement, put func(bits, bmi []byte, w, h int, at image.Point) error) error {
	for _, b := range bands(image.Rectangle{Max: pl.Page}, bandBytes) {
		clip := b.Intersect(pl.Src)
		if clip.Empty() {
			continue
		}
		img := p.rasterRect(items, float64(dev.DPIX), float64(dev.DPIY), b).SubImage(clip).(*image.Gray)
		if err := put(grayDIB(img), grayBitmapInfo(clip.Dx(), clip.Dy()), clip.Dx(), clip.Dy(), pl.Dst.Add(clip.Min.Sub(pl.Src.Min))); err != nil {
			return err
		}
	}
	return nil
}

// bandBytes is the rasterizer memory a band may take: a 600 dpi A4 page
// drawn whole would need 140 MB per ink and 35 MB of grey.
const bandBytes = 4 << 20

// grayDIB returns img as the rows of an 8-bit device-independent bitmap
// drawn top-down: each row padded to a multiple of four bytes.
func grayDIB(img *image.Gray) []byte {
	r := img.Bounds()
	stride := (r.Dx() + 3) &^ 3
	out := make([]byte, stride*r.Dy())
	for y := 0; y < r.Dy(); y++ {
		o := img.PixOffset(r.Min.X, r.Min.Y+y)
		copy(out[y*stride:], img.Pix[o:o+r.Dx()])
	}
	return out
}

// grayBitmapInfo returns a BITMAPINFO for an 8-bit top-down bitmap of
// w × h pixels whose 256 palette entries are the greys 0 (black) to 255
// (white), so grayDIB's bytes are drawn as the grey they are.
func grayBitmapInfo(w, h int) []byte {
	b := make([]byte, 40+256*4)
	le := binary.LittleEndian
	le.PutUint32(b[0:], 40)                // biSize
	le.PutUint32(b[4:], uint32(int32(w)))  // biWidth
	le.PutUint32(b[8:], uint32(int32(-h))) // biHeight: negative, top-down
	le.PutUint16(b[12:], 1)                // biPlanes
	le.PutUint16(b[14:], 8)                // biBitCount
	// biCompression BI_RGB (0), biSizeImage 0 (allowed for BI_RGB)
	le.PutUint32(b[32:], 256) // biClrUsed
	for i := 0; i < 256; i++ {
		b[40+4*i], b[40+4*i+1], b[40+4*i+2] = byte(i), byte(i), byte(i) // RGBQUAD: blue, green, red, 0
	}
	return b
}

// DEVMODEW: its size without driver data, and the fields setDevModeA4 sets.
const (
	devModeSize      = 220
	dmFieldsOff      = 72
	dmOrientationOff = 76
	dmPaperSizeOff   = 78
	dmScaleOff       = 84
	dmOrientation    = 0x1
	dmPaperSize      = 0x2
	dmScale          = 0x10
	dmPaperLength    = 0x4 // a custom size, which would win over dmPaperSize
	dmPaperWidth     = 0x8
	dmFormName       = 0x10000 // a form by name, likewise
	dmOrientPortrait = 1
	dmPaperA4        = 9
)

// setDevModeA4 asks, in the DEVMODEW dm, for portrait A4 at 100 % (and
// drops a custom paper size or form name, which would win over A4); the
// driver's other fields and private data are left as they are.
func setDevModeA4(dm []byte) {
	if len(dm) < devModeSize {
		return
	}
	le := binary.LittleEndian
	fields := le.Uint32(dm[dmFieldsOff:])&^(dmPaperLength|dmPaperWidth|dmFormName) | dmOrientation | dmPaperSize | dmScale
	le.PutUint32(dm[dmFieldsOff:], fields)
	le.PutUint16(dm[dmOrientationOff:], dmOrientPortrait)
	le.PutUint16(dm[dmPaperSizeOff:], dmPaperA4)
	le.PutUint16(dm[dmScaleOff:], 100)
}
