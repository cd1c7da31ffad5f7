package report

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"time"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"

	"vetdesk/casework"
)

// Source gives the cases a report is made of. The store implements it; the
// function may stop the walk by returning an error, which EachCase returns.
type Source interface {
	EachCase(ctx context.Context, fn func(*casework.Case) error) error
}

// Sheet names one sheet of the report workbook.
type Sheet string

// The sheets of the report workbook, in workbook order.
const (
	SheetSummary    Sheet = "汇总表"
	SheetDepartment Sheet = "部门时效"
	SheetTrend      Sheet = "月度趋势"
	SheetDetail     Sheet = "案件明细"
	SheetRatings    Sheet = "好差评"
)

// AllSheets lists every sheet in workbook order.
var AllSheets = []Sheet{SheetSummary, SheetDepartment, SheetTrend, SheetDetail, SheetRatings}

// Params says what a report covers.
//
// A case belongs to the report when its intake office is Office or lies
// under it (Office empty or the city's code means every office; a code that
// is no division matches the case's station) and it was accepted between
// From and To, both dates included (a zero bound is open). The trend sheet
// also counts, month by month, cases and tasks of those offices finished in
// the period whenever they were accepted. Open tasks are overdue when a
// working day has passed since their due date at Today.
type Params struct {
	From, To   time.Time
	Office     string
	Today      time.Time
	FullValues bool    // the role may see full ID, phone and bank numbers
	Title      string  // heading of every sheet; empty: made from Office
	Sheets     []Sheet // sheets to write, in workbook order; empty: all
	// Password, when set, encrypts the workbook (ECMA-376 standard
	// encryption, AES-128, as excelize writes it): Excel, WPS and
	// LibreOffice ask for it to open the file. CheckPassword says which
	// passwords are taken.
	Password string
}

// Password lengths a workbook password may have: Excel takes at most 255
// characters; fewer than 8 would be guessed offline in no time.
const (
	MinPasswordLen = 8
	MaxPasswordLen = 255
)

// ErrPasswordLength: a workbook password shorter than MinPasswordLen or
// longer than MaxPasswordLen characters.
var ErrPasswordLength = fmt.Errorf("workbook password must be %d to %d characters", MinPasswordLen, MaxPasswordLen)

// CheckPassword checks a workbook password (Params.Password); the empty
// one means no encryption and is fine.
func CheckPassword(pw string) error {
	if n := utf8.RuneCountInString(pw); pw != "" && (n < MinPasswordLen || n > MaxPasswordLen) {
		return ErrPasswordLength
	}
	return nil
}

// Result describes a written report. The caller audits exports whose
// FullValues is true.
type Result struct {
	Cases      int     // cases in the report
	Tasks      int     // tasks of those cases
	Overdue    int     // open tasks overdue at Today
	Ratings    int     // ratings on the 好差评 sheet
	FullValues bool    // full ID, phone and bank numbers were written
	Sheets     []Sheet // sheets written, in workbook order
	Encrypted  bool    // the workbook opens only with Params.Password
}

// ErrNoSheet is returned when Params.Sheets names a sheet that does not exist.
var ErrNoSheet = errors.New("no such sheet")

// Write writes the report workbook of the cases of src to w.
func Write(ctx context.Context, w io.Writer, src Source, cat *casework.Catalogue, p Params) (Result, error) {
	sheets, err := chosenSheets(p.Sheets)
	if err != nil {
		return Result{}, err
	}
	if err := CheckPassword(p.Password); err != nil {
		return Result{}, err
	}
	if p.Today.IsZero() {
		p.Today = time.Now()
	}
	res := Result{Sheets: sheets}
	f := excelize.NewFile()
	defer f.Close()
	f.SetZipWriter(fastZip)
	st, err := newStyles(f)
	if err != nil {
		return res, err
	}
	for i, s := range sheets {
		if i == 0 {
			err = f.SetSheetName("Sheet1", string(s))
		} else {
			_, err = f.NewSheet(string(s))
		}
		if err != nil {
			return res, fmt.Errorf("add sheet %s: %w", s, err)
		}
	}
	a := newAggregate(cat, p)
	head := heading{title: reportTitle(cat, p), period: periodLine(cat, p)}
	var dw *detailWriter
	if has(sheets, SheetDetail) {
		if dw, err = newDetailWriter(f, st, cat, head, p.FullValues); err != nil {
			return res, err
		}
		defer dw.close()
	}
	var ratings []casework.Rating
	names := map[string]string{} // rated case -> name, filled by the walk
	if has(sheets, SheetRatings) {
		if ratings, err = ratingsInPeriod(ctx, src, a); err != nil {
			return res, err
		}
		for _, r := range ratings {
			names[r.CaseID] = ""
		}
	}
	n := 0
	err = src.EachCase(ctx, func(c *casework.Case) error {
		if n++; n%1024 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		if _, ok := names[c.ID]; ok {
			names[c.ID] = c.Values[casework.FieldName]
		}
		if !a.add(c) || dw == nil {
			return nil
		}
		return dw.row(c, a.last)
	})
	if err != nil {
		return res, fmt.Errorf("read cases: %w", err)
	}
	if err := ctx.Err(); err != nil {
		return res, err
	}
	if dw != nil {
		if err := dw.finish(); err != nil {
			return res, err
		}
	}
	for _, s := range sheets {
		switch s {
		case SheetSummary:
			err = writeSummary(f, st, a, head)
		case SheetDepartment:
			err = writeDepartments(f, st, a, head)
		case SheetTrend:
			err = writeTrend(f, st, a, head)
		case SheetRatings:
			err = writeRatings(f, st, a, head, ratings, names, p.FullValues)
		}
		if err != nil {
			return res, fmt.Errorf("write sheet %s: %w", s, err)
		}
	}
	// no SetActiveSheet: the first sheet is active already, and touching a
	// flushed stream sheet would parse it back into memory
	if err := f.SetDocProps(&excelize.DocProperties{
		Title:   head.title,
		Creator: "vetdesk",
		Created: p.Today.UTC().Format(time.RFC3339),
	}); err != nil {
		return res, fmt.Errorf("set properties: %w", err)
	}
	if err := writeWorkbook(f, w, p.Password); err != nil {
		return res, fmt.Errorf("write workbook: %w", err)
	}
	res.Cases, res.Tasks, res.Overdue, res.Ratings = a.cases, a.tasks, len(a.overdue), len(ratings)
	res.FullValues = p.FullValues && (dw != nil || has(sheets, SheetRatings))
	res.Encrypted = p.Password != ""
	return res, nil
}

