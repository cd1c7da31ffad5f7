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

// TestPasswordEncryptsWorkbook guards the report saved with a password: the
// file is an encrypted container (no zip, no sheet text in it), it opens
// with the password and shows the full ID numbers, it does not open
// without it or with another, and passwords too short or too long are
// refused before anything is written.
func TestPasswordEncryptsWorkbook(t *testing.T) {
	cases := testCases(t)
	const pw = "报表密码-2026"
	var buf bytes.Buffer
	res, err := Write(context.Background(), &buf, sliceSource(cases), loadCat(t), Params{Today: testToday, FullValues: true, Password: pw})
	if err != nil {
		t.Fatalf("Write(password) = %v", err)
	}
	if !res.Encrypted || !res.FullValues {
		t.Errorf("Result = %+v, want Encrypted and FullValues", res)
	}
	raw := buf.Bytes()
	if !bytes.HasPrefix(raw, []byte{0xD0, 0xCF, 0x11, 0xE0}) || bytes.Contains(raw, []byte("PK\x03\x04")) {
		t.Errorf("encrypted workbook starts % x, want an OLE compound file holding no zip", raw[:8])
	}
	if _, err := excelize.OpenReader(bytes.NewReader(raw)); err == nil {
		t.Error("OpenReader(no password) opened the encrypted workbook")
	}
	if _, err := excelize.OpenReader(bytes.NewReader(raw), excelize.Options{Password: "another-password"}); err == nil {
		t.Error("OpenReader(wrong password) opened the encrypted workbook")
	}
	f, err := excelize.OpenReader(bytes.NewReader(raw), excelize.Options{Password: pw})
	if err != nil {
		t.Fatalf("OpenReader(password) = %v", err)
	}
	defer f.Close()
	ids := map[string]bool{}
	for _, c := range cases {
		ids[c.Value(casework.FieldIDNumber)] = true
	}
	full := 0
	for _, r := range rawRows(t, f, string(SheetDetail))[headerRow:] {
		if ids[r[6]] {
			full++
		}
	}
	if full == 0 || full != res.Cases {
		t.Errorf("detail rows with the full ID number = %d, want all %d", full, res.Cases)
	}

	for _, bad := range []string{"short", strings.Repeat("长", MaxPasswordLen+1)} {
		var out bytes.Buffer
		if _, err := Write(context.Background(), &out, sliceSource(cases), loadCat(t), Params{Today: testToday, Password: bad}); !errors.Is(err, ErrPasswordLength) || out.Len() != 0 {
			t.Errorf("Write(password of %d characters) = %v, %d bytes; want ErrPasswordLength and nothing", len([]rune(bad)), err, out.Len())
		}
	}
}
