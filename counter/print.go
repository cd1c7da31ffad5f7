package counter

import (
	"context"
	"errors"
	"fmt"
	"image"
	"io"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"vetdesk/casework"
	"vetdesk/internal/letterseal"
	"vetdesk/printing"
	"vetdesk/store"
	"vetdesk/syncclient"
)

// Settings the print service reads from the local store.
const (
	SettingPrinter = "printer"
	SettingPhone   = "office.phone"
	SettingAddress = "office.address"
	letterPrefix   = "letter."
	// printerPrefix+doc names the printer of one document type; empty
	// falls back to SettingPrinter.
	printerPrefix = "printer."
	// offsetPrefix+printer holds that printer's offset "x,y" in mm (right
	// and down; the default printer's key is offsetPrefix alone).
	offsetPrefix = "offset."
	maxOffsetMM  = 30
)

// PrinterSetting is the setting key of the printer of document type doc.
func PrinterSetting(doc string) string { return printerPrefix + doc }

// OffsetSetting is the setting key of printer's offset ("x,y" in mm).
func OffsetSetting(printer string) string { return offsetPrefix + printer }

// ParseOffset reads an offset setting "x,y" (mm, right and down; empty
// means none). Each part must lie within ±30 mm.
func ParseOffset(v string) (x, y float64, err error) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, 0, nil
	}
	xs, ys, ok := strings.Cut(strings.ReplaceAll(v, "，", ","), ",")
	if ok {
		x, err = strconv.ParseFloat(strings.TrimSpace(xs), 64)
	}
	if ok && err == nil {
		y, err = strconv.ParseFloat(strings.TrimSpace(ys), 64)
	}
	if !ok || err != nil || x < -maxOffsetMM || x > maxOffsetMM || y < -maxOffsetMM || y > maxOffsetMM {
		return 0, 0, fmt.Errorf("offset %q: want x,y in mm, each within ±%d: %w", v, maxOffsetMM, ErrBadOffset)
	}
	return x, y, nil
}

// ErrBadOffset is returned for an offset setting that is not "x,y" in mm.
var ErrBadOffset = errors.New("bad printer offset")

// DocPrinter returns the printer of document type doc on this desk: its own
// setting, else the desk's printer (empty: the system's default), and
// the offset set for that printer.
func (p *Printing) DocPrinter(ctx context.Context, doc string) (printer string, x, y float64, err error) {
	printer, _ = p.Store.Setting(ctx, PrinterSetting(doc))
	if printer == "" {
		printer, _ = p.Store.Setting(ctx, SettingPrinter)
	}
	off, _ := p.Store.Setting(ctx, OffsetSetting(printer))
	x, y, err = ParseOffset(off)
	if err != nil {
		return printer, 0, 0, fmt.Errorf("printer %s: %w", printer, err)
	}
	return printer, x, y, nil
}

// ErrUnknownDocument is returned for a document code the counter does not print.
var ErrUnknownDocument = errors.New("unknown document")

// ErrNotPrintable is returned when a case cannot have the document (a
// draft, or a letter for a case without the hukou item).
var ErrNotPrintable = errors.New("document not printable for this case")

// Printing prints the documents of a case: it renders the PDF, saves it
// atomically into Dir, sends it to the document type's printer (when Send
// is set; see DocPrinter), placed with that printer's offset, and writes an audit entry for every attempt.
type Printing struct {
	Store     *store.DB
	Cat       *casework.Catalogue
	Printer   *printing.Printer
	Dir       string // documents folder
	Now       func() time.Time
	Send      func(ctx context.Context, job printing.Job) error // nil: save only
	ValidDays int                                               // validity of the hukou letter; 0 means 30
}

// PrintDocument prints doc (casework.DocReceipt, …) of case caseID as a and
// returns the saved PDF's path.
func (p *Printing) PrintDocument(ctx context.Context, a store.Actor, doc, caseID string) (path string, err error) {
	return p.produce(ctx, a, doc, caseID, "", true)
}

