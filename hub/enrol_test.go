package hub

import (
	"context"
	"errors"
	"testing"

	"vetdesk/casework"
	"vetdesk/store"
	"vetdesk/syncapi"
)

// TestEnrolCannotTakeOverADevice: a code made for another office, used
// with the id of an enrolled device, is refused and the device keeps its
// credential; only a code made for that device re-enrols it, and then the
// overwrite notices filed for it in its old office are no longer served.
func TestEnrolCannotTakeOverADevice(t *testing.T) {
	ctx := context.Background()
	h := newTestHub(t, Options{})
	cat := testCatalogue(t)
	a, b := newTestDesk(t, "TA01", testUsers[1]), newTestDesk(t, "TB01", testUsers[2])
	tokA := enrolID(t, h, a.id, "TA01", "")
	enrolID(t, h, b.id, "TB01", "")

	// a notice for A: B overwrites a phone A wrote and B had not pulled
	c := casework.NewGenerator(cat, 12, genNow).Draft("0193b000-0000-7000-8000-0000000000e1", office, true)
	if _, err := a.db.AcceptCase(ctx, a.actor, cat, c); err != nil {
		t.Fatal(err)
	}
	push := func(d *testDesk, seen int64) {
		t.Helper()
		ops := d.outbox(t)
		if _, err := h.Push(ctx, d.id, syncapi.PushRequest{Ops: ops, Seen: seen}); err != nil {
			t.Fatalf("Push = %v", err)
		}
		ids := make([]string, len(ops))
		for i, o := range ops {
			ids[i] = o.ID
		}
		d.db.Ack(ctx, ids)
	}
	setPhone := func(d *testDesk, phone string) {
		t.Helper()
		if _, err := d.db.UpdateCase(ctx, d.actor, c.ID, func(c *casework.Case) error {
			c.Values[casework.FieldPhone] = phone
			return nil
		}); err != nil {
			t.Fatal(err)
		}
	}
	push(a, 0)
	resp, err := h.Pull(ctx, b.id, 0, MaxPullLimit)
	if err != nil {
		t.Fatal(err)
	}
	ops := make([]store.Op, len(resp.Ops))
	for i, o := range resp.Ops {
		ops[i] = toStore(o)
	}
	if _, err := b.db.ApplyRemote(ctx, ops); err != nil {
		t.Fatal(err)
	}
	seenB := resp.Next
	setPhone(a, "13800000001")
	push(a, seenB)
	setPhone(b, "13900000002")
	push(b, seenB)
	notices := func() int {
		t.Helper()
		resp, err := h.Pull(ctx, a.id, 0, MaxPullLimit)
		if err != nil {
			t.Fatal(err)
		}
		return len(resp.Overwrites)
	}
	if n := notices(); n != 1 {
		t.Fatalf("A's notices before = %d, want 1 (the test needs one)", n)
	}

	// a plain code of another office cannot take A's id
	other, err := h.CreateEnrolCode(ctx, EnrolSpec{Station: "s-other", Office: "371003"})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := h.enrol(ctx, other, a.id, "TX01", "thief"); !errors.Is(err, ErrDeviceEnrolled) {
		t.Fatalf("enrol(another office's code, A's id) = %v, want ErrDeviceEnrolled", err)
	}
	if d, err := h.deviceByToken(ctx, tokA); err != nil || d.Office != office {
		t.Fatalf("A's credential after the attempt: %+v, %v; want A, still of %s", d, err, office)
	}
	// the plain code still enrols a new device
	if _, _, err := h.enrol(ctx, other, "0193b000-0000-7000-8000-0000000000ff", "TN01", "new"); err != nil {
		t.Errorf("enrol(plain code, new id) = %v, want success", err)
	}
	// a re-enrolment code works for its device only
	if _, err := h.CreateEnrolCode(ctx, EnrolSpec{ForDevice: "no-such-device"}); err == nil {
		t.Errorf("CreateEnrolCode(ForDevice unknown) succeeded")
	}
	re, err := h.CreateEnrolCode(ctx, EnrolSpec{ForDevice: a.id, Office: "371003", Station: "s-moved"})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := h.enrol(ctx, re, b.id, "TB01", "b"); !errors.Is(err, ErrCodeInvalid) {
		t.Errorf("enrol(A's re-enrolment code, B's id) = %v, want ErrCodeInvalid", err)
	}
	d, tok, err := h.enrol(ctx, re, a.id, "TA01", "a")
	if err != nil || d.Office != "371003" {
		t.Fatalf("enrol(A's re-enrolment code, A's id) = %+v, %v; want A in 371003", d, err)
	}
	if _, err := h.deviceByToken(ctx, tokA); !errors.Is(err, ErrUnauthorized) {
		t.Errorf("A's old token after re-enrolment: %v, want ErrUnauthorized", err)
	}
	if _, err := h.deviceByToken(ctx, tok); err != nil {
		t.Errorf("A's new token: %v", err)
	}
	// the notice holds 371002's values: A, now of 371003, does not get it
	if n := notices(); n != 0 {
		t.Errorf("A's notices after moving to 371003 = %d, want 0", n)
	}
}
