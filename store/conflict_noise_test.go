package store

import (
	"context"
	"testing"
	"time"
)

// TestNoConflictOnBookkeeping: a remote edit that beats local unsynced
// values records a conflict for the value that differs, not for
// updated_at, which every edit touches.
func TestNoConflictOnBookkeeping(t *testing.T) {
	db := openTest(t, nil)
	ctx := context.Background()
	c := newGen(t, 3).Draft(caseID(1), "371002", true)
	c.Values["phone"] = "13800000001"
	mustSave(t, db, c)
	remote := Op{ID: "0193f000-0000-7000-8000-0000000000aa", Device: "other", User: "u2",
		HLC: HLC{Wall: time.Now().Add(time.Hour).UnixMilli()}, Entity: EntityCase, EntityID: c.ID, CaseID: c.ID,
		Fields: map[string]string{"v:phone": "13900000002", "updated_at": formatTime(time.Now().Add(time.Hour))}}
	if _, err := db.ApplyRemote(ctx, []Op{remote}); err != nil {
		t.Fatal(err)
	}
	cs, err := db.Conflicts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(cs) != 1 || cs[0].Field != "v:phone" {
		t.Errorf("Conflicts() = %+v, want only the phone", cs)
	}
}