// SaveDocumentAs renders doc of case caseID as a into the file at path
// (另存PDF), without offset and without sending it anywhere; it is
// numbered and audited like a print (a saved hukou letter is an issued one).
func (p *Printing) SaveDocumentAs(ctx context.Context, a store.Actor, doc, caseID, path string) error {
	_, err := p.produce(ctx, a, doc, caseID, path, false)
	return err
}

// PreviewDocument draws doc of case caseID as a as page images at dpi, as
// PrintDocument would print it now (with its printer's offset). It audits
// nothing and takes no number: a hukou letter not printed yet shows none.
func (p *Printing) PreviewDocument(ctx context.Context, a store.Actor, doc, caseID string, dpi float64) ([]*image.Gray, error) {
	c, err := p.Store.Case(ctx, caseID)
	if err != nil {
		return nil, fmt.Errorf("preview %s: %w", doc, err)
	}
	_, ox, oy, err := p.DocPrinter(ctx, doc)
	if err != nil {
		return nil, fmt.Errorf("preview %s: %w", doc, err)
	}
	draw, _, err := p.drawer(ctx, a, doc, c, p.now(), true)
	if err != nil {
		return nil, err
	}
	pages, _, err := p.Printer.WithOffset(ox, oy).PageImages(dpi, draw)
	if err != nil {
		return nil, fmt.Errorf("preview %s: %w", doc, err)
	}
	return pages, nil
}

// produce renders, saves (into Dir, or to saveAs), sends (when send) and
// audits one document.
func (p *Printing) produce(ctx context.Context, a store.Actor, doc, caseID, saveAs string, send bool) (path string, err error) {
	c, err := p.Store.Case(ctx, caseID)
	if err != nil {
		return "", fmt.Errorf("print %s: %w", doc, err)
	}
	target := doc + " " + c.Number
	action := "print"
	if saveAs != "" {
		action = "save"
	}
	defer func() {
		detail := path
		if err != nil {
			detail = err.Error()
		}
		if aerr := p.Store.Audit(ctx, store.AuditEntry{UserID: a.UserID, Login: a.Login, Action: action, Target: target, Success: err == nil, Detail: detail}); aerr != nil && err == nil {
			err = fmt.Errorf("print %s: audit: %w", doc, aerr)
		}
	}()
	now := p.now()
	draw, extra, err := p.drawer(ctx, a, doc, c, now, false)
	target += extra
	if err != nil {
		return "", err
	}
	pr := p.Printer
	var printer string
	if send {
		var ox, oy float64
		printer, ox, oy, err = p.DocPrinter(ctx, doc)
		if err != nil {
			return "", fmt.Errorf("print %s: %w", doc, err)
		}
		pr = pr.WithOffset(ox, oy) // the pages are placed for the printer they go to
	}
	render := func(w io.Writer) error { _, err := draw(pr, w); return err }
	dir, name := p.Dir, fmt.Sprintf("%s-%s-%s.pdf", c.Number, doc, now.Format("20060102-150405"))
	if saveAs != "" {
		dir, name = filepath.Dir(saveAs), filepath.Base(saveAs)
	} else if err := printing.PrivateDir(p.Dir); err != nil {
		return "", fmt.Errorf("print %s: documents folder: %w", doc, err)
	}
	path, err = printing.SaveAtomic(dir, name, render)
	if err != nil {
		return "", fmt.Errorf("print %s: %w", doc, err)
	}
	if send && p.Send != nil {
		if err := p.Send(ctx, printing.Job{PDF: path, Printer: printer, Doc: pr, Draw: draw}); err != nil {
			return path, fmt.Errorf("print %s: send: %w", doc, err)
		}
	}
	return path, nil
}

