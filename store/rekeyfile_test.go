package store

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"
)

// TestRekeyFileManyChunks rekeys a real store of several of rekeyFile's
// chunks (so its workers share the file) from one key to another, to
// plaintext and back: each time the store opens with the new key only and
// holds every row, plaintext is SQLite's own format, and sealing again
// with the first key gives back the very bytes the store was written in.
func TestRekeyFileManyChunks(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "vetdesk.db")
	k1, k2 := testKey(t), testKey(t)
	const rows = 2500 // 4,000 bytes each: about ten chunks
	db := openKeyed(t, path, k1)
	if _, err := db.sql.ExecContext(ctx, `CREATE TABLE filler (n INTEGER PRIMARY KEY, b BLOB)`); err != nil {
		t.Fatal(err)
	}
	if _, err := db.sql.ExecContext(ctx, `WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM c WHERE n < ?)
		INSERT INTO filler SELECT n, randomblob(4000) FROM c`, rows); err != nil {
		t.Fatal(err)
	}
	var sum int64
	if err := db.sql.QueryRowContext(ctx, `SELECT sum(unicode(hex(b))) + sum(length(b)) FROM filler`).Scan(&sum); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path + "-wal"); err == nil {
		t.Fatal("the closed store left its WAL")
	}
	sealed1, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(sealed1) < 4*rekeyChunk {
		t.Fatalf("store of %d bytes: want several chunks of %d", len(sealed1), rekeyChunk)
	}
	// In turn to k2, to plaintext and to k1 again: the bytes it was
	// written in, and in between SQLite's own header.
	if err := rekeyFile(path, k1, k2); err != nil {
		t.Fatalf("rekeyFile(k1, k2) = %v", err)
	}
	if err := rekeyFile(path, k2, nil); err != nil {
		t.Fatalf("rekeyFile(k2, plaintext) = %v", err)
	}
	plain, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(plain, []byte("SQLite format 3\x00")) {
		t.Fatalf("plaintext file starts %q", plain[:16])
	}
	if err := rekeyFile(path, nil, k1); err != nil {
		t.Fatalf("rekeyFile(plaintext, k1) = %v", err)
	}
	if again, err := os.ReadFile(path); err != nil || !bytes.Equal(again, sealed1) {
		t.Fatalf("sealed again with k1, the file differs from the store as written (%v)", err)
	}
	check := func(path string, key, wrong []byte) {
		t.Helper()
		if wrong != nil {
			if db, err := Open(path, Options{Key: wrong}); err == nil {
				db.Close()
				t.Fatal("the rekeyed store opened with its old key")
			}
		}
		db := openKeyed(t, path, key)
		defer db.Close()
		var ok string
		if err := db.sql.QueryRowContext(ctx, `PRAGMA integrity_check`).Scan(&ok); err != nil || ok != "ok" {
			t.Fatalf("integrity_check = %q, %v", ok, err)
		}
		var got int64
		if err := db.sql.QueryRowContext(ctx, `SELECT sum(unicode(hex(b))) + sum(length(b)) FROM filler`).Scan(&got); err != nil || got != sum {
			t.Fatalf("rows sum to %d, %v; want %d", got, err, sum)
		}
	}
	plainPath := filepath.Join(t.TempDir(), "plain.db")
	if err := os.WriteFile(plainPath, plain, 0o600); err != nil {
		t.Fatal(err)
	}
	check(plainPath, nil, nil)
	if err := rekeyFile(path, k1, k2); err != nil {
		t.Fatalf("rekeyFile(k1, k2) = %v", err)
	}
	check(path, k2, k1)
}
