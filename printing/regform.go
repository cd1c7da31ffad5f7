package printing

import (
	"fmt"
	"io"
	"time"

	"vetdesk/casework"
)

// RegFormData is what the 办理登记表 shows.
type RegFormData struct {
	Case    *casework.Case
	Cat     *casework.Catalogue
	Office  OfficeInfo
	Printed time.Time
}

// RegForm writes the 《威海市“军人退役一件事”办理登记表》: every field of the
// case's unified form in a bordered table grouped as the catalogue groups
// them, values in full (the veteran signs it), the row of all catalogue
// items with the applied ones ticked, the declaration and signature lines.
// Long forms continue on further pages; rows never split.
func (p *Printer) RegForm(w io.Writer, d RegFormData) (Result, error) {
	if d.Case == nil || d.Cat == nil {
		return Result{}, fmt.Errorf("printing: regform: %w", errNoCase)
	}
	c, cat, cs := p.newCanvas(), d.Cat, d.Case
	wd, com := p.words["regform"], p.words["common"]
	W := c.width()
	const size = 10.5
	y := c.top + 7
	c.centre(y, wd.s("title"), 18, true)
	y += 8
	c.text(c.left, y, wd.f("office", map[string]any{"Office": d.Office.Name}), 10.5, false)
	if cs.Number != "" {
		num := wd.f("number", map[string]any{"Number": cs.Number})
		c.text(c.right-c.measure(num, 10.5), y, num, 10.5, false)
	}
	y += 2.5
	lw, vw := 0.17*W, 0.33*W
	t := &table{c: c, x: c.left, y: y, cols: []float64{lw, vw, lw, vw}, size: size}
	t.onNew = func() {
		c.centre(c.top+5, wd.s("title")+wd.s("continued"), 12, true)
		t.y = c.top + 9
	}
	label := func(s string) cell { return cell{text: s, shade: true, align: alignCenter, fit: true} }
	heading := func(s string) cell { return cell{text: s, span: 4, bold: true, shade: true} }

	for _, g := range casework.BuildForm(cat, cs.Items, cs.Values).Groups {
		t.keep(3 * (lineH(size) + 1.4))
		t.row(heading(g.Name))
		// Narrow fields pair up two to a row; a wide field waits until the
		// half row before it has its partner, so no half row stays empty.
		var pending, waiting [][]cell
		flush := func() {
			for _, wr := range waiting {
				t.row(wr...)
			}
			waiting = nil
		}
		for _, ff := range g.Fields {
			v := p.displayValue(cat, cs, ff.Field)
			if ff.Field.MaxLen > 20 || c.measure(v, size) > vw-3 {
				waiting = append(waiting, []cell{label(ff.Field.Label), {text: v, span: 3}})
				if pending == nil {
					flush()
				}
				continue
			}
			half := []cell{label(ff.Field.Label), {text: v}}
			if pending == nil {
				pending = [][]cell{half}
				continue
			}
			t.row(append(pending[0], half...)...)
			pending = nil
			flush()
		}
		if pending != nil {
			t.row(pending[0][0], cell{text: pending[0][1].text, span: 3})
		}
		flush()
	}

	// every catalogue item, ticked when applied for
	t.keep(2*(lineH(size)+1.4) + float64((len(cat.Items)+1)/2)*(lineH(size)+1.4) + 3)
	t.row(heading(wd.s("items_heading")))
	const box, per = 3.2, 2
	rowH := lineH(size) + 1.4
	rows := (len(cat.Items) + per - 1) / per
	t.row(cell{span: 4, minH: float64(rows)*rowH + 3, custom: func(x, y, w, h float64) {
		colW := (w - 4) / per
		for i, it := range cat.Items {
			cx := x + 2 + float64(i%per)*colW
			cy := y + 1.5 + float64(i/per)*rowH
			c.checkbox(cx, cy+(rowH-box)/2, box, cs.HasItem(it.Code))
			c.textIn(cx+box+0.5, cy, colW-box-1, rowH, fmt.Sprintf("%d. %s", it.No, it.Name), size, false, alignLeft)
		}
	}})
	t.row(cell{text: wd.s("declaration"), span: 4})
	signH := 24.0
	t.row(cell{span: 4, minH: signH, custom: func(x, y, w, h float64) {
		base := y + 10
		for i, who := range []string{wd.s("sign"), wd.s("clerk_sign")} {
			sx := x + 4 + float64(i)*w/2
			c.text(sx, base, who, 11, false)
			c.line(sx+c.measure(who, 11), base+1, sx+w/2-8, base+1, 0.25)
			dl := wd.s("date") + "      " + com.s("blank_date")
			c.text(sx+w/2-8-c.measure(dl, 11), base+9, dl, 11, false)
		}
	}})

	c.numberPages(com, cs.Number)
	return p.render(w, c, docInfo{title: wd.s("title") + " " + cs.Number, when: d.Printed})
}
