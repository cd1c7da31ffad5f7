package printing

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	qrcode "github.com/skip2/go-qrcode"

	"vetdesk/casework"
)

// ReceiptData is what the 受理回执 shows.
type ReceiptData struct {
	Case   *casework.Case
	Cat    *casework.Catalogue
	Office OfficeInfo
	Clerk  string // 受理人
	// Lookup is the progress look-up code the caller issued; the QR code
	// carries casework.ProgressURL(ProgressBase, Case.Number, Lookup), or
	// QRPayload(Case.Number, Lookup) when ProgressBase is empty (a desk
	// whose hub has no public site).
	Lookup       string
	ProgressBase string    // the hub's public URL (https://…), as the desk learnt it at sync
	Printed      time.Time // fixes the PDF's dates; the case's AcceptedAt is the 受理时间
}

// QRPrefix begins the text of the receipt's QR code.
const QRPrefix = "VETDESK:"

// QRPayload is the text of the receipt's QR code when the desk knows no
// public progress page.
func QRPayload(number, lookup string) string { return QRPrefix + number + ":" + lookup }

// ReceiptQRText is the text of the receipt's QR code: the progress page's
// address on the public site at base, or QRPayload when base is empty.
func ReceiptQRText(base, number, lookup string) string {
	if base == "" {
		return QRPayload(number, lookup)
	}
	return casework.ProgressURL(base, number, lookup)
}

// ParseQRPayload reads the text of a receipt's QR code back (as a scanner
// types it): the case number and the look-up code.
func ParseQRPayload(text string) (number, lookup string, ok bool) {
	rest, ok := strings.CutPrefix(text, QRPrefix)
	if !ok {
		return "", "", false
	}
	number, lookup, ok = strings.Cut(rest, ":")
	if !ok || number == "" {
		return "", "", false
	}
	return number, lookup, true
}

