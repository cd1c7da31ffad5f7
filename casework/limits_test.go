package casework

import (
	"slices"
	"testing"
)

// TestCalendarDayLimitAcrossSpringFestival guards the units of time limits:
// a limit in calendar days counts every day, and when its last day falls on
// a day off (the 2026 春节 runs 15..23 February) it ends on the next working
// day; a working-day limit skips the holiday. The years used must be in the
// calendar's holiday data.
func TestCalendarDayLimitAcrossSpringFestival(t *testing.T) {
	cat := loadCity(t)
	cal := cat.Calendar
	if !cal.CoversRange(day("2025-01-01"), day("2026-12-31")) {
		t.Fatal("calendar lacks holiday data for 2025..2026, the years these limits cross")
	}
	tests := []struct {
		start string
		n     int
		unit  string
		want  string
	}{
		{"2025-12-20", 60, UnitCalendar, "2026-02-24"}, // day 60 is 18 Feb, inside 春节: moves to Tuesday 24 Feb
		{"2025-12-16", 60, UnitCalendar, "2026-02-14"}, // day 60 is Saturday 14 Feb, a 调休 working day: stays
		{"2026-01-30", 20, UnitCalendar, "2026-02-24"}, // 19 Feb, 春节
		{"2026-01-10", 20, UnitCalendar, "2026-01-30"}, // a Friday: no holiday in the way
		{"2026-01-11", 20, UnitCalendar, "2026-02-02"}, // Saturday 31 Jan: next Monday
		{"2026-02-10", 5, UnitWorking, "2026-02-24"},   // 11, 12, 13, 14 (调休), then 24 Feb
		{"2026-02-10", 5, UnitCalendar, "2026-02-24"},  // 15 Feb, first day of 春节
		{"2026-03-02", 10, UnitCalendar, "2026-03-12"}, // a Thursday
		{"2026-03-02", 10, UnitWorking, "2026-03-16"},
	}
	for _, tt := range tests {
		if got := cal.Deadline(day(tt.start), tt.n, tt.unit).Format(dateLayout); got != tt.want {
			t.Errorf("Deadline(%s, %d, %s) = %s, want %s", tt.start, tt.n, tt.unit, got, tt.want)
		}
	}
	// the 身份证's legal limit is 60 calendar days from the apply date to 发证
	id := cat.Item("idcard")
	if id.TaskLimit() != nil || len(id.Limits) != 1 {
		t.Fatalf("idcard limits = %+v, want one limit, not measuring the task (it closes at 受理)", id.Limits)
	}
	l := id.Limits[0]
	if l.Kind != LimitLegal || l.Days != 60 || l.Unit != UnitCalendar || l.From != "id_card_apply_date" || l.Until == "" || l.Source == "" {
		t.Errorf("idcard limit = %+v, want legal 60 calendar days from id_card_apply_date to 发证 with its source", l)
	}
	if got := cal.Deadline(day("2025-12-20"), l.Days, l.Unit).Format(dateLayout); got != "2026-02-24" {
		t.Errorf("idcard applied 2025-12-20: 发证 due %s, want 2026-02-24", got)
	}
	// 医保转移's "20日" is 20 calendar days and sets the task's due date
	if got := cat.DueDate("medical_transfer", day("2026-01-30")).Format(dateLayout); got != "2026-02-24" {
		t.Errorf("DueDate(medical_transfer, 2026-01-30) = %s, want 2026-02-24", got)
	}
	if got := cat.DueDate("idcard", day("2026-01-30")); !got.IsZero() {
		t.Errorf("DueDate(idcard) = %v, want none", got)
	}
}

// TestLimitsHaveUnitsAndKinds guards that every limit of the city catalogue
// says its kind and unit, that the package keeps 承诺 and 法定 apart, and that
// an old catalogue's time_limit_days still loads as working days.
func TestLimitsHaveUnitsAndKinds(t *testing.T) {
	cat := loadCity(t)
	for _, it := range cat.Items {
		if it.TimeLimitDays != 0 {
			t.Errorf("%s keeps time_limit_days %d after loading", it.Code, it.TimeLimitDays)
		}
		for _, l := range it.Limits {
			if l.Source == "" {
				t.Errorf("%s limit %+v names no source", it.Code, l)
			}
		}
	}
	kinds := map[string]int{}
	for _, l := range cat.Limits {
		kinds[l.Kind] = l.Days
	}
	if kinds[LimitPromised] != 10 || kinds[LimitLegal] != 30 {
		t.Errorf("package limits = %+v, want promised 10 and legal 30 working days", cat.Limits)
	}
	m := cityFS(t)
	edit(t, m, FileItems, func(v any) any {
		it := item(v, "hukou")
		delete(it, "limits")
		it["time_limit_days"] = 4
		return v
	})
	old, err := LoadCatalogue(m, "c", testAreas)
	if err != nil {
		t.Fatalf("LoadCatalogue(time_limit_days) = %v", err)
	}
	if l := old.Item("hukou").TaskLimit(); l == nil || *l != (TimeLimit{Kind: LimitPromised, Days: 4, Unit: UnitWorking}) {
		t.Errorf("time_limit_days 4 loads as %+v, want promised 4 working days", l)
	}
	for name, fn := range map[string]func(it map[string]any){
		"both forms": func(it map[string]any) { it["time_limit_days"] = 4 },
		"no unit":    func(it map[string]any) { it["limits"] = []any{map[string]any{"kind": "promised", "days": 3}} },
		"bad from": func(it map[string]any) {
			it["limits"] = []any{map[string]any{"kind": "legal", "days": 3, "unit": "calendar", "from": "name"}}
		},
	} {
		m := cityFS(t)
		edit(t, m, FileItems, func(v any) any { fn(item(v, "hukou")); return v })
		if _, err := LoadCatalogue(m, "c", testAreas); err == nil {
			t.Errorf("LoadCatalogue(%s) = nil, want bad_time_limit", name)
		}
	}
}

