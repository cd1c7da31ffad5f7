package main

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"vetdesk/internal/opsig"
	"vetdesk/store"
)

// TestDemoAsUserSignsItsOps: demo -as logs the user in with the password
// from standard input, so the cases it writes carry their signature (the
// hub refuses unsigned ops); a wrong password writes nothing.
func TestDemoAsUserSignsItsOps(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	e, err := openEnv(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer e.st.Close()
	u, err := e.st.CreateUser(ctx, store.Actor{}, store.User{Login: "admin", Role: store.RoleAdmin}, "s3cret")
	if err != nil {
		t.Fatal(err)
	}
	stdin := func(s string) {
		p := filepath.Join(dir, "stdin")
		if err := os.WriteFile(p, []byte(s), 0o600); err != nil {
			t.Fatal(err)
		}
		f, err := os.Open(p)
		if err != nil {
			t.Fatal(err)
		}
		old := os.Stdin
		os.Stdin = f
		t.Cleanup(func() { os.Stdin = old; f.Close() })
	}
	stdin("wrong\n")
	if err := cmdDemo(ctx, e, []string{"-n", "1", "-as", "admin"}); err == nil {
		t.Fatal("demo -as with a wrong password succeeded")
	}
	stdin("s3cret\n")
	if err := cmdDemo(ctx, e, []string{"-n", "2", "-as", "admin"}); err != nil {
		t.Fatalf("demo -as admin = %v", err)
	}
	pub, _, _ := e.st.UserKey(ctx, u.ID)
	k, err := opsig.ParsePublic(pub)
	if err != nil {
		t.Fatal(err)
	}
	ops, _ := e.st.Outbox(ctx, 100000)
	n := 0
	for _, op := range ops {
		if op.CaseID == "" {
			continue
		}
		n++
		if op.User != u.ID || !k.Verify(opsig.Op{ID: op.ID, Device: op.Device, User: op.User, Wall: op.HLC.Wall, Logical: op.HLC.Logical,
			Entity: op.Entity, EntityID: op.EntityID, CaseID: op.CaseID, Fields: op.Fields}, op.Sig) {
			t.Fatalf("demo op %s by %s: not signed by the admin's key", op.ID, op.User)
		}
	}
	if n == 0 {
		t.Fatal("demo wrote no case ops")
	}
}
