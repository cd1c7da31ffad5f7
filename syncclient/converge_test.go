package syncclient_test

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"vetdesk/casework"
	"vetdesk/hub"
	"vetdesk/store"
)

func permutations(n int) [][]int {
	if n == 1 {
		return [][]int{{0}}
	}
	var out [][]int
	for _, p := range permutations(n - 1) {
		for i := 0; i <= len(p); i++ {
			q := append(append(append([]int{}, p[:i]...), n-1), p[i:]...)
			out = append(out, q)
		}
	}
	return out
}

type fieldKey struct{ entityID, field string }

// conflictSet lists the conflicts of the desks as entity/field pairs.
func conflictSet(t *testing.T, desks ...*desk) map[fieldKey][]string {
	t.Helper()
	out := map[fieldKey][]string{}
	for _, d := range desks {
		cs, err := d.db.Conflicts(context.Background())
		if err != nil {
			t.Fatalf("%s: Conflicts() = %v", d.name, err)
		}
		for _, c := range cs {
			k := fieldKey{c.EntityID, c.Field}
			out[k] = append(out[k], fmt.Sprintf("%s: local %q remote %q", d.name, c.LocalValue, c.RemoteValue))
		}
	}
	return out
}

// derivedField: fields every edit or the lifecycle touches; concurrent
// writes of them are expected and may be listed.
func derivedField(f string) bool { return f == "updated_at" || f == "state" || f == "closed_at" }

// TestConvergeEveryOrder: two desktops of one station and a police
// department desktop edit offline, then sync in each of the 6 orders: all
// end with the hub's state (the department: its share of it), and both
// concurrent edits of the same field are listed as conflicts.
func TestConvergeEveryOrder(t *testing.T) {
	names := []string{"A", "B", "P"}
	for _, perm := range permutations(3) {
		order := make([]string, len(perm))
		for i, p := range perm {
			order[i] = names[p]
		}
		t.Run(strings.Join(order, ""), func(t *testing.T) {
			e := newEnv(t, hub.Options{})
			a := e.desk("A", deskOpt{office: office, login: "clerkA"})
			b := e.desk("B", deskOpt{office: office, login: "clerkB"})
			p := e.desk("P", deskOpt{office: office, dept: "police", login: "police"})
			desks := []*desk{a, b, p}
			g := casework.NewGenerator(e.cat, 7, genNow)
			var ids []string
			for i := range 4 {
				ids = append(ids, e.newCase(a, g, fmt.Sprintf("0193a000-0000-7000-8000-%012d", i)).ID)
			}
			settle(t, e, desks, 5)
			if got := caseIDs(t, p.db); len(got) != 4 {
				t.Fatalf("police desk holds %d cases after first sync, want 4", len(got))
			}

			// offline edits; B's edit of case 0 comes after A's, A's of case 1 after B's
			set := func(d *desk, id, field, v string) {
				d.update(t, id, func(c *casework.Case) error { c.Values[field] = v; return nil })
				time.Sleep(2 * time.Millisecond)
			}
			set(a, ids[0], "phone", "13800000001")
			set(b, ids[0], "phone", "13900000002")
			set(b, ids[1], "home_address", "威海市环翠区B路1号")
			set(a, ids[1], "home_address", "威海市环翠区A路2号")
			set(b, ids[3], "name", "孙悟")
			a.update(t, ids[2], func(c *casework.Case) error {
				for _, m := range c.Materials {
					m.Note = "复印件不清晰"
				}
				return nil
			})
			p.update(t, ids[0], func(c *casework.Case) error {
				return c.CompleteTask(e.cat, "hukou", map[string]string{"hukou_date": "2026-11-21"}, time.Now().UTC())
			})
			p.update(t, ids[1], func(c *casework.Case) error {
				return c.ReturnTask(e.cat, "hukou", "缺少户口簿", time.Now().UTC())
			})
			p.update(t, ids[3], func(c *casework.Case) error {
				return c.CompleteTask(e.cat, "hukou", nil, time.Now().UTC())
			})

			for _, i := range perm {
				desks[i].sync(t)
			}
			rounds := settle(t, e, desks, 8)

			want := dump(t, e.hub.Replica(), nil)
			for _, d := range []*desk{a, b} {
				if got := dump(t, d.db, nil); got != want {
					t.Errorf("%s dump = hub dump? no: %s", d.name, diffLines(got, want))
				}
			}
			wantP := dump(t, e.hub.Replica(), deptView(e.cat, "police"))
			if got := dump(t, p.db, nil); got != wantP {
				t.Errorf("P dump = hub police view? no: %s", diffLines(got, wantP))
			}

			hc, _ := e.hub.Replica().Case(context.Background(), ids[0])
			// released by hukou: idcard, 社会保险登记, 医保参保; the 社保卡 also waits for 社会保险登记
			for item, st := range map[string]casework.TaskState{"hukou": casework.TaskDone, "idcard": casework.TaskPending,
				"social_insurance": casework.TaskPending, "sscard": casework.TaskWaiting, "medical_enrol": casework.TaskPending} {
				if tk := hc.Task(item); tk == nil || tk.State != st {
					t.Errorf("hub case 0 task %s = %+v, want state %s", item, tk, st)
				}
			}
			if hc.State != casework.CaseInProgress {
				t.Errorf("hub case 0 state = %s, want %s", hc.State, casework.CaseInProgress)
			}
			pc, _ := p.db.Case(context.Background(), ids[0])
			for _, f := range []string{"phone", "bank_account"} {
				if v, ok := pc.Values[f]; ok {
					t.Errorf("police desk case 0 value %s = %q, want absent", f, v)
				}
			}

			for _, d := range desks {
				if aside, _ := d.db.SetAsideOps(context.Background()); len(aside) > 0 {
					t.Errorf("%s SetAsideOps() = %d ops, first %+v, want none", d.name, len(aside), aside[0])
				}
			}
			conf := conflictSet(t, a, b, p)
			for _, k := range []fieldKey{{ids[0], "v:phone"}, {ids[1], "v:home_address"}} {
				if len(conf[k]) == 0 {
					t.Errorf("conflict on %s %s listed = none, want listed on the losing desk", k.entityID, k.field)
				}
			}
			for k, where := range conf {
				if !derivedField(k.field) && k != (fieldKey{ids[0], "v:phone"}) && k != (fieldKey{ids[1], "v:home_address"}) {
					t.Errorf("unexpected conflict %s %s: %v", k.entityID, k.field, where)
				}
			}
			t.Logf("order %v: settled in %d rounds, %d conflict fields", order, rounds, len(conf))
		})
	}
}

