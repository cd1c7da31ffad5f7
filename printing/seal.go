package printing

import "time"

// Size in millimetres of the seal box that ends the receipt and the notice:
// wide enough for an office name of a dozen characters, tall enough for a
// round seal of 38–42 mm pressed over the name and the date.
const sealW, sealH = 54.0, 36.0

// sealBlock draws, at the right margin from y (top), the dashed seal box
// with its caption and, in its lower half, the issuing office's name and the
// date, as public 受理 and 补正 forms end: the seal is pressed over both. It
// returns the y below the box.
func (p *Printer) sealBlock(c *canvas, y float64, office string, date time.Time, caption string) float64 {
	const size = 11.0
	x := c.right - sealW
	c.dashed(x, y, x+sealW, y, 0.3)
	c.dashed(x, y+sealH, x+sealW, y+sealH, 0.3)
	c.dashed(x, y, x, y+sealH, 0.3)
	c.dashed(x+sealW, y, x+sealW, y+sealH, 0.3)
	c.text(x+(sealW-c.measure(caption, 9))/2, y+5, caption, 9, false)
	lh := lineH(size)
	for i, s := range []string{office, p.dateCN(date)} {
		c.textIn(x+1, y+sealH-2.4*lh+float64(i)*lh, sealW-2, lh, s, size, false, alignCenter)
	}
	return y + sealH
}
