package syncclient_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"vetdesk/casework"
	"vetdesk/hub"
	"vetdesk/store"
	"vetdesk/syncapi"
)

var year2099 = time.Date(2099, 1, 1, 0, 0, 0, 0, time.UTC)

// wallClock is a wall clock a test sets by hand.
type wallClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *wallClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *wallClock) Set(t time.Time) {
	c.mu.Lock()
	c.t = t
	c.mu.Unlock()
}

func (c *wallClock) Add(d time.Duration) { c.Set(c.Now().Add(d)) }

// lastStamp is the stamp of d's newest op in its outbox.
func lastStamp(t testing.TB, d *desk) store.HLC {
	t.Helper()
	ops, err := d.db.Outbox(context.Background(), 1<<20)
	if err != nil || len(ops) == 0 {
		t.Fatalf("%s: Outbox() = %d ops, %v", d.name, len(ops), err)
	}
	return ops[len(ops)-1].HLC
}

// TestClockSkewMeasuredAtEverySync guards the desktop's clock check: each
// round measures the hub's clock against the desk's, the status and the
// store's sync state carry the difference, and it counts as wrong beyond
// store.ClockWarnSkew.
func TestClockSkewMeasuredAtEverySync(t *testing.T) {
	ctx := context.Background()
	hubClock := &wallClock{t: genNow}
	e := newEnv(t, hub.Options{Now: hubClock.Now})
	deskClock := &wallClock{t: genNow.Add(10 * time.Minute)}
	d := e.desk("A", deskOpt{office: office, login: "clerkA", now: deskClock.Now})
	tests := []struct {
		name      string
		deskAhead time.Duration
		wrong     bool
	}{
		{"ten minutes ahead", 10 * time.Minute, true},
		{"one minute behind", -time.Minute, false},
		{"an hour behind", -time.Hour, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			deskClock.Set(hubClock.Now().Add(tt.deskAhead))
			d.sync(t)
			if st := d.cl.Status(); !st.ClockChecked || st.ClockSkew != -tt.deskAhead || st.ClockWrong() != tt.wrong {
				t.Errorf("Status() clock = %v checked %v wrong %v, want %v wrong %v", st.ClockSkew, st.ClockChecked, st.ClockWrong(), -tt.deskAhead, tt.wrong)
			}
			ss, err := d.db.SyncState(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if ss.ClockSkew != -tt.deskAhead || ss.ClockWrong() != tt.wrong {
				t.Errorf("SyncState() clock = %v wrong %v, want %v wrong %v", ss.ClockSkew, ss.ClockWrong(), -tt.deskAhead, tt.wrong)
			}
		})
	}
}

