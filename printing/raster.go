package printing

import (
	"bytes"
	"fmt"
	"image"
	"image/draw"
	"image/png"

	"golang.org/x/image/font/sfnt"
	"golang.org/x/image/math/fixed"
	"golang.org/x/image/vector"
)

// glyphPx is the height in pixels of a rasterised em: 256 px per em is
// about 1400 dpi at 12 pt, finer than any office printer.
const glyphPx = 256

type glyphKey struct {
	fi *faceInfo
	r  rune
}

// glyphPNG returns the glyph of r in fi drawn black on transparent over its
// em box (advance wide, from emAscent above the baseline to 1-emAscent below
// it) as a PNG. Results are cached per Printer.
func (p *Printer) glyphPNG(fi *faceInfo, r rune) ([]byte, error) {
	k := glyphKey{fi, r}
	p.mu.Lock()
	b, ok := p.pngs[k]
	p.mu.Unlock()
	if ok {
		return b, nil
	}
	b, err := rasterise(fi, r)
	if err != nil {
		return nil, err
	}
	p.mu.Lock()
	p.pngs[k] = b
	p.mu.Unlock()
	return b, nil
}

func rasterise(fi *faceInfo, r rune) ([]byte, error) {
	g := fi.glyph(r)
	if g == 0 {
		return nil, fmt.Errorf("rasterise %U: no glyph in %s", r, fi.face.Name)
	}
	w := int(fi.advance(r)*glyphPx + 0.5)
	if w <= 0 {
		w = glyphPx
	}
	fi.mu.Lock()
	segs, err := fi.sf.LoadGlyph(&fi.buf, sfnt.GlyphIndex(g), fixed.I(glyphPx), nil)
	fi.mu.Unlock()
	if err != nil {
		return nil, fmt.Errorf("rasterise %U: %w", r, err)
	}
	ras := vector.NewRasterizer(w, glyphPx)
	ras.DrawOp = draw.Src
	oy := float32(emAscent * glyphPx) // baseline
	pt := func(p fixed.Point26_6) (float32, float32) { return float32(p.X) / 64, oy + float32(p.Y)/64 }
	for _, s := range segs {
		switch s.Op {
		case sfnt.SegmentOpMoveTo:
			ras.MoveTo(pt(s.Args[0]))
		case sfnt.SegmentOpLineTo:
			ras.LineTo(pt(s.Args[0]))
		case sfnt.SegmentOpQuadTo:
			x1, y1 := pt(s.Args[0])
			x2, y2 := pt(s.Args[1])
			ras.QuadTo(x1, y1, x2, y2)
		case sfnt.SegmentOpCubeTo:
			x1, y1 := pt(s.Args[0])
			x2, y2 := pt(s.Args[1])
			x3, y3 := pt(s.Args[2])
			ras.CubeTo(x1, y1, x2, y2, x3, y3)
		}
	}
	mask := image.NewAlpha(image.Rect(0, 0, w, glyphPx))
	ras.Draw(mask, mask.Bounds(), image.Opaque, image.Point{})
	img := image.NewNRGBA(mask.Bounds())
	for i, a := range mask.Pix {
		img.Pix[4*i+3] = a // black, alpha from coverage
	}
	var buf bytes.Buffer
	enc := png.Encoder{CompressionLevel: png.BestCompression}
	if err := enc.Encode(&buf, img); err != nil {
		return nil, fmt.Errorf("rasterise %U: %w", r, err)
	}
	return buf.Bytes(), nil
}
