package syncclient_test

import (
	"context"
	"errors"
	"path/filepath"
	"testing"

	"vetdesk/casework"
	"vetdesk/hub"
	"vetdesk/store"
	"vetdesk/syncapi"
	"vetdesk/syncclient"
)

// TestRestoreElsewhereNeedsReenrolment: a backup restored on another
// machine cannot sync as the device (the credential stayed out of it): the
// client says the desk must enrol again, a plain code is refused for the
// enrolled id, and a code made for the device enrols it and syncs.
func TestRestoreElsewhereNeedsReenrolment(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, hub.Options{})
	a := e.desk("A", deskOpt{office: office, login: "clerkA"})
	g := casework.NewGenerator(e.cat, 14, genNow)
	e.newCase(a, g, "0199b000-0000-7000-8000-000000000001")
	a.sync(t)
	backup := filepath.Join(t.TempDir(), "a.db")
	if err := a.db.Backup(ctx, backup); err != nil {
		t.Fatal(err)
	}
	dev, _ := a.db.Device(ctx)

	path := filepath.Join(t.TempDir(), "vetdesk.db") // the other machine's data folder
	if err := store.Restore(backup, path, nil); err != nil {
		t.Fatalf("Restore = %v", err)
	}
	db, err := store.Open(path, store.Options{Catalogue: e.cat})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	cl, err := syncclient.New(syncclient.Config{Store: db})
	if err != nil {
		t.Fatal(err)
	}
	err = cl.Once(ctx)
	if !errors.Is(err, syncclient.ErrCredentialLeftOut) || !errors.Is(err, syncclient.ErrNotEnrolled) || cl.Status().Enrolled {
		t.Fatalf("Once() on the restored copy = %v, enrolled %v; want ErrCredentialLeftOut (not enrolled)", err, cl.Status().Enrolled)
	}
	enrol := func(spec hub.EnrolSpec) error {
		t.Helper()
		code, err := e.hub.CreateEnrolCode(ctx, spec)
		if err != nil {
			t.Fatal(err)
		}
		_, err = syncclient.Enrol(ctx, db, syncclient.EnrolOptions{HubURL: e.srv.URL, Fingerprint: e.fp, Code: code})
		return err
	}
	var he *syncclient.HubError
	if err := enrol(hub.EnrolSpec{Station: "A", Office: office}); !errors.As(err, &he) || he.Code != syncapi.ErrEnrolled ||
		!errors.Is(err, syncclient.ErrAlreadyEnrolled) {
		t.Fatalf("Enrol(plain code) = %v, want ErrAlreadyEnrolled, hub error %s", err, syncapi.ErrEnrolled)
	}
	if err := enrol(hub.EnrolSpec{ForDevice: dev.ID}); err != nil {
		t.Fatalf("Enrol(re-enrolment code) = %v", err)
	}
	if err := cl.Once(ctx); err != nil {
		t.Fatalf("Once() after re-enrolment = %v", err)
	}
	if err := a.cl.Once(ctx); !errors.Is(err, syncclient.ErrRevoked) {
		t.Errorf("the old machine's Once() after the re-enrolment = %v, want ErrRevoked", err)
	}
}
