package store

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"testing"
	"time"
)

// TestRestampFutureMakesFieldChangeable guards the repair of an op stamped
// in 2099: before, no later edit can change its field; after
// RestampFuture the field keeps its value (no silent change) and the next
// edit wins.
func TestRestampFutureMakesFieldChangeable(t *testing.T) {
	ctx := context.Background()
	clk := newFakeClock()
	hub := openTest(t, clk)
	id := caseID(1)
	create := remoteOp("dev-a", HLC{Wall: testNow.UnixMilli()}, id, map[string]string{"state": "draft", "office": "371002", "v:phone": "1"})
	future := remoteOp("dev-f", HLC{Wall: year2099.UnixMilli(), Logical: 4}, id, map[string]string{"v:phone": "2099"})
	later := remoteOp("dev-b", HLC{Wall: testNow.Add(time.Minute).UnixMilli()}, id, map[string]string{"v:phone": "later"})
	if _, err := hub.ApplyRemote(ctx, []Op{create, future, later}); err != nil {
		t.Fatal(err)
	}
	phone := func(db *DB) string {
		t.Helper()
		c, err := db.Case(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		return c.Values["phone"]
	}
	if got := phone(hub); got != "2099" {
		t.Fatalf("phone before the repair = %q, want the 2099 op's", got)
	}
	clk.Add(2 * time.Minute)
	res, err := hub.RestampFuture(ctx, "hub")
	if err != nil {
		t.Fatal(err)
	}
	if res.Ops != 1 || res.Latest != future.HLC || res.From.Wall > clk.Now().Add(DefaultMaxDrift).UnixMilli() {
		t.Errorf("RestampFuture() = %+v, want 1 op (latest %s) restamped near %d", res, future.HLC, clk.Now().UnixMilli())
	}
	if got := phone(hub); got != "2099" {
		t.Errorf("phone right after the repair = %q, want unchanged 2099", got)
	}
	if again, err := hub.RestampFuture(ctx, "hub"); err != nil || again.Ops != 0 {
		t.Errorf("RestampFuture() again = %+v, %v, want nothing left", again, err)
	}
	clk.Add(time.Minute)
	edit := remoteOp("dev-b", HLC{Wall: clk.Now().UnixMilli()}, id, map[string]string{"v:phone": "fixed"})
	if _, err := hub.ApplyRemote(ctx, []Op{edit}); err != nil {
		t.Fatal(err)
	}
	if got := phone(hub); got != "fixed" {
		t.Errorf("phone after an edit following the repair = %q, want fixed", got)
	}
}

// TestRestampConvergesInAnyOrder guards the merge of restamp ops: a
// replica that receives the restamp before or after the op it repairs,
// and before or after other edits, ends with the hub's fields.
func TestRestampConvergesInAnyOrder(t *testing.T) {
	ctx := context.Background()
	clk := newFakeClock()
	hub := openTest(t, clk)
	id := caseID(2)
	create := remoteOp("dev-a", HLC{Wall: testNow.UnixMilli()}, id, map[string]string{"state": "draft", "office": "371002", "v:phone": "1", "v:post": "p0"})
	f1 := remoteOp("dev-f", HLC{Wall: year2099.UnixMilli(), Logical: 1}, id, map[string]string{"v:phone": "f1", "v:post": "f1"})
	f2 := remoteOp("dev-f", HLC{Wall: year2099.UnixMilli(), Logical: 2}, id, map[string]string{"v:post": "f2"})
	mid := remoteOp("dev-b", HLC{Wall: testNow.Add(time.Minute).UnixMilli()}, id, map[string]string{"v:phone": "mid", "v:post": "mid"})
	if _, err := hub.ApplyRemote(ctx, []Op{create, f1, f2, mid}); err != nil {
		t.Fatal(err)
	}
	clk.Add(2 * time.Minute)
	if _, err := hub.RestampFuture(ctx, "hub"); err != nil {
		t.Fatal(err)
	}
	clk.Add(time.Minute)
	after := remoteOp("dev-b", HLC{Wall: clk.Now().UnixMilli()}, id, map[string]string{"v:phone": "after"})
	if _, err := hub.ApplyRemote(ctx, []Op{after}); err != nil {
		t.Fatal(err)
	}
	all, _, err := hub.OpsAfter(ctx, 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	byID := map[string]Op{}
	var restamps []Op
	for _, op := range all {
		byID[op.ID] = op
		if op.Entity == EntityRestamp {
			restamps = append(restamps, op)
		}
	}
	if len(restamps) != 2 {
		t.Fatalf("hub log holds %d restamp ops, want 2", len(restamps))
	}
	want := dump(t, hub)
	orders := [][]Op{
		{create, f1, f2, mid, restamps[0], restamps[1], after},
		{create, f1, f2, mid, after, restamps[0], restamps[1]}, // an edit made before the repair arrived
		{restamps[1], restamps[0], create, after, f2, f1, mid},
		{create, f1, restamps[0], after, mid, f2, restamps[1]},
		{after, restamps[0], mid, f2, create, restamps[1], f1},
	}
	for i, order := range orders {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			dev := openTest(t, newFakeClock())
			for _, op := range order {
				if _, err := dev.ApplyRemote(ctx, []Op{byID[op.ID]}); err != nil {
					t.Fatal(err)
				}
			}
			if got := dump(t, dev); got != want {
				t.Errorf("replica after order %d differs from the hub:\n%s\nwant\n%s", i, got, want)
			}
		})
	}
}

