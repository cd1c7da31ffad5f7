package printing

import (
	"unicode"
)

// Page geometry in millimetres (A4 portrait).
const (
	pageW = 210.0
	pageH = 297.0
	ptMM  = 25.4 / 72 // millimetres per point
	// baseline position inside the em box, as a share of the font size:
	// CJK glyphs sit in an em box from 0.88 above to 0.12 below the baseline.
	emAscent = 0.88
)

type segKind int

const (
	segText    segKind = iota // drawn as text with the face
	segImage                  // rune above U+FFFF: rasterised from the face
	segMissing                // no face has the rune: a visible marker
)

// seg is a piece of a line drawn one way.
type seg struct {
	kind  segKind
	fi    *faceInfo // nil for segMissing
	text  string
	width float64 // in ems
}

type itemKind int

const (
	itemText itemKind = iota
	itemLine
	itemRect
	itemCircle
	itemQR
)

// item is one drawing operation of the display list, in page millimetres.
type item struct {
	kind       itemKind
	x, y, w, h float64 // text: x and baseline y; line: from (x,y) to (w,h)
	segs       []seg
	size       float64 // points
	bold       bool
	gray       int     // 0 black … 255 white, for text and fills
	lw         float64 // line width in mm
	dash       bool
	fill       bool
	angle      float64 // text rotation in degrees, around (x,y)
	alpha      float64 // 0 means opaque
	qr         [][]bool
}

// canvas collects a document as pages of items; Printer.render turns it into
// a PDF. Layout code measures with the same metrics the PDF uses.
type canvas struct {
	p     *Printer
	pages [][]item
	// content box
	left, right, top, bottom float64
}

func (p *Printer) newCanvas() *canvas {
	m := p.layout.MarginMM
	c := &canvas{p: p, left: m, right: pageW - m, top: m, bottom: pageH - m}
	c.newPage()
	return c
}

func (c *canvas) newPage() { c.pages = append(c.pages, nil) }

// numberPages marks every page of a document that runs over one page, once
// the page count is known, under the content box: ref (the document's
// number, so a loose second page still names its case) and 第 N 页 共 M 页.
func (c *canvas) numberPages(com wording, ref string) {
	n := len(c.pages)
	if n < 2 {
		return
	}
	for i := range c.pages {
		s := com.f("page", map[string]any{"N": i + 1, "Total": n})
		if ref != "" {
			s = ref + "    " + s
		}
		c.pages[i] = append(c.pages[i], item{kind: itemText, x: c.left + (c.width()-c.measure(s, 9))/2,
			y: min(c.bottom+8, pageH-5), segs: c.p.shape(s), size: 9})
	}
}

func (c *canvas) add(it item) {
	n := len(c.pages) - 1
	c.pages[n] = append(c.pages[n], it)
}

func (c *canvas) width() float64 { return c.right - c.left }

// measure returns the width of s in millimetres at size points.
func (c *canvas) measure(s string, size float64) float64 {
	var em float64
	for _, sg := range c.p.shape(s) {
		em += sg.width
	}
	return em * size * ptMM
}

// text draws s with its baseline at y.
func (c *canvas) text(x, y float64, s string, size float64, bold bool) {
	if s == "" {
		return
	}
	c.add(item{kind: itemText, x: x, y: y, segs: c.p.shape(s), size: size, bold: bold})
}

// Alignments for textIn.
const (
	alignLeft = iota
	alignCenter
	alignRight
)

// textIn draws one line of s vertically centred in the box (x,y,w,h),
// aligned horizontally with a padding of pad; s shrinks down to 7 points
// when it would not fit.
func (c *canvas) textIn(x, y, w, h float64, s string, size float64, bold bool, align int) {
	const pad = 1.5
	for size > 7 && c.measure(s, size) > w-2*pad {
		size -= 0.5
	}
	tw := c.measure(s, size)
	base := y + h/2 + (emAscent-0.5)*size*ptMM
	switch align {
	case alignCenter:
		x += (w - tw) / 2
	case alignRight:
		x += w - pad - tw
	default:
		x += pad
	}
	c.text(x, base, s, size, bold)
}

// centre draws s centred across the content box with its baseline at y.
func (c *canvas) centre(y float64, s string, size float64, bold bool) {
	c.text(c.left+(c.width()-c.measure(s, size))/2, y, s, size, bold)
}

// wrap splits s into lines no wider than w millimetres at size points.
// Explicit newlines break lines; closing punctuation never starts a line.
func (c *canvas) wrap(s string, w, size float64) []string {
	var lines []string
	limit := w / (size * ptMM) // in ems
	for _, para := range splitLines(s) {
		var line []rune
		var lw float64
		for _, r := range para {
			rw := c.p.runeWidth(r)
			if lw+rw > limit && len(line) > 0 {
				// closing punctuation never starts a line: the character
				// before it moves down with it
				var carry []rune
				if closing(r) && len(line) > 1 {
					carry = line[len(line)-1:]
					line = line[:len(line)-1]
				}
				lines = append(lines, string(line))
				line, lw = append([]rune(nil), carry...), 0
				for _, cr := range carry {
					lw += c.p.runeWidth(cr)
				}
			}
			line = append(line, r)
			lw += rw
		}
		lines = append(lines, string(line))
	}
	return lines
}

func splitLines(s string) []string {
	var out []string
	start := 0
	for i, r := range s {
		if r == '\n' {
			out = append(out, s[start:i])
			start = i + 1
		}
	}
	return append(out, s[start:])
}

