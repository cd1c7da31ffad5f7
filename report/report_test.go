package report

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"vetdesk/casework"
)

var (
	smallOnce  sync.Once
	smallCases []*casework.Case
)

// testCases are 600 generated cases shared by the tests.
func testCases(t *testing.T) []*casework.Case {
	t.Helper()
	cat := loadCat(t)
	smallOnce.Do(func() { smallCases = genCases(t, cat, 600, 3) })
	return smallCases
}

// want holds figures computed straight from the cases with casework's own
// functions, independently of the aggregate.
type want struct {
	received, done, open, returned, overdue, timed, onTime int
	days                                                   []int
}

func dateStr(t time.Time) string { return t.Format("2006-01-02") }

func inParams(cat *casework.Catalogue, c *casework.Case, p Params) bool {
	if c.State == casework.CaseDraft {
		return false
	}
	if p.Office != "" && p.Office != "371000" {
		d := cat.Division(c.Office)
		if c.Office != p.Office && (d == nil || d.Parent != p.Office) {
			return false
		}
	}
	a := dateStr(c.AcceptedAt)
	return (p.From.IsZero() || a >= dateStr(p.From)) && (p.To.IsZero() || a <= dateStr(p.To))
}

func expect(cat *casework.Catalogue, cases []*casework.Case, p Params, key func(c *casework.Case, t *casework.Task) string) map[string]*want {
	out := map[string]*want{}
	for _, c := range cases {
		if !inParams(cat, c, p) {
			continue
		}
		for _, t := range c.Tasks {
			k := key(c, t)
			w := out[k]
			if w == nil {
				w = &want{}
				out[k] = w
			}
			w.received++
			switch t.State {
			case casework.TaskDone:
				w.done++
				w.days = append(w.days, cat.Calendar.WorkingDaysBetween(t.Started, t.Finished))
				if !t.Due.IsZero() {
					w.timed++
					if dateStr(t.Finished) <= dateStr(t.Due) {
						w.onTime++
					}
				}
			case casework.TaskReturned:
				w.returned++
			case casework.TaskPending, casework.TaskWaiting, casework.TaskWorking:
				w.open++
			}
			if left, ok := t.DaysLeft(cat.Calendar, p.Today); ok && left < 0 {
				w.overdue++
			}
		}
	}
	return out
}

func writeBook(t *testing.T, cases []*casework.Case, p Params) (*excelize.File, Result) {
	t.Helper()
	var buf bytes.Buffer
	res, err := Write(context.Background(), &buf, sliceSource(cases), loadCat(t), p)
	if err != nil {
		t.Fatalf("Write(%+v) = %v", p, err)
	}
	f, err := excelize.OpenReader(&buf)
	if err != nil {
		t.Fatalf("OpenReader = %v", err)
	}
	t.Cleanup(func() { f.Close() })
	return f, res
}

func rawRows(t *testing.T, f *excelize.File, sheet string) [][]string {
	t.Helper()
	rows, err := f.GetRows(sheet, excelize.Options{RawCellValue: true})
	if err != nil {
		t.Fatalf("GetRows(%s) = %v", sheet, err)
	}
	return rows
}

func num(t *testing.T, s string) float64 {
	t.Helper()
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		t.Fatalf("ParseFloat(%q) = %v", s, err)
	}
	return v
}

func cellAt(row []string, i int) string {
	if i < len(row) {
		return row[i]
	}
	return ""
}

var reportParams = []struct {
	name string
	p    Params
}{
	{"city all time", Params{Today: testToday}},
	{"city as code", Params{Office: "371000", Today: testToday, FullValues: true}},
	{"district half year", Params{Office: "371002", From: time.Date(2025, 7, 1, 0, 0, 0, 0, time.UTC), To: time.Date(2025, 12, 31, 0, 0, 0, 0, time.UTC), Today: testToday}},
	{"zone 2026", Params{Office: "ZONEGQ", From: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), Today: testToday}},
}