// TestRestampOpValidated: a restamp op without an op id or a stamp is
// refused as malformed, not applied.
func TestRestampOpValidated(t *testing.T) {
	ctx := context.Background()
	db := openTest(t, newFakeClock())
	tests := []struct {
		name     string
		entityID string
		fields   map[string]string
	}{
		{"no op id", "x", map[string]string{"wall": "1", "logical": "0"}},
		{"no stamp", caseID(9), map[string]string{"wall": "1"}},
		{"bad stamp", caseID(9), map[string]string{"wall": "soon", "logical": "0"}},
	}
	for _, tt := range tests {
		op := remoteOp("hub", HLC{Wall: testNow.UnixMilli()}, "", tt.fields)
		op.Entity, op.EntityID = EntityRestamp, tt.entityID
		res, err := db.ApplyRemote(ctx, []Op{op})
		if err != nil || len(res.Rejected) != 1 {
			t.Errorf("%s: ApplyRemote = %+v, %v, want rejected", tt.name, res, err)
		}
	}
}

// TestSnapshotCarriesRestamps guards the snapshot path: a desktop that
// starts from a snapshot written after a repair orders the repaired op by
// its new stamp, so a later edit beats it as it does on the hub.
func TestSnapshotCarriesRestamps(t *testing.T) {
	ctx := context.Background()
	clk := newFakeClock()
	hub := openTest(t, clk)
	id := caseID(3)
	create := remoteOp("dev-a", HLC{Wall: testNow.UnixMilli()}, id, map[string]string{"state": "accepted", "office": "371002", "v:phone": "1"})
	future := remoteOp("dev-f", HLC{Wall: year2099.UnixMilli()}, id, map[string]string{"v:phone": "2099"})
	if _, err := hub.ApplyRemote(ctx, []Op{create, future}); err != nil {
		t.Fatal(err)
	}
	clk.Add(time.Minute)
	if _, err := hub.RestampFuture(ctx, "hub"); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "snap.db")
	info, err := hub.WriteSnapshot(ctx, path, "371002")
	if err != nil {
		t.Fatal(err)
	}
	desk := openTest(t, clk)
	if _, err := desk.AdoptSnapshot(ctx, path, nil, nil); err != nil {
		t.Fatal(err)
	}
	clk.Add(time.Minute)
	edit := remoteOp("dev-b", HLC{Wall: clk.Now().UnixMilli()}, id, map[string]string{"v:phone": "later"})
	for _, db := range []*DB{hub, desk} {
		if _, err := db.ApplyRemote(ctx, []Op{edit}); err != nil {
			t.Fatal(err)
		}
		if got := mustCase(t, db, id).Values["phone"]; got != "later" {
			t.Errorf("phone after an edit following the repair (snapshot at %d) = %q, want later", info.High, got)
		}
	}
}

