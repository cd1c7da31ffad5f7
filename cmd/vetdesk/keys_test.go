package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"vetdesk/counter"
	"vetdesk/internal/keyring"
)

// TestRotateBackupRestoreWithThePassword: rotate-key gives the store a new
// data key and audits it; a backup carries the key file's copy beside it,
// and restore -as opens it with the password as it was at the backup.
func TestRotateBackupRestoreWithThePassword(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	t.Setenv(PasswordEnv, "s3cret-pass")
	if err := runCommand(ctx, dir, "demo", []string{"-n", "1", "-as", "admin"}); err != nil {
		t.Fatal(err)
	}
	before := dataKey(t, dir)
	if err := runCommand(ctx, dir, "rotate-key", []string{"-as", "admin"}); err != nil {
		t.Fatalf("rotate-key = %v", err)
	}
	if after := dataKey(t, dir); after == before {
		t.Fatal("rotate-key kept the data key")
	}
	bak := filepath.Join(t.TempDir(), "b.db")
	if err := runCommand(ctx, dir, "backup", []string{"-as", "admin", bak}); err != nil {
		t.Fatalf("backup = %v", err)
	}
	if _, err := os.Stat(bak + keyring.BackupSuffix); err != nil {
		t.Fatalf("no key file beside the backup: %v", err)
	}
	other := t.TempDir()
	if err := runCommand(ctx, other, "restore", []string{"-as", "admin", bak}); err != nil {
		t.Fatalf("restore into a new folder = %v", err)
	}
	e, err := openEnvAs(ctx, other, "", "admin")
	if err != nil {
		t.Fatalf("the restored store does not open: %v", err)
	}
	defer e.close()
	log, _ := e.st.AuditLog(ctx, 1000)
	seen := map[string]bool{}
	for _, a := range log {
		seen[a.Action] = true
	}
	for _, want := range []string{counter.ActionKeyWrap, counter.ActionKeyRotate, "restore"} {
		if !seen[want] {
			t.Errorf("no %s in the audit log", want)
		}
	}
}

func dataKey(t *testing.T, dir string) string {
	t.Helper()
	r, err := keyring.Open(keyring.Path(dir))
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Unlock("admin", os.Getenv(PasswordEnv)); err != nil {
		t.Fatal(err)
	}
	ks, err := r.DataKeys()
	if err != nil {
		t.Fatal(err)
	}
	return string(ks[0])
}

// testEnv opens a new data folder as the command line does, as admin with
// the password in VETDESK_PASSWORD (the folder's first administrator).
func testEnv(t *testing.T) (*env, error) {
	t.Helper()
	t.Setenv(PasswordEnv, "test-pass-1")
	return openEnvAs(context.Background(), t.TempDir(), "", "admin")
}

// TestEnrolOnANewFolderMakesNoUser: enrol -as on a folder without a store
// keys the new encrypted store with the password but creates no user (the
// users come from the hub; a local one would be an op the hub sets
// aside); the folder then opens with that password before the first sync.
func TestEnrolOnANewFolderMakesNoUser(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	t.Setenv(PasswordEnv, "s3cret-pass")
	err := runCommand(ctx, dir, "enrol", []string{"-as", "admin", "-hub", "https://127.0.0.1:1", "-fingerprint", strings.Repeat("ab", 32), "-code", "ABCD-EFGH"})
	if err == nil {
		t.Fatal("enrol with a hub that is not there succeeded")
	}
	e, err := openEnvAs(ctx, dir, "sync", "admin")
	if err != nil {
		t.Fatalf("the new folder does not open with the enrol password: %v", err)
	}
	defer e.close()
	if has, _ := e.st.HasUsers(ctx); has || e.user.ID != "" {
		t.Fatalf("enrol on a new folder made a user (%v, %q)", has, e.user.Login)
	}
	if ops, _ := e.st.Outbox(ctx, 100); len(ops) != 0 {
		t.Fatalf("enrol on a new folder left %d ops for the hub", len(ops))
	}
}

// TestRotateKeyWhileTheKeysAreBusy: while another vetdesk holds the key
// file's lock (here a ring of the same file, as the window's rotation
// holds it), rotate-key stops with the message the operator reads, keeps
// the data key, and the store still opens; once the lock is free the
// rotation goes through.
func TestRotateKeyWhileTheKeysAreBusy(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	t.Setenv(PasswordEnv, "s3cret-pass")
	if err := runCommand(ctx, dir, "demo", []string{"-n", "1", "-as", "admin"}); err != nil {
		t.Fatal(err)
	}
	before := dataKey(t, dir)
	other, err := keyring.Open(keyring.Path(dir))
	if err != nil {
		t.Fatal(err)
	}
	release, err := other.Hold()
	if err != nil {
		t.Fatal(err)
	}
	err = runCommand(ctx, dir, "rotate-key", []string{"-as", "admin"})
	if err == nil || !strings.Contains(err.Error(), "another vetdesk is changing the keys; try again") {
		t.Errorf("rotate-key while the keys are busy = %v", err)
	}
	if dataKey(t, dir) != before {
		t.Error("a refused rotation changed the data key")
	}
	release()
	if err := runCommand(ctx, dir, "rotate-key", []string{"-as", "admin"}); err != nil {
		t.Fatalf("rotate-key once the lock is free = %v", err)
	}
	if dataKey(t, dir) == before {
		t.Error("rotate-key kept the data key")
	}
}
