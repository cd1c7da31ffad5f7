package casework

import (
	"testing"
	"time"
)

func day(s string) time.Time {
	d, err := time.Parse("2006-01-02", s)
	if err != nil {
		panic(err)
	}
	return d
}

func TestCalendar(t *testing.T) {
	cat := loadCity(t)
	cal := cat.Calendar
	tests := []struct {
		start string
		n     int
		want  string
	}{
		{"2026-11-20", 1, "2026-11-23"}, // Friday -> Monday
		{"2026-11-23", 5, "2026-11-30"}, // a week
		{"2026-02-12", 1, "2026-02-13"}, // Thursday -> Friday
		{"2026-02-13", 1, "2026-02-14"}, // Saturday 14 Feb is a 调休 working day
		{"2026-02-14", 1, "2026-02-24"}, // Spring Festival 15..23 off
		{"2026-09-30", 1, "2026-10-08"}, // National Day 1..7 off
		{"2026-10-08", 2, "2026-10-10"}, // Saturday 10 Oct works
		{"2026-04-03", 1, "2026-04-07"}, // Qingming 4..6
		{"2026-12-31", 1, "2027-01-01"}, // outside data: weekdays only
		{"2026-11-20", 0, "2026-11-20"}, // no days
		{"2025-10-10", 1, "2025-10-11"}, // 2025 National Day 调休 Saturday
	}
	for _, tt := range tests {
		if got := cal.AddWorkingDays(day(tt.start), tt.n).Format("2006-01-02"); got != tt.want {
			t.Errorf("AddWorkingDays(%s, %d) = %s, want %s", tt.start, tt.n, got, tt.want)
		}
	}
	if got := cal.WorkingDaysBetween(day("2026-02-13"), day("2026-02-24")); got != 2 {
		t.Errorf("WorkingDaysBetween(13 Feb, 24 Feb) = %d, want 2", got)
	}
	if got := cal.WorkingDaysBetween(day("2026-11-30"), day("2026-11-23")); got != -5 {
		t.Errorf("WorkingDaysBetween(backwards) = %d, want -5", got)
	}
	if n, ok := cal.Holiday(day("2026-02-17")); !ok || n != "春节" {
		t.Errorf("Holiday(2026-02-17) = %q %v, want 春节", n, ok)
	}
	if !cal.Covers(2026) || cal.Covers(2027) {
		t.Errorf("Covers: 2026 %v 2027 %v, want true false", cal.Covers(2026), cal.Covers(2027))
	}
	task := &Task{State: TaskPending, Due: day("2026-11-27")}
	if d, ok := task.DaysLeft(cal, day("2026-11-30")); !ok || d != -1 {
		t.Errorf("DaysLeft(overdue) = %d %v, want -1 true", d, ok)
	}
}