func TestSummaryFigures(t *testing.T) {
	cat := loadCat(t)
	cases := testCases(t)
	for _, tc := range reportParams {
		t.Run(tc.name, func(t *testing.T) {
			f, res := writeBook(t, cases, tc.p)
			exp := expect(cat, cases, tc.p, func(c *casework.Case, tk *casework.Task) string {
				return officeName(cat, c.Office) + "|" + itemName(cat, tk.Item)
			})
			got := map[string][]string{}
			var total []string
			for _, r := range rawRows(t, f, string(SheetSummary))[headerRow:] {
				switch {
				case cellAt(r, 0) == "合计":
					total = r
				case cellAt(r, 1) != "" && cellAt(r, 1) != "小计":
					got[r[0]+"|"+r[1]] = r
				}
			}
			if len(got) != len(exp) {
				t.Errorf("summary rows = %d, want %d", len(got), len(exp))
			}
			sum := 0
			for k, w := range exp {
				r, ok := got[k]
				if !ok {
					t.Errorf("summary row %s missing", k)
					continue
				}
				sum += w.received
				for i, v := range []int{w.received, w.done, w.open, w.returned} {
					if g := num(t, r[2+i]); g != float64(v) {
						t.Errorf("summary %s col %d = %v, want %d", k, 3+i, g, v)
					}
				}
				if g := num(t, r[8]); g != float64(w.overdue) {
					t.Errorf("summary %s overdue = %v, want %d", k, g, w.overdue)
				}
				if w.timed > 0 {
					if g, x := num(t, r[9]), float64(w.onTime)/float64(w.timed); math.Abs(g-x) > 1e-9 {
						t.Errorf("summary %s on-time rate = %v, want %v", k, g, x)
					}
				} else if cellAt(r, 9) != "" {
					t.Errorf("summary %s on-time rate = %q, want empty", k, r[9])
				}
				if len(w.days) > 0 {
					s := 0
					for _, d := range w.days {
						s += d
					}
					if g, x := num(t, r[10]), float64(s)/float64(len(w.days)); math.Abs(g-x) > 1e-9 {
						t.Errorf("summary %s average days = %v, want %v", k, g, x)
					}
				}
			}
			if total == nil || num(t, total[2]) != float64(sum) || res.Tasks != sum {
				t.Errorf("summary total = %v (result %d tasks), want %d", total, res.Tasks, sum)
			}
		})
	}
}

func TestDepartmentFigures(t *testing.T) {
	cat := loadCat(t)
	cases := testCases(t)
	for _, tc := range reportParams {
		t.Run(tc.name, func(t *testing.T) {
			f, res := writeBook(t, cases, tc.p)
			exp := expect(cat, cases, tc.p, func(_ *casework.Case, tk *casework.Task) string { return deptName(cat, tk.Department) })
			rows := rawRows(t, f, string(SheetDepartment))
			overdue := 0
			for i, d := range cat.Departments {
				r := rows[headerRow+i]
				w := exp[d.Name]
				if w == nil {
					w = &want{}
				}
				overdue += w.overdue
				if r[0] != d.Name {
					t.Fatalf("department row %d = %q, want %q", i, r[0], d.Name)
				}
				for j, v := range []int{w.received, w.done, w.open + w.returned, w.overdue} {
					if g := num(t, r[1+j]); g != float64(v) {
						t.Errorf("department %s col %d = %v, want %d", d.Name, 2+j, g, v)
					}
				}
				if len(w.days) > 0 {
					sort.Ints(w.days)
					p90 := w.days[int(math.Ceil(0.9*float64(len(w.days))))-1]
					if g := num(t, r[7]); g != float64(p90) {
						t.Errorf("department %s p90 = %v, want %d", d.Name, g, p90)
					}
				}
			}
			if res.Overdue != overdue {
				t.Errorf("Result.Overdue = %d, want %d", res.Overdue, overdue)
			}
			// the overdue list: every overdue task, the earliest due first
			start := headerRow + len(cat.Departments) + 4
			list := rows[start:]
			if len(list) != overdue {
				t.Fatalf("overdue list has %d rows, want %d", len(list), overdue)
			}
			for i := 1; i < len(list); i++ {
				if num(t, list[i][6]) < num(t, list[i-1][6]) {
					t.Fatalf("overdue list row %d due %s before row %d due %s", i, list[i][6], i-1, list[i-1][6])
				}
			}
		})
	}
}

