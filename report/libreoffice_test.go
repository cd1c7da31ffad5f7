package report

import (
	"context"
	"encoding/csv"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// csvFilter exports every sheet (the last token, -1; LibreOffice 7.2 and
// later) as UTF-8 CSV, one file-SheetName.csv per sheet.
const csvFilter = "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,-1"

// convertSheets converts the workbook at path with LibreOffice and returns
// the rows of each sheet by name.
func convertSheets(t *testing.T, path string) map[string][][]string {
	t.Helper()
	lo, err := exec.LookPath("libreoffice")
	if err != nil {
		t.Fatalf("libreoffice is not installed: the report tests read workbooks back with it; install libreoffice-calc-nogui (make deps-test)")
	}
	dir := t.TempDir()
	out := filepath.Join(dir, "out")
	ctx, cancel := context.WithTimeout(context.Background(), 180*time.Second)
	defer cancel()
	base := strings.TrimSuffix(filepath.Base(path), filepath.Ext(path))
	// A fresh profile's first start sometimes exits 0 without converting
	// (LibreOffice restarts itself after creating the profile); try again.
	var output []byte
	for try := 0; try < 3; try++ {
		cmd := exec.CommandContext(ctx, lo, "-env:UserInstallation=file://"+filepath.Join(dir, "profile"),
			"--headless", "--convert-to", csvFilter, "--outdir", out, path)
		// sheet names become file names: LibreOffice needs a UTF-8 locale
		// that exists (zh_CN.UTF-8 may not be generated; C.UTF-8 always is)
		cmd.Env = append(os.Environ(), "LANG=C.UTF-8", "LC_ALL=C.UTF-8")
		b, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("libreoffice --convert-to csv = %v\n%s", err, b)
		}
		output = append(output, b...)
		if got, _ := filepath.Glob(filepath.Join(out, base+"-*.csv")); len(got) > 0 {
			break
		}
	}
	t.Logf("libreoffice: %s", output)
	sheets := map[string][][]string{}
	files, _ := filepath.Glob(filepath.Join(out, base+"-*.csv"))
	for _, name := range files {
		fh, err := os.Open(name)
		if err != nil {
			t.Fatal(err)
		}
		r := csv.NewReader(fh)
		r.FieldsPerRecord = -1
		rows, err := r.ReadAll()
		fh.Close()
		if err != nil {
			t.Fatalf("read %s: %v", name, err)
		}
		sheets[strings.TrimSuffix(strings.TrimPrefix(filepath.Base(name), base+"-"), ".csv")] = rows
	}
	return sheets
}

func findRow(rows [][]string, first string) []string {
	for _, r := range rows {
		if len(r) > 0 && r[0] == first {
			return r
		}
	}
	return nil
}

func heads(cols []column) string {
	var s []string
	for _, c := range cols {
		if c.head != "" {
			s = append(s, c.head)
		}
	}
	return strings.Join(s, ",")
}

func TestLibreOfficeReadsEverySheet(t *testing.T) {
	cat := loadCat(t)
	path := filepath.Join(t.TempDir(), "report.xlsx")
	fh, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	res, err := Write(context.Background(), fh, sliceSource(testCases(t)), cat, Params{Today: testToday})
	if cerr := fh.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		t.Fatalf("Write = %v", err)
	}
	sheets := convertSheets(t, path)
	for _, s := range AllSheets {
		if _, ok := sheets[string(s)]; !ok {
			t.Fatalf("libreoffice exported sheets %v, want %s among them", keys(sheets), s)
		}
	}
	tests := []struct {
		sheet  Sheet
		header string
		total  string // first cell of the row holding the totals
		col    int
		want   int
	}{
		{SheetSummary, heads(summaryCols), "合计", 2, res.Tasks},
		{SheetDepartment, heads(deptCols), "合计", 1, res.Tasks},
		{SheetDepartment, heads(deptCols), "合计", 4, res.Overdue},
		{SheetTrend, heads(trendCols), "合计", 1, res.Cases},
	}
	for _, tc := range tests {
		rows := sheets[string(tc.sheet)]
		if got := strings.TrimRight(strings.Join(rows[headerRow-1], ","), ","); got != tc.header {
			t.Errorf("%s header = %q, want %q", tc.sheet, got, tc.header)
		}
		r := findRow(rows, tc.total)
		if r == nil || r[tc.col] != fmt.Sprint(tc.want) {
			t.Errorf("%s %s row = %v, want %d in column %d", tc.sheet, tc.total, r, tc.want, tc.col+1)
		}
	}
	detail := sheets[string(SheetDetail)]
	if got, want := strings.Join(detail[headerRow-1][:len(detailFixed)], ","), heads(detailFixed); got != want {
		t.Errorf("detail header = %q, want %q", got, want)
	}
	if got := len(detail) - headerRow; got != res.Cases {
		t.Errorf("detail rows = %d, want %d", got, res.Cases)
	}
	if id := detail[headerRow][6]; !strings.Contains(id, "*") || len(id) != 18 {
		t.Errorf("detail first ID number = %q, want masked", id)
	}
	if d := detail[headerRow][2]; len(d) != 10 || d[4] != '-' {
		t.Errorf("detail first accepted date = %q, want yyyy-mm-dd", d)
	}
}

func keys[V any](m map[string]V) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}
