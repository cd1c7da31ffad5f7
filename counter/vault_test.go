package counter

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"vetdesk/internal/keyring"
	"vetdesk/store"
)

var setupActor = store.Actor{Login: "setup", Name: "setup", Role: store.RoleAdmin}

// newSealed is a first run: a new encrypted store whose admin logged in.
func newSealed(t *testing.T) (dir string, admin store.User) {
	t.Helper()
	ctx := context.Background()
	dir = t.TempDir()
	v := NewVault(dir, store.Options{})
	db, err := v.OpenNew()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.CreateUser(ctx, setupActor, store.User{Login: "admin", Name: "管理员", Role: store.RoleAdmin}, "admin-pass-1"); err != nil {
		t.Fatal(err)
	}
	admin, err = db.Login(ctx, "admin", "admin-pass-1")
	if err != nil {
		t.Fatal(err)
	}
	if err := v.AfterLogin(ctx, admin, "admin-pass-1"); err != nil {
		t.Fatal(err)
	}
	if err := v.Close(); err != nil {
		t.Fatal(err)
	}
	return dir, admin
}

// unlockedAdmin is newSealed opened again by its admin's password.
func unlockedAdmin(t *testing.T) (string, *Vault, *store.DB, store.Actor) {
	t.Helper()
	dir, admin := newSealed(t)
	v := NewVault(dir, store.Options{})
	db, err := v.Unlock(context.Background(), "admin", "admin-pass-1")
	if err != nil {
		t.Fatal(err)
	}
	return dir, v, db, store.Actor{UserID: admin.ID, Login: admin.Login, Role: admin.Role}
}

func auditActions(t *testing.T, db *store.DB) map[string][]store.AuditEntry {
	t.Helper()
	log, err := db.AuditLog(context.Background(), 10000)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]store.AuditEntry{}
	for _, e := range log {
		out[e.Action] = append(out[e.Action], e)
	}
	return out
}

// TestPlainStoreIsEncryptedAtTheFirstLogin: a store of the previous
// version opens with a user's password from its users table; that login
// makes the keys and encrypts the store, audited; a wrong password makes
// nothing.
func TestPlainStoreIsEncryptedAtTheFirstLogin(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	path := filepath.Join(dir, StoreFile)
	old, err := store.Open(path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := old.CreateUser(ctx, setupActor, store.User{Login: "admin", Role: store.RoleAdmin}, "old-pass-1"); err != nil {
		t.Fatal(err)
	}
	old.Close()
	v := NewVault(dir, store.Options{})
	if st, err := v.State(); err != nil || st != VaultPlain {
		t.Fatalf("state %v %v, want plain", st, err)
	}
	if _, err := v.Unlock(ctx, "admin", "wrong-pass"); !errors.Is(err, store.ErrBadCredentials) {
		t.Fatalf("wrong password on a plaintext store: %v", err)
	}
	if keyring.Exists(keyring.Path(dir)) {
		t.Fatal("a wrong password made a key file")
	}
	db, err := v.Unlock(ctx, "admin", "old-pass-1")
	if err != nil {
		t.Fatal(err)
	}
	if sealed, _ := store.IsSealed(path); !sealed {
		t.Fatal("the store is still plaintext")
	}
	if a := auditActions(t, db); len(a[ActionKeySeal]) != 1 || len(a[ActionKeyWrap]) != 1 {
		t.Fatalf("audited seal %d, wrap %d; want 1 and 1", len(a[ActionKeySeal]), len(a[ActionKeyWrap]))
	}
	v.Close()
	v2 := NewVault(dir, store.Options{})
	if st, _ := v2.State(); st != VaultSealed {
		t.Fatalf("state after the migration %v", st)
	}
	if _, err := v2.Unlock(ctx, "admin", "old-pass-1"); err != nil {
		t.Fatal(err)
	}
	v2.Close()
}

// TestFailedUnwrapsAreAuditedAtTheNextOpen: wrong passwords and logins
// without a wrap open nothing; they are counted in the key file and
// written to the audit log when someone opens the store.
func TestFailedUnwrapsAreAuditedAtTheNextOpen(t *testing.T) {
	ctx := context.Background()
	dir, _ := newSealed(t)
	for _, c := range []struct {
		login, pw string
		want      error
	}{{"admin", "guess-1", keyring.ErrBadPassword}, {"nobody", "guess-2", keyring.ErrNoWrap}} {
		v := NewVault(dir, store.Options{})
		if db, err := v.Unlock(ctx, c.login, c.pw); !errors.Is(err, c.want) || db != nil {
			t.Fatalf("Unlock(%s) = %v, want %v and no store", c.login, err, c.want)
		}
	}
	v := NewVault(dir, store.Options{})
	db, err := v.Unlock(ctx, "admin", "admin-pass-1")
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	got := auditActions(t, db)[ActionKeyUnwrap]
	sort.Slice(got, func(i, j int) bool { return got[i].Seq < got[j].Seq })
	if len(got) != 2 || got[0].Login != "admin" || got[0].Success || got[1].Login != "nobody" || !strings.HasPrefix(got[1].Detail, "no wrap") {
		t.Fatalf("audited failed unwraps: %+v", got)
	}
	if f := v.ring.Failures(); len(f) != 0 {
		t.Fatalf("failures still counted after the audit: %+v", f)
	}
}

// TestUnfinishedSetupStartsOver: a first run that ends before an admin
// chose a password leaves no key file; the next start removes the empty
// store and offers the first-run setup again.
func TestUnfinishedSetupStartsOver(t *testing.T) {
	dir := t.TempDir()
	v := NewVault(dir, store.Options{})
	if _, err := v.OpenNew(); err != nil {
		t.Fatal(err)
	}
	v.Close()
	if keyring.Exists(keyring.Path(dir)) {
		t.Fatal("a key file before the first admin")
	}
	v2 := NewVault(dir, store.Options{})
	if st, err := v2.State(); err != nil || st != VaultNew {
		t.Fatalf("state %v %v, want a new first run", st, err)
	}
	if _, err := os.Stat(filepath.Join(dir, StoreFile)); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("the unfinished store is still there: %v", err)
	}
}