func TestTrendFigures(t *testing.T) {
	cat := loadCat(t)
	cases := testCases(t)
	for _, tc := range reportParams {
		t.Run(tc.name, func(t *testing.T) {
			f, _ := writeBook(t, cases, tc.p)
			accepted, closed := map[string]int{}, map[string]int{}
			in := func(x time.Time) bool {
				d := dateStr(x)
				return !x.IsZero() && (tc.p.From.IsZero() || d >= dateStr(tc.p.From)) && (tc.p.To.IsZero() || d <= dateStr(tc.p.To))
			}
			for _, c := range cases {
				if inParams(cat, c, tc.p) {
					accepted[c.AcceptedAt.Format("2006-01")]++
				}
				scope := tc.p
				scope.From, scope.To = time.Time{}, time.Time{}
				if inParams(cat, c, scope) && c.State == casework.CaseDone && in(c.ClosedAt) {
					closed[c.ClosedAt.Format("2006-01")]++
				}
			}
			seen := 0
			for _, r := range rawRows(t, f, string(SheetTrend))[headerRow:] {
				if cellAt(r, 0) == "合计" || cellAt(r, 0) == "" {
					break
				}
				m, err := excelize.ExcelDateToTime(num(t, r[0]), false)
				if err != nil {
					t.Fatalf("month cell %q: %v", r[0], err)
				}
				k := m.Format("2006-01")
				if g := num(t, r[1]); g != float64(accepted[k]) {
					t.Errorf("trend %s accepted = %v, want %d", k, g, accepted[k])
				}
				if g := num(t, r[2]); g != float64(closed[k]) {
					t.Errorf("trend %s closed = %v, want %d", k, g, closed[k])
				}
				seen += accepted[k]
			}
			total := 0
			for _, n := range accepted {
				total += n
			}
			if seen != total {
				t.Errorf("trend months cover %d accepted cases, want %d", seen, total)
			}
		})
	}
}

func TestDetailRows(t *testing.T) {
	cat := loadCat(t)
	cases := testCases(t)
	for _, tc := range reportParams {
		t.Run(tc.name, func(t *testing.T) {
			f, res := writeBook(t, cases, tc.p)
			byNumber := map[string]*casework.Case{}
			n := 0
			for _, c := range cases {
				if inParams(cat, c, tc.p) {
					byNumber[c.Number] = c
					n++
				}
			}
			rows := rawRows(t, f, string(SheetDetail))[headerRow:]
			if len(rows) != n || res.Cases != n {
				t.Fatalf("detail rows = %d (Result.Cases %d), want %d", len(rows), res.Cases, n)
			}
			if res.FullValues != tc.p.FullValues {
				t.Errorf("Result.FullValues = %v, want %v", res.FullValues, tc.p.FullValues)
			}
			for _, r := range rows {
				c := byNumber[r[1]]
				if c == nil {
					t.Fatalf("detail row for unknown case %q", r[1])
				}
				id, phone, bank := c.Values[casework.FieldIDNumber], c.Values[casework.FieldPhone], c.Values[casework.FieldBankAccount]
				if !tc.p.FullValues {
					id, phone, bank = casework.MaskID(id), casework.MaskPhone(phone), casework.MaskBank(bank)
				}
				if r[6] != id || r[7] != phone || r[11] != bank {
					t.Errorf("detail %s id, phone, bank = %q %q %q, want %q %q %q", r[1], r[6], r[7], r[11], id, phone, bank)
				}
				acc, _ := excelize.ExcelDateToTime(num(t, r[2]), false)
				if dateStr(acc) != dateStr(c.AcceptedAt) {
					t.Errorf("detail %s accepted = %s, want %s", r[1], dateStr(acc), dateStr(c.AcceptedAt))
				}
				if r[12] != caseStateLabel(c.State) {
					t.Errorf("detail %s state = %q, want %q", r[1], r[12], caseStateLabel(c.State))
				}
				for i, it := range cat.Items {
					tk, g := c.Task(it.Code), cellAt(r, len(detailFixed)+i)
					if tk == nil {
						if g != "" {
							t.Errorf("detail %s item %s = %q, want empty", r[1], it.Code, g)
						}
						continue
					}
					if w := taskStateLabel(tk.State); g != w && g != w+"(逾期)" {
						t.Errorf("detail %s item %s = %q, want %q", r[1], it.Code, g, w)
					}
				}
			}
		})
	}
}