// Receipt writes the 受理回执: case number, applicant with masked ID, items
// with promised completion dates, materials received, office, QR code for
// progress look-up and the applicant's 签收 line.
func (p *Printer) Receipt(w io.Writer, d ReceiptData) (Result, error) {
	if d.Case == nil || d.Cat == nil {
		return Result{}, fmt.Errorf("printing: receipt: %w", errNoCase)
	}
	qr, err := qrcode.New(ReceiptQRText(d.ProgressBase, d.Case.Number, d.Lookup), qrcode.Medium)
	if err != nil {
		return Result{}, fmt.Errorf("printing: receipt qr: %w", err)
	}
	c, cat, cs := p.newCanvas(), d.Cat, d.Case
	wd, com := p.words["receipt"], p.words["common"]
	y := c.top + 6
	c.centre(y, wd.s("title"), 22, true)
	y += 7
	c.centre(y, wd.s("subtitle"), 12, false)
	y += 6
	num := wd.f("number", map[string]any{"Number": cs.Number})
	c.text(c.right-c.measure(num, 11), y, num, 11, false)
	y += 3

	const size = 10
	W := c.width()
	t := &table{c: c, x: c.left, y: y, cols: []float64{0.14 * W, 0.26 * W, 0.16 * W, 0.44 * W}, size: size}
	t.row(cell{text: wd.s("applicant"), shade: true, align: alignCenter, fit: true}, cell{text: cs.Value(casework.FieldName)},
		cell{text: wd.s("id_number"), shade: true, align: alignCenter, fit: true}, cell{text: casework.MaskID(cs.Value(casework.FieldIDNumber))})
	t.row(cell{text: wd.s("accepted_at"), shade: true, align: alignCenter, fit: true}, cell{text: p.dateTimeCN(cs.AcceptedAt)},
		cell{text: wd.s("clerk"), shade: true, align: alignCenter, fit: true}, cell{text: d.Clerk})
	t.y += 3

	c.text(c.left, t.y+4, wd.s("items_heading"), 12, true)
	t.y += 5.5
	t.cols = []float64{0.08 * W, 0.44 * W, 0.24 * W, 0.24 * W}
	t.row(cell{text: wd.s("col_no"), shade: true, align: alignCenter, bold: true}, cell{text: wd.s("col_item"), shade: true, align: alignCenter, bold: true},
		cell{text: wd.s("col_dept"), shade: true, align: alignCenter, bold: true}, cell{text: wd.s("col_due"), shade: true, align: alignCenter, bold: true})
	for i, code := range cs.Items {
		due := ""
		task := cs.Task(code)
		switch {
		case task != nil && !task.Due.IsZero():
			due = p.dateCN(task.Due)
		case task != nil && task.State == casework.TaskWaiting:
			due = wd.s("due_waiting")
		default:
			due = wd.s("due_none")
		}
		dept := ""
		if it := cat.Item(code); it != nil {
			dept = deptShort(cat, it.Department)
		}
		t.row(cell{text: strconv.Itoa(i + 1), align: alignCenter}, cell{text: itemName(cat, code)},
			cell{text: dept, align: alignCenter}, cell{text: due, align: alignCenter})
	}
	t.y += 3

	c.text(c.left, t.y+4, wd.s("materials_heading"), 12, true)
	t.y += 5.5
	t.cols = []float64{0.08 * W, 0.6 * W, 0.2 * W, 0.12 * W}
	t.row(cell{text: wd.s("col_no"), shade: true, align: alignCenter, bold: true}, cell{text: wd.s("col_material"), shade: true, align: alignCenter, bold: true},
		cell{text: wd.s("col_received"), shade: true, align: alignCenter, bold: true}, cell{text: wd.s("col_count"), shade: true, align: alignCenter, bold: true})
	n, missing := 0, 0
	for _, line := range cs.Checklist(cat).Lines {
		ms := cs.Materials[line.Material.Code]
		if ms == nil || !ms.Status.Received() {
			missing++
			continue
		}
		n++
		t.row(cell{text: strconv.Itoa(n), align: alignCenter}, cell{text: line.Material.Name},
			cell{text: com.s("status_" + string(ms.Status)), align: alignCenter},
			cell{text: com.f("count", map[string]any{"N": max(line.Material.Count, 1)}), align: alignCenter})
	}
	if missing > 0 {
		t.row(cell{text: wd.f("missing_note", map[string]any{"N": missing}), span: 4})
	}
	y = t.y + 4

	// office block on the left, QR code on the right
	const qrSide = 24.0
	if y+qrSide+17 > c.bottom {
		c.newPage()
		y = c.top
	}
	qx := c.right - qrSide
	c.qr(qx, y, qrSide, qr.Bitmap())
	cap1, cap2 := wd.s("qr_caption"), wd.f("lookup", map[string]any{"Lookup": d.Lookup})
	c.text(qx+(qrSide-c.measure(cap1, 9))/2, y+qrSide+3.5, cap1, 9, false)
	c.text(qx+(qrSide-c.measure(cap2, 9))/2, y+qrSide+7.5, cap2, 9, false)
	info := map[string]any{"Name": d.Office.Name, "Address": d.Office.Address, "Phone": d.Office.Phone}
	oy := y + 2
	for _, k := range []string{"office", "address", "phone"} {
		oy = c.para(c.left, oy, W-qrSide-8, wd.f(k, info), 11, false)
	}
	oy = c.para(c.left, oy+3, W-qrSide-8, wd.s("notice"), 10.5, false)
	y = max(oy, y+qrSide+8) + 3
	// the office, the date of acceptance and the seal box end the receipt
	if y+sealH+12 > c.bottom {
		c.newPage()
		y = c.top
	}
	seal := p.sealBlock(c, y, d.Office.Name, cs.AcceptedAt, wd.s("seal"))
	c.text(c.left, y+sealH-4, wd.f("clerk_sign", map[string]any{"Clerk": d.Clerk}), 12, false)
	y = seal + 9
	c.text(c.left, y, wd.s("sign"), 12, false)
	c.line(c.left+c.measure(wd.s("sign"), 12), y+1, c.left+0.5*W, y+1, 0.25)
	sd := wd.s("sign_date") + "      " + com.s("blank_date")
	c.text(c.right-c.measure(sd, 12), y, sd, 12, false)
	c.numberPages(p.words["common"], cs.Number)
	return p.render(w, c, docInfo{title: wd.s("title") + " " + cs.Number, when: d.Printed})
}
