package report

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
)

// TestAuditWorkbook guards the audit export: every row is there with the
// personal data of its target masked, and the sheet of counts over the
// thresholds lists a user's reveals of one day above the limit, not those
// at or under it.
func TestAuditWorkbook(t *testing.T) {
	loc := time.FixedZone("CST", 8*3600)
	day := time.Date(2026, 12, 1, 9, 0, 0, 0, loc)
	var rows []AuditRow
	for i := range 4 {
		rows = append(rows, AuditRow{At: day.Add(time.Duration(i) * time.Minute), Office: "371002", Station: "A", Seq: int64(i + 1),
			Login: "clerkA", Action: "reveal", Target: "case-1/id_number", Success: true})
	}
	rows = append(rows, AuditRow{At: day, Office: "371002", Station: "A", Seq: 5, Login: "clerkB", Action: "reveal", Target: "case-2/phone", Success: true},
		AuditRow{At: day, Office: "371002", Station: "A", Seq: 6, Login: "clerkA", Action: "find", Target: "371002196505051234", Success: true},
		AuditRow{At: day.Add(24 * time.Hour), Office: "371002", Station: "A", Seq: 7, Login: "clerkA", Action: "reveal", Target: "case-3/id_number", Success: true})
	limits, err := ParseThresholds("reveal=3, print=10")
	if err != nil {
		t.Fatal(err)
	}
	over := OverThresholds(rows, limits, loc)
	if len(over) != 1 || over[0].Login != "clerkA" || over[0].Count != 4 || over[0].Day != "2026-12-01" || over[0].Limit != 3 {
		t.Errorf("OverThresholds() = %+v, want clerkA's 4 reveals of 2026-12-01", over)
	}
	var buf bytes.Buffer
	if err := WriteAudit(&buf, rows, limits, "371002", day); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	got, err := f.GetRows(SheetAudit)
	if err != nil {
		t.Fatal(err)
	}
	all := ""
	for _, r := range got {
		all += strings.Join(r, "|") + "\n"
	}
	if strings.Contains(all, "371002196505051234") || !strings.Contains(all, "371002********1234") {
		t.Errorf("the look-up's ID number is not masked:\n%s", all)
	}
	if n := strings.Count(all, "|reveal|"); n != 6 {
		t.Errorf("%d reveal rows, want 6:\n%s", n, all)
	}
	ov, _ := f.GetRows(SheetAuditOver)
	if len(ov) < 4 || !strings.Contains(strings.Join(ov[len(ov)-1], "|"), "clerkA|reveal|4|3") {
		t.Errorf("over sheet = %q", ov)
	}
	if _, err := ParseThresholds("reveal"); err == nil {
		t.Error("ParseThresholds(reveal) took a threshold without a count")
	}
}
