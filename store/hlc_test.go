package store

import (
	"context"
	"math"
	"testing"
	"time"
)

var year2099 = time.Date(2099, 1, 1, 0, 0, 0, 0, time.UTC)

// TestClockObserveStaysWithinDrift guards the bound on observe: a stamp
// from a machine whose clock says 2099 moves the clock no further than
// the drift bound ahead of the wall clock.
func TestClockObserveStaysWithinDrift(t *testing.T) {
	now := testNow
	tests := []struct {
		name  string
		drift time.Duration
		seen  HLC
	}{
		{"2099 default bound", 0, HLC{Wall: year2099.UnixMilli(), Logical: 3}},
		{"2099 one minute bound", time.Minute, HLC{Wall: year2099.UnixMilli()}},
		{"largest stamp", 0, HLC{Wall: math.MaxInt64, Logical: math.MaxUint32}},
		{"just past the bound", 0, HLC{Wall: now.Add(DefaultMaxDrift).UnixMilli() + 1, Logical: 9}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := &clock{now: func() time.Time { return now }, drift: tt.drift}
			c.observe(tt.seen)
			d := tt.drift
			if d == 0 {
				d = DefaultMaxDrift
			}
			limit := HLC{Wall: now.Add(d).UnixMilli(), Logical: 1}
			if c.last.Compare(limit) > 0 {
				t.Errorf("observe(%s) moved the clock to %s, want at most %s", tt.seen, c.last, limit)
			}
			if got := c.tick(); got.Wall > now.Add(d).UnixMilli() || got.Wall < now.UnixMilli() {
				t.Errorf("tick() after observe(%s) = %s, want within [%d, %d]", tt.seen, got, now.UnixMilli(), now.Add(d).UnixMilli())
			}
		})
	}
}

// TestClockObserveFollowsWithinDrift keeps the HLC's point: a stamp ahead
// within the bound is followed, so the next local stamp is after it.
func TestClockObserveFollowsWithinDrift(t *testing.T) {
	c := &clock{now: func() time.Time { return testNow }}
	seen := HLC{Wall: testNow.Add(DefaultMaxDrift).UnixMilli(), Logical: 41}
	c.observe(seen)
	if got := c.tick(); got.Compare(seen) <= 0 {
		t.Errorf("tick() after observe(%s) = %s, want after it", seen, got)
	}
}

// TestClockBumpDoesNotOverflow guards bump at the largest stamp: it must
// not wrap around to a negative wall, and tick reins such a clock in.
func TestClockBumpDoesNotOverflow(t *testing.T) {
	top := HLC{Wall: math.MaxInt64, Logical: math.MaxUint32}
	c := &clock{now: func() time.Time { return testNow }, last: top}
	c.bump()
	if c.last.Compare(top) < 0 {
		t.Errorf("bump() at %s = %s, want not before it", top, c.last)
	}
	c.last = HLC{Wall: 5, Logical: math.MaxUint32}
	c.bump()
	if want := (HLC{Wall: 6}); c.last != want {
		t.Errorf("bump() at a full counter = %s, want %s", c.last, want)
	}
	c.last = top
	if got := c.tick(); got.Wall != testNow.UnixMilli() {
		t.Errorf("tick() from %s = %s, want the wall clock %d", top, got, testNow.UnixMilli())
	}
}

// TestClockReinsFromTheFuture guards a store whose clock was carried into
// 2099 before the bound existed (or the hub's own clock said 2099 for a
// while): once the wall clock is right again, local ops are stamped at it,
// not after 2099, across a restart too.
func TestClockReinsFromTheFuture(t *testing.T) {
	ctx := context.Background()
	clk := newFakeClock()
	db := openTest(t, clk)
	c := newGen(t, 3).Draft(caseID(1), "371002", false)
	mustSave(t, db, c)
	if _, err := db.sql.Exec(`UPDATE clock SET wall = ?, logical = 7`, year2099.UnixMilli()); err != nil {
		t.Fatal(err)
	}
	path := db.Path()
	db.Close()
	db = openAt(t, path, clk)
	c.Values["post"] = "after"
	mustSave(t, db, c)
	ops, _ := db.Outbox(ctx, 1000)
	if last := ops[len(ops)-1].HLC; last.Wall > clk.Now().Add(DefaultMaxDrift).UnixMilli() {
		t.Errorf("stamp after a 2099 clock state = %s, want at the wall clock %d", last, clk.Now().UnixMilli())
	}
}

// TestRemoteFutureStampDoesNotCarryClock: applying an op stamped in 2099
// leaves the store's next local stamp near its wall clock.
func TestRemoteFutureStampDoesNotCarryClock(t *testing.T) {
	ctx := context.Background()
	clk := newFakeClock()
	db := openTest(t, clk)
	c := newGen(t, 4).Draft(caseID(1), "371002", false)
	mustSave(t, db, c)
	if _, err := db.ApplyRemote(ctx, []Op{remoteOp("dev-2099", HLC{Wall: year2099.UnixMilli()}, c.ID, map[string]string{"v:post": "x"})}); err != nil {
		t.Fatal(err)
	}
	c.Values["post"] = "local"
	mustSave(t, db, c)
	ops, _ := db.Outbox(ctx, 1000)
	if last := ops[len(ops)-1].HLC; last.Wall > clk.Now().Add(DefaultMaxDrift).UnixMilli() {
		t.Errorf("local stamp after observing 2099 = %s, want within %v of %d", last, DefaultMaxDrift, clk.Now().UnixMilli())
	}
}
