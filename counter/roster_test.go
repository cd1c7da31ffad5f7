package counter

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/xuri/excelize/v2"

	"vetdesk/casework"
)

// TestImportRosterCountsSkipped guards what the clerk is told after a
// roster import: a totals row and a note are counted as skipped, not as
// rows or rejected people, and a full-width ID number is added normalised.
func TestImportRosterCountsSkipped(t *testing.T) {
	r := newRig(t)
	ctx := context.Background()
	id := casework.NewGenerator(r.cat, 4, now).Values()[casework.FieldIDNumber]
	wideID := []rune(id)
	for i, c := range wideID {
		if c >= '0' && c <= '9' || c == 'X' {
			wideID[i] = c + 0xFEE0
		}
	}
	x := excelize.NewFile()
	for cell, v := range map[string]string{"A1": "姓名", "B1": "身份证号", "A2": "林　涛", "B2": string(wideID), "A3": "合计：1人", "A4": "注：身份证号请设为文本格式"} {
		if err := x.SetCellStr("Sheet1", cell, v); err != nil {
			t.Fatal(err)
		}
	}
	path := filepath.Join(t.TempDir(), "roster.xlsx")
	if err := x.SaveAs(path); err != nil {
		t.Fatal(err)
	}
	sum, err := ImportRoster(ctx, r.st, r.cat, r.a, path, filepath.Join(t.TempDir(), "result.xlsx"), now)
	if err != nil {
		t.Fatalf("ImportRoster = %v", err)
	}
	if sum.Rows != 1 || sum.Added != 1 || sum.Rejected != 0 || sum.Skipped != 2 {
		t.Errorf("ImportRoster = %+v, want 1 row added, none rejected, 2 skipped", sum)
	}
	if v, err := r.st.RosterValues(ctx, id); err != nil || v[casework.FieldName] != "林涛" {
		t.Errorf("RosterValues(%s) = %v %v, want the name 林涛 under the ASCII ID number", id, v, err)
	}
}