// TestRetractRestoresHubValue guards a desk whose clock said 2099: once
// its refused edit is retracted, the later edit it pulls from another desk
// shows, and only ops still waiting for the hub can be retracted.
func TestRetractRestoresHubValue(t *testing.T) {
	ctx := context.Background()
	clk := newFakeClock()
	db := openTest(t, clk)
	c := newGen(t, 11).Draft(caseID(4), "371002", false)
	mustSave(t, db, c)
	created, _ := db.Outbox(ctx, 1000)
	acked := make([]string, len(created))
	for i, op := range created {
		acked[i] = op.ID
	}
	if err := db.Ack(ctx, acked); err != nil { // the creation reached the hub earlier
		t.Fatal(err)
	}
	clk.Add(year2099.Sub(clk.Now())) // then the CMOS battery died
	c.Values["phone"] = "13800002099"
	mustSave(t, db, c)
	ops, _ := db.Outbox(ctx, 1000)
	edit := ops[len(ops)-1]
	later := remoteOp("dev-b", HLC{Wall: testNow.Add(time.Minute).UnixMilli()}, c.ID, map[string]string{"v:phone": "13900000001"})
	if _, err := db.ApplyRemote(ctx, []Op{later}); err != nil {
		t.Fatal(err)
	}
	if got := mustCase(t, db, c.ID).Values["phone"]; got != "13800002099" {
		t.Fatalf("phone before the retraction = %q, want the 2099 edit", got)
	}
	if err := db.SetAside(ctx, edit.ID, "clock"); err != nil {
		t.Fatal(err)
	}
	if err := db.Retract(ctx, edit.ID); err != nil {
		t.Fatalf("Retract(refused edit) = %v", err)
	}
	if got := mustCase(t, db, c.ID).Values["phone"]; got != "13900000001" {
		t.Errorf("phone after the retraction = %q, want the other desk's 13900000001", got)
	}
	if aside, _ := db.SetAsideOps(ctx); len(aside) != 1 || aside[0].Op.ID != edit.ID {
		t.Errorf("SetAsideOps() = %+v, want the retracted edit still listed", aside)
	}
	if err := db.Retract(ctx, acked[0]); !errors.Is(err, ErrNotFound) {
		t.Errorf("Retract(acknowledged op) = %v, want ErrNotFound", err)
	}
}

// TestHistoryFollowsRestamps guards the case timeline after a repair: the
// repaired op shows at its new stamp, in the order the merge now uses, so
// the last change shown is the value the case holds.
func TestHistoryFollowsRestamps(t *testing.T) {
	ctx := context.Background()
	clk := newFakeClock()
	db := openTest(t, clk)
	id := caseID(6)
	create := remoteOp("dev-a", HLC{Wall: testNow.UnixMilli()}, id, map[string]string{"state": "accepted", "office": "371002", "v:post": "1"})
	future := remoteOp("dev-f", HLC{Wall: year2099.UnixMilli()}, id, map[string]string{"v:post": "2099"})
	if _, err := db.ApplyRemote(ctx, []Op{create, future}); err != nil {
		t.Fatal(err)
	}
	clk.Add(time.Minute)
	if _, err := db.RestampFuture(ctx, "hub"); err != nil {
		t.Fatal(err)
	}
	clk.Add(time.Minute)
	later := remoteOp("dev-b", HLC{Wall: clk.Now().UnixMilli()}, id, map[string]string{"v:post": "later"})
	if _, err := db.ApplyRemote(ctx, []Op{later}); err != nil {
		t.Fatal(err)
	}
	evs, err := db.History(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	var last Change
	for _, e := range evs {
		if e.At.After(clk.Now().Add(DefaultMaxDrift)) {
			t.Errorf("event %s at %v, want no event after the hub's time", e.OpID, e.At)
		}
		if e.Entity == EntityRestamp {
			t.Errorf("restamp op %s listed as a change", e.OpID)
		}
		for _, c := range e.Changes {
			if c.Field == "v:post" {
				last = c
			}
		}
	}
	if last.New != mustCase(t, db, id).Values["post"] {
		t.Errorf("last post change in History = %+v, want the case's value %q", last, mustCase(t, db, id).Values["post"])
	}
}
