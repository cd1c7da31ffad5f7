package report

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"

	"vetdesk/casework"
)

// RosterEntry is one accepted row of a roster: the values it gives, keyed
// by casework field code, to pre-fill intake when its ID number is typed.
// Hash is the SHA-256 of the ID number and the values (not of the row
// number), so re-importing the same roster, even re-sorted, changes
// nothing.
type RosterEntry struct {
	IDNumber  string
	Values    map[string]string
	SourceRow int // 1-based row in the sheet
	Hash      string
}

// RosterReject is a row that failed, with every reason in Chinese for the
// sender to fix, and the row's cells as they were.
type RosterReject struct {
	SourceRow int
	Cells     []string
	Reasons   []string
}

// RosterResult is what ReadRoster found.
type RosterResult struct {
	Sheet     string
	HeaderRow int               // 1-based
	Header    []string          // the header cells as written
	Columns   map[string]string // field code -> header it was read from
	Ignored   []string          // headers that map to no field
	Entries   []RosterEntry     // accepted rows, in sheet order
	Rejected  []RosterReject    // failed rows, in sheet order
	Warnings  []RosterReject    // accepted rows with something to check
	Rows      int               // data rows read (empty rows not counted)
	Skipped   []int             // rows that hold no person: totals, notes (1-based)
}

// ErrNoHeader is returned when no sheet has a header row naming at least
// the name and ID number columns in its first ten rows.
var ErrNoHeader = errors.New("roster: no header row with name and id number")

// headerScanRows is how far down a sheet the header row is looked for.
const headerScanRows = 10

// rosterAliases are the header names rosters use for the fields, besides
// each field's own label in the catalogue.
var rosterAliases = map[string][]string{
	casework.FieldName:          {"姓名", "名字", "退役军人姓名", "人员姓名"},
	casework.FieldIDNumber:      {"公民身份号码", "身份证号", "身份证号码", "身份证", "公民身份证号码", "证件号码", "身份号码"},
	casework.FieldSex:           {"性别"},
	casework.FieldBirthDate:     {"出生日期", "出生年月", "出生时间"},
	casework.FieldPhone:         {"联系电话", "手机", "手机号", "手机号码", "电话", "电话号码", "联系方式"},
	casework.FieldEnlistDate:    {"入伍时间", "入伍日期", "入伍年月"},
	casework.FieldDischargeDate: {"退役时间", "退役日期", "退出现役时间", "退出现役日期", "退伍时间", "退役年月"},
	casework.FieldPlacement:     {"安置方式", "安置类别", "安置类型"},
	casework.FieldDivision:      {"安置地", "安置地区", "安置区市", "安置去向", "接收安置地"},
	casework.FieldCategory:      {"人员类别", "人员类型", "身份类别"},
}

// normHeader strips what varies in how a header is written: spaces, marks
// of required columns, colons and a trailing note in brackets.
func normHeader(s string) string {
	s = strings.Map(func(r rune) rune {
		switch r {
		case ' ', '\u3000', '\t', '\n', '\r', '*', '\uff0a', ':', '\uff1a':
			return -1
		}
		return r
	}, s)
	for _, open := range []string{"(", "\uff08"} {
		if i := strings.Index(s, open); i > 0 {
			s = s[:i]
		}
	}
	return s
}

// rosterReader holds what reading one roster needs.
type rosterReader struct {
	cat        *casework.Catalogue
	now        time.Time
	headers    map[string]string // normalised header -> field code
	placements map[string]string // name or code -> placement code
	divisions  map[string]string // name or code -> division code
}

func newRosterReader(cat *casework.Catalogue, now time.Time) *rosterReader {
	r := &rosterReader{cat: cat, now: now, headers: map[string]string{}, placements: map[string]string{}, divisions: map[string]string{}}
	for _, f := range cat.Fields {
		if f.Type != casework.TypePhoto && f.Type != casework.TypeDerived {
			r.headers[normHeader(f.Label)] = f.Code
		}
	}
	for code, names := range rosterAliases {
		for _, n := range names {
			r.headers[normHeader(n)] = code
		}
	}
	for _, p := range cat.Placements {
		r.placements[p.Name] = p.Code
		r.placements[p.Code] = p.Code
	}
	city := ""
	for _, d := range cat.Divisions {
		if d.Kind == "city" {
			city = d.Name
		}
	}
	for _, d := range cat.Divisions {
		r.divisions[d.Code] = d.Code
		r.divisions[d.Name] = d.Code
		if city != "" && d.Kind != "city" {
			r.divisions[city+d.Name] = d.Code
		}
		if short, ok := strings.CutSuffix(d.Office, "退役军人服务中心"); ok && short != "" {
			r.divisions[short] = d.Code
		}
	}
	return r
}

