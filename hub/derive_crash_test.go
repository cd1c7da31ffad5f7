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

	var c *casework.Case
	for seed := uint64(1); seed < 200 && c == nil; seed++ {
		d := reportedEarlier(cat, casework.NewGenerator(cat, seed, genNow).Draft(fmt.Sprintf("0193c000-0000-7000-8000-%012d", seed), office, true))
		if slices.Contains(d.Items, "hukou") && slices.Contains(d.Items, "social_insurance") {
			c = d
		}
	}
	if c == nil {
		t.Fatal("no generated case with hukou and social_insurance")
	}
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
