package hub

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"vetdesk/casework"
	"vetdesk/store"
	"vetdesk/syncapi"
)

// pull brings the desk's feed from h into its store.
func (d *testDesk) pull(t testing.TB, h *Hub) {
	t.Helper()
	ctx := context.Background()
	for more := true; more; {
		resp, err := h.Pull(ctx, d.id, d.cursor, MaxPullLimit)
		if err != nil {
			t.Fatal(err)
		}
		ops := make([]store.Op, len(resp.Ops))
		for i, o := range resp.Ops {
			ops[i] = toStore(o)
		}
		if _, err := d.db.ApplyRemote(ctx, ops); err != nil {
			t.Fatal(err)
		}
		d.cursor, more = resp.Next, resp.More
	}
}

// push sends the desk's outbox to h, acknowledges it, and returns the
// reasons of the rejected ops ("" when all landed).
func (d *testDesk) push(t testing.TB, h *Hub) []string {
	t.Helper()
	ctx := context.Background()
	ops := d.outbox(t)
	resp, err := h.Push(ctx, d.id, syncapi.PushRequest{Seen: d.cursor, Ops: ops})
	if err != nil {
		t.Fatal(err)
	}
	var ids, reasons []string
	for _, r := range resp.Results {
		ids = append(ids, r.ID)
		if r.Status == syncapi.Rejected {
			reasons = append(reasons, r.Reason)
		}
	}
	if err := d.db.Ack(ctx, ids); err != nil {
		t.Fatal(err)
	}
	return reasons
}

// caseWith accepts at d a synthetic case applying for every item of items.
func caseWith(t testing.TB, d *testDesk, seed uint64, items ...string) *casework.Case {
	t.Helper()
	cat := testCatalogue(t)
	g := casework.NewGenerator(cat, seed, genNow)
	for i := range 500 {
		c := g.Draft(fmt.Sprintf("01960000-0000-7000-8000-%06d%06d", seed, i), office, true)
		if !allIn(items, c.Items) {
			continue
		}
		if _, err := d.db.AcceptCase(context.Background(), d.actor, cat, c); err != nil {
			t.Fatal(err)
		}
		return c
	}
	t.Fatalf("no synthetic case applies for %v", items)
	return nil
}

func allIn(want, have []string) bool {
	for _, w := range want {
		if !slices.Contains(have, w) {
			return false
		}
	}
	return true
}

// completeOnHub completes item of a case on the hub itself (as the
// department API would), releasing what waited on it.
func completeOnHub(t testing.TB, h *Hub, caseID, item string) {
	t.Helper()
	if _, err := h.db.UpdateCase(context.Background(), hubActor, caseID, func(c *casework.Case) error {
		return c.CompleteTask(h.cat, item, nil, time.Now().UTC())
	}); err != nil {
		t.Fatal(err)
	}
}

// TestDeptMovesOnlyItsOwnTasks: the hrss device may not reopen police's
// finished hukou task nor re-date it, nor release a task before its
// dependencies are done; police completing hukou releases hrss's
// social_insurance.
func TestDeptMovesOnlyItsOwnTasks(t *testing.T) {
	ctx := context.Background()
	h := newTestHub(t, Options{})
	cat := testCatalogue(t)
	hrssUser, err := h.AddUser(ctx, store.User{ID: "u-hrss", Login: "hrss", Name: "刘科员", Role: store.RoleHandler, Department: "hrss", Office: office}, "pw")
	if err != nil {
		t.Fatal(err)
	}
	a := newTestDesk(t, "SA01", testUsers[1])
	enrolID(t, h, a.id, "SA01", "")
	p := newTestDesk(t, "PO01", testUsers[3])
	enrolID(t, h, p.id, "PO01", "police")
	hr := newTestDesk(t, "HR01", hrssUser)
	enrolID(t, h, hr.id, "HR01", "hrss")

	done := caseWith(t, a, 1, "register", "hukou", "social_insurance")
	waiting := caseWith(t, a, 2, "register", "hukou", "social_insurance")
	if why := a.push(t, h); why != nil {
		t.Fatalf("station push rejected: %v", why)
	}
	completeOnHub(t, h, done.ID, "register") // 户口 after 报到
	p.pull(t, h)
	now := time.Now().UTC()
	if _, err := p.db.UpdateCase(ctx, p.actor, done.ID, func(c *casework.Case) error {
		return c.CompleteTask(cat, "hukou", map[string]string{"hukou_date": "2026-11-30"}, now)
	}); err != nil {
		t.Fatal(err)
	}
	if why := p.push(t, h); why != nil {
		t.Fatalf("police completing hukou (and releasing social_insurance) rejected: %v", why)
	}
	before, _ := h.db.Case(ctx, done.ID)
	if st := before.Task("social_insurance").State; st != casework.TaskPending {
		t.Fatalf("social_insurance after hukou done = %s, want pending", st)
	}
	hr.pull(t, h)
	far := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	// the hrss device does not see police's task: it writes it blind
	hukou := func(c *casework.Case) *casework.Task {
		if tk := c.Task("hukou"); tk != nil {
			return tk
		}
		tk := &casework.Task{Item: "hukou", Department: "police"}
		c.Tasks = append(c.Tasks, tk)
		return tk
	}
	tests := []struct {
		name   string
		caseID string
		fn     func(c *casework.Case) error
		want   string
	}{
		{"reopen and re-date police's finished task", done.ID, func(c *casework.Case) error {
			tk := hukou(c)
			tk.State, tk.Due = casework.TaskPending, far
			return nil
		}, ReasonOtherTask},
		{"re-date police's task", done.ID, func(c *casework.Case) error { hukou(c).Due = far.AddDate(1, 0, 0); return nil }, ReasonOtherTask},
		{"restart police's task", done.ID, func(c *casework.Case) error { hukou(c).Started = far; return nil }, ReasonOtherTask},
		{"release own task before its dependency is done", waiting.ID, func(c *casework.Case) error {
			tk := c.Task("social_insurance")
			tk.State, tk.Started, tk.Due = casework.TaskPending, now, cat.DueDate("social_insurance", now)
			return nil
		}, ReasonRelease},
		{"complete own task while it waits", waiting.ID, func(c *casework.Case) error {
			tk := c.Task("social_insurance")
			tk.State, tk.Finished = casework.TaskDone, now
			return nil
		}, ReasonRelease},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := hr.db.UpdateCase(ctx, hr.actor, tt.caseID, tt.fn); err != nil {
				t.Fatal(err)
			}
			if got := hr.push(t, h); !slices.Contains(got, tt.want) {
				t.Errorf("push = rejected %v, want %q", got, tt.want)
			}
		})
	}
	after, _ := h.db.Case(ctx, done.ID)
	if a, b := after.Task("hukou"), before.Task("hukou"); a.State != casework.TaskDone || !a.Due.Equal(b.Due) || !a.Started.Equal(b.Started) {
		t.Errorf("hub hukou = %s due %v started %v, want done, due %v started %v", a.State, a.Due, a.Started, b.Due, b.Started)
	}
	if c, _ := h.db.Case(ctx, waiting.ID); c.Task("social_insurance").State != casework.TaskWaiting {
		t.Errorf("hub social_insurance of the waiting case = %s, want waiting", c.Task("social_insurance").State)
	}
}

