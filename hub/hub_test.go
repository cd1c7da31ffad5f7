package hub

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"vetdesk/casework"
	"vetdesk/store"
	"vetdesk/syncapi"
)

func TestDerive(t *testing.T) {
	cat := testCatalogue(t)
	t0 := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	fin := time.Date(2026, 11, 24, 15, 0, 0, 0, time.UTC)
	now := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	task := func(item string, st casework.TaskState, finished time.Time) *casework.Task {
		return &casework.Task{Item: item, Department: cat.Item(item).Department, State: st, Finished: finished}
	}
	tests := []struct {
		name         string
		state        casework.CaseState
		items        []string
		tasks        []*casework.Task
		wantState    casework.CaseState
		wantReleased []string
		wantClosed   time.Time
	}{
		{"hukou done releases its dependants", casework.CaseAccepted, []string{"hukou", "idcard", "sscard"},
			[]*casework.Task{task("hukou", casework.TaskDone, fin), task("idcard", casework.TaskWaiting, time.Time{}), task("sscard", casework.TaskWaiting, time.Time{})},
			casework.CaseInProgress, []string{"idcard", "sscard"}, time.Time{}},
		{"a department's premature done is undone", casework.CaseDone, []string{"hukou", "idcard"},
			[]*casework.Task{task("hukou", casework.TaskDone, fin), task("idcard", casework.TaskPending, time.Time{})},
			casework.CaseInProgress, nil, time.Time{}},
		{"all final closes at the last finish", casework.CaseInProgress, []string{"hukou", "register"},
			[]*casework.Task{task("hukou", casework.TaskDone, t0), task("register", casework.TaskRefused, fin)},
			casework.CaseDone, nil, fin},
		{"tasks not all arrived: left alone", casework.CaseAccepted, []string{"hukou", "idcard"},
			[]*casework.Task{task("hukou", casework.TaskDone, fin)},
			casework.CaseAccepted, nil, time.Time{}},
		{"withdrawn: left alone", casework.CaseWithdrawn, []string{"hukou"},
			[]*casework.Task{task("hukou", casework.TaskCancelled, time.Time{})},
			casework.CaseWithdrawn, nil, time.Time{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := &casework.Case{ID: "c", State: tt.state, Items: tt.items, Tasks: tt.tasks}
			released, _ := Derive(cat, c, now)
			if c.State != tt.wantState || fmt.Sprint(released) != fmt.Sprint(tt.wantReleased) || !c.ClosedAt.Equal(tt.wantClosed) {
				t.Errorf("Derive() = state %s released %v closed %v, want %s %v %v", c.State, released, c.ClosedAt, tt.wantState, tt.wantReleased, tt.wantClosed)
			}
			for _, it := range released {
				if tk := c.Task(it); !tk.Started.Equal(fin) || tk.Due != cat.DueDate(it, fin) {
					t.Errorf("released %s started %v due %v, want started %v (its dependency's finish)", it, tk.Started, tk.Due, fin)
				}
			}
		})
	}
}

func TestParseContentRange(t *testing.T) {
	tests := []struct {
		in                string
		start, end, total int64
		wantErr           bool
	}{
		{"bytes 0-99/100", 0, 99, 100, false},
		{"bytes 50-99/100", 50, 99, 100, false},
		{"bytes 50-100/100", 0, 0, 0, true},
		{"bytes 60-50/100", 0, 0, 0, true},
		{"50-99/100", 0, 0, 0, true},
		{"bytes x-1/2", 0, 0, 0, true},
	}
	for _, tt := range tests {
		s, e, tot, err := parseContentRange(tt.in)
		if (err != nil) != tt.wantErr || s != tt.start || e != tt.end || tot != tt.total {
			t.Errorf("parseContentRange(%q) = %d, %d, %d, %v, want %d, %d, %d, err %v", tt.in, s, e, tot, err, tt.start, tt.end, tt.total, tt.wantErr)
		}
	}
}

