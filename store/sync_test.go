package store

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"vetdesk/casework"
)

func TestOutboxAckSetAside(t *testing.T) {
	ctx := context.Background()
	db := openTest(t, newFakeClock())
	c := newGen(t, 1).Draft(caseID(1), "371002", false)
	mustSave(t, db, c)
	ops, err := db.Outbox(ctx, 100)
	if err != nil || len(ops) < 3 {
		t.Fatalf("Outbox = %d ops, %v, want at least 3", len(ops), err)
	}
	for i := 1; i < len(ops); i++ {
		if ops[i-1].HLC.Compare(ops[i].HLC) >= 0 {
			t.Errorf("Outbox not oldest first at %d: %s then %s", i, ops[i-1].HLC, ops[i].HLC)
		}
	}
	if err := db.Ack(ctx, []string{ops[0].ID}); err != nil {
		t.Fatalf("Ack = %v", err)
	}
	if err := db.SetAside(ctx, ops[1].ID, "outside scope"); err != nil {
		t.Fatalf("SetAside = %v", err)
	}
	rest, _ := db.Outbox(ctx, 100)
	if len(rest) != len(ops)-2 || rest[0].ID != ops[2].ID {
		t.Errorf("Outbox after ack+set aside = %d ops starting %s, want %d starting %s", len(rest), rest[0].ID, len(ops)-2, ops[2].ID)
	}
	aside, _ := db.SetAsideOps(ctx)
	if len(aside) != 1 || aside[0].Op.ID != ops[1].ID || aside[0].Reason != "outside scope" {
		t.Errorf("SetAsideOps = %+v, want op %s with its reason", aside, ops[1].ID)
	}
	st, err := db.SyncState(ctx)
	if err != nil || st.Outbox != len(ops)-2 || st.SetAside != 1 {
		t.Errorf("SyncState = %+v, %v, want outbox %d set aside 1", st, err, len(ops)-2)
	}
	push := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
	if err := db.SetSyncState(ctx, SyncState{LastPush: push}); err != nil {
		t.Fatal(err)
	}
	if st, _ := db.SyncState(ctx); !st.LastPush.Equal(push) {
		t.Errorf("SyncState().LastPush = %v, want %v", st.LastPush, push)
	}
	all, next, _ := db.OpsAfter(ctx, 0, 1000)
	if len(all) != len(ops) || next == 0 {
		t.Errorf("OpsAfter(0) = %d ops next %d, want %d", len(all), next, len(ops))
	}
	more, next2, _ := db.OpsAfter(ctx, next, 10)
	if len(more) != 0 || next2 != next {
		t.Errorf("OpsAfter(%d) = %d ops next %d, want none", next, len(more), next2)
	}
}

func remoteOp(device string, h HLC, caseID string, fields map[string]string) Op {
	return Op{ID: uuid.Must(uuid.NewV7()).String(), Device: device, User: "u-remote", HLC: h,
		Entity: EntityCase, EntityID: caseID, CaseID: caseID, Fields: fields}
}

func TestApplyRemoteMerge(t *testing.T) {
	ctx := context.Background()
	id := caseID(5)
	base := HLC{Wall: testNow.UnixMilli()}
	create := remoteOp("dev-a", base, id, map[string]string{"state": "draft", "office": "371002", "v:name": "张三"})
	tests := []struct {
		name string
		ops  []Op
		want string
	}{
		{"later wins", []Op{remoteOp("dev-a", HLC{base.Wall + 10, 0}, id, map[string]string{"v:name": "李四"}),
			remoteOp("dev-b", HLC{base.Wall + 5, 0}, id, map[string]string{"v:name": "王五"})}, "李四"},
		{"logical counts", []Op{remoteOp("dev-a", HLC{base.Wall + 5, 2}, id, map[string]string{"v:name": "李四"}),
			remoteOp("dev-b", HLC{base.Wall + 5, 1}, id, map[string]string{"v:name": "王五"})}, "李四"},
		{"device breaks ties", []Op{remoteOp("dev-b", HLC{base.Wall + 5, 0}, id, map[string]string{"v:name": "王五"}),
			remoteOp("dev-a", HLC{base.Wall + 5, 0}, id, map[string]string{"v:name": "李四"})}, "王五"},
		{"older loses", []Op{remoteOp("dev-b", HLC{base.Wall - 5, 0}, id, map[string]string{"v:name": "王五"})}, "张三"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, order := range [][]int{{0, 1}, {1, 0}} {
				db := openTest(t, newFakeClock())
				if _, err := db.ApplyRemote(ctx, []Op{create}); err != nil {
					t.Fatal(err)
				}
				var batch []Op
				for _, i := range order {
					if i < len(tt.ops) {
						batch = append(batch, tt.ops[i])
					}
				}
				for _, op := range batch {
					if _, err := db.ApplyRemote(ctx, []Op{op}); err != nil {
						t.Fatal(err)
					}
				}
				c, err := db.Case(ctx, id)
				if err != nil || c.Values["name"] != tt.want {
					t.Errorf("after %v name = %v (%v), want %s", order, c.Values["name"], err, tt.want)
				}
			}
		})
	}
}

