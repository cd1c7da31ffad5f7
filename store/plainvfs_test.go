package store

import (
	"database/sql"
	"testing"
)

// TestStaleCheckpointOfPlaintextWithChecksums: a plaintext store with page
// checksums (a sealed snapshot rekeyed to plaintext, as a desk without a
// key adopts it) is checkpointed by a connection that has not seen the
// last write, as the merger's idle checkpoint and Close do. Through the
// default VFS this crashed the process inside go-sqlite3 (xUnfetch on a
// nil memory mapper, sealvfs.PlainName); plaintext stores now open
// through a VFS without memory mapping.
func TestStaleCheckpointOfPlaintextWithChecksums(t *testing.T) {
	path := t.TempDir() + "/vetdesk.db"
	key := []byte("vetdesk test key of 32 bytes ...")
	db, err := Open(path, Options{Key: key})
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	if err := rekeyFile(path, key, nil); err != nil {
		t.Fatal(err)
	}
	stale, err := sql.Open("sqlite3", dsn(path, nil, false))
	if err != nil {
		t.Fatal(err)
	}
	defer stale.Close()
	writer, err := sql.Open("sqlite3", dsn(path, nil, false))
	if err != nil {
		t.Fatal(err)
	}
	defer writer.Close()
	var verify string
	if err := stale.QueryRow(`PRAGMA checksum_verification`).Scan(&verify); err != nil {
		t.Fatal(err)
	}
	if verify != "1" {
		t.Fatalf("checksum_verification = %s: the rekeyed store has no checksums and the test says nothing", verify)
	}
	if _, err := writer.Exec(`INSERT INTO peers (name) VALUES ('written by another connection')`); err != nil {
		t.Fatal(err)
	}
	if _, err := stale.Exec(`PRAGMA wal_checkpoint(PASSIVE)`); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := stale.QueryRow(`SELECT count(*) FROM peers WHERE name = 'written by another connection'`).Scan(&n); err != nil || n != 1 {
		t.Fatalf("after the checkpoint: %d rows, %v", n, err)
	}
	if err := stale.QueryRow(`PRAGMA integrity_check`).Scan(&verify); err != nil || verify != "ok" {
		t.Fatalf("integrity_check = %s, %v", verify, err)
	}
}