// TestDisabledUserLosesTheirWrap: a user disabled (here or on the hub)
// has their wrap removed at the next open, audited.
func TestDisabledUserLosesTheirWrap(t *testing.T) {
	ctx := context.Background()
	dir, v, db, a := unlockedAdmin(t)
	clerk, err := db.CreateUser(ctx, a, store.User{Login: "clerk", Name: "王芳", Role: store.RoleClerk}, "clerk-pass-1")
	if err != nil {
		t.Fatal(err)
	}
	u, err := db.Login(ctx, "clerk", "clerk-pass-1")
	if err != nil {
		t.Fatal(err)
	}
	if err := v.AfterLogin(ctx, u, "clerk-pass-1"); err != nil {
		t.Fatal(err)
	}
	clerk.Disabled = true
	if err := db.UpdateUser(ctx, a, clerk); err != nil {
		t.Fatal(err)
	}
	v.Close()
	v2 := NewVault(dir, store.Options{})
	db2, err := v2.Unlock(ctx, "admin", "admin-pass-1")
	if err != nil {
		t.Fatal(err)
	}
	defer v2.Close()
	if v2.ring.HasUser("clerk") {
		t.Fatal("the disabled clerk keeps a wrap")
	}
	if got := auditActions(t, db2)[ActionKeyRemove]; len(got) != 1 || got[0].Target != "clerk" {
		t.Fatalf("audited removals: %+v", got)
	}
	if _, err := NewVault(dir, store.Options{}).Unlock(ctx, "clerk", "clerk-pass-1"); !errors.Is(err, keyring.ErrNoWrap) {
		t.Fatalf("the disabled clerk's password: %v", err)
	}
}

// TestPasswordChangedElsewhereIsWrappedAgain: a user whose password
// changed on another desk (synced) logs in here with the new one while the
// store is open; their wrap follows, so the new password opens the store
// at the next start.
func TestPasswordChangedElsewhereIsWrappedAgain(t *testing.T) {
	ctx := context.Background()
	dir, v, db, a := unlockedAdmin(t)
	if err := db.SetPassword(ctx, a, a.UserID, "admin-pass-2"); err != nil {
		t.Fatal(err)
	}
	u, err := db.Login(ctx, "admin", "admin-pass-2")
	if err != nil {
		t.Fatal(err)
	}
	if err := v.AfterLogin(ctx, u, "admin-pass-2"); err != nil {
		t.Fatal(err)
	}
	v.Close()
	if _, err := NewVault(dir, store.Options{}).Unlock(ctx, "admin", "admin-pass-2"); err != nil {
		t.Fatalf("the new password does not open the store: %v", err)
	}
}

// TestAutomaticBackupsCarryTheirKeyFile: each automatic backup gets the
// key file's copy beside it, and the copies of the backups pruned away go
// with them.
func TestAutomaticBackupsCarryTheirKeyFile(t *testing.T) {
	ctx := context.Background()
	dir, _ := newSealed(t)
	now := time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC)
	v := NewVault(dir, store.Options{Now: func() time.Time { return now }})
	db, err := v.Unlock(ctx, "admin", "admin-pass-1")
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	bdir := t.TempDir()
	for i := 0; i < 3; i++ {
		info, err := db.BackupInto(ctx, bdir, 2)
		if err != nil {
			t.Fatal(err)
		}
		if err := v.ExportKeys(info.Path); err != nil {
			t.Fatal(err)
		}
		now = now.Add(time.Hour)
	}
	backups, _ := filepath.Glob(filepath.Join(bdir, "*.db"))
	keys, _ := filepath.Glob(filepath.Join(bdir, "*"+keyring.BackupSuffix))
	if len(backups) != 2 || len(keys) != 2 {
		t.Fatalf("after 3 backups keeping 2: %d backups, %d key files; want 2 and 2", len(backups), len(keys))
	}
	for _, b := range backups {
		if _, err := os.Stat(b + keyring.BackupSuffix); err != nil {
			t.Errorf("backup %s has no key file beside it", b)
		}
	}
}