func TestApplyRemoteIdempotent(t *testing.T) {
	ctx := context.Background()
	src := openTest(t, newFakeClock())
	c := newGen(t, 2).Draft(caseID(1), "371002", true)
	mustSave(t, src, c)
	ops, _, _ := src.OpsAfter(ctx, 0, 1000)

	dst := openTest(t, newFakeClock())
	res, err := dst.ApplyRemote(ctx, ops)
	if err != nil || res.Applied != len(ops) || res.Duplicates != 0 {
		t.Fatalf("ApplyRemote(first) = %+v, %v, want %d applied", res, err, len(ops))
	}
	before := dump(t, dst)
	res, err = dst.ApplyRemote(ctx, ops)
	if err != nil || res.Applied != 0 || res.Duplicates != len(ops) {
		t.Fatalf("ApplyRemote(again) = %+v, %v, want %d duplicates", res, err, len(ops))
	}
	if after := dump(t, dst); after != before {
		t.Errorf("ApplyRemote(again) changed the projection")
	}
	got, _ := dst.Case(ctx, c.ID)
	sameCase(t, got, c)
	if out, _ := dst.Outbox(ctx, 10); len(out) != 0 {
		t.Errorf("remote ops in the outbox: %d, want 0", len(out))
	}
	bad := []Op{{ID: "not-a-uuid", Device: "x", Entity: EntityCase}, remoteOp("dev-a", HLC{Wall: 1}, "", nil)}
	res, err = dst.ApplyRemote(ctx, bad)
	if err != nil || len(res.Rejected) != 2 {
		t.Errorf("ApplyRemote(malformed) = %+v, %v, want 2 rejected", res, err)
	}
}

func TestConflictRecorded(t *testing.T) {
	ctx := context.Background()
	clk := newFakeClock()
	db := openTest(t, clk)
	c := newGen(t, 4).Draft(caseID(1), "371002", false)
	mustSave(t, db, c)
	pushed, _ := db.Outbox(ctx, 1000)
	db.Ack(ctx, opIDs(pushed))
	c.Values[casework.FieldPhone] = "13800000001" // local, unsynced
	mustSave(t, db, c)
	later := HLC{Wall: clk.Now().Add(time.Minute).UnixMilli()}
	res, err := db.ApplyRemote(ctx, []Op{
		remoteOp("dev-z", later, c.ID, map[string]string{"v:phone": "13900000002", "v:sex": c.Values[casework.FieldSex]}),
	})
	if err != nil || res.Conflicts != 1 {
		t.Fatalf("ApplyRemote(beats local) = %+v, %v, want 1 conflict", res, err)
	}
	got, _ := db.Case(ctx, c.ID)
	if got.Values[casework.FieldPhone] != "13900000002" {
		t.Errorf("phone after remote = %s, want the remote 13900000002", got.Values[casework.FieldPhone])
	}
	cs, _ := db.Conflicts(ctx)
	if len(cs) != 1 || cs[0].LocalValue != "13800000001" || cs[0].RemoteValue != "13900000002" || cs[0].Field != "v:phone" {
		t.Fatalf("Conflicts() = %+v, want phone local 13800000001 remote 13900000002", cs)
	}
	if err := db.ResolveConflict(ctx, clerk, cs[0].ID, true); err != nil {
		t.Fatalf("ResolveConflict(keep local) = %v", err)
	}
	got, _ = db.Case(ctx, c.ID)
	if got.Values[casework.FieldPhone] != "13800000001" {
		t.Errorf("phone after keeping local = %s, want 13800000001", got.Values[casework.FieldPhone])
	}
	if cs, _ := db.Conflicts(ctx); len(cs) != 0 {
		t.Errorf("Conflicts() after resolve = %d, want 0", len(cs))
	}
	// acknowledged local values are not conflicts
	all, _ := db.Outbox(ctx, 1000)
	db.Ack(ctx, opIDs(all))
	res, _ = db.ApplyRemote(ctx, []Op{remoteOp("dev-z", HLC{Wall: later.Wall + 999999}, c.ID, map[string]string{"v:phone": "13700000003"})})
	if res.Conflicts != 0 {
		t.Errorf("ApplyRemote(over acked value) conflicts = %d, want 0", res.Conflicts)
	}
}