// TestPullCursorConcurrentPushers: while four devices push concurrently, a
// reader paging through its feed with a small page gets every op exactly
// once: the cursor never skips an op committed late.
func TestPullCursorConcurrentPushers(t *testing.T) {
	ctx := context.Background()
	h := newTestHub(t, Options{})
	cat := testCatalogue(t)
	reader := newTestDesk(t, "RD", testUsers[1])
	enrolID(t, h, reader.id, "RD", "")
	const pushers = 4
	var desks []*testDesk
	for i := range pushers {
		d := newTestDesk(t, fmt.Sprintf("W%d", i), testUsers[1+i%2])
		enrolID(t, h, d.id, fmt.Sprintf("W%d", i), "")
		g := casework.NewGenerator(cat, uint64(i), genNow)
		for j := range 15 {
			c := g.Draft(fmt.Sprintf("0193e%03d-0000-7000-8000-%012d", i, j), office, true)
			if _, err := d.db.AcceptCase(ctx, d.actor, cat, c); err != nil {
				t.Fatal(err)
			}
		}
		desks = append(desks, d)
	}
	want := map[string]bool{}
	for _, d := range desks {
		for _, op := range d.outbox(t) {
			want[op.ID] = true
		}
	}
	var wg sync.WaitGroup
	done := make(chan struct{})
	for _, d := range desks {
		wg.Add(1)
		go func(d *testDesk) {
			defer wg.Done()
			ops := d.outbox(t)
			for len(ops) > 0 {
				n := min(len(ops), 13)
				if _, err := h.Push(ctx, d.id, syncapi.PushRequest{Ops: ops[:n]}); err != nil {
					t.Errorf("Push = %v", err)
					return
				}
				ops = ops[n:]
			}
		}(d)
	}
	go func() { wg.Wait(); close(done) }()
	got := map[string]int{}
	var cursor int64
	pages := 0
	for finished := false; !finished; {
		select {
		case <-done:
			finished = true // one more pass after the pushers stopped
		default:
		}
		for more := true; more; pages++ {
			resp, err := h.Pull(ctx, reader.id, cursor, 7)
			if err != nil {
				t.Fatalf("Pull = %v", err)
			}
			for _, op := range resp.Ops {
				if op.CaseID != "" {
					got[op.ID]++
				}
			}
			cursor, more = resp.Next, resp.More
		}
	}
	for id := range want {
		if got[id] != 1 {
			t.Errorf("op %s pulled %d times, want 1", id, got[id])
		}
	}
	if len(got) != len(want) {
		t.Errorf("pulled %d case ops, want %d", len(got), len(want))
	}
	t.Logf("%d ops from %d concurrent pushers read in %d pages", len(want), pushers, pages)
}

// TestPushResent: a re-sent batch is all duplicates and changes nothing.
func TestPushResent(t *testing.T) {
	ctx := context.Background()
	h := newTestHub(t, Options{})
	d := newTestDesk(t, "A1", testUsers[1])
	enrolID(t, h, d.id, "A1", "")
	c := casework.NewGenerator(testCatalogue(t), 1, genNow).Draft("0193f000-0000-7000-8000-000000000001", office, true)
	if _, err := d.db.AcceptCase(ctx, d.actor, testCatalogue(t), c); err != nil {
		t.Fatal(err)
	}
	ops := d.outbox(t)
	first, err := h.Push(ctx, d.id, syncapi.PushRequest{Ops: ops})
	if err != nil {
		t.Fatal(err)
	}
	high1, _ := h.db.FeedHigh(ctx)
	dump1 := dumpCases(t, h.db)
	again, err := h.Push(ctx, d.id, syncapi.PushRequest{Ops: ops})
	if err != nil {
		t.Fatal(err)
	}
	high2, _ := h.db.FeedHigh(ctx)
	for i := range ops {
		if first.Results[i].Status != syncapi.Accepted || again.Results[i].Status != syncapi.Duplicate {
			t.Errorf("op %d: first %s, again %s, want accepted then duplicate", i, first.Results[i].Status, again.Results[i].Status)
		}
	}
	if high1 != high2 || dumpCases(t, h.db) != dump1 {
		t.Errorf("re-sent batch: feed %d -> %d, state changed %v; want nothing changed", high1, high2, dumpCases(t, h.db) != dump1)
	}
	// an op claiming another device is refused
	forged := ops[0]
	forged.ID = "0193f000-0000-7000-8000-0000000000aa"
	forged.Device = "someone-else"
	resp, _ := h.Push(ctx, d.id, syncapi.PushRequest{Ops: []syncapi.Op{forged}})
	if resp.Results[0].Status != syncapi.Rejected || resp.Results[0].Reason != ReasonNotOwnOp {
		t.Errorf("Push(forged device) = %+v, want rejected %q", resp.Results[0], ReasonNotOwnOp)
	}
}

