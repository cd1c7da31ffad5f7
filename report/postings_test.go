package report

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"vetdesk/casework"
)

// TestReadPostings guards the Excel import of 就业培训 postings (#13): the
// header row is found under a title row, headers are read by their usual
// names, kinds by the words stations write, dates typed or as Excel dates;
// bad rows are refused with every reason worded as the roster import
// words them; a sheet without title and organisation columns is no
// postings sheet.
func TestReadPostings(t *testing.T) {
	f := excelize.NewFile()
	rows := [][]any{
		{"2026年12月退役军人就业培训信息"},
		{"类别", "课程名称", "培训机构/用人单位", "地点", "报名截止日期", "咨询电话", "备注"},
		{"培训", "电工职业技能培训", "威海市职业培训学校", "环翠区", "2026年12月10日", "0631-5201234", "免费"},
		{"招聘", "安保主管", "威海某物业公司", "", 46387, "13906311234", ""},
		{},
		{"培训", "", "某学校", "", "", "", ""},
		{"讲座", "创业讲座", "某协会", "", "", "", ""},
		{"招聘", "司机", "某公司", "", "2026-13-01", "123", ""},
	}
	for i, r := range rows {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := f.SetSheetRow("Sheet1", cell, &r); err != nil {
			t.Fatal(err)
		}
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	res, err := ReadPostings(context.Background(), &buf, testToday)
	if err != nil {
		t.Fatal(err)
	}
	if res.HeaderRow != 2 || res.Rows != 5 || len(res.Entries) != 2 || len(res.Rejected) != 3 {
		t.Fatalf("ReadPostings = header %d, rows %d, %d entries, %d rejected; want 2, 5, 2, 3: %+v", res.HeaderRow, res.Rows, len(res.Entries), len(res.Rejected), res.Rejected)
	}
	course, job := res.Entries[0].Values, res.Entries[1].Values
	if course[casework.PostingKind] != "course" || course[casework.PostingDeadline] != "2026-12-10" || course[casework.PostingDetails] != "免费" || course[casework.PostingTitle] != "电工职业技能培训" {
		t.Errorf("course row = %v", course)
	}
	if job[casework.PostingKind] != "job" || job[casework.PostingDeadline] != "2026-12-31" || job[casework.PostingContact] != "13906311234" || res.Entries[1].SourceRow != 4 {
		t.Errorf("job row = %v (row %d)", job, res.Entries[1].SourceRow)
	}
	want := []struct {
		row     int
		reasons []string
	}{
		{6, []string{"名称未填写"}},
		{7, []string{"类别“讲座”不是可选值(可填:培训课程、招聘信息)"}},
		{8, []string{"报名截止日期“2026-13-01”不是有效日期", "联系电话“123”不是有效的手机号码或固定电话"}},
	}
	for i, w := range want {
		got := res.Rejected[i]
		if got.SourceRow != w.row || strings.Join(got.Reasons, "|") != strings.Join(w.reasons, "|") {
			t.Errorf("rejected %d = row %d %q, want row %d %q", i, got.SourceRow, got.Reasons, w.row, w.reasons)
		}
	}

	other := excelize.NewFile()
	other.SetSheetRow("Sheet1", "A1", &[]any{"姓名", "公民身份号码"})
	buf.Reset()
	other.Write(&buf)
	if _, err := ReadPostings(context.Background(), &buf, testToday); !errors.Is(err, ErrNoPostingHeader) {
		t.Errorf("ReadPostings(a roster) = %v, want ErrNoPostingHeader", err)
	}
}
