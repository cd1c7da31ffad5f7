package counter

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"

	"vetdesk/casework"
	"vetdesk/store"
)

// Demo fills st with n synthetic cases at the device's office: most
// accepted over the last months, some with tasks worked, returned or
// overdue, a few drafts, so a newcomer can try every screen. Nothing in it
// belongs to a real person.
func Demo(ctx context.Context, st *store.DB, cat *casework.Catalogue, a store.Actor, n int, seed uint64, now time.Time, progress func(done, total int)) error {
	dev, err := st.Device(ctx)
	if err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	office, code := dev.Office, dev.Code
	if office == "" {
		office = "371002"
	}
	if code == "" {
		code = "DEMO"
	}
	// On a desk enrolled with a hub the departments work their own tasks:
	// the hub refuses tasks a counter creates already worked (and a
	// station's writes of a department's task), so the demo leaves them
	// waiting or pending there. A standalone desk gets the worked history.
	token, err := st.Setting(ctx, store.SettingHubToken)
	if err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	worked := token == ""
	g := casework.NewGenerator(cat, seed, now)
	rng := g.Rand()
	batch := make([]*casework.Case, 0, 100)
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		if err := st.ImportCases(ctx, a, batch); err != nil {
			return fmt.Errorf("demo: %w", err)
		}
		batch = batch[:0]
		return nil
	}
	for i := 0; i < n; i++ {
		c := g.Draft(uuid.Must(uuid.NewV7()).String(), office, rng.IntN(3) != 0)
		c.Station = dev.Station
		c.CreatedBy = a.Login
		if i%25 != 24 { // one in 25 stays a draft
			// accepted during office hours of a working day, after discharge
			discharge, err := time.ParseInLocation("2006-01-02", c.Value(casework.FieldDischargeDate), now.Location())
			if err != nil {
				discharge = now.AddDate(0, 0, -120)
			}
			when := g.AcceptedAt(120, discharge)
			c.CreatedAt = when
			if rng.IntN(6) == 0 { // some materials still missing
				for _, ms := range c.Materials {
					ms.Status = casework.MaterialRequired
					break
				}
			}
			seq, err := st.NextSequence(ctx, "case", when.Year())
			if err != nil {
				return fmt.Errorf("demo: %w", err)
			}
			num, err := casework.FormatCaseNumber(office, when.Year(), code, seq)
			if err != nil {
				return fmt.Errorf("demo: %w", err)
			}
			if _, err := c.Accept(cat, num, when); err != nil {
				continue // a generated case with a problem stays out of the demo
			}
			if roll := rng.IntN(100); worked {
				work(cat, c, when, now, roll)
			}
		}
		batch = append(batch, c)
		if len(batch) == cap(batch) {
			if err := flush(); err != nil {
				return err
			}
		}
		if progress != nil {
			progress(i+1, n)
		}
	}
	return flush()
}

// work moves the tasks of an accepted case along as departments would:
// roll (0..99) decides how far.
func work(cat *casework.Catalogue, c *casework.Case, accepted, now time.Time, roll int) {
	t := accepted
	for step := 0; step < 3; step++ {
		for _, task := range c.Tasks {
			if task.State != casework.TaskPending {
				continue
			}
			limit := 0
			if l := cat.Item(task.Item).TaskLimit(); l != nil {
				limit = l.Days
			}
			days := 1 + (roll+len(task.Item)*7)%max(limit+3, 2)
			done := cat.Calendar.AddWorkingDays(t, days).Add(10 * time.Hour)
			// Still open: what the departments have not reached yet, the recent
			// cases of one roll in seven, and a few forgotten ones (overdue).
			if done.After(now) || (roll < 15 && now.Sub(accepted) < 30*24*time.Hour) || roll < 2 {
				continue
			}
			switch {
			case roll%17 == 0 && task.Item == "hukou":
				_ = c.ReturnTask(cat, task.Item, "拟落户地证明与户籍信息不符,请补充房产证明", done)
			case roll%23 == 0 && task.Item == "employment":
				_ = c.RefuseTask(cat, task.Item, "本人放弃培训", done)
			default:
				_ = c.StartTask(cat, task.Item, done)
				_ = c.CompleteTask(cat, task.Item, result(cat, c, task.Item, done), done)
			}
		}
	}
}

func result(cat *casework.Catalogue, c *casework.Case, item string, when time.Time) map[string]string {
	day := when.Format("2006-01-02")
	switch item {
	case "hukou":
		return map[string]string{"hukou_date": day}
	case "idcard":
		return map[string]string{"id_card_apply_date": day}
	case "sscard":
		return map[string]string{"ss_card_no": fmt.Sprintf("R%08d", when.UnixNano()%1e8)}
	case "pension":
		return map[string]string{"pension_done_date": day}
	case "medical_enrol":
		return map[string]string{"medical_insured_no": fmt.Sprintf("37100%07d", when.UnixNano()%1e7)}
	case "medical_transfer":
		return map[string]string{"medical_transfer_date": day}
	case "subsidy":
		enlist, err1 := time.Parse("2006-01-02", c.Value(casework.FieldEnlistDate))
		discharge, err2 := time.Parse("2006-01-02", c.Value(casework.FieldDischargeDate))
		if err1 != nil || err2 != nil {
			return nil
		}
		sub, err := cat.Subsidy.Compute(enlist, discharge, c.Value(casework.FieldCategory))
		if err != nil {
			return nil
		}
		return map[string]string{"subsidy_paid_date": day, "subsidy_amount": fmt.Sprintf("%d.00", sub.Amount)}
	}
	return nil
}