// TestDeskClockIn2099IsRefused is the first scenario end to end: a desk
// whose clock says 2099 edits a case; the hub refuses the edit with
// syncapi.ReasonClock and the desk sets it aside and retracts it; a later
// correct edit from another desk wins everywhere, on the 2099 desk too.
func TestDeskClockIn2099IsRefused(t *testing.T) {
	ctx := context.Background()
	now := func() time.Time { return genNow }
	e := newEnv(t, hub.Options{Now: now})
	a := e.desk("A", deskOpt{office: office, login: "clerkA", now: now})
	bad := e.desk("F", deskOpt{office: office, login: "clerkB", now: func() time.Time { return year2099 }})
	b := e.desk("B", deskOpt{office: office, login: "clerkB", now: func() time.Time { return genNow.Add(time.Minute) }})
	id := e.newCase(a, casework.NewGenerator(e.cat, 3, genNow), "0193c000-0000-7000-8000-000000000001").ID
	settle(t, e, []*desk{a, bad, b}, 4)
	bad.update(t, id, func(c *casework.Case) error { c.Values["phone"] = "13800002099"; return nil })
	bad.sync(t)
	aside, err := bad.db.SetAsideOps(ctx)
	if err != nil || len(aside) != 1 || aside[0].Reason != syncapi.ReasonClock {
		t.Fatalf("SetAsideOps() = %+v, %v, want the 2099 edit set aside with %q", aside, err, syncapi.ReasonClock)
	}
	if st := bad.cl.Status(); !st.ClockChecked || st.ClockSkew > -time.Hour {
		t.Errorf("2099 desk's measured skew = %v, want far behind the desk", st.ClockSkew)
	}
	b.update(t, id, func(c *casework.Case) error { c.Values["phone"] = "13900000001"; return nil })
	settle(t, e, []*desk{a, bad, b}, 4)
	for _, d := range []*desk{a, b, bad} {
		c, err := d.db.Case(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if got := c.Values["phone"]; got != "13900000001" {
			t.Errorf("%s: phone = %q, want the later correct edit 13900000001", d.name, got)
		}
	}
}

// TestHubClockIn2099NotFollowed is the second scenario: the hub's clock
// jumps to 2099 and it writes an op then; the desks that pull it do not
// follow beyond the drift bound, so once the hub's clock is right again
// their edits are accepted and win.
func TestHubClockIn2099NotFollowed(t *testing.T) {
	ctx := context.Background()
	hubClock := &wallClock{t: genNow}
	e := newEnv(t, hub.Options{Now: hubClock.Now})
	deskClock := &wallClock{t: genNow}
	a := e.desk("A", deskOpt{office: office, login: "clerkA", now: deskClock.Now})
	b := e.desk("B", deskOpt{office: office, login: "clerkB", now: deskClock.Now})
	id := e.newCase(a, casework.NewGenerator(e.cat, 4, genNow), "0193c000-0000-7000-8000-000000000002").ID
	settle(t, e, []*desk{a, b}, 4)

	hubClock.Set(year2099)
	if _, err := e.hub.AddUser(ctx, store.User{Login: "clerkC", Name: "周洁", Role: store.RoleClerk, Office: office}, "pw-clerkC"); err != nil {
		t.Fatal(err)
	}
	a.update(t, id, func(c *casework.Case) error { c.Values["phone"] = "13800000001"; return nil })
	settle(t, e, []*desk{a, b}, 4)
	if ss, _ := b.db.SyncState(ctx); !ss.ClockWrong() {
		t.Errorf("desk B's SyncState().ClockWrong() with the hub in 2099 = false, want true")
	}
	b.update(t, id, func(c *casework.Case) error { c.Values["phone"] = "13900000002"; return nil })
	if got, limit := lastStamp(t, b), deskClock.Now().Add(store.DefaultMaxDrift).UnixMilli(); got.Wall > limit {
		t.Errorf("desk B's stamp after pulling 2099 ops = %s, want at most %d", got, limit)
	}

	hubClock.Set(genNow.Add(time.Minute))
	deskClock.Set(genNow.Add(time.Minute))
	settle(t, e, []*desk{a, b}, 4)
	if aside, _ := b.db.SetAsideOps(ctx); len(aside) > 0 {
		t.Errorf("desk B set aside %d ops (%s), want none", len(aside), aside[0].Reason)
	}
	for _, d := range []*desk{a, b} {
		c, err := d.db.Case(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if got := c.Values["phone"]; got != "13900000002" {
			t.Errorf("%s: phone = %q, want B's later edit 13900000002", d.name, got)
		}
	}
}

func phoneOf(t testing.TB, d *desk, id string) string {
	t.Helper()
	c, err := d.db.Case(context.Background(), id)
	if err != nil {
		t.Fatalf("%s: Case(%s) = %v", d.name, id, err)
	}
	return c.Values["phone"]
}

// TestRepairClockConverges guards the repair of ops accepted with a future
// stamp, end to end: while the hub's clock said 2099 it took an edit
// stamped 2099, which no later edit could beat, on the hub or on the desks
// that hold it. After Hub.RepairClock the restamp ops reach every desk
// (the one that wrote the edit included), no value changes by the repair
// itself, the next edit wins everywhere, and a desk enrolled afterwards
// ends the same.
func TestRepairClockConverges(t *testing.T) {
	ctx := context.Background()
	hubClock := &wallClock{t: genNow}
	deskClock := &wallClock{t: genNow}
	e := newEnv(t, hub.Options{Now: hubClock.Now})
	a := e.desk("A", deskOpt{office: office, login: "clerkA", now: deskClock.Now})
	id := e.newCase(a, casework.NewGenerator(e.cat, 5, genNow), "0193c000-0000-7000-8000-000000000005").ID
	settle(t, e, []*desk{a}, 3)

	// the hub's clock and F's say 2099: F's edit is taken
	hubClock.Set(year2099)
	fClock := &wallClock{t: year2099}
	f := e.desk("F", deskOpt{office: office, login: "clerkB", now: fClock.Now})
	settle(t, e, []*desk{a, f}, 4)
	f.update(t, id, func(c *casework.Case) error { c.Values["phone"] = "13800002099"; return nil })
	clerkC, err := e.hub.AddUser(ctx, store.User{Login: "clerkC", Name: "周洁", Role: store.RoleClerk, Office: office}, "pw-clerkC")
	if err != nil {
		t.Fatal(err)
	}
	settle(t, e, []*desk{a, f}, 4)
	if aside, _ := f.db.SetAsideOps(ctx); len(aside) > 0 {
		t.Fatalf("F's edit set aside (%s), want taken while the hub says 2099", aside[0].Reason)
	}

	// every clock is right again: the field is stuck
	for _, c := range []*wallClock{hubClock, deskClock, fClock} {
		c.Set(genNow.Add(time.Hour))
	}
	a.update(t, id, func(c *casework.Case) error { c.Values["phone"] = "13900000001"; return nil })
	settle(t, e, []*desk{a, f}, 4)
	if got := phoneOf(t, a, id); got != "13800002099" {
		t.Fatalf("A's phone before the repair = %q, want still the 2099 edit (that is the defect)", got)
	}

	res, err := e.hub.RepairClock(ctx, "admin")
	if err != nil || res.Ops == 0 {
		t.Fatalf("RepairClock() = %+v, %v, want the 2099 ops restamped", res, err)
	}
	settle(t, e, []*desk{a, f}, 4)
	for _, d := range []*desk{a, f} {
		if got := phoneOf(t, d, id); got != "13800002099" {
			t.Errorf("%s: phone right after the repair = %q, want unchanged 13800002099", d.name, got)
		}
	}
	hubClock.Add(time.Minute)
	deskClock.Add(time.Minute)
	fClock.Add(time.Minute)
	a.update(t, id, func(c *casework.Case) error { c.Values["phone"] = "13900000002"; return nil })
	f.update(t, id, func(c *casework.Case) error { c.Values["home_address"] = "环翠区新威路1号"; return nil })
	clerkC.Name = "周洁敏"
	if err := e.hub.UpdateUser(ctx, clerkC); err != nil {
		t.Fatal(err)
	}
	n := e.desk("N", deskOpt{office: office, login: "clerkA", now: deskClock.Now})
	desks := []*desk{a, f, n}
	settle(t, e, desks, 5)
	want := dump(t, e.hub.Replica(), nil)
	for _, d := range desks {
		if got := phoneOf(t, d, id); got != "13900000002" {
			t.Errorf("%s: phone after an edit following the repair = %q, want 13900000002", d.name, got)
		}
		if aside, _ := d.db.SetAsideOps(ctx); len(aside) > 0 {
			t.Errorf("%s: %d ops set aside (%s), want none", d.name, len(aside), aside[0].Reason)
		}
		if got := dump(t, d.db, nil); got != want {
			t.Errorf("%s differs from the hub: %s", d.name, diffLines(got, want))
		}
		us, err := d.db.Users(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, u := range us {
			if u.ID == clerkC.ID && u.Name != "周洁敏" {
				t.Errorf("%s: user renamed after the repair is %q, want 周洁敏", d.name, u.Name)
			}
		}
	}
}
