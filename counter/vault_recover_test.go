package counter

import (
	"context"
	"crypto/tls"
	"errors"
	"net/http/httptest"
	"testing"
	"time"

	"vetdesk/hub"
	"vetdesk/internal/citycat"
	"vetdesk/internal/keyring"
	"vetdesk/store"
	"vetdesk/syncclient"
)

// TestRecoverAForgottenPasswordThroughTheHub: a desk enrolled with a hub
// wraps its master key to the hub's recovery key; with the password
// forgotten, a hub admin's credentials get the key back over the pinned
// TLS, the user gets a new password that opens the store from then on,
// the old one no longer does, and the recovery is audited on the desk. A
// wrong hub admin password recovers nothing.
func TestRecoverAForgottenPasswordThroughTheHub(t *testing.T) {
	ctx := context.Background()
	h, err := hub.Open(t.TempDir(), hub.Options{Catalogue: citycat.MustLoad(t)})
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	if _, err := h.AddUser(ctx, store.User{Login: "hubadmin", Name: "中心管理员", Role: store.RoleAdmin}, "hub-admin-pass"); err != nil {
		t.Fatal(err)
	}
	certPEM, keyPEM, err := hub.SelfSigned(nil, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := tls.X509KeyPair(certPEM, keyPEM)
	srv := httptest.NewUnstartedServer(h.Handler())
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{cert}}
	srv.StartTLS()
	defer srv.Close()

	dir, _ := newSealed(t)
	v := NewVault(dir, store.Options{})
	db, err := v.Unlock(ctx, "admin", "admin-pass-1")
	if err != nil {
		t.Fatal(err)
	}
	code, err := h.CreateEnrolCode(ctx, hub.EnrolSpec{Station: "一号窗口", Office: "371002"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := syncclient.Enrol(ctx, db, syncclient.EnrolOptions{HubURL: srv.URL, Fingerprint: hub.Fingerprint(cert), Code: code}); err != nil {
		t.Fatal(err)
	}
	if err := v.SyncRecovery(ctx); err != nil {
		t.Fatal(err)
	}
	v.Close()

	if _, err := NewVault(dir, store.Options{}).Recover(ctx, "admin", "new-pass-123", "hubadmin", "wrong"); err == nil {
		t.Fatal("recovered with a wrong hub admin password")
	}
	v2 := NewVault(dir, store.Options{})
	db2, err := v2.Recover(ctx, "admin", "new-pass-123", "hubadmin", "hub-admin-pass")
	if err != nil {
		t.Fatalf("recover: %v", err)
	}
	if _, err := db2.Login(ctx, "admin", "new-pass-123"); err != nil {
		t.Fatalf("the new password does not log in: %v", err)
	}
	if got := auditActions(t, db2)[ActionKeyRecover]; len(got) != 1 || got[0].Target != "admin" {
		t.Fatalf("audited recoveries: %+v", got)
	}
	v2.Close()
	if _, err := NewVault(dir, store.Options{}).Unlock(ctx, "admin", "admin-pass-1"); !errors.Is(err, keyring.ErrBadPassword) {
		t.Fatalf("the forgotten password after recovery: %v", err)
	}
	v3 := NewVault(dir, store.Options{})
	if _, err := v3.Unlock(ctx, "admin", "new-pass-123"); err != nil {
		t.Fatalf("the new password does not open the store at the next start: %v", err)
	}
	v3.Close()
}