// writeWorkbook writes f to w, encrypted with password when it is set.
func writeWorkbook(f *excelize.File, w io.Writer, password string) error {
	if password == "" {
		return f.Write(w)
	}
	var plain bytes.Buffer
	if err := f.Write(&plain); err != nil {
		return err
	}
	enc, err := excelize.Encrypt(plain.Bytes(), &excelize.Options{Password: password})
	clear(plain.Bytes()) // the workbook in clear goes no further than this
	if err != nil {
		return fmt.Errorf("encrypt: %w", err)
	}
	_, err = w.Write(enc)
	return err
}

func chosenSheets(want []Sheet) ([]Sheet, error) {
	if len(want) == 0 {
		return AllSheets, nil
	}
	var out []Sheet
	for _, s := range AllSheets { // workbook order whatever the caller's order
		if has(want, s) {
			out = append(out, s)
		}
	}
	for _, s := range want {
		if !has(AllSheets, s) {
			return nil, fmt.Errorf("sheet %q: %w", s, ErrNoSheet)
		}
	}
	return out, nil
}

func has(list []Sheet, s Sheet) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// fastZip compresses at the fastest deflate level, on every core: a
// report's XML is very repetitive, so the file is hardly bigger and is
// written several times faster than at the default level.
func fastZip(w io.Writer) excelize.ZipWriter {
	zw := zip.NewWriter(w)
	zw.RegisterCompressor(zip.Deflate, func(out io.Writer) (io.WriteCloser, error) {
		return newPflate(out), nil
	})
	return zw
}

// scopeName returns the name of the org unit of the report.
func scopeName(cat *casework.Catalogue, office string) string {
	if office == "" {
		for _, d := range cat.Divisions {
			if d.Kind == "city" {
				return d.Name
			}
		}
		return "全市"
	}
	if d := cat.Division(office); d != nil {
		if d.Kind == "city" || d.Parent == "" {
			return d.Name
		}
		if p := cat.Division(d.Parent); p != nil && p.Kind == "city" {
			return p.Name + d.Name
		}
		return d.Name
	}
	return office
}

func reportTitle(cat *casework.Catalogue, p Params) string {
	if p.Title != "" {
		return p.Title
	}
	return scopeName(cat, p.Office) + "“军人退役一件事”办理情况"
}

func periodLine(cat *casework.Catalogue, p Params) string {
	from, to := "开始", "今"
	if !p.From.IsZero() {
		from = cnDate(p.From)
	}
	if !p.To.IsZero() {
		to = cnDate(p.To)
	}
	return fmt.Sprintf("统计期间:%s至%s    统计范围:%s    统计截至:%s", from, to, scopeName(cat, p.Office), cnDate(p.Today))
}

func cnDate(t time.Time) string {
	y, m, d := t.Date()
	return fmt.Sprintf("%d年%d月%d日", y, m, d)
}

// ValueFields are the form values the reports read: a Source may load only
// these (with the case's number, state, office, items, dates and tasks).
var ValueFields = []string{casework.FieldName, casework.FieldSex, casework.FieldIDNumber, casework.FieldPhone,
	casework.FieldCategory, casework.FieldPlacement, casework.FieldDivision, casework.FieldBankAccount}
