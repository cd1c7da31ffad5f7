package store

import (
	"bytes"
	"context"
	"encoding/hex"
	"path/filepath"
	"strings"
	"testing"
)

// growPast writes 1 MiB blobs into a table of its own until the store
// holds mb MiB, past the pool's page cache (poolCache).
func growPast(t testing.TB, db *DB, mb int) {
	t.Helper()
	ctx := context.Background()
	p, done := db.pool()
	defer done()
	if _, err := p.ExecContext(ctx, `CREATE TABLE big (id INTEGER PRIMARY KEY, b BLOB)`); err != nil {
		t.Fatal(err)
	}
	blob := bytes.Repeat([]byte("vetdesk sealed store "), 1<<20/21+1)[:1<<20]
	for i := 0; i < mb; i++ {
		blob[0] = byte(i)
		if _, err := p.ExecContext(ctx, `INSERT INTO big (id, b) VALUES (?, ?)`, i, blob); err != nil {
			t.Fatalf("insert blob %d: %v", i, err)
		}
	}
}

// TestSealedStoreBeyondThePageCache guards backups and rekeys of a sealed
// store larger than the page cache of its pool (poolCache, 32 MiB): both
// once failed from about 34 MB on (#12), the backup with a disk I/O error,
// the rekeyed copy with page checksum mismatches.
func TestSealedStoreBeyondThePageCache(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	key := testKey(t)
	db := openKeyed(t, filepath.Join(dir, "vetdesk.db"), key)
	defer db.Close()
	growPast(t, db, poolCache/1024+8)
	if err := db.Backup(ctx, filepath.Join(dir, "b.db")); err != nil {
		t.Errorf("Backup = %v", err)
	} else if err := CheckBackup(filepath.Join(dir, "b.db"), key); err != nil {
		t.Errorf("CheckBackup = %v", err)
	}
	if err := db.Rekey(ctx, testKey(t)); err != nil {
		t.Errorf("Rekey = %v", err)
	}
	if err := db.IntegrityCheck(ctx); err != nil {
		t.Errorf("IntegrityCheck = %v", err)
	}
}

// TestCopyErrorsHideTheKey guards the errors of VACUUM INTO (Backup, Seal,
// Rekey) and ATTACH (snapshots) of sealed files: SQLite repeats the URI of
// a file it cannot open, hexkey included, and the store's errors must not
// carry it (#12).
func TestCopyErrorsHideTheKey(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	key, other := testKey(t), testKey(t)
	db := openKeyed(t, filepath.Join(dir, "vetdesk.db"), key)
	defer db.Close()
	missing := filepath.Join(dir, "no such folder", "copy.db")
	p, done := db.pool()
	defer done()
	attach, args, err := attachSQL(missing, other, "snap", key)
	if err != nil {
		t.Fatal(err)
	}
	_, attachErr := p.ExecContext(ctx, attach, args...)
	for name, err := range map[string]error{
		"vacuumInto, the store's key": vacuumInto(ctx, p, missing, key),
		"vacuumInto, another key":     vacuumInto(ctx, p, missing, other),
		"attachError":                 attachError(other, key, attachErr),
	} {
		if err == nil {
			t.Errorf("%s into a missing folder went through", name)
			continue
		}
		for _, k := range [][]byte{key, other} {
			if strings.Contains(strings.ToLower(err.Error()), hex.EncodeToString(k)) {
				t.Errorf("%s: %v holds a key", name, err)
			}
		}
		if !strings.Contains(err.Error(), "hexkey=…") {
			t.Errorf("%s: %v does not name the target (SQLite no longer repeats the URI?)", name, err)
		}
	}
}
