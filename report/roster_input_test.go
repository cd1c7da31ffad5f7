package report

import (
	"bytes"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"vetdesk/casework"
)

// wide writes ASCII digits and letters full-width, as the IME does.
func wide(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= '!' && r <= '~' {
			return r + 0xFEE0
		}
		return r
	}, s)
}

// TestRosterMessyInput guards roster import against what real rosters hold:
// full-width IDs (wholly, or the last digits after the IME switched), IDs
// padded with U+3000 and an Excel apostrophe, names padded with spaces,
// +86 phones, IDs Excel stored as numbers (their own message), a blank row,
// a totals row and a note under the table (skipped, not people), and a
// duplicate that only shows after normalising.
func TestRosterMessyInput(t *testing.T) {
	vs := veterans(t, 8, 21)
	f := excelize.NewFile()
	defer f.Close()
	const sh = "Sheet1"
	set := func(row int, vals ...any) {
		cell, _ := excelize.CoordinatesToCellName(1, row)
		if err := f.SetSheetRow(sh, cell, &vals); err != nil {
			t.Fatal(err)
		}
	}
	set(1, "序号", "姓名", "身份证号", "联系电话", "安置方式")
	row := func(i int, v veteran) []any { return []any{i, v.name, v.id, v.phone, v.placement} }
	r := row(1, vs[0]) // as it should be
	set(2, r...)
	r = row(2, vs[1]) // ID wholly full-width
	r[2] = wide(vs[1].id)
	set(3, r...)
	r = row(3, vs[2]) // last digits full-width, padded with U+3000, Excel apostrophe
	r[2] = "\u3000'" + vs[2].id[:14] + wide(vs[2].id[14:]) + "\u3000"
	set(4, r...)
	r = row(4, vs[3]) // name padded, +86 phone
	name := []rune(vs[3].name)
	r[1] = "\u3000" + string(name[:1]) + "\u3000" + string(name[1:]) + " "
	r[3] = "+86" + vs[3].phone
	set(5, r...)
	// row 6 left blank
	set(7, row(6, vs[4])...) // the ID cell becomes a number below
	if err := f.SetCellDefault(sh, "C7", "3.71002199001011E+17"); err != nil {
		t.Fatal(err)
	}
	set(8, row(7, vs[5])...) // a number written in full, its last digits zeros
	if err := f.SetCellFloat(sh, "C8", 371002199001011000, -1, 64); err != nil {
		t.Fatal(err)
	}
	r = row(8, vs[0]) // row 2 again, written full-width with spaces
	r[2] = wide(vs[0].id[:6]) + " " + wide(vs[0].id[6:])
	set(9, r...)
	set(10, "合计：40人")
	set(11, "", "注：身份证号请设为文本格式", "", "", "")
	set(12, "", "填表人：张三", "", "联系电话：0631-5201234")

	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	res := readRoster(t, buf.Bytes())

	wantIDs := []string{vs[0].id, vs[1].id, vs[2].id, vs[3].id}
	if len(res.Entries) != len(wantIDs) {
		t.Fatalf("ReadRoster = %d entries %+v, rejected %+v, want %d", len(res.Entries), res.Entries, res.Rejected, len(wantIDs))
	}
	for i, e := range res.Entries {
		if e.IDNumber != wantIDs[i] || e.Values["id_number"] != wantIDs[i] {
			t.Errorf("entry %d ID = %q (value %q), want %q", i, e.IDNumber, e.Values["id_number"], wantIDs[i])
		}
	}
	if e := res.Entries[3]; e.Values["name"] != vs[3].name || e.Values["phone"] != vs[3].phone {
		t.Errorf("padded row = name %q phone %q, want %q %q", e.Values["name"], e.Values["phone"], vs[3].name, vs[3].phone)
	}
	want := map[int]string{7: "被存成了数字", 8: "被存成了数字", 9: "与第2行重复"}
	if len(res.Rejected) != len(want) {
		t.Fatalf("ReadRoster rejected %+v, want rows 7, 8, 9", res.Rejected)
	}
	for _, rj := range res.Rejected {
		got := strings.Join(rj.Reasons, ";")
		if !strings.Contains(got, want[rj.SourceRow]) || strings.Contains(got, "校验位") {
			t.Errorf("row %d reasons %q, want %q and no check-digit hunt", rj.SourceRow, got, want[rj.SourceRow])
		}
	}
	if got := res.Skipped; len(got) != 3 || got[0] != 10 || got[1] != 11 || got[2] != 12 {
		t.Errorf("ReadRoster skipped rows %v, want [10 11 12] (totals, note, signature)", got)
	}
	if res.Rows != 7 {
		t.Errorf("ReadRoster rows = %d, want 7 (blank, totals and notes not counted)", res.Rows)
	}
}

// TestImportResultNamesSkippedRows guards that the sender learns which rows
// were taken for totals or notes rather than people.
func TestImportResultNamesSkippedRows(t *testing.T) {
	res := RosterResult{Sheet: "Sheet1", HeaderRow: 1, Header: []string{"姓名", "身份证号"}, Skipped: []int{10, 11}}
	var buf bytes.Buffer
	if err := WriteImportResult(&buf, loadCat(t), res, rosterNow); err != nil {
		t.Fatalf("WriteImportResult = %v", err)
	}
	f, err := excelize.OpenReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, _ := f.GetRows(SheetImport)
	for _, r := range rows {
		if len(r) > 1 && strings.HasPrefix(r[0], "未作为人员读取的行") {
			if r[1] != "第10行、第11行" {
				t.Errorf("skipped rows line = %q, want 第10行、第11行", r[1])
			}
			return
		}
	}
	t.Errorf("import summary %q has no line for skipped rows", rows)
}

// TestRosterIDRules guards the rules a veteran's ID number now follows in
// roster import too: no birth before 1900, no area code abolished before the
// year of birth (GB/T 2260 years).
func TestRosterIDRules(t *testing.T) {
	withCheck := func(first17 string) string {
		return first17 + string(casework.IDCheckDigit(first17))
	}
	rows := [][]any{
		{"张一", withCheck("37108120160101001")}, // 文登市, abolished 2014
		{"张二", withCheck("11010518990101001")}, // born 1899
		{"张三", withCheck("37108119900101001")}, // 文登市, born before 2014: fine
		{"张四", withCheck("37100320160101001")}, // 文登区: fine
	}
	res := readRoster(t, makeRoster(t, nil, []string{"姓名", "公民身份号码"}, rows))
	if len(res.Entries) != 2 || len(res.Rejected) != 2 {
		t.Fatalf("ReadRoster = %d entries, rejected %+v, want 2 and 2", len(res.Entries), res.Rejected)
	}
	for i, want := range []string{"2014年已撤销", "早于1900年"} {
		if got := strings.Join(res.Rejected[i].Reasons, ";"); !strings.Contains(got, want) {
			t.Errorf("row %d reasons %q, want %q", res.Rejected[i].SourceRow, got, want)
		}
	}
}
