package syncclient_test

import (
	"context"
	"errors"
	"testing"

	"vetdesk/hub"
	"vetdesk/internal/letterseal"
	"vetdesk/syncclient"
)

// TestLetterKeyCertifiedAtEnrolAndSync guards how desks get a certified
// letter key (#12): a station desk has one right after enrolment, certified
// by the hub's root key for its own code and office, with that root key
// kept for offline verification; a department desk signs no letters and
// gets none; a desk enrolled before letter keys (none held) gets one at its
// next sync, and a desk that already has a current one keeps it.
func TestLetterKeyCertifiedAtEnrolAndSync(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, hub.Options{})
	a := e.desk("鲸园", deskOpt{office: office, login: "clerkA"})
	lk, err := syncclient.LoadLetterKey(ctx, a.db)
	if err != nil {
		t.Fatalf("after enrolment: LoadLetterKey = %v", err)
	}
	dev, _ := a.db.Device(ctx)
	cert, _ := letterseal.ParseCert(lk.Cert)
	if cert.Desk != dev.Code || cert.Office != office || lk.Root.String() != e.hub.RootPublicKey() {
		t.Errorf("certificate for %s/%s under root %s, want %s/%s under %s", cert.Desk, cert.Office, lk.Root, dev.Code, office, e.hub.RootPublicKey())
	}

	a.sync(t)
	again, err := syncclient.LoadLetterKey(ctx, a.db)
	if err != nil || again.Key.Public() != lk.Key.Public() {
		t.Errorf("a sync replaced a current letter key (err %v)", err)
	}

	p := e.desk("公安", deskOpt{office: office, dept: "police", login: "police"})
	if _, err := syncclient.LoadLetterKey(ctx, p.db); !errors.Is(err, syncclient.ErrNoLetterKey) {
		t.Errorf("department desk: LoadLetterKey = %v, want ErrNoLetterKey", err)
	}

	// a desk enrolled before letter keys existed holds none
	for _, k := range []string{syncclient.SettingLetterKey, syncclient.SettingLetterCert, syncclient.SettingHubRootKey} {
		if err := a.db.SetSetting(ctx, k, ""); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := syncclient.LoadLetterKey(ctx, a.db); !errors.Is(err, syncclient.ErrNoLetterKey) {
		t.Fatalf("without settings: LoadLetterKey = %v, want ErrNoLetterKey", err)
	}
	a.sync(t)
	got, err := syncclient.LoadLetterKey(ctx, a.db)
	if err != nil {
		t.Fatalf("after the next sync: LoadLetterKey = %v", err)
	}
	if got.Key.Public() == lk.Key.Public() {
		t.Error("the re-certified key is the old one")
	}
}