// drawer returns what draws doc of case c with a given printing.Printer,
// and what the audit target gains (the letter's number). A preview takes no
// letter number.
func (p *Printing) drawer(ctx context.Context, a store.Actor, doc string, c *casework.Case, now time.Time, preview bool) (draw func(*printing.Printer, io.Writer) (printing.Result, error), extra string, err error) {
	if c.State == casework.CaseDraft {
		return nil, "", fmt.Errorf("print %s of a draft: %w", doc, ErrNotPrintable)
	}
	office, err := p.office(ctx)
	if err != nil {
		return nil, "", err
	}
	switch doc {
	case casework.DocReceipt:
		// the hub's public site, as the last sync told it (#13)
		base, err := p.Store.Setting(ctx, syncclient.SettingPublicURL)
		if err != nil {
			return nil, "", fmt.Errorf("print %s: %w", doc, err)
		}
		return func(pr *printing.Printer, w io.Writer) (printing.Result, error) {
			return pr.Receipt(w, printing.ReceiptData{Case: c, Cat: p.Cat, Office: office, Clerk: a.Name, Lookup: LookupCode(c), ProgressBase: base, Printed: now})
		}, "", nil
	case casework.DocNotice:
		return func(pr *printing.Printer, w io.Writer) (printing.Result, error) {
			return pr.Notice(w, printing.NoticeData{Case: c, Cat: p.Cat, Office: office, Clerk: a.Name, Printed: now})
		}, "", nil
	case casework.DocRegForm:
		return func(pr *printing.Printer, w io.Writer) (printing.Result, error) {
			return pr.RegForm(w, printing.RegFormData{Case: c, Cat: p.Cat, Office: office, Printed: now})
		}, "", nil
	case casework.DocSubsidyForm:
		if !c.HasItem("subsidy") {
			return nil, "", fmt.Errorf("print %s: %w", doc, ErrNotPrintable)
		}
		return func(pr *printing.Printer, w io.Writer) (printing.Result, error) {
			return pr.SubsidyForm(w, printing.SubsidyData{Case: c, Cat: p.Cat, Office: office, Printed: now})
		}, "", nil
	case casework.DocHukouLetter:
		if !c.HasItem("hukou") {
			return nil, "", fmt.Errorf("print %s: %w", doc, ErrNotPrintable)
		}
		var number, seal string
		reprint := true
		if preview {
			number, _ = p.Store.Setting(ctx, letterPrefix+c.ID)
		} else if number, reprint, err = p.letterNumber(ctx, a, c, now); err != nil {
			return nil, "", err
		}
		extra = " " + number
		if reprint {
			extra += " 补打"
		}
		if !preview {
			seal, err = p.sealLetter(ctx, c, number, now)
			if errors.Is(err, syncclient.ErrNoLetterKey) {
				extra += " 未签章" // a standalone desk, or one not synced since enrolment
			} else if err != nil {
				return nil, "", err
			}
		}
		return func(pr *printing.Printer, w io.Writer) (printing.Result, error) {
			return pr.Letter(w, printing.LetterData{Case: c, Cat: p.Cat, Office: office, Clerk: a.Name, Number: number,
				ValidDays: p.validDays(), Issued: now, Reprint: reprint && number != "", Seal: seal})
		}, extra, nil
	default:
		return nil, "", fmt.Errorf("print %q: %w", doc, ErrUnknownDocument)
	}
}

func (p *Printing) now() time.Time {
	if p.Now != nil {
		return p.Now()
	}
	return time.Now()
}

func (p *Printing) validDays() int {
	if p.ValidDays > 0 {
		return p.ValidDays
	}
	return 30
}

// office is the issuing office: the division's office name, with the phone
// and address set at first run.
func (p *Printing) office(ctx context.Context) (printing.OfficeInfo, error) {
	dev, err := p.Store.Device(ctx)
	if err != nil {
		return printing.OfficeInfo{}, fmt.Errorf("office: %w", err)
	}
	info := printing.OfficeInfo{Name: dev.Station}
	if d := p.Cat.Division(dev.Office); d != nil && info.Name == "" {
		info.Name = d.Office
	}
	info.Phone, _ = p.Store.Setting(ctx, SettingPhone)
	info.Address, _ = p.Store.Setting(ctx, SettingAddress)
	return info, nil
}

