package report

import (
	"fmt"

	"github.com/xuri/excelize/v2"
)

// fontName is the face the workbook asks for; offices have it, and other
// machines substitute their CJK sans.
const fontName = "宋体"

// styles are the cell styles of the reports.
type styles struct {
	plain, title, period, header, section, note int
	text, textC, textW, integer, pct, dec, date int
	totText, totInt, totPct, totDec             int
}

func newStyles(f *excelize.File) (*styles, error) {
	if err := f.SetDefaultFont(fontName); err != nil {
		return nil, fmt.Errorf("set font: %w", err)
	}
	border := []excelize.Border{
		{Type: "left", Color: "808080", Style: 1}, {Type: "right", Color: "808080", Style: 1},
		{Type: "top", Color: "808080", Style: 1}, {Type: "bottom", Color: "808080", Style: 1},
	}
	font := func(size float64, bold bool) *excelize.Font {
		return &excelize.Font{Family: fontName, Size: size, Bold: bold}
	}
	middle := func(h string) *excelize.Alignment {
		return &excelize.Alignment{Horizontal: h, Vertical: "center", WrapText: true}
	}
	fmtPct, fmtDec, fmtDate := "0.0%", "0.0", "yyyy-mm-dd"
	total := excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"F2F2F2"}}
	s := &styles{}
	for _, d := range []struct {
		id *int
		s  excelize.Style
	}{
		{&s.plain, excelize.Style{Font: font(11, false)}},
		{&s.title, excelize.Style{Font: font(16, true), Alignment: middle("center")}},
		{&s.period, excelize.Style{Font: &excelize.Font{Family: fontName, Size: 10, Color: "404040"}, Alignment: &excelize.Alignment{Vertical: "center"}}},
		{&s.section, excelize.Style{Font: font(12, true), Alignment: &excelize.Alignment{Vertical: "center"}}},
		{&s.note, excelize.Style{Font: &excelize.Font{Family: fontName, Size: 9, Color: "595959"}, Alignment: &excelize.Alignment{Vertical: "top", WrapText: true}}},
		{&s.header, excelize.Style{Font: font(10.5, true), Border: border, Alignment: middle("center"),
			Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"DDEBF7"}}}},
		{&s.text, excelize.Style{Font: font(10, false), Border: border, Alignment: &excelize.Alignment{Vertical: "center"}}},
		{&s.textC, excelize.Style{Font: font(10, false), Border: border, Alignment: middle("center")}},
		{&s.textW, excelize.Style{Font: font(10, false), Border: border, Alignment: middle("left")}},
		{&s.integer, excelize.Style{Font: font(10, false), Border: border, NumFmt: 3, Alignment: &excelize.Alignment{Vertical: "center"}}},
		{&s.pct, excelize.Style{Font: font(10, false), Border: border, CustomNumFmt: &fmtPct, Alignment: &excelize.Alignment{Vertical: "center"}}},
		{&s.dec, excelize.Style{Font: font(10, false), Border: border, CustomNumFmt: &fmtDec, Alignment: &excelize.Alignment{Vertical: "center"}}},
		{&s.date, excelize.Style{Font: font(10, false), Border: border, CustomNumFmt: &fmtDate, Alignment: middle("center")}},
		{&s.totText, excelize.Style{Font: font(10, true), Border: border, Fill: total, Alignment: &excelize.Alignment{Vertical: "center"}}},
		{&s.totInt, excelize.Style{Font: font(10, true), Border: border, Fill: total, NumFmt: 3}},
		{&s.totPct, excelize.Style{Font: font(10, true), Border: border, Fill: total, CustomNumFmt: &fmtPct}},
		{&s.totDec, excelize.Style{Font: font(10, true), Border: border, Fill: total, CustomNumFmt: &fmtDec}},
	} {
		id, err := f.NewStyle(&d.s)
		if err != nil {
			return nil, fmt.Errorf("new style: %w", err)
		}
		*d.id = id
	}
	return s, nil
}

// heading is the top of every sheet: title, then period and scope.
type heading struct{ title, period string }

// column is one column of a sheet: its header and width in characters.
type column struct {
	head  string
	width float64
}

// sheetWriter streams one sheet: heading, header, rows.
type sheetWriter struct {
	f    *excelize.File
	sw   *excelize.StreamWriter
	st   *styles
	name string
	cols []column
	row  int // last row written
}

// headerRow is the row of the column headers under the two heading rows.
const headerRow = 3

// openSheet prepares the page set-up of sheet and starts its stream with
// the column widths and the panes frozen under the header row (and right of
// freezeCols columns).
func openSheet(f *excelize.File, st *styles, name string, cols []column, freezeCols int) (*sheetWriter, error) {
	return openSheetTitles(f, st, name, cols, freezeCols, true)
}

