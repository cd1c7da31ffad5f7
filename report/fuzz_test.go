package report

import (
	"bytes"
	"context"
	"testing"

	"github.com/xuri/excelize/v2"

	"vetdesk/casework"
)

// FuzzReadRoster imports rosters whose cells hold whatever senders type:
// import never fails on a cell, every row is counted once (an entry, a
// rejection or a skipped total/note), and every entry holds a valid ID
// number in ASCII, once, even when the second row repeats it full-width.
func FuzzReadRoster(f *testing.F) {
	cat := loadCat(f)
	f.Add("林　涛", "３７１００３１９９００１０１００１８", "+8613963108888", "2024/9/1", "自主就业", false)
	f.Add("王小明", "371002199001011234", "0631-5201234", "20240901", "安排工作", false)
	f.Add("合计：40人", "", "", "", "", false)
	f.Add("张三", "3.71002199001011E+17", "", "45536", "", true)
	f.Add("", "'37100319900101001x", "86 139 6310 8888", "2024年9月1日", "转业", false)
	f.Add("\x00", "\xff\xfe", "\u3000", "9999-99-99", "退休", true)
	now := rosterNow
	f.Fuzz(func(t *testing.T, name, id, phone, date, placement string, numeric bool) {
		x := excelize.NewFile()
		defer x.Close()
		const sh = "Sheet1"
		header := []any{"姓名", "公民身份号码", "联系电话", "退役时间", "安置方式"}
		if err := x.SetSheetRow(sh, "A1", &header); err != nil {
			t.Skip() // excelize refuses the value (not a roster problem)
		}
		row := []any{name, id, phone, date, placement}
		if err := x.SetSheetRow(sh, "A2", &row); err != nil {
			t.Skip()
		}
		again := []any{name + "2", wide(id), phone, date, placement}
		if err := x.SetSheetRow(sh, "A3", &again); err != nil {
			t.Skip()
		}
		if numeric {
			if err := x.SetCellDefault(sh, "B2", id); err != nil {
				t.Skip()
			}
		}
		var buf bytes.Buffer
		if err := x.Write(&buf); err != nil {
			t.Skip()
		}
		res, err := ReadRoster(context.Background(), &buf, cat, now)
		if err != nil {
			t.Fatalf("ReadRoster(%q, %q, %q, %q, %q) = %v", name, id, phone, date, placement, err)
		}
		if got := len(res.Entries) + len(res.Rejected); got != res.Rows || res.Rows+len(res.Skipped) > 2 {
			t.Fatalf("ReadRoster: %d rows, %d entries, %d rejected, %d skipped: a row lost or counted twice", res.Rows, len(res.Entries), len(res.Rejected), len(res.Skipped))
		}
		seen := map[string]bool{}
		for _, e := range res.Entries {
			if _, err := casework.ParseIDNumber(e.IDNumber, cat.Areas, now); err != nil || seen[e.IDNumber] || e.Values[casework.FieldIDNumber] != e.IDNumber {
				t.Fatalf("ReadRoster entry ID %q (value %q): invalid or repeated (%v)", e.IDNumber, e.Values[casework.FieldIDNumber], err)
			}
			seen[e.IDNumber] = true
		}
	})
}