func opIDs(ops []Op) []string {
	out := make([]string, len(ops))
	for i, op := range ops {
		out[i] = op.ID
	}
	return out
}

func TestHLCMonotonicWhenClockGoesBack(t *testing.T) {
	ctx := context.Background()
	clk := newFakeClock()
	db := openTest(t, clk)
	c := newGen(t, 8).Draft(caseID(1), "371002", false)
	var stamps []HLC
	for i := range 6 {
		if i == 3 {
			clk.Add(-3 * time.Minute) // the wall clock jumps back, less than the drift bound
		}
		c.Values["post"] = fmt.Sprintf("post %d", i)
		mustSave(t, db, c)
		ops, _ := db.Outbox(ctx, 1000)
		stamps = append(stamps, ops[len(ops)-1].HLC)
	}
	for i := 1; i < len(stamps); i++ {
		if stamps[i].Compare(stamps[i-1]) <= 0 {
			t.Errorf("HLC %d = %s not after %s", i, stamps[i], stamps[i-1])
		}
	}
	got, _ := db.Case(ctx, c.ID)
	if got.Values["post"] != "post 5" {
		t.Errorf("last write after clock jump = %q, want post 5", got.Values["post"])
	}
	// and across a restart
	path := db.Path()
	db.Close()
	db = openAt(t, path, clk)
	c.Values["post"] = "after restart"
	mustSave(t, db, c)
	ops, _ := db.Outbox(ctx, 1000)
	if last := ops[len(ops)-1].HLC; last.Compare(stamps[len(stamps)-1]) <= 0 {
		t.Errorf("HLC after restart = %s, want after %s", last, stamps[len(stamps)-1])
	}
	// observing a remote stamp ahead, within the bound, moves the clock past it
	future := HLC{Wall: clk.Now().Add(DefaultMaxDrift / 2).UnixMilli(), Logical: 7}
	db.ApplyRemote(ctx, []Op{remoteOp("dev-f", future, c.ID, map[string]string{"v:post": "remote"})})
	c.Values["post"] = "local again"
	mustSave(t, db, c)
	ops, _ = db.Outbox(ctx, 1000)
	if last := ops[len(ops)-1].HLC; last.Compare(future) <= 0 {
		t.Errorf("HLC after observing %s = %s, want after it", future, last)
	}
	if s := future.String(); len(s) != 24 {
		t.Errorf("HLC.String() = %q, want fixed width 24", s)
	} else if p, err := ParseHLC(s); err != nil || p != future {
		t.Errorf("ParseHLC(%s) = %v, %v, want %v", s, p, err, future)
	}
}

