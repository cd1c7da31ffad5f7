package store

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// longPath returns an absolute path of exactly n bytes under base, in
// folders of 100-byte names (a name may have at most 255), without making
// them.
func longPath(t *testing.T, base string, n int) string {
	t.Helper()
	p := base
	for len(p)+101 < n-10 {
		p = filepath.Join(p, strings.Repeat("d", 100))
	}
	p = filepath.Join(p, strings.Repeat("b", n-len(p)-1))
	if len(p) != n {
		t.Fatalf("longPath = %d bytes, want %d", len(p), n)
	}
	return p
}

// TestOverlongPathsAreRefused guards the driver's limit: a backup path of
// about 1 KB made go-sqlite3 panic ("missing NUL terminator") and Close
// hang. Backup, BackupFile, CheckBackup, Restore and Open refuse a path
// over MaxPathLen with ErrPathTooLong before any file is made, the store
// stays usable and closes; a path of exactly MaxPathLen bytes backs up,
// checks and restores.
func TestOverlongPathsAreRefused(t *testing.T) {
	ctx := context.Background()
	base, err := filepath.Abs(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	key := testKey(t)
	db, err := Open(filepath.Join(base, "vetdesk.db"), Options{Key: key})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	long := longPath(t, filepath.Join(base, "long"), MaxPathLen+1)
	calls := []struct {
		name string
		call func() error
	}{
		{"Backup", func() error { return db.Backup(ctx, long) }},
		{"BackupFile", func() error { _, err := db.BackupFile(ctx, long); return err }},
		{"CheckBackup", func() error { return CheckBackup(long, key) }},
		{"Restore to", func() error { return Restore(filepath.Join(base, "vetdesk.db"), long, key) }},
		{"Restore from", func() error { return Restore(long, filepath.Join(base, "other.db"), key) }},
		{"Open", func() error { _, err := Open(long, Options{Key: key}); return err }},
		{"Open 4 KB", func() error { _, err := Open(longPath(t, base, 4096), Options{}); return err }},
	}
	for _, c := range calls {
		err := c.call()
		if !errors.Is(err, ErrPathTooLong) {
			t.Errorf("%s(%d-byte path) = %v, want ErrPathTooLong", c.name, len(long), err)
		}
		if err != nil && strings.Contains(err.Error(), "dddd") {
			t.Errorf("%s: the error repeats the path: %.80s…", c.name, err)
		}
	}
	if _, err := os.Stat(filepath.Join(base, "long")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a refused path left folders behind (%v)", err)
	}
	if _, err := db.CaseCount(ctx, "371002"); err != nil {
		t.Fatalf("the store after the refusals: %v", err)
	}

	edge := longPath(t, filepath.Join(base, "edge"), MaxPathLen)
	if _, err := db.BackupFile(ctx, edge); err != nil {
		t.Fatalf("BackupFile(%d-byte path) = %v", len(edge), err)
	}
	if err := CheckBackup(edge, key); err != nil {
		t.Fatalf("CheckBackup(%d-byte path) = %v", len(edge), err)
	}
	if err := Restore(edge, filepath.Join(base, "restored.db"), key); err != nil {
		t.Fatalf("Restore(%d-byte path) = %v", len(edge), err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	// a store at the longest path: its WAL, and a rekey's copy beside it
	os.MkdirAll(filepath.Dir(edge), 0o700)
	edgeStore := edge[:len(edge)-1] + "s"
	es, err := Open(edgeStore, Options{Key: key})
	if err != nil {
		t.Fatalf("Open(%d-byte path) = %v", len(edgeStore), err)
	}
	defer es.Close()
	if err := es.SetSetting(ctx, "ui.theme", "dark"); err != nil {
		t.Fatal(err)
	}
	if err := es.Rekey(ctx, testKey(t)); err != nil {
		t.Fatalf("Rekey(%d-byte path) = %v", len(edgeStore), err)
	}
}
