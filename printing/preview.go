package printing

import (
	"fmt"
	"image"
	"io"
	"math"
	"slices"

	"golang.org/x/image/math/fixed"
	"golang.org/x/image/vector"
)

// PageImages renders a document as grey page images at dpi, for the print
// preview: draw renders it with the Printer it is handed, e.g.
//
//	p.PageImages(100, func(q *Printer, w io.Writer) (Result, error) { return q.Receipt(w, d) })
//
// The pages come from the same display list as the PDF, with p's layout
// and offset, drawn by this package from the fonts' outlines: no second
// PDF engine. Dashes follow the PDF's patterns; faux bold (the PDF's
// stroked outline) is the outline filled around a ring as wide as the
// PDF's stroke.
func (p *Printer) PageImages(dpi float64, draw func(q *Printer, w io.Writer) (Result, error)) ([]*image.Gray, Result, error) {
	if dpi < 10 || dpi > 600 {
		return nil, Result{}, fmt.Errorf("printing: preview at %v dpi: want 10 to 600", dpi)
	}
	var c *canvas
	q := p.clone(p.layout)
	q.capture = func(got *canvas) { c = got }
	res, err := draw(q, io.Discard)
	if err != nil {
		return nil, res, err
	}
	if c == nil {
		return nil, res, fmt.Errorf("printing: preview: nothing was rendered")
	}
	pages := make([]*image.Gray, len(c.pages))
	for i, pg := range c.pages {
		pages[i] = q.rasterPage(pg, dpi)
	}
	return pages, res, nil
}

// pageList renders a document with draw like PageImages and returns its
// display list, one list of items per page, for the Windows spooler
// (which rasterises it band by band with rasterRect).
func (p *Printer) pageList(draw func(q *Printer, w io.Writer) (Result, error)) ([][]item, *Printer, error) {
	var c *canvas
	q := p.clone(p.layout)
	q.capture = func(got *canvas) { c = got }
	if _, err := draw(q, io.Discard); err != nil {
		return nil, nil, err
	}
	if c == nil {
		return nil, nil, fmt.Errorf("printing: nothing was rendered")
	}
	return c.pages, q, nil
}

// inkKey is one ink of a page: a grey, its opacity, and whether it fills
// a shaded cell (a background: see rasterRect).
type inkKey struct {
	gray  int
	alpha float64
	fill  bool
}

// pager draws one page, or a rectangle of it: shapes are collected per
// ink in rasterizers of the rectangle's size, then laid on white, shaded
// cells first.
type pager struct {
	p      *Printer
	kx, ky float64 // pixels per mm, across and down
	x0, y0 float64 // the rectangle's top left, in pixels of the page
	w, h   int
	ox, oy float64
	inks   map[inkKey]*vector.Rasterizer
	order  []inkKey
}

// pagePixels is the size of an A4 page in pixels at dpiX × dpiY: 100 %,
// each millimetre dpi/25.4 pixels, rounded to whole pixels.
func pagePixels(dpiX, dpiY float64) image.Point {
	return image.Pt(int(math.Round(pageW*dpiX/25.4)), int(math.Round(pageH*dpiY/25.4)))
}

func (p *Printer) rasterPage(items []item, dpi float64) *image.Gray {
	return p.rasterRect(items, dpi, dpi, image.Rectangle{Max: pagePixels(dpi, dpi)})
}

