package report

import (
	"context"
	"encoding/csv"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"vetdesk/casework"
)

// openWithPassword is a LibreOffice Basic module that opens a workbook
// with a password and stores every sheet as CSV: --convert-to has no way
// to pass a password.
const openWithPassword = `<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE script:module PUBLIC "-//OpenOffice.org//DTD OfficeDocument 1.0//EN" "module.dtd">
<script:module xmlns:script="http://openoffice.org/2000/script" script:name="Module1" script:language="StarBasic">
Sub Conv(inUrl As String, outUrl As String, pw As String)
  Dim args(1) As New com.sun.star.beans.PropertyValue
  args(0).Name = &quot;Hidden&quot;
  args(0).Value = True
  args(1).Name = &quot;Password&quot;
  args(1).Value = pw
  Dim doc As Object
  doc = StarDesktop.loadComponentFromURL(inUrl, &quot;_blank&quot;, 0, args())
  Dim out(1) As New com.sun.star.beans.PropertyValue
  out(0).Name = &quot;FilterName&quot;
  out(0).Value = &quot;Text - txt - csv (StarCalc)&quot;
  out(1).Name = &quot;FilterOptions&quot;
  out(1).Value = &quot;44,34,76,1,,0,false,true,false,false,false,-1&quot;
  doc.storeToURL(outUrl, out())
  doc.close(True)
End Sub
</script:module>
`

// TestLibreOfficeOpensEncryptedWorkbook: LibreOffice opens a workbook
// written with a password, given the password, and reads every case of
// the detail sheet with its full ID number.
func TestLibreOfficeOpensEncryptedWorkbook(t *testing.T) {
	lo, err := exec.LookPath("libreoffice")
	if err != nil {
		t.Fatalf("libreoffice is not installed: the report tests read workbooks back with it; install libreoffice-calc-nogui (make deps-test)")
	}
	cases := testCases(t)
	dir := t.TempDir()
	path := filepath.Join(dir, "sealed.xlsx")
	fh, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	const pw = "password-2026"
	res, err := Write(context.Background(), fh, sliceSource(cases), loadCat(t), Params{Today: testToday, FullValues: true, Password: pw})
	if cerr := fh.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		t.Fatalf("Write = %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 180*time.Second)
	defer cancel()
	profile := "-env:UserInstallation=file://" + filepath.Join(dir, "profile")
	run := func(args ...string) {
		t.Helper()
		cmd := exec.CommandContext(ctx, lo, append([]string{profile, "--headless"}, args...)...)
		cmd.Env = append(os.Environ(), "LANG=C.UTF-8", "LC_ALL=C.UTF-8")
		cmd.WaitDelay = 5 * time.Second
		if b, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("libreoffice %s = %v\n%s", strings.Join(args, " "), err, b)
		}
	}
	run("--terminate_after_init") // makes the profile, with its Standard Basic library
	module := filepath.Join(dir, "profile", "user", "basic", "Standard", "Module1.xba")
	if err := os.WriteFile(module, []byte(openWithPassword), 0o600); err != nil {
		t.Fatalf("write the Basic module: %v", err)
	}
	run(`macro:///Standard.Module1.Conv("file://` + path + `","file://` + filepath.Join(dir, "out.csv") + `","` + pw + `")`)
	fh, err = os.Open(filepath.Join(dir, "out-"+string(SheetDetail)+".csv"))
	if err != nil {
		t.Fatalf("LibreOffice wrote no detail sheet: %v", err)
	}
	defer fh.Close()
	r := csv.NewReader(fh)
	r.FieldsPerRecord = -1
	rows, err := r.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	ids := map[string]bool{}
	for _, c := range cases {
		ids[c.Value(casework.FieldIDNumber)] = true
	}
	full := 0
	for _, row := range rows[headerRow:] {
		if len(row) > 6 && ids[row[6]] {
			full++
		}
	}
	if full != res.Cases {
		t.Errorf("LibreOffice read %d detail rows with a full ID number, want %d", full, res.Cases)
	}
}
