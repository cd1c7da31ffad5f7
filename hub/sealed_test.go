package hub

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"vetdesk/internal/sealvfs"
	"vetdesk/store"
)

// TestPlaintextHubIsSealedAtOpen guards the migration of a hub data folder
// of the previous version: Open with a key seals replica.db and hub.db in
// place, keeps what they held (an enrolment code, the users), and leaves
// no plaintext SQLite file; another key then opens nothing.
func TestPlaintextHubIsSealedAtOpen(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	cat := testCatalogue(t)
	h, err := Open(dir, Options{Catalogue: cat})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.db.ApplyRemote(ctx, testUserOps(t)); err != nil {
		t.Fatal(err)
	}
	code, err := h.CreateEnrolCode(ctx, EnrolSpec{Station: "S", Office: office})
	if err != nil {
		t.Fatal(err)
	}
	users, err := h.db.Users(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := h.Close(); err != nil {
		t.Fatal(err)
	}

	key, _ := sealvfs.NewKey()
	h, err = Open(dir, Options{Catalogue: cat, Key: key})
	if err != nil {
		t.Fatalf("Open(plaintext folder, key) = %v", err)
	}
	if got, err := h.db.Users(ctx); err != nil || len(got) != len(users) {
		t.Errorf("users after sealing = %d, %v; want %d", len(got), err, len(users))
	}
	if _, _, err := h.enrol(ctx, code, "dev-1", "", "desk"); err != nil {
		t.Errorf("enrol with a code made before sealing = %v", err)
	}
	if err := h.Close(); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"replica.db", "hub.db"} {
		if sealed, err := store.IsSealed(filepath.Join(dir, name)); err != nil || !sealed {
			t.Errorf("%s sealed = %v, %v", name, sealed, err)
		}
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		raw, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err == nil && bytes.Contains(raw, []byte("SQLite format 3")) {
			t.Errorf("%s is a plaintext SQLite file", e.Name())
		}
	}
	other, _ := sealvfs.NewKey()
	if _, err := Open(dir, Options{Catalogue: cat, Key: other}); !errors.Is(err, store.ErrWrongKey) {
		t.Errorf("Open(another key) = %v, want store.ErrWrongKey", err)
	}
}
