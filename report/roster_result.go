package report

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"

	"vetdesk/casework"
)

// Sheets of the import result workbook.
const (
	SheetRejected = "未通过的行"
	SheetWarnings = "需核对的行"
	SheetImport   = "导入情况"
)

// WriteImportResult writes, for the sender of a roster, the rows that were
// refused with the reasons next to the original cells, the rows accepted
// with something to check, and a summary of the import.
func WriteImportResult(w io.Writer, cat *casework.Catalogue, res RosterResult, now time.Time) error {
	f := excelize.NewFile()
	defer f.Close()
	st, err := newStyles(f)
	if err != nil {
		return err
	}
	if err := f.SetSheetName("Sheet1", SheetRejected); err != nil {
		return err
	}
	for _, name := range []string{SheetWarnings, SheetImport} {
		if _, err := f.NewSheet(name); err != nil {
			return fmt.Errorf("add sheet %s: %w", name, err)
		}
	}
	period := fmt.Sprintf("工作表“%s”,表头在第%d行;处理时间:%s", res.Sheet, res.HeaderRow, cnDate(now))
	if err := writeRowList(f, st, SheetRejected, heading{"花名册导入结果:未通过的行", period + ";请按“问题说明”修改后重新报送"}, res, res.Rejected); err != nil {
		return err
	}
	if err := writeRowList(f, st, SheetWarnings, heading{"花名册导入结果:已导入、需核对的行", period}, res, res.Warnings); err != nil {
		return err
	}
	if err := writeImportSummary(f, st, cat, res, heading{"花名册导入情况", period}); err != nil {
		return err
	}
	if err := f.Write(w); err != nil {
		return fmt.Errorf("write import result: %w", err)
	}
	return nil
}

func writeRowList(f *excelize.File, st *styles, name string, h heading, res RosterResult, rows []RosterReject) error {
	header := res.Header
	cols := []column{{"原表行号", 9}, {"问题说明", 44}}
	for _, c := range header {
		w := max(10, min(24, float64(len([]rune(c)))*2+2))
		if c == res.Columns[casework.FieldIDNumber] {
			w = 21
		}
		cols = append(cols, column{c, w})
	}
	s, err := openSheet(f, st, name, cols, 2)
	if err != nil {
		return err
	}
	if err := s.heading(h, ""); err != nil {
		return err
	}
	if err := s.header(24); err != nil {
		return err
	}
	for _, r := range rows {
		vals := []any{cl(st.textC, r.SourceRow), cl(st.textW, strings.Join(r.Reasons, ";"))}
		for i := range header {
			v := ""
			if i < len(r.Cells) {
				v = r.Cells[i]
			}
			vals = append(vals, cl(st.text, v))
		}
		if err := s.put(vals, 0); err != nil {
			return err
		}
	}
	if err := s.filter(headerRow, s.row, len(cols)); err != nil {
		return err
	}
	return s.flush()
}

func writeImportSummary(f *excelize.File, st *styles, cat *casework.Catalogue, res RosterResult, h heading) error {
	s, err := openSheet(f, st, SheetImport, []column{{"项目", 22}, {"内容", 60}}, 0)
	if err != nil {
		return err
	}
	if err := s.heading(h, ""); err != nil {
		return err
	}
	if err := s.header(22); err != nil {
		return err
	}
	line := func(k string, v any) error {
		style := st.text
		if _, ok := v.(int); ok {
			style = st.integer
		}
		return s.put([]any{cl(st.text, k), cl(style, v)}, 0)
	}
	var mapped []string
	for i := range cat.Fields {
		if head, ok := res.Columns[cat.Fields[i].Code]; ok {
			mapped = append(mapped, head+"→"+cat.Fields[i].Label)
		}
	}
	skipped := make([]string, len(res.Skipped))
	for i, n := range res.Skipped {
		skipped[i] = fmt.Sprintf("第%d行", n)
	}
	for _, kv := range []struct {
		k string
		v any
	}{
		{"数据行数", res.Rows}, {"导入成功", len(res.Entries)}, {"未通过", len(res.Rejected)}, {"已导入但需核对", len(res.Warnings)},
		{"识别的列", strings.Join(mapped, ";")}, {"未使用的列", strings.Join(res.Ignored, "、")},
		{"未作为人员读取的行(合计、备注等)", strings.Join(skipped, "、")},
	} {
		if err := line(kv.k, kv.v); err != nil {
			return err
		}
	}
	return s.flush()
}
