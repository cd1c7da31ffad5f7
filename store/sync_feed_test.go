package store

import (
	"context"
	"testing"
)

// TestFeedScope: a station's feed holds its office's cases; a
// department's the cases with its tasks, with the items of those tasks.
func TestFeedScope(t *testing.T) {
	ctx := context.Background()
	db := openTest(t, newFakeClock())
	g := newGen(t, 3)
	mine := g.Draft(caseID(1), "371002", true)
	mustAccept(t, db, mine)
	other := g.Draft(caseID(2), "371003", true)
	if err := db.SaveCase(ctx, clerk, other); err != nil { // a draft: no tasks yet
		t.Fatal(err)
	}
	high, err := db.FeedHigh(ctx)
	if err != nil || high == 0 {
		t.Fatalf("FeedHigh() = %d, %v", high, err)
	}
	tests := []struct {
		sc        FeedScope
		wantCases map[string]bool
	}{
		{FeedScope{Office: "371002"}, map[string]bool{caseID(1): true}},
		{FeedScope{Office: "371003"}, map[string]bool{caseID(2): true}},
		{FeedScope{Office: "371002", Department: "police"}, map[string]bool{caseID(1): true}},
		{FeedScope{Office: "371002", Department: "nobody"}, map[string]bool{}},
	}
	for _, tt := range tests {
		ops, err := db.FeedAfter(ctx, 0, high, 100000, tt.sc)
		if err != nil {
			t.Fatalf("FeedAfter(%+v) = %v", tt.sc, err)
		}
		got := map[string]bool{}
		for _, op := range ops {
			if op.CaseID != "" {
				got[op.CaseID] = true
			}
			if tt.sc.Department == "police" && op.CaseID != "" && len(op.Items) == 0 {
				t.Errorf("FeedAfter(police) op %s has no items", op.ID)
			}
			if op.Entity == EntityTask && op.TaskDept == "" {
				t.Errorf("FeedAfter op %s task without department", op.ID)
			}
		}
		if len(got) != len(tt.wantCases) {
			t.Errorf("FeedAfter(%+v) cases = %v, want %v", tt.sc, got, tt.wantCases)
		}
		for id := range tt.wantCases {
			if !got[id] {
				t.Errorf("FeedAfter(%+v) lacks case %s", tt.sc, id)
			}
		}
	}
	before, err := db.CaseFeedBefore(ctx, caseID(1), high+1, "police")
	if err != nil || len(before) == 0 {
		t.Errorf("CaseFeedBefore() = %d ops, %v, want the case's ops", len(before), err)
	}
}

// TestNoteOverwrite: recorded once, only while the remote op holds the
// field and the local op has left the outbox.
func TestNoteOverwrite(t *testing.T) {
	ctx := context.Background()
	clk := newFakeClock()
	db := openTest(t, clk)
	c := newGen(t, 4).Draft(caseID(1), "371002", true)
	mustSave(t, db, c)
	c.Values["phone"] = "13800000001"
	mustSave(t, db, c)
	ob, _ := db.Outbox(ctx, 1000)
	local := ob[len(ob)-1]
	remote := remoteOp("dev-remote", HLC{Wall: local.HLC.Wall + 1000}, caseID(1), map[string]string{"v:phone": "13900000002"})
	conf := Conflict{Entity: EntityCase, EntityID: caseID(1), CaseID: caseID(1), Field: "v:phone",
		LocalValue: "13800000001", RemoteValue: "13900000002", LocalOp: local.ID, RemoteOp: remote.ID}

	if ok, err := db.NoteOverwrite(ctx, conf); ok || err != nil {
		t.Errorf("NoteOverwrite(remote op not held) = %v, %v, want false", ok, err)
	}
	if err := db.Ack(ctx, opIDs(ob)); err != nil {
		t.Fatal(err)
	}
	if res, err := db.ApplyRemote(ctx, []Op{remote}); err != nil || res.Conflicts != 0 {
		t.Fatalf("ApplyRemote = %+v, %v, want applied without conflict (local acked)", res, err)
	}
	for i, want := range []bool{true, false} {
		if ok, err := db.NoteOverwrite(ctx, conf); ok != want || err != nil {
			t.Errorf("NoteOverwrite() call %d = %v, %v, want %v", i+1, ok, err, want)
		}
	}
	cs, _ := db.Conflicts(ctx)
	if len(cs) != 1 || cs[0].LocalValue != "13800000001" || cs[0].RemoteValue != "13900000002" {
		t.Fatalf("Conflicts() = %+v, want the overwrite with both values", cs)
	}
	if err := db.ResolveConflict(ctx, clerk, cs[0].ID, true); err != nil {
		t.Fatal(err)
	}
	got, _ := db.Case(ctx, caseID(1))
	if got.Values["phone"] != "13800000001" {
		t.Errorf("phone after keeping local = %q, want 13800000001", got.Values["phone"])
	}
}

func TestPendingCases(t *testing.T) {
	ctx := context.Background()
	db := openTest(t, newFakeClock())
	g := newGen(t, 5)
	mustAccept(t, db, g.Draft(caseID(1), "371002", true))
	mustSave(t, db, g.Draft(caseID(2), "371002", true))
	got, err := db.PendingCases(ctx)
	if err != nil || len(got) != 2 || got[caseID(1)] == 0 {
		t.Fatalf("PendingCases() = %v, %v, want both cases waiting", got, err)
	}
	ob, _ := db.Outbox(ctx, 100000)
	var acks []string
	for _, op := range ob {
		if op.CaseID == caseID(1) {
			acks = append(acks, op.ID)
		}
	}
	db.Ack(ctx, acks)
	if got, _ := db.PendingCases(ctx); len(got) != 1 || got[caseID(1)] != 0 {
		t.Errorf("PendingCases() after ack = %v, want only case 2", got)
	}
}
