package hub

import (
	"context"
	"fmt"
	"math"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"vetdesk/casework"
	"vetdesk/store"
	"vetdesk/syncapi"
)

var year2099 = time.Date(2099, 1, 1, 0, 0, 0, 0, time.UTC)

// clockDesk is a test desk whose wall clock is now.
func clockDesk(t testing.TB, h *Hub, code string, u store.User, now func() time.Time) *testDesk {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(filepath.Join(t.TempDir(), code+".db"), store.Options{Catalogue: testCatalogue(t), Now: now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	dev, _ := db.Device(ctx)
	if err := db.SetDevice(ctx, store.Device{ID: dev.ID, Code: code, Office: office}); err != nil {
		t.Fatal(err)
	}
	d := &testDesk{db: db, id: dev.ID, actor: actorOf(u)}
	testDesks.Store(d.id, d) // enrolID unlocks its user's key
	enrolID(t, h, dev.ID, code, "")
	return d
}

// pushResp pushes d's outbox, acknowledges what the hub took, sets
// aside what it refused, and returns the hub's answer.
func (d *testDesk) pushResp(t testing.TB, h *Hub) syncapi.PushResponse {
	t.Helper()
	ctx := context.Background()
	resp, err := h.Push(ctx, d.id, syncapi.PushRequest{Ops: d.outbox(t)})
	if err != nil {
		t.Fatalf("Push = %v", err)
	}
	var ack []string
	for _, r := range resp.Results {
		if r.Status != syncapi.Rejected {
			ack = append(ack, r.ID)
		} else if err := d.db.SetAside(ctx, r.ID, r.Reason); err != nil {
			t.Fatal(err)
		}
	}
	if err := d.db.Ack(ctx, ack); err != nil {
		t.Fatal(err)
	}
	return resp
}

func setPhone(t testing.TB, d *testDesk, id, phone string) {
	t.Helper()
	if _, err := d.db.UpdateCase(context.Background(), d.actor, id, func(c *casework.Case) error { c.Values["phone"] = phone; return nil }); err != nil {
		t.Fatalf("UpdateCase = %v", err)
	}
}

func hubPhone(t testing.TB, h *Hub, id string) string {
	t.Helper()
	c, err := h.Replica().Case(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return c.Values["phone"]
}

// TestPushRefusesFutureStamp guards the drift bound on push: an edit from
// a desk whose clock says 2099 is refused with ReasonClock, and a later
// correct edit from another desk wins.
func TestPushRefusesFutureStamp(t *testing.T) {
	ctx := context.Background()
	now := func() time.Time { return genNow }
	h := newTestHub(t, Options{Now: now})
	a := clockDesk(t, h, "AA", testUsers[1], now)
	bad := clockDesk(t, h, "FF", testUsers[2], func() time.Time { return year2099 })
	b := clockDesk(t, h, "BB", testUsers[2], func() time.Time { return genNow.Add(time.Minute) })
	c := casework.NewGenerator(testCatalogue(t), 1, genNow).Draft(uuid.Must(uuid.NewV7()).String(), office, true)
	if _, err := a.db.AcceptCase(ctx, a.actor, testCatalogue(t), c); err != nil {
		t.Fatal(err)
	}
	a.pushResp(t, h)
	bad.pull(t, h)
	setPhone(t, bad, c.ID, "13800002099")
	resp := bad.pushResp(t, h)
	if len(resp.Results) != 1 || resp.Results[0].Status != syncapi.Rejected || resp.Results[0].Reason != ReasonClock {
		t.Fatalf("Push(2099 edit) = %+v, want rejected with %q", resp.Results, ReasonClock)
	}
	b.pull(t, h)
	setPhone(t, b, c.ID, "13900000001")
	if resp := b.pushResp(t, h); resp.Results[0].Status != syncapi.Accepted {
		t.Fatalf("Push(correct edit) = %+v, want accepted", resp.Results)
	}
	if got := hubPhone(t, h, c.ID); got != "13900000001" {
		t.Errorf("hub phone = %q, want the later correct edit 13900000001", got)
	}
}

// TestPushRefusesLargestStamp guards the field against an op stamped with
// the largest wall time and counter: it is refused, and the field stays
// changeable by ordinary edits.
func TestPushRefusesLargestStamp(t *testing.T) {
	ctx := context.Background()
	now := func() time.Time { return genNow }
	h := newTestHub(t, Options{Now: now})
	a := clockDesk(t, h, "AA", testUsers[1], now)
	c := casework.NewGenerator(testCatalogue(t), 2, genNow).Draft(uuid.Must(uuid.NewV7()).String(), office, true)
	if _, err := a.db.AcceptCase(ctx, a.actor, testCatalogue(t), c); err != nil {
		t.Fatal(err)
	}
	a.pushResp(t, h)
	top := syncapi.Op{ID: uuid.Must(uuid.NewV7()).String(), Device: a.id, User: testUsers[1].ID,
		HLC: syncapi.HLC{Wall: math.MaxInt64, Logical: math.MaxUint32}, Entity: store.EntityCase, EntityID: c.ID, CaseID: c.ID,
		Fields: map[string]string{"v:phone": "13800009999"}}
	resp, err := h.Push(ctx, a.id, syncapi.PushRequest{Ops: []syncapi.Op{top}})
	if err != nil {
		t.Fatal(err)
	}
	if resp.Results[0].Status != syncapi.Rejected || resp.Results[0].Reason != ReasonClock {
		t.Fatalf("Push(largest stamp) = %+v, want rejected with %q", resp.Results, ReasonClock)
	}
	setPhone(t, a, c.ID, "13900000002")
	a.pushResp(t, h)
	if got := hubPhone(t, h, c.ID); got != "13900000002" {
		t.Errorf("hub phone after an edit = %q, want 13900000002 (the field must stay changeable)", got)
	}
}

// TestRepairClockAuditedAndFedToWriter guards the admin repair: ops the
// hub took while its own clock said 2099 are restamped at hub time, the
// repair is in the audit log, and the restamp ops are in the feed of every
// device of the office, the one that wrote the op included.
func TestRepairClockAuditedAndFedToWriter(t *testing.T) {
	ctx := context.Background()
	var mu sync.Mutex
	hubNow := year2099
	now := func() time.Time { mu.Lock(); defer mu.Unlock(); return hubNow }
	h := newTestHub(t, Options{Now: now})
	w := clockDesk(t, h, "WW", testUsers[1], now)
	other := clockDesk(t, h, "OO", testUsers[2], func() time.Time { return genNow })
	c := casework.NewGenerator(testCatalogue(t), 3, genNow).Draft(uuid.Must(uuid.NewV7()).String(), office, true)
	if _, err := w.db.AcceptCase(ctx, w.actor, testCatalogue(t), c); err != nil {
		t.Fatal(err)
	}
	if resp := w.pushResp(t, h); resp.Results[0].Status != syncapi.Accepted {
		t.Fatalf("Push in 2099 = %+v, want accepted (the hub's clock says 2099 too)", resp.Results[0])
	}
	mu.Lock()
	hubNow = genNow.Add(time.Minute)
	mu.Unlock()
	res, err := h.RepairClock(ctx, "admin-test")
	if err != nil {
		t.Fatal(err)
	}
	if res.Ops == 0 || res.To.Wall > genNow.Add(time.Minute+store.DefaultMaxDrift).UnixMilli() {
		t.Fatalf("RepairClock() = %+v, want the 2099 ops restamped near hub time", res)
	}
	log, err := h.Replica().AuditLog(ctx, 5)
	if err != nil {
		t.Fatal(err)
	}
	if len(log) == 0 || log[0].Action != "repair clock" || log[0].UserID != "admin-test" ||
		!strings.Contains(log[0].Detail, fmt.Sprintf("restamped=%d", res.Ops)) {
		t.Errorf("latest audit entry = %+v, want the repair by admin-test with its count", log[0])
	}
	for _, d := range []*testDesk{w, other} {
		resp, err := h.Pull(ctx, d.id, 0, MaxPullLimit)
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, op := range resp.Ops {
			if op.Entity == store.EntityRestamp {
				n++
			}
		}
		if n != res.Ops {
			t.Errorf("feed of %s holds %d restamp ops, want %d", d.id, n, res.Ops)
		}
	}
}

// TestPushRefusesRestampOps: only the hub gives an op a new stamp; a
// device's restamp op is refused.
func TestPushRefusesRestampOps(t *testing.T) {
	ctx := context.Background()
	now := func() time.Time { return genNow }
	h := newTestHub(t, Options{Now: now})
	a := clockDesk(t, h, "AA", testUsers[1], now)
	c := casework.NewGenerator(testCatalogue(t), 4, genNow).Draft(uuid.Must(uuid.NewV7()).String(), office, true)
	if _, err := a.db.AcceptCase(ctx, a.actor, testCatalogue(t), c); err != nil {
		t.Fatal(err)
	}
	ops := a.pushResp(t, h)
	for _, caseID := range []string{c.ID, ""} {
		op := syncapi.Op{ID: uuid.Must(uuid.NewV7()).String(), Device: a.id, User: testUsers[1].ID, HLC: syncapi.HLC{Wall: genNow.UnixMilli()},
			Entity: store.EntityRestamp, EntityID: ops.Results[0].ID, CaseID: caseID, Fields: map[string]string{"wall": "0", "logical": "0"}}
		resp, err := h.Push(ctx, a.id, syncapi.PushRequest{Ops: []syncapi.Op{op}})
		if err != nil {
			t.Fatal(err)
		}
		if resp.Results[0].Status != syncapi.Rejected || resp.Results[0].Reason != ReasonRestamp {
			t.Errorf("Push(restamp op, case %q) = %+v, want rejected with %q", caseID, resp.Results[0], ReasonRestamp)
		}
	}
}