// openSheetTitles is openSheet; printTitles repeats the header row on every
// printed page.
func openSheetTitles(f *excelize.File, st *styles, name string, cols []column, freezeCols int, printTitles bool) (*sheetWriter, error) {
	landscape, a4, one, zero, yes := "landscape", 9, 1, 0, true
	if err := f.SetPageLayout(name, &excelize.PageLayoutOptions{Orientation: &landscape, Size: &a4, FitToWidth: &one, FitToHeight: &zero}); err != nil {
		return nil, fmt.Errorf("page layout: %w", err)
	}
	if err := f.SetSheetProps(name, &excelize.SheetPropsOptions{FitToPage: &yes}); err != nil {
		return nil, fmt.Errorf("sheet props: %w", err)
	}
	if printTitles {
		if err := f.SetDefinedName(&excelize.DefinedName{
			Name: "_xlnm.Print_Titles", RefersTo: fmt.Sprintf("'%s'!$%d:$%d", name, headerRow, headerRow), Scope: name,
		}); err != nil {
			return nil, fmt.Errorf("print titles: %w", err)
		}
	}
	sw, err := f.NewStreamWriter(name)
	if err != nil {
		return nil, fmt.Errorf("stream: %w", err)
	}
	for i, c := range cols {
		if err := sw.SetColWidth(i+1, i+1, c.width); err != nil {
			return nil, err
		}
	}
	top, _ := excelize.CoordinatesToCellName(freezeCols+1, headerRow+1)
	pane := "bottomLeft"
	if freezeCols > 0 {
		pane = "bottomRight"
	}
	if err := sw.SetPanes(&excelize.Panes{
		Freeze: true, XSplit: freezeCols, YSplit: headerRow, TopLeftCell: top, ActivePane: pane,
		Selection: []excelize.Selection{{SQRef: top, ActiveCell: top, Pane: pane}},
	}); err != nil {
		return nil, fmt.Errorf("panes: %w", err)
	}
	return &sheetWriter{f: f, sw: sw, st: st, name: name, cols: cols}, nil
}

func (s *sheetWriter) cell(col, row int) string {
	ref, _ := excelize.CoordinatesToCellName(col, row)
	return ref
}

// heading writes the title and period rows, merged across the columns.
func (s *sheetWriter) heading(h heading, sub string) error {
	last := len(s.cols)
	if err := s.put([]any{excelize.Cell{StyleID: s.st.title, Value: h.title + sub}}, 36); err != nil {
		return err
	}
	if err := s.put([]any{excelize.Cell{StyleID: s.st.period, Value: h.period}}, 20); err != nil {
		return err
	}
	for r := 1; r <= 2; r++ {
		if err := s.sw.MergeCell(s.cell(1, r), s.cell(last, r)); err != nil {
			return err
		}
	}
	return nil
}

// header writes the column headers in the header style.
func (s *sheetWriter) header(height float64) error {
	vals := make([]any, len(s.cols))
	for i, c := range s.cols {
		vals[i] = excelize.Cell{StyleID: s.st.header, Value: c.head}
	}
	return s.put(vals, height)
}

// put writes vals on the next row; height 0 keeps the default.
func (s *sheetWriter) put(vals []any, height float64) error {
	s.row++
	var opts []excelize.RowOpts
	if height > 0 {
		opts = append(opts, excelize.RowOpts{Height: height})
	}
	if err := s.sw.SetRow(s.cell(1, s.row), vals, opts...); err != nil {
		return fmt.Errorf("row %d: %w", s.row, err)
	}
	return nil
}

// putPlain writes vals on the next row, whose cells all carry their own
// style: the row's plain style spares excelize looking up a column style
// for every cell.
func (s *sheetWriter) putPlain(vals []any) error {
	s.row++
	if err := s.sw.SetRow(s.cell(1, s.row), vals, excelize.RowOpts{StyleID: s.st.plain}); err != nil {
		return fmt.Errorf("row %d: %w", s.row, err)
	}
	return nil
}

// skip leaves n rows empty.
func (s *sheetWriter) skip(n int) { s.row += n }

// merged writes one value on the next row, merged across ncol columns.
func (s *sheetWriter) merged(v string, style, ncol int, height float64) error {
	if err := s.put([]any{excelize.Cell{StyleID: style, Value: v}}, height); err != nil {
		return err
	}
	return s.sw.MergeCell(s.cell(1, s.row), s.cell(ncol, s.row))
}

// filter sets the autofilter over ncol columns from the header at row
// first down to row last.
func (s *sheetWriter) filter(first, last, ncol int) error {
	if last < first {
		last = first
	}
	if err := s.f.AutoFilter(s.name, s.cell(1, first)+":"+s.cell(ncol, last), nil); err != nil {
		return fmt.Errorf("autofilter: %w", err)
	}
	return nil
}

func (s *sheetWriter) flush() error {
	if err := s.sw.Flush(); err != nil {
		return fmt.Errorf("flush %s: %w", s.name, err)
	}
	return nil
}

// Cell helpers: a value in a style; a nil value leaves the cell empty but
// styled (a rate with nothing to divide).
func cl(style int, v any) excelize.Cell { return excelize.Cell{StyleID: style, Value: v} }

func optFloat(style int, v float64, ok bool) excelize.Cell {
	if !ok {
		return excelize.Cell{StyleID: style}
	}
	return excelize.Cell{StyleID: style, Value: v}
}

func dateCell(style int, d day, ok bool) excelize.Cell {
	if !ok {
		return excelize.Cell{StyleID: style}
	}
	return excelize.Cell{StyleID: style, Value: d.excelSerial()}
}
