package counter

import (
	"context"
	"errors"
	"testing"

	"vetdesk/store"
)

// TestAuditThresholdsConfigured guards the dashboard's configuration: the
// default until set, a supervisor's setting taken (and audited), a clerk's
// and a malformed one refused.
func TestAuditThresholdsConfigured(t *testing.T) {
	r := newRig(t)
	ctx := context.Background()
	got, err := AuditThresholds(ctx, r.st)
	if err != nil || got["reveal"] != 30 {
		t.Fatalf("default thresholds = %v, %v; want reveal=30", got, err)
	}
	sup := store.Actor{UserID: "s1", Login: "sup", Role: store.RoleSupervisor, Office: "371002"}
	clerk := store.Actor{UserID: "c1", Login: "clerk", Role: store.RoleClerk, Office: "371002"}
	if err := SetAuditThresholds(ctx, r.st, clerk, "reveal=1"); !errors.Is(err, ErrAuditRole) {
		t.Errorf("clerk's SetAuditThresholds = %v, want ErrAuditRole", err)
	}
	if err := SetAuditThresholds(ctx, r.st, sup, "reveal"); err == nil {
		t.Error("malformed thresholds taken")
	}
	if err := SetAuditThresholds(ctx, r.st, sup, "reveal=5,print=40"); err != nil {
		t.Fatal(err)
	}
	if got, _ := AuditThresholds(ctx, r.st); got["reveal"] != 5 || got["print"] != 40 || len(got) != 2 {
		t.Errorf("thresholds = %v, want reveal=5 print=40", got)
	}
	log, _ := r.st.AuditLog(ctx, 1)
	if len(log) != 1 || log[0].Action != store.ActionSettings || log[0].Login != "sup" || log[0].Detail != "reveal=5,print=40" {
		t.Errorf("last audit entry = %+v, want the supervisor's settings change", log)
	}
}
