package report

import (
	"bytes"
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"vetdesk/casework"
)

var rosterNow = time.Date(2026, 7, 15, 10, 0, 0, 0, time.UTC)

// makeRoster writes a roster workbook: optional lines above the header,
// the header, then the rows. time.Time cells are real Excel dates.
func makeRoster(t testing.TB, above []string, header []string, rows [][]any) []byte {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	sw, err := f.NewStreamWriter("Sheet1")
	if err != nil {
		t.Fatal(err)
	}
	dateStyle, _ := f.NewStyle(&excelize.Style{NumFmt: 14})
	r := 1
	put := func(vals []any) {
		cell, _ := excelize.CoordinatesToCellName(1, r)
		for i, v := range vals {
			if tm, ok := v.(time.Time); ok {
				vals[i] = excelize.Cell{StyleID: dateStyle, Value: tm}
			}
		}
		if err := sw.SetRow(cell, vals); err != nil {
			t.Fatal(err)
		}
		r++
	}
	for _, a := range above {
		put([]any{a})
	}
	h := make([]any, len(header))
	for i, s := range header {
		h[i] = s
	}
	put(h)
	for _, row := range rows {
		put(row)
	}
	if err := sw.Flush(); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// veteran is a generated roster line.
type veteran struct {
	name, id, sex, phone, placement, division string
	enlist, discharge                         time.Time
}

func veterans(t testing.TB, n int, seed uint64) []veteran {
	cat := loadCat(t)
	g := casework.NewGenerator(cat, seed, rosterNow)
	out := make([]veteran, n)
	for i := range out {
		v := g.Values()
		en, _ := time.Parse("2006-01-02", v[casework.FieldEnlistDate])
		dis, _ := time.Parse("2006-01-02", v[casework.FieldDischargeDate])
		out[i] = veteran{
			name: v[casework.FieldName], id: v[casework.FieldIDNumber], sex: v[casework.FieldSex], phone: v[casework.FieldPhone],
			placement: cat.Placement(v[casework.FieldPlacement]).Name, division: cat.Division(v[casework.FieldDivision]).Name,
			enlist: en, discharge: dis,
		}
	}
	return out
}

func readRoster(t *testing.T, b []byte) RosterResult {
	t.Helper()
	res, err := ReadRoster(context.Background(), bytes.NewReader(b), loadCat(t), rosterNow)
	if err != nil {
		t.Fatalf("ReadRoster = %v", err)
	}
	return res
}

func TestRosterHeaderVariants(t *testing.T) {
	cat := loadCat(t)
	vs := veterans(t, 4, 11)
	tests := []struct {
		name   string
		above  []string
		header []string
		row    func(v veteran) []any
	}{
		{"official names, dates as Excel dates", nil,
			[]string{"姓名", "公民身份号码", "性别", "入伍时间", "退役时间", "安置方式", "安置地", "联系电话"},
			func(v veteran) []any {
				return []any{v.name, v.id, v.sex, v.enlist, v.discharge, v.placement, v.division, v.phone}
			}},
		{"variants under a title, slashes", []string{"2026年退役军人花名册", "填报单位:某部"},
			[]string{"序号", "名字", "身份证号码", "手机号", "入伍日期", "退出现役时间", "安置类别", "备注", "安置地区"},
			func(v veteran) []any {
				return []any{1, v.name, v.id, v.phone, v.enlist.Format("2006/1/2"), v.discharge.Format("2006/1/2"), v.placement, "无", "威海市" + v.division}
			}},
		{"short names, compact dates", nil,
			[]string{"* 姓名", "身份证号", "电话", "入伍时间(年月日)", "退役日期", "安置方式"},
			func(v veteran) []any {
				return []any{v.name, v.id, v.phone, v.enlist.Format("20060102"), v.discharge.Format("2006.01.02"), v.placement}
			}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var rows [][]any
			for _, v := range vs {
				rows = append(rows, tc.row(v))
			}
			res := readRoster(t, makeRoster(t, tc.above, tc.header, rows))
			if res.HeaderRow != len(tc.above)+1 {
				t.Errorf("ReadRoster header row = %d, want %d", res.HeaderRow, len(tc.above)+1)
			}
			if len(res.Entries) != len(vs) || len(res.Rejected) != 0 {
				t.Fatalf("ReadRoster = %d entries, %d rejected %v, want %d, 0", len(res.Entries), len(res.Rejected), res.Rejected, len(vs))
			}
			for i, e := range res.Entries {
				v := vs[i]
				want := map[string]string{
					casework.FieldIDNumber: v.id, casework.FieldName: v.name, casework.FieldSex: v.sex,
					casework.FieldEnlistDate: v.enlist.Format("2006-01-02"), casework.FieldDischargeDate: v.discharge.Format("2006-01-02"),
					casework.FieldPhone: v.phone,
				}
				for code, w := range want {
					if e.Values[code] != w {
						t.Errorf("entry %d %s = %q, want %q", i, code, e.Values[code], w)
					}
				}
				if p := cat.Placement(e.Values[casework.FieldPlacement]); p == nil || p.Name != v.placement {
					t.Errorf("entry %d placement = %q, want code of %s", i, e.Values[casework.FieldPlacement], v.placement)
				}
				if e.IDNumber != v.id || e.SourceRow != res.HeaderRow+1+i || len(e.Hash) != 64 {
					t.Errorf("entry %d = %s row %d hash %q, want %s row %d", i, e.IDNumber, e.SourceRow, e.Hash, v.id, res.HeaderRow+1+i)
				}
			}
		})
	}
}

