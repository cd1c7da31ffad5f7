package syncclient_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"vetdesk/assets"
	"vetdesk/casework"
	"vetdesk/hub"
	"vetdesk/store"
	"vetdesk/syncclient"
)

// TestCatalogueFlowsDown: a hub whose catalogue differs from the desktop's
// sends its files at enrolment, and the desktop can load them.
func TestCatalogueFlowsDown(t *testing.T) {
	ctx := context.Background()
	files, err := casework.CatalogueFiles(assets.CatalogueFS, assets.CityCatalogue)
	if err != nil {
		t.Fatal(err)
	}
	city := testCatalogue(t)
	files[casework.FileMeta] = strings.Replace(files[casework.FileMeta], city.Version, city.Version+"-hub", 1)
	cat, err := casework.LoadCatalogueFiles(files, city.Areas)
	if err != nil {
		t.Fatal(err)
	}
	h, err := hub.Open(t.TempDir(), hub.Options{Catalogue: cat, CatalogueFiles: files})
	if err != nil {
		t.Fatal(err)
	}
	srv := newTLSServer(t, h.Handler())
	t.Cleanup(func() { srv.Close(); h.Close() })
	if _, err := h.AddUser(ctx, store.User{Login: "admin", Name: "管理员", Role: store.RoleAdmin}, "pw-admin"); err != nil {
		t.Fatal(err)
	}
	code, err := h.CreateEnrolCode(ctx, hub.EnrolSpec{Station: "s1", Office: office})
	if err != nil {
		t.Fatal(err)
	}
	db, err := store.Open(t.TempDir()+"/d.db", store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := syncclient.Enrol(ctx, db, syncclient.EnrolOptions{HubURL: srv.URL, Fingerprint: hub.Fingerprint(srv.TLS.Certificates[0]), Code: code}); err != nil {
		t.Fatalf("Enrol = %v", err)
	}
	raw, _ := db.Setting(ctx, syncclient.SettingCatalogueFiles)
	var got map[string]string
	if err := json.Unmarshal([]byte(raw), &got); err != nil || len(got) != len(files) {
		t.Fatalf("catalogue files setting = %d files (%v), want %d", len(got), err, len(files))
	}
	loaded, err := casework.LoadCatalogueFiles(got, city.Areas)
	if err != nil || loaded.Version != cat.Version {
		t.Fatalf("desktop catalogue = %v %v, want version %s", loaded, err, cat.Version)
	}
	if v, _ := db.Setting(ctx, syncclient.SettingCatalogue); v != cat.Version {
		t.Errorf("catalogue version setting = %q, want %q", v, cat.Version)
	}
}