func TestSheetChoice(t *testing.T) {
	cases := testCases(t)
	tests := []struct {
		sheets []Sheet
		want   []string
		full   bool
	}{
		{nil, []string{"汇总表", "部门时效", "月度趋势", "案件明细", "好差评"}, true},
		{[]Sheet{SheetDetail, SheetSummary}, []string{"汇总表", "案件明细"}, true},
		{[]Sheet{SheetTrend}, []string{"月度趋势"}, false}, // no detail: no full values written
	}
	for _, tc := range tests {
		f, res := writeBook(t, cases, Params{Today: testToday, Sheets: tc.sheets, FullValues: true})
		if got := f.GetSheetList(); fmt.Sprint(got) != fmt.Sprint(tc.want) {
			t.Errorf("Write(Sheets %v) sheets = %v, want %v", tc.sheets, got, tc.want)
		}
		if res.FullValues != tc.full {
			t.Errorf("Write(Sheets %v) FullValues = %v, want %v", tc.sheets, res.FullValues, tc.full)
		}
	}
	var buf bytes.Buffer
	if _, err := Write(context.Background(), &buf, sliceSource(cases), loadCat(t), Params{Today: testToday, Sheets: []Sheet{SheetTrend}}); err != nil {
		t.Fatalf("Write(trend) = %v", err)
	}
	if !bytes.Contains(buf.Bytes(), []byte("xl/charts/chart1.xml")) {
		t.Errorf("Write(trend) has no chart part")
	}
	if _, err := Write(context.Background(), &bytes.Buffer{}, sliceSource(cases), loadCat(t), Params{Sheets: []Sheet{"其他"}}); !errors.Is(err, ErrNoSheet) {
		t.Errorf("Write(Sheets 其他) = %v, want ErrNoSheet", err)
	}
}

type failSource struct{ err error }

func (s failSource) EachCase(context.Context, func(*casework.Case) error) error { return s.err }

func TestWriteErrors(t *testing.T) {
	cat := loadCat(t)
	boom := errors.New("disk on fire")
	if _, err := Write(context.Background(), &bytes.Buffer{}, failSource{boom}, cat, Params{}); !errors.Is(err, boom) {
		t.Errorf("Write(failing source) = %v, want %v", err, boom)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Write(ctx, &bytes.Buffer{}, sliceSource(testCases(t)), cat, Params{}); !errors.Is(err, context.Canceled) {
		t.Errorf("Write(cancelled) = %v, want context.Canceled", err)
	}
}

func TestWorkdaysMatchCalendar(t *testing.T) {
	cat := loadCat(t)
	wd := &workdays{cal: cat.Calendar}
	rng := rand.New(rand.NewPCG(1, 2))
	base := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := 0; i < 2000; i++ {
		a := base.AddDate(0, 0, rng.IntN(1200))
		b := a.AddDate(0, 0, rng.IntN(120)-40)
		if got, want := wd.between(dayOf(a), dayOf(b)), cat.Calendar.WorkingDaysBetween(a, b); got != want {
			t.Fatalf("between(%s, %s) = %d, want %d", dateStr(a), dateStr(b), got, want)
		}
	}
}
