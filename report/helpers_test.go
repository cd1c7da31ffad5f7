package report

import (
	"context"
	"fmt"
	"testing"
	"time"

	"vetdesk/casework"
	"vetdesk/internal/citycat"
)

func loadCat(t testing.TB) *casework.Catalogue { return citycat.MustLoad(t) }

// testToday is the "today" of the generated history.
var testToday = time.Date(2026, 7, 15, 16, 0, 0, 0, time.UTC)

// sliceSource serves cases from memory, as the store will from SQLite.
type sliceSource []*casework.Case

func (s sliceSource) EachCase(ctx context.Context, fn func(*casework.Case) error) error {
	for _, c := range s {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := fn(c); err != nil {
			return err
		}
	}
	return nil
}

// offices are the intake offices of generated cases.
var offices = []string{"371002", "371002", "371003", "371082", "371083", "ZONEGQ", "ZONEJQ"}

// genCases makes n accepted cases with a history: accepted between
// 2025-01-06 and testToday, their tasks started, completed, returned,
// resubmitted or refused by their departments at random delays, nothing
// after testToday; a few cases are withdrawn and a few stay drafts.
func genCases(t testing.TB, cat *casework.Catalogue, n int, seed uint64) []*casework.Case {
	t.Helper()
	start := time.Date(2025, 1, 6, 9, 0, 0, 0, time.UTC)
	g := casework.NewGenerator(cat, seed, start)
	rng := g.Rand()
	span := int(testToday.Sub(start).Hours()/24) - 1
	seqs := map[string]int{}
	out := make([]*casework.Case, 0, n)
	for i := 0; len(out) < n; i++ {
		office := offices[rng.IntN(len(offices))]
		c := g.Draft(fmt.Sprintf("case-%d-%06d", seed, i), office, rng.IntN(3) == 0)
		if rng.IntN(50) == 0 {
			out = append(out, c) // a draft: never in a report
			continue
		}
		at := start.AddDate(0, 0, rng.IntN(span)).Add(time.Duration(rng.IntN(7*60)) * time.Minute)
		seqs[office]++
		number, err := casework.FormatCaseNumber(office, at.Year(), "HC01", seqs[office])
		if err != nil {
			t.Fatalf("FormatCaseNumber = %v", err)
		}
		if _, err := c.Accept(cat, number, at); err != nil {
			t.Fatalf("Accept(%s) = %v", c.ID, err)
		}
		if rng.IntN(40) == 0 {
			if err := c.Withdraw("申请人撤回", at.Add(2*time.Hour)); err != nil {
				t.Fatalf("Withdraw = %v", err)
			}
			out = append(out, c)
			continue
		}
		work(t, cat, c, g)
		out = append(out, c)
	}
	return out
}

// work moves the tasks of c until nothing more happens before testToday.
func work(t testing.TB, cat *casework.Catalogue, c *casework.Case, g *casework.Generator) {
	rng := g.Rand()
	after := func(from time.Time, item string) time.Time {
		limit := 5
		if it := cat.Item(item); it != nil && it.TaskLimit() != nil {
			limit = it.TaskLimit().Days
		}
		d := cat.Calendar.AddWorkingDays(from, rng.IntN(limit*13/10+1))
		return d.Add(time.Duration(9*60+rng.IntN(8*60)) * time.Minute)
	}
	for round := 0; round < 30; round++ {
		moved := false
		for _, task := range c.Tasks {
			if task.State.Final() || task.State == casework.TaskWaiting || c.State == casework.CaseDone {
				continue
			}
			from := task.Started
			if task.UpdatedAt.After(from) {
				from = task.UpdatedAt
			}
			when := after(from, task.Item)
			if when.After(testToday) {
				continue
			}
			var err error
			switch r := rng.IntN(100); {
			case task.State == casework.TaskReturned:
				if r < 80 {
					err = c.ResubmitTask(cat, task.Item, when)
				} else {
					continue // the veteran has not come back yet
				}
			case task.State == casework.TaskPending && r < 30:
				err = c.StartTask(cat, task.Item, when)
			case r < 88:
				err = c.CompleteTask(cat, task.Item, nil, when)
			case r < 96:
				err = c.ReturnTask(cat, task.Item, "材料不全,请补正", when)
			default:
				err = c.RefuseTask(cat, task.Item, "不符合办理条件", when)
			}
			if err != nil {
				t.Fatalf("task %s of %s: %v", task.Item, c.ID, err)
			}
			moved = true
		}
		if !moved {
			return
		}
	}
}
