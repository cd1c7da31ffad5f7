package hub

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"vetdesk/internal/keyring"
	"vetdesk/syncapi"
)

// TestRecoverOpensADeskWrapForAHubAdminOnly: the hub opens a desk's
// recovery wrap only for an enrolled device and a hub admin's password,
// audits refusals and the recovery, and the key it returns lets the desk
// wrap the master key for a new user.
func TestRecoverOpensADeskWrapForAHubAdminOnly(t *testing.T) {
	h := newTestHub(t, Options{})
	srv := httptest.NewServer(h.Handler())
	defer srv.Close()
	enrolID(t, h, "dev-recover", "TR01", "")

	path := keyring.Path(t.TempDir())
	r, err := keyring.Create(path, "gone", "forgotten-pass")
	if err != nil {
		t.Fatal(err)
	}
	if err := r.SetRecovery(keyring.Hub{Key: h.RecoveryPublic(), DeviceID: "dev-recover"}); err != nil {
		t.Fatal(err)
	}
	wrap, _ := r.RecoveryWrap()
	post := func(req syncapi.RecoverRequest) (int, syncapi.RecoverResponse) {
		t.Helper()
		b, _ := json.Marshal(req)
		hr, _ := http.NewRequest("POST", srv.URL+syncapi.PathRecover, bytes.NewReader(b))
		resp, err := http.DefaultClient.Do(hr)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var out syncapi.RecoverResponse
		_ = json.NewDecoder(resp.Body).Decode(&out)
		return resp.StatusCode, out
	}
	req := syncapi.RecoverRequest{DeviceID: "dev-recover", AdminLogin: "admin", AdminPassword: "pw", ForLogin: "newadmin", Wrap: wrap}
	stranger := req
	stranger.DeviceID = "dev-unknown"
	bad := req
	bad.AdminPassword = "nope"
	clerk := req
	clerk.AdminLogin = "clerkA"
	for name, c := range map[string]struct {
		req  syncapi.RecoverRequest
		want int
	}{
		"unknown device": {stranger, http.StatusUnauthorized},
		"wrong password": {bad, http.StatusForbidden},
		"not an admin":   {clerk, http.StatusForbidden},
	} {
		if code, out := post(c.req); code != c.want || out.MasterKey != "" {
			t.Errorf("%s: status %d, key %q; want %d and no key", name, code, out.MasterKey, c.want)
		}
	}
	code, out := post(req)
	if code != http.StatusOK {
		t.Fatalf("recover: status %d", code)
	}
	master, _ := base64.StdEncoding.DecodeString(out.MasterKey)
	locked, _ := keyring.Open(path)
	if err := locked.Recover(master, "newadmin", "new-admin-pass"); err != nil {
		t.Fatalf("the hub's answer does not recover the key file: %v", err)
	}
	entries, err := h.db.AuditLog(context.Background(), 1000)
	if err != nil {
		t.Fatal(err)
	}
	var ok, refused int
	for _, e := range entries {
		if e.Action == ActionKeyRecover {
			if e.Success {
				ok++
			} else {
				refused++
			}
		}
	}
	if ok != 1 || refused != 3 {
		t.Fatalf("audited recoveries: %d done, %d refused; want 1 and 3", ok, refused)
	}
}

// TestRecoveryKeyStaysAcrossRestarts: the hub's recovery key is made once
// and kept owner-only beside the TLS key, so wraps made before a restart
// still open.
func TestRecoveryKeyStaysAcrossRestarts(t *testing.T) {
	dir := t.TempDir()
	h, err := Open(dir, Options{Catalogue: testCatalogue(t)})
	if err != nil {
		t.Fatal(err)
	}
	pub := h.RecoveryPublic()
	h.Close()
	h2, err := Open(dir, Options{Catalogue: testCatalogue(t)})
	if err != nil {
		t.Fatal(err)
	}
	defer h2.Close()
	if h2.RecoveryPublic() != pub {
		t.Fatal("the recovery key changed across a restart")
	}
	if fi, err := os.Stat(filepath.Join(dir, RecoveryKeyFile)); err != nil || runtime.GOOS != "windows" && fi.Mode().Perm() != 0o600 {
		t.Fatalf("recovery key file: %v %v", fi.Mode(), err)
	}
}
