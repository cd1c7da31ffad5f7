package syncclient_test

import (
	"bytes"
	"context"
	"errors"
	"path/filepath"
	"testing"

	"vetdesk/hub"
	"vetdesk/internal/keyring"
	"vetdesk/syncapi"
	"vetdesk/syncclient"
)

// TestEnrolmentLearnsTheRecoveryKeyAndRecoverOpensTheWrap: the enrolment
// answer carries the hub's recovery public key into the store's settings;
// a key file wrapped to it is opened by the hub over the pinned TLS for a
// hub admin, with no store on the desk side, and a wrong pin is refused.
func TestEnrolmentLearnsTheRecoveryKeyAndRecoverOpensTheWrap(t *testing.T) {
	e := newEnv(t, hub.Options{})
	d := e.desk("r1", deskOpt{office: office})
	ctx := context.Background()
	pub, err := d.db.Setting(ctx, syncclient.SettingRecoveryKey)
	if err != nil || pub != e.hub.RecoveryPublic() {
		t.Fatalf("recovery key setting %q (%v), want the hub's", pub, err)
	}
	dev, _ := d.db.Device(ctx)
	r, err := keyring.Create(filepath.Join(t.TempDir(), keyring.FileName), "gone", "forgotten-1")
	if err != nil {
		t.Fatal(err)
	}
	want, _ := r.DataKeys()
	if err := r.SetRecovery(keyring.Hub{Key: pub, URL: e.srv.URL, Fingerprint: e.fp, DeviceID: dev.ID}); err != nil {
		t.Fatal(err)
	}
	wrap, _ := r.RecoveryWrap()
	req := syncapi.RecoverRequest{DeviceID: dev.ID, AdminLogin: "admin", AdminPassword: "pw-admin", ForLogin: "clerkA", Wrap: wrap}
	other := newTLSServer(t, e.hub.Handler())
	if _, err := syncclient.Recover(ctx, syncclient.RecoverOptions{HubURL: other.URL, Fingerprint: e.fp, Request: req}); !errors.Is(err, syncclient.ErrPinMismatch) {
		t.Fatalf("recover through an unpinned certificate: %v", err)
	}
	master, err := syncclient.Recover(ctx, syncclient.RecoverOptions{HubURL: e.srv.URL, Fingerprint: e.fp, Request: req})
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Recover(master, "clerkA", "new-pass-123"); err != nil {
		t.Fatal(err)
	}
	got, _ := r.DataKeys()
	if !bytes.Equal(got[0], want[0]) {
		t.Fatal("the recovered master key opens another data key")
	}
}
