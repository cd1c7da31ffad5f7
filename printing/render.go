package printing

import (
	"bytes"
	"fmt"
	"io"
	"time"

	"codeberg.org/go-pdf/fpdf"
)

// docInfo is the metadata of one rendered file.
type docInfo struct {
	title string
	when  time.Time // creation and modification date: from the data, never the clock
}

// render writes the canvas as a PDF. Each face used gets a subset cut by
// this package, so fpdf never parses a full CJK font; runes above U+FFFF
// become images; runes no face has become crossed boxes.
func (p *Printer) render(w io.Writer, c *canvas, info docInfo) (res Result, err error) {
	if p.capture != nil {
		p.capture(c)
	}
	defer func() {
		if r := recover(); r != nil { // fpdf panics on some input; never crash the counter
			err = fmt.Errorf("printing: render %s: %v", info.title, r)
		}
	}()
	pdf := fpdf.New("P", "mm", "A4", "")
	pdf.SetCatalogSort(true)
	pdf.SetCompression(true)
	when := info.when.UTC().Truncate(time.Second)
	pdf.SetCreationDate(when)
	pdf.SetModificationDate(when)
	pdf.SetTitle(info.title, true)
	pdf.SetCreator("vetdesk", true)
	pdf.SetProducer("vetdesk", true)
	pdf.SetAutoPageBreak(false, 0)
	pdf.SetMargins(0, 0, 0)

	// One family per face, in order of first use.
	family := map[*faceInfo]string{}
	runes := map[*faceInfo][]rune{}
	var order []*faceInfo
	for _, pg := range c.pages {
		for _, it := range pg {
			for _, sg := range it.segs {
				switch sg.kind {
				case segText:
					if _, ok := family[sg.fi]; !ok {
						family[sg.fi] = fmt.Sprintf("f%d", len(order))
						order = append(order, sg.fi)
					}
					runes[sg.fi] = append(runes[sg.fi], []rune(sg.text)...)
				case segImage:
					res.Raster = append(res.Raster, []rune(sg.text)...)
				case segMissing:
					res.Missing = append(res.Missing, []rune(sg.text)...)
				}
			}
		}
	}
	res.Raster, res.Missing = uniq(res.Raster), uniq(res.Missing)
	for _, fi := range order {
		pdf.AddUTF8FontFromBytes(family[fi], "", fi.subset(runes[fi]))
	}
	d := &drawer{p: p, pdf: pdf, family: family, ox: p.layout.OffsetXMM, oy: p.layout.OffsetYMM, images: map[string]bool{}}
	for _, pg := range c.pages {
		pdf.AddPage()
		for _, it := range pg {
			if err := d.draw(it); err != nil {
				return res, err
			}
		}
	}
	res.Pages = len(c.pages)
	if err := pdf.Error(); err != nil {
		return res, fmt.Errorf("printing: render %s: %w", info.title, err)
	}
	if err := pdf.Output(w); err != nil {
		return res, fmt.Errorf("printing: write %s: %w", info.title, err)
	}
	return res, nil
}

type drawer struct {
	p      *Printer
	pdf    *fpdf.Fpdf
	family map[*faceInfo]string
	ox, oy float64
	images map[string]bool
}

func (d *drawer) draw(it item) error {
	pdf := d.pdf
	x, y := it.x+d.ox, it.y+d.oy
	lw := it.lw
	if lw == 0 {
		lw = 0.3
	}
	switch it.kind {
	case itemLine:
		pdf.SetLineWidth(lw)
		if it.dash {
			pdf.SetDashPattern([]float64{2, 1.5}, 0)
		}
		pdf.Line(x, y, it.w+d.ox, it.h+d.oy)
		if it.dash {
			pdf.SetDashPattern([]float64{}, 0)
		}
	case itemRect:
		if it.fill {
			pdf.SetFillColor(it.gray, it.gray, it.gray)
			pdf.Rect(x, y, it.w, it.h, "F")
			return nil
		}
		pdf.SetLineWidth(lw)
		pdf.Rect(x, y, it.w, it.h, "D")
	case itemCircle:
		pdf.SetLineWidth(lw)
		if it.dash {
			pdf.SetDashPattern([]float64{1.5, 1.2}, 0)
		}
		pdf.Circle(x, y, it.w, "D")
		if it.dash {
			pdf.SetDashPattern([]float64{}, 0)
		}
	case itemQR:
		n := len(it.qr)
		if n == 0 {
			return nil
		}
		m := it.w / float64(n)
		pdf.SetFillColor(0, 0, 0)
		for r, row := range it.qr {
			for c0 := 0; c0 < len(row); {
				if !row[c0] {
					c0++
					continue
				}
				c1 := c0
				for c1 < len(row) && row[c1] {
					c1++
				}
				// overlap a hair so viewers show no seams between modules
				pdf.Rect(x+float64(c0)*m, y+float64(r)*m, float64(c1-c0)*m+0.01, m+0.01, "F")
				c0 = c1
			}
		}
	case itemText:
		return d.text(it, x, y)
	}
	return nil
}

func (d *drawer) text(it item, x, y float64) error {
	pdf := d.pdf
	if it.alpha > 0 {
		pdf.SetAlpha(it.alpha, "Normal")
		defer pdf.SetAlpha(1, "Normal")
	}
	if it.angle != 0 {
		pdf.TransformBegin()
		pdf.TransformRotate(it.angle, pageW/2+d.ox, pageH/2+d.oy)
		defer pdf.TransformEnd()
	}
	pdf.SetTextColor(it.gray, it.gray, it.gray)
	sz := it.size * ptMM
	for _, sg := range it.segs {
		w := sg.width * sz
		switch sg.kind {
		case segText:
			pdf.SetFont(d.family[sg.fi], "", it.size)
			if it.bold {
				// WQY Micro Hei has no bold face: fill and stroke the
				// outlines (text render mode 2) for a faux bold.
				pdf.RawWriteStr(fmt.Sprintf("q 2 Tr %.3f w %.3f G\n", it.size*0.035, float64(it.gray)/255))
				pdf.Text(x, y, sg.text)
				pdf.RawWriteStr("Q\n")
			} else {
				pdf.Text(x, y, sg.text)
			}
		case segImage:
			r := []rune(sg.text)[0]
			png, err := d.p.glyphPNG(sg.fi, r)
			if err != nil {
				d.missing(x, y, sz)
				break
			}
			name := fmt.Sprintf("glyph-%s-%X", sg.fi.face.Name, r)
			if !d.images[name] {
				d.images[name] = true
				pdf.RegisterImageOptionsReader(name, fpdf.ImageOptions{ImageType: "PNG"}, bytes.NewReader(png))
			}
			pdf.ImageOptions(name, x, y-emAscent*sz, w, sz, false, fpdf.ImageOptions{ImageType: "PNG"}, 0, "")
		case segMissing:
			d.missing(x, y, sz)
		}
		x += w
	}
	return nil
}

// missing draws a crossed box the size of a character: visible on paper,
// unmistakably not a letter.
func (d *drawer) missing(x, y, sz float64) {
	pdf := d.pdf
	pdf.SetLineWidth(0.2)
	top := y - 0.8*sz
	pdf.Rect(x+0.1*sz, top, 0.8*sz, 0.85*sz, "D")
	pdf.Line(x+0.1*sz, top, x+0.9*sz, top+0.85*sz)
	pdf.Line(x+0.9*sz, top, x+0.1*sz, top+0.85*sz)
}