func closing(r rune) bool {
	switch r {
	case '，', '。', '、', '；', '：', '）', '》', '」', '』', '”', '！', '？', ',', '.', ';', ':', ')':
		return true
	}
	return unicode.Is(unicode.Pe, r)
}

// lineH is the line height in millimetres for size points.
func lineH(size float64) float64 { return size * ptMM * 1.5 }

// para draws s wrapped to width w starting at (x, y top), returning the y
// below the last line.
func (c *canvas) para(x, y, w float64, s string, size float64, bold bool) float64 {
	lh := lineH(size)
	for _, ln := range c.wrap(s, w, size) {
		c.text(x, y+lh/2+(emAscent-0.5)*size*ptMM, ln, size, bold)
		y += lh
	}
	return y
}

// paraHeight returns the height para would take.
func (c *canvas) paraHeight(w float64, s string, size float64) float64 {
	return float64(len(c.wrap(s, w, size))) * lineH(size)
}

func (c *canvas) line(x1, y1, x2, y2, lw float64) {
	c.add(item{kind: itemLine, x: x1, y: y1, w: x2, h: y2, lw: lw})
}

func (c *canvas) dashed(x1, y1, x2, y2, lw float64) {
	c.add(item{kind: itemLine, x: x1, y: y1, w: x2, h: y2, lw: lw, dash: true})
}

func (c *canvas) rect(x, y, w, h, lw float64) {
	c.add(item{kind: itemRect, x: x, y: y, w: w, h: h, lw: lw})
}

func (c *canvas) circle(x, y, r, lw float64, dash bool) {
	c.add(item{kind: itemCircle, x: x, y: y, w: r, lw: lw, dash: dash})
}

// checkbox draws a square box of side s at (x, y top), ticked or not. It is
// drawn with lines so it never depends on a font having ☑.
func (c *canvas) checkbox(x, y, s float64, ticked bool) {
	c.rect(x, y, s, s, 0.25)
	if ticked {
		c.line(x+0.2*s, y+0.55*s, x+0.42*s, y+0.8*s, 0.35)
		c.line(x+0.42*s, y+0.8*s, x+0.85*s, y+0.2*s, 0.35)
	}
}

// watermark draws s large, rotated and translucent around the page centre.
func (c *canvas) watermark(s string, size float64, gray int) {
	w := c.measure(s, size)
	c.add(item{kind: itemText, x: pageW/2 - w/2, y: pageH/2 + size*ptMM*0.35, segs: c.p.shape(s),
		size: size, bold: true, gray: gray, angle: 30, alpha: 0.35})
}

// qr draws a QR bitmap (quiet zone included) as a square of side s.
func (c *canvas) qr(x, y, s float64, bits [][]bool) {
	c.add(item{kind: itemQR, x: x, y: y, w: s, h: s, qr: bits})
}

// table is a bordered grid drawn row by row; rows never split across pages.
type table struct {
	c     *canvas
	x     float64
	cols  []float64 // column widths
	y     float64
	size  float64
	onNew func() // called after a page break, e.g. to repeat a header
}

// cell is one cell of a table row, spanning span columns.
type cell struct {
	text  string
	span  int
	bold  bool
	align int
	shade bool
	fit   bool // one line, shrunk a little rather than wrapped (labels)
	// custom draws instead of text, given the cell's box.
	custom func(x, y, w, h float64)
	minH   float64
}

// keep starts a new page unless h more millimetres fit, so a heading
// stays with the rows after it.
func (t *table) keep(h float64) {
	if t.y+h > t.c.bottom {
		t.c.newPage()
		t.y = t.c.top
		if t.onNew != nil {
			t.onNew()
		}
	}
}

// row draws a row of cells at t.y, wrapping text; it starts a new page first
// if the row would not fit.
func (t *table) row(cells ...cell) {
	c := t.c
	h := lineH(t.size) + 1.4
	widths := make([]float64, len(cells))
	col := 0
	for i := range cells {
		cl := &cells[i]
		span := max(cl.span, 1)
		for k := 0; k < span && col < len(t.cols); k++ {
			widths[i] += t.cols[col]
			col++
		}
		if cl.fit && c.measure(cl.text, t.size*0.9) > widths[i]-3 {
			cl.fit = false // too long to shrink legibly: wrap instead
		}
		if cl.custom == nil && !cl.fit {
			h = max(h, c.paraHeight(widths[i]-3, cl.text, t.size)+1.4)
		}
		h = max(h, cl.minH)
	}
	if t.y+h > c.bottom {
		c.newPage()
		t.y = c.top
		if t.onNew != nil {
			t.onNew()
		}
	}
	x := t.x
	for i, cl := range cells {
		w := widths[i]
		if cl.shade {
			c.add(item{kind: itemRect, x: x, y: t.y, w: w, h: h, fill: true, gray: 235})
		}
		c.rect(x, t.y, w, h, 0.3)
		switch {
		case cl.custom != nil:
			cl.custom(x, t.y, w, h)
		case cl.fit || len(c.wrap(cl.text, w-3, t.size)) == 1:
			c.textIn(x, t.y, w, h, cl.text, t.size, cl.bold, cl.align)
		default:
			ph := c.paraHeight(w-3, cl.text, t.size)
			c.para(x+1.5, t.y+(h-ph)/2, w-3, cl.text, t.size, cl.bold)
		}
		x += w
	}
	t.y += h
}