// TestDeptCannotReviveWithdrawnCase: after the intake office withdraws a
// case, a department's write of its state (accepted) or of its task is
// refused and the case stays withdrawn.
func TestDeptCannotReviveWithdrawnCase(t *testing.T) {
	ctx := context.Background()
	h := newTestHub(t, Options{})
	a := newTestDesk(t, "SA01", testUsers[1])
	enrolID(t, h, a.id, "SA01", "")
	p := newTestDesk(t, "PO01", testUsers[3])
	enrolID(t, h, p.id, "PO01", "police")
	c := caseWith(t, a, 3, "hukou")
	if why := a.push(t, h); why != nil {
		t.Fatalf("station push rejected: %v", why)
	}
	p.pull(t, h)
	if _, err := a.db.UpdateCase(ctx, a.actor, c.ID, func(c *casework.Case) error { return c.Withdraw("本人撤回", time.Now().UTC()) }); err != nil {
		t.Fatal(err)
	}
	if why := a.push(t, h); why != nil {
		t.Fatalf("withdrawal rejected: %v", why)
	}
	p.pull(t, h)
	tests := []struct {
		name string
		fn   func(c *casework.Case) error
	}{
		{"state accepted", func(c *casework.Case) error { c.State = casework.CaseAccepted; return nil }},
		{"state in progress", func(c *casework.Case) error { c.State = casework.CaseInProgress; return nil }},
		{"task worked", func(c *casework.Case) error { c.Task("hukou").State = casework.TaskWorking; return nil }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := p.db.UpdateCase(ctx, p.actor, c.ID, tt.fn); err != nil {
				t.Fatal(err)
			}
			if got := p.push(t, h); len(got) == 0 || !allIn([]string{ReasonCaseClosed}, got) {
				t.Errorf("push = rejected %v, want all %q", got, ReasonCaseClosed)
			}
			if got, _ := h.db.Case(ctx, c.ID); got.State != casework.CaseWithdrawn || got.Task("hukou").State != casework.TaskCancelled {
				t.Errorf("hub case = %s, hukou %s, want withdrawn and cancelled", got.State, got.Task("hukou").State)
			}
		})
	}
}

// TestIntakeCreatesTasksWaitingOrPending: a station may not create a
// police task already done with a result, nor refused with a reason.
func TestIntakeCreatesTasksWaitingOrPending(t *testing.T) {
	ctx := context.Background()
	h := newTestHub(t, Options{})
	cat := testCatalogue(t)
	a := newTestDesk(t, "SA01", testUsers[1])
	enrolID(t, h, a.id, "SA01", "")
	now := time.Now().UTC()
	tests := []struct {
		name string
		task casework.Task
		want string
	}{
		{"done with a result", casework.Task{State: casework.TaskDone, Result: map[string]string{"hukou_date": "2026-11-30"}, Finished: now}, ReasonNewTask},
		{"refused with a reason", casework.Task{State: casework.TaskRefused, Reason: "不符合条件", Finished: now}, ReasonNewTask},
		{"pending with a result", casework.Task{State: casework.TaskPending, Result: map[string]string{"hukou_date": "2026-11-30"}}, ReasonNewTask},
		{"pending", casework.Task{State: casework.TaskPending}, ""},
	}
	g := casework.NewGenerator(cat, 5, genNow)
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := g.Draft(fmt.Sprintf("01970000-0000-7000-8000-%012d", i), office, true)
			tk := tt.task
			tk.Item, tk.Department, tk.Started, tk.Due, tk.UpdatedAt = "hukou", "police", now, cat.DueDate("hukou", now), now
			c.Tasks = []*casework.Task{&tk}
			if err := a.db.SaveCase(ctx, a.actor, c); err != nil {
				t.Fatal(err)
			}
			got := a.push(t, h)
			if (tt.want == "") != (len(got) == 0) || (tt.want != "" && !slices.Contains(got, tt.want)) {
				t.Errorf("push = rejected %v, want %q", got, tt.want)
			}
		})
	}
}
