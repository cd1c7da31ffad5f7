package syncclient_test

import (
	"context"
	"testing"

	"vetdesk/hub"
)

// TestUserMoveAndDisableReachDevices: a clerk moved on the hub to another
// office can no longer log in at the old office's desktop and can at the
// new office's (which never saw them before the move); a disabled clerk
// can log in nowhere; a desktop of a third scope learns no login or
// password hash.
func TestUserMoveAndDisableReachDevices(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, hub.Options{})
	old := e.desk("old", deskOpt{office: office, login: "clerkA"})
	next := e.desk("next", deskOpt{office: otherOffice, login: "clerkX"})
	police := e.desk("police", deskOpt{office: office, dept: "police", login: "police"})
	for _, d := range []*desk{old, next, police} {
		d.sync(t)
	}
	if _, err := old.db.Login(ctx, "clerkB", "pw-clerkB"); err != nil {
		t.Fatalf("clerkB at the old office before the move: %v", err)
	}
	if _, err := next.db.Login(ctx, "clerkB", "pw-clerkB"); err == nil {
		t.Fatal("clerkB logs in at the other office before the move")
	}

	u := e.users["clerkB"]
	u.Office = otherOffice
	if err := e.hub.UpdateUser(ctx, u); err != nil {
		t.Fatalf("UpdateUser = %v", err)
	}
	for _, d := range []*desk{old, next, police} {
		d.sync(t)
	}
	if _, err := old.db.Login(ctx, "clerkB", "pw-clerkB"); err == nil {
		t.Error("clerkB still logs in at the office they left")
	}
	if _, err := next.db.Login(ctx, "clerkB", "pw-clerkB"); err != nil {
		t.Errorf("clerkB at their new office: %v", err)
	}
	if us, _ := police.db.Users(ctx); len(us) == 0 {
		t.Error("police desk lists no users")
	} else {
		for _, pu := range us {
			if pu.Login == "clerkB" {
				t.Errorf("police desk learnt clerkB's login: %+v", pu)
			}
		}
	}

	u.Disabled = true
	if err := e.hub.UpdateUser(ctx, u); err != nil {
		t.Fatalf("UpdateUser(disable) = %v", err)
	}
	for _, d := range []*desk{old, next} {
		d.sync(t)
	}
	if _, err := next.db.Login(ctx, "clerkB", "pw-clerkB"); err == nil {
		t.Error("disabled clerkB still logs in")
	}
}