// rasterRect draws the part r (in pixels of the whole page at dpiX ×
// dpiY) of the page items; the image's bounds are r, so a printer can draw
// a page in bands of a few megabytes instead of holding all of it.
func (p *Printer) rasterRect(items []item, dpiX, dpiY float64, r image.Rectangle) *image.Gray {
	g := &pager{p: p, kx: dpiX / 25.4, ky: dpiY / 25.4, x0: float64(r.Min.X), y0: float64(r.Min.Y), w: r.Dx(), h: r.Dy(),
		ox: p.layout.OffsetXMM, oy: p.layout.OffsetYMM, inks: map[inkKey]*vector.Rasterizer{}}
	for _, it := range items {
		g.item(it)
	}
	img := image.NewGray(r)
	for i := range img.Pix {
		img.Pix[i] = 0xff
	}
	// Each ink's coverage goes into an alpha mask (the rasterizer's fast
	// path), then over the page in the ink's grey and opacity. The shaded
	// cells' fills go first: the documents draw each under its cell's
	// border and text, and inks are laid in order of first use, which
	// would put the first text's black under every later fill.
	order := slices.Concat(
		slices.DeleteFunc(slices.Clone(g.order), func(k inkKey) bool { return !k.fill }),
		slices.DeleteFunc(slices.Clone(g.order), func(k inkKey) bool { return k.fill }))
	mask := image.NewAlpha(image.Rect(0, 0, g.w, g.h)) // same stride as img
	for _, key := range order {
		a := 1.0
		if key.alpha > 0 {
			a = key.alpha
		}
		sa, v := uint32(a*255+0.5), uint32(key.gray)
		clear(mask.Pix)
		g.inks[key].Draw(mask, mask.Bounds(), image.Opaque, image.Point{})
		for i, m := range mask.Pix {
			if m == 0 {
				continue
			}
			k := (uint32(m)*sa + 127) / 255
			img.Pix[i] = uint8((uint32(img.Pix[i])*(255-k) + v*k + 127) / 255)
		}
	}
	return img
}

func (g *pager) ras(key inkKey) *vector.Rasterizer {
	r, ok := g.inks[key]
	if !ok {
		r = vector.NewRasterizer(g.w, g.h)
		g.inks[key] = r
		g.order = append(g.order, key)
	}
	return r
}

// px places a point of page millimetres (before the offset) in the
// rasterizers' pixels.
func (g *pager) px(x, y float64) (float32, float32) {
	return float32((x+g.ox)*g.kx - g.x0), float32((y+g.oy)*g.ky - g.y0)
}

// poly adds a closed polygon of page millimetres (before the offset).
func (g *pager) poly(r *vector.Rasterizer, pts ...[2]float64) {
	for i, pt := range pts {
		x, y := g.px(pt[0], pt[1])
		if i == 0 {
			r.MoveTo(x, y)
		} else {
			r.LineTo(x, y)
		}
	}
	r.ClosePath()
}

// line adds a stroke lw mm wide from (x0,y0) to (x1,y1).
func (g *pager) line(r *vector.Rasterizer, x0, y0, x1, y1, lw float64) {
	dx, dy := x1-x0, y1-y0
	n := math.Hypot(dx, dy)
	if n == 0 {
		return
	}
	nx, ny := -dy/n*lw/2, dx/n*lw/2
	g.poly(r, [2]float64{x0 + nx, y0 + ny}, [2]float64{x1 + nx, y1 + ny}, [2]float64{x1 - nx, y1 - ny}, [2]float64{x0 - nx, y0 - ny})
}

func (g *pager) rect(r *vector.Rasterizer, x, y, w, h float64) {
	g.poly(r, [2]float64{x, y}, [2]float64{x + w, y}, [2]float64{x + w, y + h}, [2]float64{x, y + h})
}