// TestResolveConflictKeepsLocal: the clerk whose value lost re-applies it,
// and it wins everywhere.
func TestResolveConflictKeepsLocal(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, hub.Options{})
	a := e.desk("A", deskOpt{office: office, login: "clerkA"})
	b := e.desk("B", deskOpt{office: office, login: "clerkB"})
	g := casework.NewGenerator(e.cat, 3, genNow)
	id := e.newCase(a, g, "0193a000-0000-7000-8000-000000000001").ID
	settle(t, e, []*desk{a, b}, 4)
	a.update(t, id, func(c *casework.Case) error { c.Values["phone"] = "13800000001"; return nil })
	time.Sleep(2 * time.Millisecond)
	b.update(t, id, func(c *casework.Case) error { c.Values["phone"] = "13900000002"; return nil })
	a.sync(t) // A's value reaches the hub first, then loses to B's
	settle(t, e, []*desk{a, b}, 6)
	cs, _ := a.db.Conflicts(ctx)
	var found *store.Conflict
	for i := range cs {
		if cs[i].Field == "v:phone" {
			found = &cs[i]
		}
	}
	if found == nil || found.LocalValue != "13800000001" || found.RemoteValue != "13900000002" {
		t.Fatalf("A Conflicts() = %+v, want v:phone local 13800000001 remote 13900000002", cs)
	}
	if err := a.db.ResolveConflict(ctx, a.actor, found.ID, true); err != nil {
		t.Fatalf("ResolveConflict = %v", err)
	}
	settle(t, e, []*desk{a, b}, 6)
	for _, d := range []*desk{a, b} {
		c, _ := d.db.Case(ctx, id)
		if c.Values["phone"] != "13800000001" {
			t.Errorf("%s phone after keeping A's = %q, want 13800000001", d.name, c.Values["phone"])
		}
	}
	ids := make([]string, 0)
	for _, c := range cs {
		ids = append(ids, c.Field)
	}
	sort.Strings(ids)
	t.Logf("conflict fields at A: %v", ids)
}