// dump is a canonical text of every projection, independent of local row
// ids and sequences.
func dump(t testing.TB, db *DB) string {
	t.Helper()
	// the postings complete, whenever the merger came (grams.go)
	if err := db.MergeGrams(context.Background()); err != nil {
		t.Fatalf("dump: %v", err)
	}
	qs := []string{
		`SELECT c.id, f.entity, f.key, f.field, f.value FROM fields f LEFT JOIN cases c ON c.rid = f.case_rid ORDER BY 1, 2, 3, 4`,
		`SELECT id, number, state, office, station, name, id_number, phone, items, created_at, accepted_at, updated_at, closed_at, missing_materials FROM cases ORDER BY id`,
		`SELECT c.id, i.item FROM case_items i JOIN cases c ON c.rid = i.case_rid ORDER BY 1, 2`,
		`SELECT c.id, t.item, t.department, t.state, t.reason, t.started, t.due, t.finished, t.result, t.updated_at FROM tasks t JOIN cases c ON c.rid = t.case_rid ORDER BY 1, 2`,
		`SELECT g.gram, c.id FROM grams g JOIN cases c ON c.rid = g.case_rid ORDER BY 1, 2`,
		`SELECT id, login, name, role, department, office, disabled, password FROM users ORDER BY id`,
	}
	var b strings.Builder
	for _, q := range qs {
		rows, err := db.sql.Query(q)
		if err != nil {
			t.Fatalf("dump: %v", err)
		}
		cols, _ := rows.Columns()
		vals := make([]sql.NullString, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		for rows.Next() {
			rows.Scan(ptrs...)
			for _, v := range vals {
				b.WriteString(v.String)
				b.WriteByte('|')
			}
			b.WriteByte('\n')
		}
		rows.Close()
	}
	return b.String()
}

// TestMergeConverges applies the same ops, made by three devices editing
// the same cases with clocks that tie, in random orders with random
// duplicates and batch sizes: every replica must end identical.
func TestMergeConverges(t *testing.T) {
	ctx := context.Background()
	cat := testCatalogue(t)
	var all []Op
	seed := newGen(t, 21)
	shared := []*casework.Case{seed.Draft(caseID(1), "371002", true), seed.Draft(caseID(2), "371003", false)}
	for d := range 3 {
		clk := newFakeClock() // same wall clock on every device: HLC ties broken by device
		db := openTest(t, clk)
		rng := rand.New(rand.NewPCG(uint64(d), 99))
		for _, base := range shared {
			c := *base
			c.Values = map[string]string{}
			for k, v := range base.Values {
				c.Values[k] = v
			}
			c.Materials = map[string]*casework.MaterialState{}
			for k, m := range base.Materials {
				cp := *m
				c.Materials[k] = &cp
			}
			for range 4 {
				c.Values["post"] = fmt.Sprintf("d%d-%d", d, rng.IntN(100))
				c.Values[casework.FieldPhone] = fmt.Sprintf("139%08d", rng.IntN(1e8))
				if rng.IntN(2) == 0 {
					c.Values[casework.FieldName] = []string{"张伟", "李娜", "王小明"}[rng.IntN(3)]
				}
				code := firstKey(c.Materials)
				c.Materials[code].Status = []casework.MaterialStatus{casework.MaterialCopy, casework.MaterialOriginal, casework.MaterialRequired}[rng.IntN(3)]
				if err := db.SaveCase(ctx, clerk, &c); err != nil {
					t.Fatal(err)
				}
				if rng.IntN(3) == 0 {
					clk.Add(time.Millisecond)
				}
			}
			if d == 1 && c.State == casework.CaseDraft {
				if _, err := db.AcceptCase(ctx, clerk, cat, &c); err != nil {
					t.Logf("AcceptCase on device %d: %v", d, err)
				}
			}
		}
		ops, _, err := db.OpsAfter(ctx, 0, 100000)
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, ops...)
	}
	var want string
	for trial := range 6 {
		rng := rand.New(rand.NewPCG(uint64(trial), 7))
		ops := append([]Op(nil), all...)
		for range len(ops) / 3 {
			ops = append(ops, ops[rng.IntN(len(ops))])
		}
		rng.Shuffle(len(ops), func(i, j int) { ops[i], ops[j] = ops[j], ops[i] })
		db := openTest(t, newFakeClock())
		for len(ops) > 0 {
			n := min(len(ops), 1+rng.IntN(20))
			if _, err := db.ApplyRemote(ctx, ops[:n]); err != nil {
				t.Fatal(err)
			}
			ops = ops[n:]
		}
		got := dump(t, db)
		if trial == 0 {
			want = got
			continue
		}
		if got != want {
			t.Fatalf("trial %d: replica differs from trial 0:\n%s", trial, firstDiff(got, want))
		}
	}
}

func firstDiff(a, b string) string {
	al, bl := strings.Split(a, "\n"), strings.Split(b, "\n")
	sort.Strings(al)
	sort.Strings(bl)
	for i := range min(len(al), len(bl)) {
		if al[i] != bl[i] {
			return "got  " + al[i] + "\nwant " + bl[i]
		}
	}
	return fmt.Sprintf("lengths %d vs %d", len(al), len(bl))
}