// mapHeader returns the field of each column of a header row, or nil when
// the row lacks the name or the ID number.
func (r *rosterReader) mapHeader(cells []string) []string {
	fields := make([]string, len(cells))
	seen := map[string]bool{}
	for i, c := range cells {
		code := r.headers[normHeader(c)]
		if code != "" && !seen[code] {
			fields[i], seen[code] = code, true
		}
	}
	if !seen[casework.FieldName] || !seen[casework.FieldIDNumber] {
		return nil
	}
	return fields
}

// ReadRoster reads an Excel roster of veterans: the first sheet with a
// header row (within its first ten rows) naming at least the name and ID
// number columns. Every data row is checked with the rules of casework;
// accepted rows become entries, failed ones are listed with their reasons.
func ReadRoster(ctx context.Context, rd io.Reader, cat *casework.Catalogue, now time.Time) (RosterResult, error) {
	f, err := excelize.OpenReader(rd)
	if err != nil {
		return RosterResult{}, fmt.Errorf("open roster: %w", err)
	}
	defer f.Close()
	r := newRosterReader(cat, now)
	for _, sheet := range f.GetSheetList() {
		res, found, err := r.readSheet(ctx, f, sheet)
		if err != nil {
			return RosterResult{}, err
		}
		if found {
			return res, nil
		}
	}
	return RosterResult{}, ErrNoHeader
}

func (r *rosterReader) readSheet(ctx context.Context, f *excelize.File, sheet string) (RosterResult, bool, error) {
	rows, err := f.Rows(sheet)
	if err != nil {
		return RosterResult{}, false, fmt.Errorf("read sheet %s: %w", sheet, err)
	}
	defer rows.Close()
	res := RosterResult{Sheet: sheet, Columns: map[string]string{}}
	var fields []string
	firstRow := map[string]int{} // ID number -> row it was first accepted on
	for n := 1; rows.Next(); n++ {
		if n%512 == 0 {
			if err := ctx.Err(); err != nil {
				return res, true, err
			}
		}
		cells, err := rows.Columns(excelize.Options{RawCellValue: true})
		if err != nil {
			return res, fields != nil, fmt.Errorf("read row %d: %w", n, err)
		}
		if fields == nil {
			if n > headerScanRows {
				return res, false, nil
			}
			if fields = r.mapHeader(cells); fields != nil {
				res.HeaderRow, res.Header = n, cells
				for i, code := range fields {
					if code != "" {
						res.Columns[code] = cells[i]
					} else if strings.TrimSpace(cells[i]) != "" {
						res.Ignored = append(res.Ignored, cells[i])
					}
				}
			}
			continue
		}
		if blank(cells) {
			continue
		}
		raw := map[string]string{}
		idCol := -1
		for i, code := range fields {
			if code != "" && i < len(cells) {
				raw[code] = strings.TrimSpace(cells[i])
			}
			if code == casework.FieldIDNumber {
				idCol = i
			}
		}
		if notPerson(raw, cells) {
			res.Skipped = append(res.Skipped, n)
			continue
		}
		res.Rows++
		e, reasons, warns := r.checkRow(raw, func() bool { return numberCell(f, sheet, idCol, n, raw[casework.FieldIDNumber]) })
		if dup, ok := firstRow[e.IDNumber]; ok && len(reasons) == 0 {
			reasons = append(reasons, fmt.Sprintf("公民身份号码与第%d行重复", dup))
		}
		if len(reasons) > 0 {
			res.Rejected = append(res.Rejected, RosterReject{SourceRow: n, Cells: r.display(fields, cells), Reasons: reasons})
			continue
		}
		firstRow[e.IDNumber] = n
		e.SourceRow = n
		res.Entries = append(res.Entries, e)
		if len(warns) > 0 {
			res.Warnings = append(res.Warnings, RosterReject{SourceRow: n, Cells: r.display(fields, cells), Reasons: warns})
		}
	}
	if err := rows.Error(); err != nil {
		return res, fields != nil, fmt.Errorf("read sheet %s: %w", sheet, err)
	}
	return res, fields != nil, nil
}