func TestRosterBadRows(t *testing.T) {
	vs := veterans(t, 8, 12)
	header := []string{"姓名", "公民身份号码", "性别", "入伍时间", "退役时间", "安置方式", "联系电话"}
	row := func(v veteran) []any {
		return []any{v.name, v.id, v.sex, v.enlist.Format("2006-01-02"), v.discharge.Format("2006-01-02"), v.placement, v.phone}
	}
	otherSex := map[string]string{"男": "女", "女": "男"}
	badCheck := func(id string) string {
		c := byte('0')
		if id[17] == '0' {
			c = '1'
		}
		return id[:17] + string(c)
	}
	tests := []struct {
		name   string
		change func(r []any)
		want   string
	}{
		{"wrong check digit", func(r []any) { r[1] = badCheck(r[1].(string)) }, "校验位不对"},
		{"bad date", func(r []any) { r[3] = "2024-13-45" }, "入伍时间“2024-13-45”不是有效日期"},
		{"unknown placement", func(r []any) { r[5] = "待分配" }, "安置方式“待分配”不在目录中"},
		{"mismatched sex", func(r []any) { r[2] = otherSex[r[2].(string)] }, "与公民身份号码不符"},
		{"bad phone", func(r []any) { r[6] = "12345" }, "联系电话“12345”不是有效的手机号码"},
		{"missing name", func(r []any) { r[0] = "" }, "姓名未填写"},
		{"discharge before enlist", func(r []any) { r[4] = "1990-01-01" }, "应晚于入伍时间"},
	}
	var rows [][]any
	for i, tc := range tests {
		r := row(vs[i])
		tc.change(r)
		rows = append(rows, r)
	}
	rows = append(rows, row(vs[len(tests)]), row(vs[len(tests)])) // a good row, then its duplicate
	res := readRoster(t, makeRoster(t, nil, header, rows))
	if len(res.Entries) != 1 || len(res.Rejected) != len(tests)+1 {
		t.Fatalf("ReadRoster = %d entries, %d rejected, want 1, %d", len(res.Entries), len(res.Rejected), len(tests)+1)
	}
	for i, tc := range tests {
		rj := res.Rejected[i]
		if got := strings.Join(rj.Reasons, ";"); rj.SourceRow != i+2 || !strings.Contains(got, tc.want) {
			t.Errorf("%s: row %d reasons %q, want row %d with %q", tc.name, rj.SourceRow, got, i+2, tc.want)
		}
	}
	if got := res.Rejected[len(tests)].Reasons; len(got) != 1 || !strings.Contains(got[0], "重复") {
		t.Errorf("duplicate row reasons = %v, want a duplicate", got)
	}

	// the result workbook lists the same rows and reasons for the sender
	var buf bytes.Buffer
	if err := WriteImportResult(&buf, loadCat(t), res, rosterNow); err != nil {
		t.Fatalf("WriteImportResult = %v", err)
	}
	f, err := excelize.OpenReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	got, _ := f.GetRows(SheetRejected)
	got = got[headerRow:]
	if len(got) != len(res.Rejected) {
		t.Fatalf("WriteImportResult rows = %d, want %d", len(got), len(res.Rejected))
	}
	for i, r := range got {
		if want := strings.Join(res.Rejected[i].Reasons, ";"); r[1] != want || r[2] != res.Rejected[i].Cells[0] {
			t.Errorf("WriteImportResult row %d = %q %q, want %q %q", i, r[1], r[2], want, res.Rejected[i].Cells[0])
		}
	}
}

func TestRosterReimport(t *testing.T) {
	vs := veterans(t, 30, 13)
	header := []string{"姓名", "身份证号", "性别", "入伍时间", "退役时间", "安置方式", "手机"}
	var rows, reversed [][]any
	for _, v := range vs {
		rows = append(rows, []any{v.name, v.id, v.sex, v.enlist, v.discharge, v.placement, v.phone})
	}
	for i := len(rows) - 1; i >= 0; i-- {
		reversed = append(reversed, append([]any(nil), rows[i]...))
	}
	b := makeRoster(t, nil, header, rows)
	first, second := readRoster(t, b), readRoster(t, b)
	if !reflect.DeepEqual(first.Entries, second.Entries) {
		t.Errorf("ReadRoster twice gave different entries")
	}
	hashes := map[string]string{}
	for _, e := range first.Entries {
		hashes[e.IDNumber] = e.Hash
	}
	for _, e := range readRoster(t, makeRoster(t, []string{"花名册(重排)"}, header, reversed)).Entries {
		if hashes[e.IDNumber] != e.Hash {
			t.Errorf("re-sorted roster: hash of %s = %s, want %s", e.IDNumber, e.Hash, hashes[e.IDNumber])
		}
	}
}

func TestRosterNoHeader(t *testing.T) {
	b := makeRoster(t, nil, []string{"甲", "乙"}, [][]any{{"1", "2"}})
	if _, err := ReadRoster(context.Background(), bytes.NewReader(b), loadCat(t), rosterNow); !errors.Is(err, ErrNoHeader) {
		t.Errorf("ReadRoster(no header) = %v, want ErrNoHeader", err)
	}
}

func TestParseRosterDate(t *testing.T) {
	tests := []struct {
		in, want string
		ok       bool
	}{
		{"2024-09-01", "2024-09-01", true}, {"2024/9/1", "2024-09-01", true}, {"2024.09", "2024-09-01", true},
		{"20240901", "2024-09-01", true}, {"2024年9月1日", "2024-09-01", true}, {"202409", "2024-09-01", true},
		{"45536", "2024-09-01", true}, {"2024-02-30", "", false}, {"明年", "", false}, {"2024-13-01", "", false},
	}
	for _, tc := range tests {
		if got, ok := parseRosterDate(tc.in); got != tc.want || ok != tc.ok {
			t.Errorf("parseRosterDate(%q) = %q, %v, want %q, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}