// TestPushUserOfAnotherOffice: an op made by a clerk of another office on
// this office's device is rejected; a city supervisor may act here.
func TestPushUserOfAnotherOffice(t *testing.T) {
	ctx := context.Background()
	h := newTestHub(t, Options{})
	outsider, err := h.AddUser(ctx, store.User{ID: "u-x", Login: "clerkX", Name: "赵敏", Role: store.RoleClerk, Office: "371003"}, "pw")
	if err != nil {
		t.Fatal(err)
	}
	city, err := h.AddUser(ctx, store.User{ID: "u-city", Login: "cityS", Name: "周负责", Role: store.RoleSupervisor, Office: "371000"}, "pw")
	if err != nil {
		t.Fatal(err)
	}
	cat := testCatalogue(t)
	g := casework.NewGenerator(cat, 8, genNow)
	for i, tt := range []struct {
		u    store.User
		want string
	}{{outsider, ReasonUserOffice}, {city, ""}} {
		d := newTestDesk(t, fmt.Sprintf("U%d", i), tt.u)
		enrolID(t, h, d.id, fmt.Sprintf("U%d", i), "")
		c := g.Draft(fmt.Sprintf("01950000-0000-7000-8000-%012d", i), office, true)
		if err := d.db.SaveCase(ctx, d.actor, c); err != nil {
			t.Fatal(err)
		}
		resp, err := h.Push(ctx, d.id, syncapi.PushRequest{Ops: d.outbox(t)})
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range resp.Results {
			if r.Reason != tt.want {
				t.Errorf("push by %s: result %+v, want reason %q", tt.u.Login, r, tt.want)
				break
			}
		}
	}
}

// TestDevicesLastContact: admins see each device with its last contact
// (written at most once a minute) and whether it is revoked.
func TestDevicesLastContact(t *testing.T) {
	ctx := context.Background()
	clock := genNow
	h := newTestHub(t, Options{Now: func() time.Time { return clock }})
	a, b := newTestDesk(t, "LA01", testUsers[1]), newTestDesk(t, "LB01", testUsers[2])
	tokA := enrolID(t, h, a.id, "LA01", "")
	enrolID(t, h, b.id, "LB01", "")
	get := func() {
		req := httptest.NewRequest(http.MethodGet, syncapi.PathConfig, nil)
		req.Header.Set("Authorization", "Bearer "+tokA)
		rw := httptest.NewRecorder()
		h.Handler().ServeHTTP(rw, req)
		if rw.Code != http.StatusOK {
			t.Fatalf("GET config = %d", rw.Code)
		}
	}
	get()
	first := clock
	clock = clock.Add(30 * time.Second)
	get() // within the minute: not written again
	if err := h.RevokeDevice(ctx, b.id); err != nil {
		t.Fatal(err)
	}
	ds, err := h.Devices(ctx)
	if err != nil || len(ds) != 2 {
		t.Fatalf("Devices = %d, %v", len(ds), err)
	}
	byCode := map[string]DeviceInfo{}
	for _, d := range ds {
		byCode[d.Code] = d
	}
	if got := byCode["LA01"]; !got.LastSeen.Equal(first) || !got.Revoked.IsZero() {
		t.Errorf("LA01 = last seen %v revoked %v, want %v and active", got.LastSeen, got.Revoked, first)
	}
	if got := byCode["LB01"]; !got.LastSeen.IsZero() || got.Revoked.IsZero() {
		t.Errorf("LB01 = last seen %v revoked %v, want never seen and revoked", got.LastSeen, got.Revoked)
	}
	clock = clock.Add(time.Minute)
	get()
	ds, _ = h.Devices(ctx)
	for _, d := range ds {
		if d.Code == "LA01" && !d.LastSeen.Equal(clock) {
			t.Errorf("LA01 last seen %v after a minute, want %v", d.LastSeen, clock)
		}
	}
}