// letterNumber returns the hukou letter number of case c: the one it was
// given at its first print (then reprint is true), or a new one. Numbers
// come from the per-device sequence and carry the device code, so two
// counters offline never issue the same number and a number is never
// reused: 威退役落字〔2026〕第HC01-0012号.
func (p *Printing) letterNumber(ctx context.Context, a store.Actor, c *casework.Case, now time.Time) (number string, reprint bool, err error) {
	key := letterPrefix + c.ID
	if n, err := p.Store.Setting(ctx, key); err == nil && n != "" {
		return n, true, nil
	}
	dev, err := p.Store.Device(ctx)
	if err != nil {
		return "", false, fmt.Errorf("letter number: %w", err)
	}
	seq, err := p.Store.NextSequence(ctx, "hukou_letter", now.Year())
	if err != nil {
		return "", false, fmt.Errorf("letter number: %w", err)
	}
	number = fmt.Sprintf("威退役落字〔%d〕第%s-%04d号", now.Year(), dev.Code, seq)
	if err := p.Store.SetSetting(ctx, key, number); err != nil {
		return "", false, fmt.Errorf("letter number: %w", err)
	}
	if err := p.Store.RecordEvent(ctx, a, c.ID, store.EventLetter, number); err != nil {
		return "", false, fmt.Errorf("letter number: %w", err)
	}
	return number, false, nil
}

// sealLetter returns the signed text of the QR code of letter number of
// case c issued now (internal/letterseal), signed with the desk's
// certified letter key; syncclient.ErrNoLetterKey when it has none.
func (p *Printing) sealLetter(ctx context.Context, c *casework.Case, number string, now time.Time) (string, error) {
	lk, err := syncclient.LoadLetterKey(ctx, p.Store)
	if err != nil {
		return "", err
	}
	id := c.Value(casework.FieldIDNumber)
	text, err := letterseal.Seal(lk.Key, lk.Cert, letterseal.Letter{Number: number, Case: c.Number,
		Name: c.Value(casework.FieldName), MaskedID: casework.MaskID(id), IDDigest: letterseal.IDDigest(id, number),
		Station: printing.StationName(p.Cat.PoliceStation(c.Value(casework.FieldPoliceStation))),
		Issued:  now, ValidDays: p.validDays()})
	if err != nil {
		return "", fmt.Errorf("letter %s: %w", number, err)
	}
	return text, nil
}

// VoidLetter voids the hukou letter of case caseID: its number is kept in
// the audit log and never reused; the next print takes a new number.
func (p *Printing) VoidLetter(ctx context.Context, a store.Actor, caseID, reason string) error {
	key := letterPrefix + caseID
	n, err := p.Store.Setting(ctx, key)
	if err != nil || n == "" {
		return fmt.Errorf("void letter of %s: %w", caseID, ErrNotPrintable)
	}
	if err := p.Store.SetSetting(ctx, key, ""); err != nil {
		return fmt.Errorf("void letter: %w", err)
	}
	// the event reaches the hub, whose /verify then answers 已作废
	if err := p.Store.RecordEvent(ctx, a, caseID, store.EventLetterVoid, n); err != nil {
		return fmt.Errorf("void letter: %w", err)
	}
	return p.Store.Audit(ctx, store.AuditEntry{UserID: a.UserID, Login: a.Login, Action: "void", Target: n, Success: true, Detail: reason})
}

// LookupCode is the short code printed with the receipt's QR code for
// progress look-up (casework.LookupCode).
func LookupCode(c *casework.Case) string { return casework.LookupCode(c) }