func (g *pager) item(it item) {
	lw := it.lw
	if lw == 0 {
		lw = 0.3
	}
	black := g.ras(inkKey{})
	switch it.kind {
	case itemLine:
		if !it.dash {
			g.line(black, it.x, it.y, it.w, it.h, lw)
			return
		}
		// render.go's pattern: 2 mm on, 1.5 off, from the start.
		dx, dy := it.w-it.x, it.h-it.y
		n := math.Hypot(dx, dy)
		for s := 0.0; s < n; s += 3.5 {
			e := min(s+2, n)
			g.line(black, it.x+dx*s/n, it.y+dy*s/n, it.x+dx*e/n, it.y+dy*e/n, lw)
		}
	case itemRect:
		if it.fill {
			g.rect(g.ras(inkKey{gray: it.gray, fill: true}), it.x, it.y, it.w, it.h)
			return
		}
		g.box(black, it.x, it.y, it.w, it.h, lw)
	case itemCircle:
		const n = 96
		arc := func(a0, a1 float64) { // a0 < a1, in radians
			k := max(1, int(math.Ceil((a1-a0)/(2*math.Pi)*n)))
			for i := 0; i < k; i++ {
				b0, b1 := a0+(a1-a0)*float64(i)/float64(k), a0+(a1-a0)*float64(i+1)/float64(k)
				g.line(black, it.x+it.w*math.Cos(b0), it.y+it.w*math.Sin(b0), it.x+it.w*math.Cos(b1), it.y+it.w*math.Sin(b1), lw)
			}
		}
		if !it.dash || it.w <= 0 {
			arc(0, 2*math.Pi)
			return
		}
		// render.go's pattern: 1.5 mm on, 1.2 off, along the circle.
		c := 2 * math.Pi * it.w
		for s := 0.0; s < c; s += 2.7 {
			arc(s/it.w, min(s+1.5, c)/it.w)
		}
	case itemQR:
		if len(it.qr) == 0 {
			return
		}
		m := it.w / float64(len(it.qr))
		for r, row := range it.qr {
			for c, on := range row {
				if on {
					g.rect(black, it.x+float64(c)*m, it.y+float64(r)*m, m, m)
				}
			}
		}
	case itemText:
		g.text(it)
	}
}

func (g *pager) box(r *vector.Rasterizer, x, y, w, h, lw float64) {
	g.line(r, x-lw/2, y, x+w+lw/2, y, lw)
	g.line(r, x-lw/2, y+h, x+w+lw/2, y+h, lw)
	g.line(r, x, y, x, y+h, lw)
	g.line(r, x+w, y, x+w, y+h, lw)
}

// text draws the item's glyphs from their outlines, turned like the PDF's
// (around the page's centre, counter-clockwise by angle degrees).
func (g *pager) text(it item) {
	r := g.ras(inkKey{gray: it.gray, alpha: it.alpha})
	sz := it.size * ptMM
	sin, cos := math.Sincos(it.angle * math.Pi / 180)
	turn := func(x, y float64) (float64, float64) {
		if it.angle == 0 {
			return x, y
		}
		dx, dy := x-pageW/2, y-pageH/2
		return pageW/2 + dx*cos + dy*sin, pageH/2 - dx*sin + dy*cos
	}
	// Faux bold: render.go strokes the outline size·0.035 pt wide (a raw
	// PDF operator, so points) over its fill; here the fill is repeated
	// around a ring of half that width.
	rings := [][2]float64{{0, 0}}
	if it.bold {
		rad := it.size * 0.035 * ptMM / 2
		for i := 0; i < 8; i++ {
			s, c := math.Sincos(float64(i) * math.Pi / 4)
			rings = append(rings, [2]float64{rad * c, rad * s})
		}
	}
	x := it.x
	for _, sg := range it.segs {
		if sg.kind == segMissing {
			for range []rune(sg.text) {
				g.box(g.ras(inkKey{}), x+0.1*sz, it.y-0.8*sz, 0.8*sz, 0.85*sz, 0.2)
				x += sz
			}
			continue
		}
		for _, ru := range sg.text {
			gl := sg.fi.glyph(ru)
			adv := sg.fi.advance(ru) * sz
			if gl != 0 {
				if segs, err := sg.fi.outline(gl, fixed.Int26_6(sz*64)); err == nil {
					for _, o := range rings {
						bx, by := x+o[0], it.y+o[1]
						trace(r, segs, func(p fixed.Point26_6) (float32, float32) {
							px, py := turn(bx+float64(p.X)/64, by+float64(p.Y)/64)
							return g.px(px, py)
						})
						r.ClosePath()
					}
				}
			}
			x += adv
		}
	}
}
