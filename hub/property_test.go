package hub

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"vetdesk/casework"
	"vetdesk/store"
	"vetdesk/syncapi"
)

// TestPushOrderProperty is the hub-level variant of the store's merge
// property: the same ops, pushed by their devices in any interleaving, any
// batch split, any order within a station and with any duplication, give
// the hub the same state.
func TestPushOrderProperty(t *testing.T) {
	ctx := context.Background()
	cat := testCatalogue(t)
	a := newTestDesk(t, "A1", testUsers[1])
	b := newTestDesk(t, "B1", testUsers[2])
	p := newTestDesk(t, "P1", testUsers[3])
	testUserOps(t)
	for _, d := range []*testDesk{a, b, p} { // the ops are made before any hub: the users log in first
		d.unlock(t, usersOnce.db)
	}
	g := casework.NewGenerator(cat, 5, genNow)
	var ids []string
	for i := range 6 {
		c := reportedEarlier(cat, g.Draft(fmt.Sprintf("0193d000-0000-7000-8000-%012d", i), office, true))
		if _, err := a.db.AcceptCase(ctx, a.actor, cat, c); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, c.ID)
	}
	creation := a.outbox(t)
	a.db.Ack(ctx, opIDs(creation))
	for _, d := range []*testDesk{b, p} {
		ops := make([]store.Op, len(creation))
		for i, o := range creation {
			ops[i] = toStore(o)
		}
		if _, err := d.db.ApplyRemote(ctx, ops); err != nil {
			t.Fatal(err)
		}
	}
	rng := rand.New(rand.NewPCG(9, 9))
	fields := []string{"phone", "home_address", "name", "education"}
	for i := range 60 {
		d := []*testDesk{a, b}[i%2]
		id, f := ids[rng.IntN(len(ids))], fields[rng.IntN(len(fields))]
		if _, err := d.db.UpdateCase(ctx, d.actor, id, func(c *casework.Case) error {
			c.Values[f] = fmt.Sprintf("v%d", i)
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Duration(rng.IntN(2)) * time.Millisecond)
	}
	now := time.Now().UTC()
	for i, id := range ids {
		var fn func(c *casework.Case) error
		switch i % 3 {
		case 0:
			fn = func(c *casework.Case) error {
				return c.CompleteTask(cat, "hukou", map[string]string{"hukou_date": "2026-11-22"}, now)
			}
		case 1:
			fn = func(c *casework.Case) error { return c.ReturnTask(cat, "hukou", "缺少材料", now) }
		case 2:
			fn = func(c *casework.Case) error { return c.StartTask(cat, "hukou", now) }
		}
		if _, err := p.db.UpdateCase(ctx, p.actor, id, fn); err != nil {
			t.Fatal(err)
		}
	}
	edits := map[string][]syncapi.Op{a.id: a.outbox(t), b.id: b.outbox(t), p.id: p.outbox(t)}
	total := len(creation)
	for _, ops := range edits {
		total += len(ops)
	}

	// after every op's stamp: the hub refuses ops stamped ahead of its clock
	fixed := time.Now().UTC().Add(time.Hour).Truncate(time.Hour)
	var want string
	for trial := range 6 {
		h := newTestHub(t, Options{Now: func() time.Time { return fixed }})
		enrolID(t, h, a.id, "A1", "")
		enrolID(t, h, b.id, "B1", "")
		enrolID(t, h, p.id, "P1", "police")
		r := rand.New(rand.NewPCG(uint64(trial), 77))
		var sent []pushed
		push := func(dev string, ops []syncapi.Op) {
			resp, err := h.Push(ctx, dev, syncapi.PushRequest{Ops: ops})
			if err != nil {
				t.Fatalf("trial %d: Push = %v", trial, err)
			}
			for _, res := range resp.Results {
				if res.Status == syncapi.Rejected {
					t.Fatalf("trial %d: Push op %s = rejected %q, want accepted", trial, res.ID, res.Reason)
				}
			}
			sent = append(sent, pushed{dev, ops})
			if r.IntN(3) == 0 { // a batch sent again, late
				old := sent[r.IntN(len(sent))]
				if _, err := h.Push(ctx, old.dev, syncapi.PushRequest{Ops: old.ops}); err != nil {
					t.Fatal(err)
				}
			}
		}
		for rest := creation; len(rest) > 0; { // the cases exist before anyone works on them
			n := min(len(rest), 1+r.IntN(60))
			push(a.id, rest[:n])
			rest = rest[n:]
		}
		queues := map[string][]syncapi.Op{}
		for dev, ops := range edits {
			q := append([]syncapi.Op(nil), ops...)
			// the department's ops keep their order, as the client sends
			// them: a release is judged by its dependency's state
			if trial > 0 && dev != p.id {
				r.Shuffle(len(q), func(i, j int) { q[i], q[j] = q[j], q[i] })
			}
			queues[dev] = q
		}
		devs := []string{a.id, b.id, p.id}
		for len(queues[a.id])+len(queues[b.id])+len(queues[p.id]) > 0 {
			dev := devs[r.IntN(len(devs))]
			q := queues[dev]
			if len(q) == 0 {
				continue
			}
			n := min(len(q), 1+r.IntN(12))
			push(dev, q[:n])
			queues[dev] = q[n:]
		}
		got := dumpCases(t, h.db)
		if trial == 0 {
			want = got
			continue
		}
		if got != want {
			t.Errorf("trial %d: hub state differs from trial 0: %s", trial, firstDiff(got, want))
		}
	}
	t.Logf("%d ops, 6 trials", total)
}

type pushed struct {
	dev string
	ops []syncapi.Op
}

func opIDs(ops []syncapi.Op) []string {
	out := make([]string, len(ops))
	for i, o := range ops {
		out[i] = o.ID
	}
	return out
}

func firstDiff(a, b string) string {
	for i := 0; i < min(len(a), len(b)); i++ {
		if a[i] != b[i] {
			lo := max(0, i-150)
			return fmt.Sprintf("at %d:\n got  …%s…\n want …%s…", i, a[lo:min(len(a), i+80)], b[lo:min(len(b), i+80)])
		}
	}
	return fmt.Sprintf("lengths %d and %d", len(a), len(b))
}
