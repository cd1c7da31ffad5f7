package printing

import (
	"fmt"
	"io"
	"time"

	qrcode "github.com/skip2/go-qrcode"

	"vetdesk/casework"
)

// LetterQRSide is the printed side of the letter's QR code in mm, quiet
// zone included.
const LetterQRSide = 34.0

// LetterData is what the 退役军人落户介绍信 shows. The store allocates and
// audits Number; this package only renders it.
type LetterData struct {
	Case   *casework.Case
	Cat    *casework.Catalogue
	Office OfficeInfo // issuing office and its phone
	Clerk  string     // 经办人
	// Number is the full letter number, e.g. 威退役落字〔2026〕第0012号.
	Number    string
	ValidDays int
	Issued    time.Time // date printed on the letter and the PDF's date
	// Station is the addressee; nil means the case's police_station value.
	Station *casework.PoliceStation
	Reprint bool // prints 补打 on both halves
	Void    bool // prints a 作废 watermark
	// Seal is the signed text of the letter's QR code (internal/letterseal,
	// made by the caller with the desk's certified key); empty prints no
	// QR code. The seal box stays for the physical red seal.
	Seal string
}

// Letter writes the 退役军人落户介绍信 on one sheet: the 存根 above, a dashed
// 骑缝 line, the 正本 below, each with the letter number. The 正本 is
// addressed to <bureau><station>派出所 and carries the veteran's full ID
// number, 民族, 人员类别, 退役证件号, 落户类型 (with the 户主 and the
// 与户主关系 when the household head is named, as for 投靠), the seal area
// and the validity period. 退役军人安置条例 §53 calls it 户口登记介绍信; the
// seed's name is kept.
func (p *Printer) Letter(w io.Writer, d LetterData) (Result, error) {
	if d.Case == nil || d.Cat == nil {
		return Result{}, fmt.Errorf("printing: letter: %w", errNoCase)
	}
	var qr *qrcode.QRCode
	if d.Seal != "" {
		var err error
		if qr, err = qrcode.New(d.Seal, qrcode.Medium); err != nil {
			return Result{}, fmt.Errorf("printing: letter qr: %w", err)
		}
	}
	c, cat, cs := p.newCanvas(), d.Cat, d.Case
	wd := p.words["letter"]
	st := d.Station
	if st == nil {
		st = cat.PoliceStation(cs.Value(casework.FieldPoliceStation))
	}
	v := map[string]any{
		"Name":      cs.Value(casework.FieldName),
		"Sex":       cs.Value(casework.FieldSex),
		"Birth":     p.fieldValue(cat, cs, casework.FieldBirthDate),
		"ID":        cs.Value(casework.FieldIDNumber),
		"Enlist":    p.fieldValue(cat, cs, casework.FieldEnlistDate),
		"Discharge": p.fieldValue(cat, cs, casework.FieldDischargeDate),
		"Placement": p.fieldValue(cat, cs, casework.FieldPlacement),
		"Ethnicity": cs.Value("ethnicity"),
		"Category":  cs.Value(casework.FieldCategory),
		"CertNo":    cs.Value("discharge_cert_no"),
		"Settle":    cs.Value("settle_type"),
		"Head":      "",
		"Origin":    cs.Value("origin_hukou"),
		"Address":   cs.Value("settle_address"),
		"Station":   StationName(st),
		"Days":      d.ValidDays,
		"Until":     p.dateCN(d.Issued.AddDate(0, 0, d.ValidDays)),
		"Clerk":     d.Clerk,
		"Phone":     d.Office.Phone,
		"Date":      p.dateCN(d.Issued),
	}
	// the 户主 and 与户主关系 are printed when the case must name them (投靠)
	if ff := casework.BuildForm(cat, []string{"hukou"}, cs.Values).Field("household_head"); ff != nil && ff.Required {
		v["Head"], v["Relation"] = cs.Value("household_head"), cs.Value("head_relation")
	}
	W := c.width()
	reprint := func(y float64) {
		if !d.Reprint {
			return
		}
		s := wd.s("reprint")
		tw := c.measure(s, 16) + 6
		c.rect(c.right-tw, y-7, tw, 10, 0.6)
		c.text(c.right-tw+3, y, s, 16, true)
	}
	number := func(y float64) {
		c.text(c.right-c.measure(d.Number, 11), y, d.Number, 11, false)
	}

	// 存根
	y := c.top + 6
	c.centre(y, wd.s("stub_title"), 16, true)
	reprint(y)
	y += 8
	number(y)
	y = c.para(c.left, y+4, W, wd.f("stub_body", v), 11, false)
	y = c.para(c.left, y+2, W, wd.f("stub_sign", v), 11, false)

	// 骑缝线 across the sheet, its label breaking the dashes
	seam := max(y+8, c.top+84)
	label := wd.s("seam")
	lw := c.measure(label, 9) + 6
	c.dashed(5, seam, pageW/2-lw/2, seam, 0.3)
	c.dashed(pageW/2+lw/2, seam, pageW-5, seam, 0.3)
	c.text(pageW/2-lw/2+3, seam+1.1, label, 9, false)

	// 正本
	y = seam + 14
	c.centre(y, wd.s("title"), 20, true)
	reprint(y)
	y += 9
	number(y)
	y += 6
	const size = 12
	y = c.para(c.left, y, W, wd.f("addressee", v), size, true)
	y = c.para(c.left, y, W, "\u3000\u3000"+wd.f("body", v), size, false)
	y = c.para(c.left, y+1, W, "\u3000\u3000"+wd.f("validity", v), size, false)

	// signature block: handler left, office, date and seal right
	y += 12
	lh := lineH(size)
	c.text(c.left, y, wd.f("handler", v), size, false)
	c.text(c.left, y+lh, wd.f("phone", v), size, false)
	cx := c.right - 35
	c.circle(cx, y+lh/2, 19, 0.4, true)
	seal := wd.s("seal")
	c.text(cx-c.measure(seal, 9)/2, y+lh/2-12, seal, 9, false)
	for i, s := range []string{d.Office.Name, p.dateCN(d.Issued)} {
		c.text(cx-c.measure(s, size)/2, y+float64(i)*lh+lh/2, s, size, false)
	}
	// the signed QR code between the handler and the seal, its caption
	// below: what a police station scans to verify the letter
	if qr != nil {
		qx, qy := c.left+W/2-LetterQRSide/2+4, y-lh
		if qy+LetterQRSide+8 > c.bottom {
			qy = c.bottom - LetterQRSide - 8
		}
		c.qr(qx, qy, LetterQRSide, qr.Bitmap())
		cap := wd.s("qr_caption")
		c.text(qx+(LetterQRSide-c.measure(cap, 9))/2, qy+LetterQRSide+3.5, cap, 9, false)
	}
	if d.Void {
		c.watermark(wd.s("void"), 110, 180)
	}
	return p.render(w, c, docInfo{title: wd.s("title") + " " + d.Number, when: d.Issued})
}
