package syncclient_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"vetdesk/hub"
	"vetdesk/store"
	"vetdesk/syncapi"
	"vetdesk/syncclient"
)

// plainServer is the hub served over plain http, counting the requests
// that reach it.
func plainServer(t *testing.T, h http.Handler) (*httptest.Server, *atomic.Int32) {
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		h.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv, &n
}

// TestEnrolOnlyOverPinnedHTTPS guards the transport of enrolment: an
// http:// address (the hub answering on it) is refused before a byte of
// the code leaves, so are addresses without https, a fingerprint that is
// not a SHA-256 and a hub presenting another certificate; the right pin
// over https enrols.
func TestEnrolOnlyOverPinnedHTTPS(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, hub.Options{})
	plain, reached := plainServer(t, e.hub.Handler())
	other := newTLSServer(t, e.hub.Handler()) // same hub, another certificate
	t.Cleanup(other.Close)
	code, err := e.hub.CreateEnrolCode(ctx, hub.EnrolSpec{Station: "s1", Office: office})
	if err != nil {
		t.Fatal(err)
	}
	hostPort := strings.TrimPrefix(plain.URL, "http://")
	tests := []struct {
		name, url, fp string
		want          error // nil: enrols
	}{
		{"plain http", plain.URL, e.fp, syncclient.ErrNotHTTPS},
		{"plain HTTP in capitals", "HTTP://" + hostPort, e.fp, syncclient.ErrNotHTTPS},
		{"no scheme", hostPort, e.fp, syncclient.ErrNotHTTPS},
		{"another scheme", "ws://" + hostPort, e.fp, syncclient.ErrNotHTTPS},
		{"fingerprint too short", e.srv.URL, e.fp[:40], syncclient.ErrBadFingerprint},
		{"fingerprint not hex", e.srv.URL, strings.Repeat("ZZ:", 31) + "ZZ", syncclient.ErrBadFingerprint},
		{"wrong pin", other.URL, e.fp, syncclient.ErrPinMismatch},
		{"right pin", e.srv.URL, e.fp, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db, err := store.Open(filepath.Join(t.TempDir(), "d.db"), store.Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			_, err = syncclient.Enrol(ctx, db, syncclient.EnrolOptions{HubURL: tt.url, Fingerprint: tt.fp, Code: code})
			if tt.want == nil && err != nil || tt.want != nil && !errors.Is(err, tt.want) {
				t.Fatalf("Enrol(%s) = %v, want %v", tt.url, err, tt.want)
			}
			tok, _ := db.Setting(ctx, syncclient.SettingToken)
			if (tok != "") != (tt.want == nil) {
				t.Errorf("Enrol(%s): credential saved = %v, want %v", tt.url, tok != "", tt.want == nil)
			}
		})
	}
	if n := reached.Load(); n != 0 {
		t.Errorf("the plain http server got %d requests, want none", n)
	}
}

// TestSyncOnlyOverPinnedHTTPS guards every later connection: a round uses
// the pin saved at enrolment (also under a test's WrapTransport), a desk
// whose saved address is http (enrolled by an older version) is refused
// without contacting it, a redirect to http is not followed, and a
// recovery (which needs no store) is refused over http too.
func TestSyncOnlyOverPinnedHTTPS(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, hub.Options{})
	d := e.desk("A", deskOpt{office: office, login: "clerkA"})
	d.sync(t)
	plain, reached := plainServer(t, e.hub.Handler())
	identity := func(rt http.RoundTripper) http.RoundTripper { return rt }
	other := "00" + syncapi.Fingerprint(e.fp)[2:]
	if other == syncapi.Fingerprint(e.fp) {
		other = "11" + other[2:]
	}
	tests := []struct {
		name, setting, value string
		wrap                 func(http.RoundTripper) http.RoundTripper
		want                 error
	}{
		{"right pin", "", "", nil, nil},
		{"right pin, wrapped transport", "", "", identity, nil},
		{"saved pin of another certificate", syncclient.SettingFingerprint, other, nil, syncclient.ErrPinMismatch},
		{"another pin, wrapped transport", syncclient.SettingFingerprint, other, identity, syncclient.ErrPinMismatch},
		{"saved address http", syncclient.SettingHubURL, plain.URL, nil, syncclient.ErrNotHTTPS},
		{"saved address http, wrapped transport", syncclient.SettingHubURL, plain.URL, identity, syncclient.ErrNotHTTPS},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.setting != "" {
				was, _ := d.db.Setting(ctx, tt.setting)
				if err := d.db.SetSetting(ctx, tt.setting, tt.value); err != nil {
					t.Fatal(err)
				}
				defer d.db.SetSetting(ctx, tt.setting, was)
			}
			cl, err := syncclient.New(syncclient.Config{Store: d.db, WrapTransport: tt.wrap})
			if err != nil {
				t.Fatal(err)
			}
			err = cl.Once(ctx)
			if tt.want == nil && err != nil || tt.want != nil && !errors.Is(err, tt.want) {
				t.Errorf("Once() = %v, want %v", err, tt.want)
			}
		})
	}

	redirect := newTLSServer(t, http.RedirectHandler(plain.URL+syncapi.PathHealth, http.StatusFound))
	t.Cleanup(redirect.Close)
	hc := syncclient.PinnedClient(hub.Fingerprint(redirect.TLS.Certificates[0]))
	if _, err := hc.Get(redirect.URL + syncapi.PathHealth); !errors.Is(err, syncclient.ErrNotHTTPS) {
		t.Errorf("pinned Get(redirect to http) = %v, want ErrNotHTTPS", err)
	}
	if _, err := syncclient.PinnedClient(e.fp).Get(plain.URL + syncapi.PathHealth); !errors.Is(err, syncclient.ErrNotHTTPS) {
		t.Errorf("pinned Get(http) = %v, want ErrNotHTTPS", err)
	}
	if _, err := syncclient.Recover(ctx, syncclient.RecoverOptions{HubURL: plain.URL, Fingerprint: e.fp,
		Request: syncapi.RecoverRequest{AdminLogin: "admin", AdminPassword: "pw-admin"}}); !errors.Is(err, syncclient.ErrNotHTTPS) {
		t.Errorf("Recover(%s) = %v, want ErrNotHTTPS", plain.URL, err)
	}
	if n := reached.Load(); n != 0 {
		t.Errorf("the plain http server got %d requests, want none", n)
	}
}
