package hub

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"testing"
	"time"

	"vetdesk/casework"
	"vetdesk/store"
	"vetdesk/syncapi"
)

// TestTaskReleaseSurvivesACrash: the hub dies after a police device's push
// (hukou done) is committed to the replica but before the case is derived.
// The reopened hub releases the dependent 社会保险登记 task (social_insurance, hrss) and
// queues its webhook event, though the re-sent batch is all duplicates.
func TestTaskReleaseSurvivesACrash(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	cat := testCatalogue(t)
	h, err := Open(dir, Options{Catalogue: cat})
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range testUsers {
		if _, err := h.AddUser(ctx, u, "pw"); err != nil {
			t.Fatal(err)
		}
	}
	hrssKey, err := h.CreateDeptKey(ctx, "hrss")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.AddKeyWebhook(ctx, DeptKeyID(hrssKey), "https://hrss.example/hook"); err != nil {
		t.Fatal(err)
	}
	station := newTestDesk(t, "S1", testUsers[1])
	enrolID(t, h, station.id, "S1", "")
	police := newTestDesk(t, "P1", testUsers[3])
	enrolID(t, h, police.id, "P1", "police")

	c := reportedEarlier(cat, generatedWith(t, cat, "hukou", "social_insurance"))
	if _, err := station.db.AcceptCase(ctx, station.actor, cat, c); err != nil {
		t.Fatal(err)
	}
	if _, err := h.Push(ctx, station.id, syncapi.PushRequest{Ops: station.outbox(t)}); err != nil {
		t.Fatal(err)
	}
	resp, err := h.Pull(ctx, police.id, 0, MaxPullLimit)
	if err != nil {
		t.Fatal(err)
	}
	pulled := make([]store.Op, len(resp.Ops))
	for i, o := range resp.Ops {
		pulled[i] = toStore(o)
	}
	if _, err := police.db.ApplyRemote(ctx, pulled); err != nil {
		t.Fatal(err)
	}
	if _, err := police.db.UpdateCase(ctx, police.actor, c.ID, func(pc *casework.Case) error {
		if pc.Task("social_insurance") != nil {
			t.Fatal("the police device sees the hrss task; the test needs it not to")
		}
		return pc.CompleteTask(cat, "hukou", nil, genNow.Add(24*time.Hour))
	}); err != nil {
		t.Fatal(err)
	}

	// The police push, cut by a crash right after the replica's commit.
	ops := police.outbox(t)
	accepted := make([]store.Op, len(ops))
	for i, o := range ops {
		accepted[i] = toStore(o)
	}
	h.mu.Lock()
	if _, err := h.commit(ctx, police.id, resp.Next, accepted); err != nil {
		t.Fatal(err)
	}
	h.mu.Unlock()
	h.Close()

	if h, err = Open(dir, Options{Catalogue: cat}); err != nil {
		t.Fatalf("reopen = %v", err)
	}
	defer h.Close()
	pr, err := h.Push(ctx, police.id, syncapi.PushRequest{Ops: ops, Seen: resp.Next}) // the re-sent batch
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range pr.Results {
		if r.Status != syncapi.Duplicate {
			t.Fatalf("re-sent op %s: %s, want duplicate", r.ID, r.Status)
		}
	}
	got, err := h.db.Case(ctx, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if st := got.Task("social_insurance").State; st != casework.TaskPending {
		t.Errorf("social_insurance after the crash = %s, want %s (released by hukou done)", st, casework.TaskPending)
	}
	rows, err := h.meta.Query(`SELECT body FROM deliveries`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	events := 0
	for rows.Next() {
		var body []byte
		rows.Scan(&body)
		var ev syncapi.Event
		json.Unmarshal(body, &ev)
		if ev.Item == "social_insurance" && ev.State == string(casework.TaskPending) && ev.Department == "hrss" {
			events++
		}
	}
	if events != 1 {
		t.Errorf("queued hrss events of social_insurance released = %d, want 1", events)
	}
}

// TestDeptActionEventsSurviveACrash: the hub dies after a department
// system's action (police completes 户口 through the department API) is
// committed to the replica but before its webhook events are queued. The
// reopened hub queues, once each, the event of the completed task and of
// every task it released; an action cut before its commit queues none.
func TestDeptActionEventsSurviveACrash(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	cat := testCatalogue(t)
	h, err := Open(dir, Options{Catalogue: cat})
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range testUsers {
		if _, err := h.AddUser(ctx, u, "pw"); err != nil {
			t.Fatal(err)
		}
	}
	for _, dept := range []string{"veterans", "police", "hrss", "medical", "tax", "armed"} {
		key, err := h.CreateDeptKey(ctx, dept)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := h.AddKeyWebhook(ctx, DeptKeyID(key), "https://"+dept+".example/hook"); err != nil {
			t.Fatal(err)
		}
	}
	station := newTestDesk(t, "S1", testUsers[1])
	enrolID(t, h, station.id, "S1", "")
	c := generatedWith(t, cat, "hukou", "idcard") // idcard waits on hukou
	if _, err := station.db.AcceptCase(ctx, station.actor, cat, c); err != nil {
		t.Fatal(err)
	}
	if _, err := h.Push(ctx, station.id, syncapi.PushRequest{Ops: station.outbox(t)}); err != nil {
		t.Fatal(err)
	}
	// Release hukou if it waits (on 报到): complete what it depends on.
	for _, dep := range cat.Item("hukou").DependsOn {
		if _, err := h.db.UpdateCase(ctx, hubActor, c.ID, func(hc *casework.Case) error {
			return hc.CompleteTask(cat, dep, nil, genNow.Add(time.Hour))
		}); err != nil {
			t.Fatal(err)
		}
	}
	if err := h.settleDeptActions(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := h.meta.Exec(`DELETE FROM deliveries`); err != nil {
		t.Fatal(err)
	}

	// An action cut before the replica's commit: held, never applied.
	h.mu.Lock()
	before, err := h.db.Case(ctx, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if err := h.holdDeptAction(ctx, before); err != nil {
		t.Fatal(err)
	}
	h.mu.Unlock()
	h.Close()
	if h, err = Open(dir, Options{Catalogue: cat}); err != nil {
		t.Fatalf("reopen = %v", err)
	}
	if n := countEvents(t, h, "", ""); n != 0 {
		t.Errorf("events queued for an action that never landed = %d, want 0", n)
	}

	// The police action, cut by a crash right after the replica's commit.
	h.mu.Lock()
	if _, err := h.applyDeptAction(ctx, "police", c.ID, "hukou", syncapi.ActionTake, syncapi.DeptAction{}); err != nil {
		t.Fatal(err)
	}
	h.mu.Unlock()
	h.Close()
	if h, err = Open(dir, Options{Catalogue: cat}); err != nil {
		t.Fatalf("reopen = %v", err)
	}
	h.mu.Lock()
	if _, err := h.applyDeptAction(ctx, "police", c.ID, "hukou", syncapi.ActionComplete, syncapi.DeptAction{Result: map[string]string{"hukou_date": "2026-11-30"}}); err != nil {
		t.Fatal(err)
	}
	h.mu.Unlock()
	h.Close()
	if h, err = Open(dir, Options{Catalogue: cat}); err != nil {
		t.Fatalf("reopen = %v", err)
	}
	defer h.Close()
	got, err := h.db.Case(ctx, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if n := countEvents(t, h, "hukou", string(casework.TaskWorking)); n != 1 {
		t.Errorf("queued police events of hukou taken = %d, want 1", n)
	}
	if n := countEvents(t, h, "hukou", string(casework.TaskDone)); n != 1 {
		t.Errorf("queued police events of hukou done = %d, want 1", n)
	}
	released := 0
	for _, task := range got.Tasks {
		if task.Item == "hukou" || before.Task(task.Item).State == task.State {
			continue
		}
		released++
		if n := countEvents(t, h, task.Item, string(task.State)); n != 1 {
			t.Errorf("queued events of %s released (now %s) = %d, want 1", task.Item, task.State, n)
		}
	}
	if got.Task("idcard").State != casework.TaskPending || released == 0 {
		t.Errorf("idcard after hukou done = %s (%d tasks released), want %s", got.Task("idcard").State, released, casework.TaskPending)
	}
}

// countEvents counts the queued deliveries of item in state (any when "").
func countEvents(t *testing.T, h *Hub, item, state string) int {
	t.Helper()
	rows, err := h.meta.Query(`SELECT body FROM deliveries`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		var body []byte
		if err := rows.Scan(&body); err != nil {
			t.Fatal(err)
		}
		var ev syncapi.Event
		if err := json.Unmarshal(body, &ev); err != nil {
			t.Fatal(err)
		}
		if item == "" || ev.Item == item && ev.State == state {
			n++
		}
	}
	return n
}

// generatedWith returns the first generated draft of office that applies
// for every one of items.
func generatedWith(t *testing.T, cat *casework.Catalogue, items ...string) *casework.Case {
	t.Helper()
	for seed := uint64(1); seed < 200; seed++ {
		d := casework.NewGenerator(cat, seed, genNow).Draft(fmt.Sprintf("0193c000-0000-7000-8000-%012d", seed), office, true)
		if !slices.ContainsFunc(items, func(it string) bool { return !slices.Contains(d.Items, it) }) {
			return d
		}
	}
	t.Fatalf("no generated case with %v", items)
	return nil
}