// TestDependencies guards the order of the items: 户口 after 报到, 社保卡
// after 户口 and 社会保险登记, 缴费 after 参保, 预备役登记 after 报到, and that
// an accepted case releases them in that order.
func TestDependencies(t *testing.T) {
	cat := loadCity(t)
	tests := []struct {
		item string
		deps []string
		dept string
	}{
		{"hukou", []string{"register"}, "police"},
		{"idcard", []string{"hukou"}, "police"},
		{"sscard", []string{"hukou", "social_insurance"}, "hrss"},
		{"medical_transfer", []string{"medical_enrol"}, "medical"},
		{"contribution", []string{"social_insurance", "medical_enrol"}, "tax"},
		{"social_insurance", []string{"hukou"}, "hrss"},
		{"reserve", []string{"register"}, "armed"},
	}
	for _, tt := range tests {
		it := cat.Item(tt.item)
		if !slices.Equal(it.DependsOn, tt.deps) || it.Department != tt.dept {
			t.Errorf("%s depends on %v at %s, want %v at %s", tt.item, it.DependsOn, it.Department, tt.deps, tt.dept)
		}
	}
	c := acceptedCase(t, cat, 5)
	state := func(item string) TaskState { return c.Task(item).State }
	steps := []struct {
		complete string
		pending  []string
		waiting  []string
	}{
		{"", []string{"register", "employment", "pension"}, []string{"hukou", "reserve", "medical_enrol", "sscard", "social_insurance", "idcard", "contribution"}},
		{"register", []string{"hukou", "reserve"}, []string{"sscard", "social_insurance", "idcard", "medical_enrol"}},
		{"hukou", []string{"idcard", "social_insurance", "medical_enrol"}, []string{"sscard", "contribution"}},
		{"social_insurance", []string{"sscard"}, []string{"contribution", "medical_transfer"}},
		{"medical_enrol", []string{"contribution", "medical_transfer"}, nil},
	}
	for _, st := range steps {
		if st.complete != "" {
			if err := c.CompleteTask(cat, st.complete, nil, testNow); err != nil {
				t.Fatalf("CompleteTask(%s) = %v", st.complete, err)
			}
		}
		for _, it := range st.pending {
			if state(it) != TaskPending {
				t.Errorf("after %q %s = %s, want pending", st.complete, it, state(it))
			}
		}
		for _, it := range st.waiting {
			if state(it) != TaskWaiting {
				t.Errorf("after %q %s = %s, want waiting", st.complete, it, state(it))
			}
		}
	}
	// applying for 社保卡 without 社会保险登记 warns at intake
	d := NewCase("d", cat, "371002", testNow)
	d.SetItems(cat, []string{"register", "hukou", "sscard"})
	if !hasProblemArg(Validate(cat, d, testNow), ReasonItemDependency, "social_insurance") {
		t.Errorf("Validate(sscard without social_insurance) lacks the dependency warning")
	}
}

func hasProblemArg(probs []Problem, reason, arg string) bool {
	for _, p := range probs {
		if p.Reason == reason && p.Arg == arg {
			return true
		}
	}
	return false
}

// TestReportDeadlinePerPlacement guards that the 30-day report warning is
// the 自主就业 placement's (catalogue data), not everyone's.
func TestReportDeadlinePerPlacement(t *testing.T) {
	cat := loadCity(t)
	tests := []struct {
		placement, category, discharge string
		late                           bool
	}{
		{"self_employ", "义务兵", "2026-10-21", false}, // 30 days
		{"self_employ", "义务兵", "2026-10-20", true},  // 31 days
		{"assigned_job", "军士", "2026-09-01", false}, // 按照规定时间: no fixed days
		{"transfer", "军官", "2026-06-01", false},
	}
	for _, tt := range tests {
		c := NewCase("r", cat, "371002", testNow)
		c.Values[FieldPlacement], c.Values[FieldCategory], c.Values[FieldDischargeDate] = tt.placement, tt.category, tt.discharge
		c.SetItems(cat, []string{"register"})
		var late *Problem
		for _, p := range Validate(cat, c, testNow) {
			if p.Reason == ReasonReportLate {
				late = &p
			}
		}
		if (late != nil) != tt.late || late != nil && (late.Limit != "30" || late.Severity != SeverityWarning) {
			t.Errorf("Validate(%s discharged %s) report_late = %+v, want %v with limit 30", tt.placement, tt.discharge, late, tt.late)
		}
	}
}
