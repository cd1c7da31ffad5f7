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
	segs, err := fi.outline(g, fixed.I(glyphPx))
	if err != nil {
		return nil, fmt.Errorf("rasterise %U: %w", r, err)
	}
	ras := vector.NewRasterizer(w, glyphPx)
	ras.DrawOp = draw.Src
	oy := float32(emAscent * glyphPx) // baseline
	trace(ras, segs, func(p fixed.Point26_6) (float32, float32) { return float32(p.X) / 64, oy + float32(p.Y)/64 })
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

// outline loads glyph g's outline at ppem (26.6 fixed point) from the face.
func (fi *faceInfo) outline(g uint16, ppem fixed.Int26_6) ([]sfnt.Segment, error) {
	fi.mu.Lock()
	defer fi.mu.Unlock()
	return fi.sf.LoadGlyph(&fi.buf, sfnt.GlyphIndex(g), ppem, nil)
}

// trace adds a glyph outline to r, each point placed by pt: the one walk
// over the segments that the PDF's Ext B images and the preview share.
func trace(r *vector.Rasterizer, segs []sfnt.Segment, pt func(fixed.Point26_6) (float32, float32)) {
	for _, s := range segs {
		switch s.Op {
		case sfnt.SegmentOpMoveTo:
			r.MoveTo(pt(s.Args[0]))
		case sfnt.SegmentOpLineTo:
			r.LineTo(pt(s.Args[0]))
		case sfnt.SegmentOpQuadTo:
			x1, y1 := pt(s.Args[0])
			x2, y2 := pt(s.Args[1])
			r.QuadTo(x1, y1, x2, y2)
		case sfnt.SegmentOpCubeTo:
			x1, y1 := pt(s.Args[0])
			x2, y2 := pt(s.Args[1])
			x3, y3 := pt(s.Args[2])
			r.CubeTo(x1, y1, x2, y2, x3, y3)
		}
	}
}
