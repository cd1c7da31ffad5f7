package main

import (
	"context"
	"errors"
	"path/filepath"
	"testing"

	"vetdesk/internal/keyring"
	"vetdesk/internal/opsig"
	"vetdesk/store"
)

// TestDemoAsUserSignsItsOps: demo -as on a new folder makes LOGIN its
// first admin with the password of VETDESK_PASSWORD and creates the store
// encrypted; the cases it writes carry the admin's signature (the hub
// refuses unsigned ops); a wrong password opens nothing and writes
// nothing; no -as is a usage error.
func TestDemoAsUserSignsItsOps(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	t.Setenv(PasswordEnv, "s3cret-pass")
	if err := runCommand(ctx, dir, "demo", []string{"-n", "2", "-as", "admin"}); err != nil {
		t.Fatalf("demo -as admin on a new folder = %v", err)
	}
	if !keyring.Exists(keyring.Path(dir)) {
		t.Fatal("no key file after the first run")
	}
	if sealed, err := store.IsSealed(filepath.Join(dir, "vetdesk.db")); err != nil || !sealed {
		t.Fatalf("the store is not encrypted: %v %v", sealed, err)
	}
	var u usageError
	if err := runCommand(ctx, dir, "demo", []string{"-n", "1"}); !errors.As(err, &u) {
		t.Fatalf("demo without -as on an encrypted store = %v, want a usage error", err)
	}
	t.Setenv(PasswordEnv, "wrong-pass")
	if err := runCommand(ctx, dir, "demo", []string{"-n", "1", "-as", "admin"}); !errors.Is(err, keyring.ErrBadPassword) {
		t.Fatalf("demo -as with a wrong password = %v, want the key file's refusal", err)
	}
	t.Setenv(PasswordEnv, "s3cret-pass")
	e, err := openEnvAs(ctx, dir, "", "admin")
	if err != nil {
		t.Fatal(err)
	}
	defer e.close()
	pub, _, _ := e.st.UserKey(ctx, e.user.ID)
	k, err := opsig.ParsePublic(pub)
	if err != nil {
		t.Fatal(err)
	}
	ops, _ := e.st.Outbox(ctx, 100000)
	cases := map[string]bool{}
	for _, op := range ops {
		if op.CaseID == "" {
			continue
		}
		cases[op.CaseID] = true
		if op.User != e.user.ID || !k.Verify(opsig.Op{ID: op.ID, Device: op.Device, User: op.User, Wall: op.HLC.Wall, Logical: op.HLC.Logical,
			Entity: op.Entity, EntityID: op.EntityID, CaseID: op.CaseID, Fields: op.Fields}, op.Sig) {
			t.Fatalf("demo op %s by %s: not signed by the admin's key", op.ID, op.User)
		}
	}
	if len(cases) != 2 {
		t.Fatalf("demo cases in the store: %d, want the 2 of the right password only", len(cases))
	}
}
