package sealvfs

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ncruces/go-sqlite3"
)

// TestFlippedByteInLiveWALDetected guards the check of WAL pages against
// their frame checksums: with a store open (its WAL indexed, so SQLite will
// not recover it), a byte flipped in any frame makes a second connection's
// full read fail with SQLITE_IOERR_DATA or read everything right (the
// frame was superseded), never read other data; and some flips are caught.
func TestFlippedByteInLiveWALDetected(t *testing.T) {
	path := filepath.Join(t.TempDir(), "vetdesk.db")
	key := mustKey(t)
	params := []Param{{"_pragma", "journal_mode(wal)"}, {"_pragma", "wal_autocheckpoint(0)"}, {"_pragma", "synchronous(full)"}}
	a := openSealed(t, path, key, params...)
	a.SetMaxOpenConns(1)
	if err := EnableChecksums(context.Background(), a, ""); err != nil {
		t.Fatal(err)
	}
	exec(t, a, `CREATE TABLE t(n INTEGER PRIMARY KEY, v TEXT)`)
	exec(t, a, `PRAGMA wal_checkpoint(TRUNCATE)`)
	const commits = 12
	for i := 1; i <= commits; i++ {
		exec(t, a, `INSERT INTO t VALUES (?, ?)`, i, strings.Repeat(name, 100))
	}
	wal, err := os.ReadFile(path + "-wal")
	if err != nil {
		t.Fatal(err)
	}
	var pageSize int
	if err := a.QueryRow(`PRAGMA page_size`).Scan(&pageSize); err != nil {
		t.Fatal(err)
	}
	frames := (len(wal) - walHeaderSize) / (walFrameHead + pageSize)

	caught := 0
	for i := range frames {
		for _, at := range []int{walFrameHead + 8, walFrameHead + pageSize/2} {
			pos := walHeaderSize + i*(walFrameHead+pageSize) + at
			tampered := bytes.Clone(wal)
			tampered[pos] ^= 0x04
			if err := os.WriteFile(path+"-wal", tampered, 0o600); err != nil {
				t.Fatal(err)
			}
			b := openSealed(t, path, key)
			err := readRows(b, commits)
			b.Close()
			switch {
			case errors.Is(err, sqlite3.IOERR_DATA):
				caught++
			case err != nil:
				t.Errorf("frame %d byte %d flipped: %v, want SQLITE_IOERR_DATA or every row", i, at, err)
			}
		}
	}
	if caught == 0 {
		t.Errorf("none of %d flips in the WAL caught", 2*frames)
	}

	// The writer's checkpoint refuses to copy a damaged frame into the
	// database file (where it would get a valid page checksum).
	tampered := bytes.Clone(wal)
	for i := range frames {
		tampered[walHeaderSize+i*(walFrameHead+pageSize)+walFrameHead+pageSize/2] ^= 0x04
	}
	if err := os.WriteFile(path+"-wal", tampered, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Exec(`PRAGMA wal_checkpoint(TRUNCATE)`); !errors.Is(err, sqlite3.IOERR_DATA) {
		t.Errorf("checkpoint of a damaged WAL = %v, want SQLITE_IOERR_DATA", err)
	}
	if err := os.WriteFile(path+"-wal", wal, 0o600); err != nil {
		t.Fatal(err)
	}
	exec(t, a, `PRAGMA wal_checkpoint(TRUNCATE)`)
	if err := readRows(a, commits); err != nil {
		t.Error(err)
	}
}

// readRows reads t and checks it is rows 1..n as written.
func readRows(db *sql.DB, n int) error {
	rows, err := db.Query(`SELECT n, v FROM t ORDER BY n`)
	if err != nil {
		return err
	}
	defer rows.Close()
	got := 0
	for rows.Next() {
		var i int
		var v string
		if err := rows.Scan(&i, &v); err != nil {
			return err
		}
		if got++; i != got || v != strings.Repeat(name, 100) {
			return fmt.Errorf("row %d = %d, %.10q…, want %d and the name", got, i, v, got)
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	if got != n {
		return fmt.Errorf("%d rows, want %d", got, n)
	}
	return nil
}

// TestBigTransactionNoFalseAlarm guards the frames a connection overwrites
// in place within its own transaction (pages spilled from a small cache and
// changed again) before SQLite fixes their checksums at commit: the writer
// reads them back without a false SQLITE_IOERR_DATA.
func TestBigTransactionNoFalseAlarm(t *testing.T) {
	path := filepath.Join(t.TempDir(), "vetdesk.db")
	key := mustKey(t)
	db := openSealed(t, path, key, Param{"_pragma", "journal_mode(wal)"}, Param{"_pragma", "cache_size(10)"}, Param{"_pragma", "synchronous(full)"})
	db.SetMaxOpenConns(1)
	if err := EnableChecksums(context.Background(), db, ""); err != nil {
		t.Fatal(err)
	}
	exec(t, db, `CREATE TABLE t(n INTEGER PRIMARY KEY, v TEXT)`)
	tx, err := db.Begin()
	if err != nil {
		t.Fatal(err)
	}
	const rows = 3000
	for round := range 3 {
		for i := 1; i <= rows; i++ {
			if _, err := tx.Exec(`INSERT INTO t VALUES (?, ?) ON CONFLICT(n) DO UPDATE SET v = excluded.v`,
				i, fmt.Sprintf("%d %s", round, strings.Repeat("x", 200))); err != nil {
				t.Fatalf("round %d row %d: %v", round, i, err)
			}
		}
		var sum int
		if err := tx.QueryRow(`SELECT sum(length(v)) FROM t`).Scan(&sum); err != nil {
			t.Fatalf("round %d: read back in the transaction: %v", round, err)
		}
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	other := openSealed(t, path, key)
	var n int
	if err := other.QueryRow(`SELECT count(*) FROM t WHERE v LIKE '2 %'`).Scan(&n); err != nil || n != rows {
		t.Errorf("other connection: %d rows of the last round, %v; want %d", n, err, rows)
	}
	exec(t, db, `PRAGMA wal_checkpoint(TRUNCATE)`)
}

// TestLongReaderAcrossWALRestarts guards the checksums a connection keeps
// of frames it checked: after the writer checkpoints and the WAL starts
// over (new salts, frames written again at the same places), a reader that
// stayed open reads the new frames without a false alarm, and still catches
// a damaged one.
func TestLongReaderAcrossWALRestarts(t *testing.T) {
	path := filepath.Join(t.TempDir(), "vetdesk.db")
	key := mustKey(t)
	params := []Param{{"_pragma", "journal_mode(wal)"}, {"_pragma", "wal_autocheckpoint(0)"}, {"_pragma", "cache_size(2)"}}
	w := openSealed(t, path, key, params...)
	w.SetMaxOpenConns(1)
	if err := EnableChecksums(context.Background(), w, ""); err != nil {
		t.Fatal(err)
	}
	exec(t, w, `CREATE TABLE t(n INTEGER PRIMARY KEY, v TEXT)`)
	r := openSealed(t, path, key, params...)
	r.SetMaxOpenConns(1)

	n := 0
	for round := range 4 {
		exec(t, w, `PRAGMA wal_checkpoint(TRUNCATE)`)
		for range 30 {
			n++
			exec(t, w, `INSERT INTO t VALUES (?, ?)`, n, strings.Repeat(name, 100))
		}
		// Overwrite rows too, so the new WAL's frames hold pages the old
		// one held at the same places.
		exec(t, w, `UPDATE t SET v = v WHERE n % 7 = ?`, round)
		if err := readRows(r, n); err != nil {
			t.Fatalf("round %d: reader: %v", round, err)
		}
	}

	wal, err := os.ReadFile(path + "-wal")
	if err != nil {
		t.Fatal(err)
	}
	var pageSize int
	if err := w.QueryRow(`PRAGMA page_size`).Scan(&pageSize); err != nil {
		t.Fatal(err)
	}
	frames := (len(wal) - walHeaderSize) / (walFrameHead + pageSize)
	tampered := bytes.Clone(wal)
	for i := range frames {
		tampered[walHeaderSize+i*(walFrameHead+pageSize)+walFrameHead+pageSize/3] ^= 0x10
	}
	if err := os.WriteFile(path+"-wal", tampered, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := readRows(r, n); !errors.Is(err, sqlite3.IOERR_DATA) {
		t.Errorf("reader on a damaged WAL: %v, want SQLITE_IOERR_DATA", err)
	}
	if err := os.WriteFile(path+"-wal", wal, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := readRows(r, n); err != nil {
		t.Errorf("reader on the WAL put back: %v", err)
	}
}
