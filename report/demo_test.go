package report

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestDemoWorkbook writes a demo report (and a roster import result) when
// VETDESK_REPORT_OUT is set: a .xlsx path for the report, or a folder for
// both. The screenshots in docs/screenshots are made from it.
func TestDemoWorkbook(t *testing.T) {
	out := os.Getenv("VETDESK_REPORT_OUT")
	if out == "" {
		t.Skip("VETDESK_REPORT_OUT not set")
	}
	report, result := out, ""
	if !strings.HasSuffix(strings.ToLower(out), ".xlsx") {
		if err := os.MkdirAll(out, 0o755); err != nil {
			t.Fatal(err)
		}
		report, result = filepath.Join(out, "report.xlsx"), filepath.Join(out, "roster-result.xlsx")
	}
	cat := loadCat(t)
	p := Params{Office: "371000", From: time.Date(2025, 7, 1, 0, 0, 0, 0, time.UTC), To: time.Date(2026, 6, 30, 0, 0, 0, 0, time.UTC), Today: testToday}
	writeFile(t, report, func(fh *os.File) error {
		_, err := Write(context.Background(), fh, sliceSource(testCases(t)), cat, p)
		return err
	})
	if result == "" {
		return
	}
	vs := veterans(t, 12, 21)
	var rows [][]any
	for i, v := range vs {
		r := []any{v.name, v.id, v.sex, v.enlist.Format("2006.01.02"), v.discharge, v.placement, v.division, v.phone}
		switch i {
		case 2:
			r[1] = v.id[:17] + map[bool]string{true: "1", false: "0"}[v.id[17] == '0']
		case 5:
			r[3] = "2019年13月"
		case 7:
			r[5] = "待分配"
		case 9:
			r[2] = map[string]string{"男": "女", "女": "男"}[v.sex]
		}
		rows = append(rows, r)
	}
	b := makeRoster(t, []string{"2026年第二批退役军人花名册"}, []string{"姓名", "身份证号码", "性别", "入伍日期", "退役时间", "安置方式", "安置地", "手机号码"}, rows)
	res := readRoster(t, b)
	writeFile(t, result, func(fh *os.File) error { return WriteImportResult(fh, cat, res, rosterNow) })
}

func writeFile(t *testing.T, path string, fn func(*os.File) error) {
	t.Helper()
	fh, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	err = fn(fh)
	if cerr := fh.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		t.Fatalf("write %s: %v", path, err)
	}
	t.Logf("wrote %s", path)
}