// display returns the cells as the sender sees them: real Excel dates,
// read as serial numbers, are shown as dates again.
func (r *rosterReader) display(fields, cells []string) []string {
	out := append([]string(nil), cells...)
	for i, code := range fields {
		if f := r.cat.Field(code); f != nil && f.Type == casework.TypeDate && i < len(out) {
			if v := strings.TrimSpace(out[i]); isSerial(v) {
				if d, ok := parseRosterDate(v); ok {
					out[i] = d
				}
			}
		}
	}
	return out
}

// isSerial reports whether a date cell holds an Excel serial number rather
// than a date typed as digits (20240901, 202409, 2024.09).
func isSerial(v string) bool {
	if _, err := strconv.ParseFloat(v, 64); err != nil || yearMonthRe.MatchString(v) {
		return false
	}
	return !allDigits(v) || len(v) != 6 && len(v) != 8
}

// summaryWords start the cells of rows that are not people: totals, notes,
// signatures under the table.
var summaryWords = []string{"合计", "总计", "小计", "共计", "累计", "备注", "注:", "注意", "说明", "填表", "制表", "审核", "负责人", "联系人", "报送单位", "填报单位", "单位(盖章)"}

// notPerson reports a row that holds no person: no digit in the ID number
// column and either no name or a cell that starts a total or a note
// (合计:40人, 注:身份证号请设为文本格式, 填表人:…). A row with a name and no ID
// number is a person whose number is missing, and is reported as such.
func notPerson(raw map[string]string, cells []string) bool {
	if strings.ContainsAny(casework.NormalizeIDNumber(raw[casework.FieldIDNumber]), "0123456789") {
		return false
	}
	if casework.NormalizeName(raw[casework.FieldName]) == "" {
		return true
	}
	for _, c := range cells {
		c = strings.NewReplacer("\uff1a", ":", "\uff08", "(", "\uff09", ")").Replace(casework.NormalizeName(c))
		for _, w := range summaryWords {
			if strings.HasPrefix(c, w) {
				return true
			}
		}
	}
	return false
}

// numberCell reports whether the ID number in column col of row n is held
// as a number, not text: Excel keeps 15 significant digits of a number, so
// the last digits of an 18-digit ID number are gone (3.71002E+17). Only a
// value that looks like a number is looked up in the sheet, and only for a
// number that does not check (a lookup walks the sheet's rows).
func numberCell(f *excelize.File, sheet string, col, n int, v string) bool {
	v = casework.NormalizeIDNumber(v)
	if col < 0 || v == "" {
		return false
	}
	if _, err := strconv.ParseFloat(v, 64); err != nil {
		return false
	}
	if !allDigits(v) {
		return true // 3.71002199001011E+17, 371002199001011000.0
	}
	cell, err := excelize.CoordinatesToCellName(col+1, n)
	if err != nil {
		return false
	}
	// a cell without a type attribute is a number (ECMA-376 §18.18.11)
	t, err := f.GetCellType(sheet, cell)
	return err == nil && (t == excelize.CellTypeNumber || t == excelize.CellTypeUnset)
}

func blank(cells []string) bool {
	for _, c := range cells {
		if strings.TrimSpace(c) != "" {
			return false
		}
	}
	return true
}

// entryHash is the SHA-256 of the ID number and the values in code order.
func entryHash(id string, values map[string]string) string {
	keys := make([]string, 0, len(values))
	for k := range values {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	h := sha256.New()
	fmt.Fprintf(h, "%s\x00", id)
	for _, k := range keys {
		fmt.Fprintf(h, "%s=%s\x00", k, values[k])
	}
	return hex.EncodeToString(h.Sum(nil))
}
