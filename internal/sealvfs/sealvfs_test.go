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
	"sync"
	"testing"

	"github.com/ncruces/go-sqlite3"
	_ "github.com/ncruces/go-sqlite3/driver"
)

// Known values: an ID number, a name and a phone, as the store keeps them.
const (
	idNumber = "110101199003078515"
	name     = "张三丰"
	phone    = "13912345678"
)

func mustKey(t testing.TB) []byte {
	t.Helper()
	k, err := NewKey()
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// openSealed opens path sealed with key through database/sql.
func openSealed(t testing.TB, path string, key []byte, params ...Param) *sql.DB {
	t.Helper()
	dsn, err := DSN(path, key, params...)
	if err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("sqlite3", dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// openPlain opens path without encryption.
func openPlain(t testing.TB, path string, params ...string) *sql.DB {
	t.Helper()
	dsn := fileURI(path)
	if len(params) > 0 {
		dsn += "?" + strings.Join(params, "&")
	}
	db, err := sql.Open("sqlite3", dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func exec(t testing.TB, db *sql.DB, query string, args ...any) {
	t.Helper()
	if _, err := db.Exec(query, args...); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
}

// fillPeople creates table people and writes n rows, the known values in
// row 1 and filler in the others, one transaction each.
func fillPeople(t testing.TB, db *sql.DB, n int) {
	t.Helper()
	exec(t, db, `CREATE TABLE IF NOT EXISTS people(id INTEGER PRIMARY KEY, id_number TEXT, name TEXT, phone TEXT, note TEXT)`)
	exec(t, db, `CREATE INDEX IF NOT EXISTS people_id_number ON people(id_number)`)
	exec(t, db, `INSERT INTO people(id_number, name, phone, note) VALUES (?, ?, ?, ?)`, idNumber, name, phone, "first")
	for i := 1; i < n; i++ {
		exec(t, db, `INSERT INTO people(id_number, name, phone, note) VALUES (?, ?, ?, ?)`,
			fmt.Sprintf("4401%014d", i), fmt.Sprintf("person %d", i), fmt.Sprintf("1380000%04d", i), strings.Repeat("x", 200))
	}
}

// checkPeople reads every row back and checks the count and the known row.
func checkPeople(t testing.TB, db *sql.DB, n int) {
	t.Helper()
	var count int
	if err := db.QueryRow(`SELECT count(*) FROM people WHERE length(note) > 0`).Scan(&count); err != nil {
		t.Fatal(err)
	}
	if count != n {
		t.Errorf("count(people) = %d, want %d", count, n)
	}
	var gotName, gotPhone string
	if err := db.QueryRow(`SELECT name, phone FROM people WHERE id_number = ?`, idNumber).Scan(&gotName, &gotPhone); err != nil {
		t.Fatal(err)
	}
	if gotName != name || gotPhone != phone {
		t.Errorf("known row = %q, %q, want %q, %q", gotName, gotPhone, name, phone)
	}
}

// leaks returns the files of dir that hold any known value or the SQLite
// magic, and the names of all files it looked at.
func leaks(t testing.TB, dir string) (found, seen []string) {
	t.Helper()
	needles := []string{idNumber, name, phone, "SQLite format 3"}
	err := filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		seen = append(seen, d.Name())
		for _, n := range needles {
			if bytes.Contains(b, []byte(n)) {
				found = append(found, d.Name()+" holds "+n)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return found, seen
}

func hasFile(names []string, suffix string) bool {
	for _, n := range names {
		if strings.HasSuffix(n, suffix) {
			return true
		}
	}
	return false
}

// TestNoPlaintextAtRest guards "no plaintext at rest": with the database open
// in WAL mode (WAL and shm on disk), after a checkpoint, after close, and
// with a persistent rollback journal, no file of the folder holds a known
// value or "SQLite format 3". The plaintext rows show the scan finds them.
func TestNoPlaintextAtRest(t *testing.T) {
	for _, sealed := range []bool{true, false} {
		for _, journal := range []string{"wal", "persist"} {
			t.Run(fmt.Sprintf("sealed=%v/journal=%s", sealed, journal), func(t *testing.T) {
				dir := t.TempDir()
				path := filepath.Join(dir, "vetdesk.db")
				var db *sql.DB
				if sealed {
					db = openSealed(t, path, mustKey(t), Param{"_pragma", "journal_mode(" + journal + ")"})
					if err := EnableChecksums(context.Background(), db, "main"); err != nil {
						t.Fatal(err)
					}
				} else {
					db = openPlain(t, path, "_pragma=journal_mode("+journal+")")
				}
				db.SetMaxOpenConns(1)
				fillPeople(t, db, 50)
				exec(t, db, `UPDATE people SET phone = phone WHERE id_number = ?`, idNumber)

				check := func(when string, wantFile string) {
					found, seen := leaks(t, dir)
					if !hasFile(seen, wantFile) {
						t.Fatalf("%s: no %s file among %v: the scan misses what it should scan", when, wantFile, seen)
					}
					if sealed && len(found) > 0 {
						t.Errorf("%s: plaintext at rest: %v", when, found)
					}
					if !sealed && len(found) == 0 {
						t.Errorf("%s: plaintext store: the scan found nothing in %v", when, seen)
					}
				}
				if journal == "wal" {
					check("open, WAL not checkpointed", "-wal")
					exec(t, db, `PRAGMA wal_checkpoint(PASSIVE)`)
					check("after a checkpoint", "-wal")
				} else {
					check("open, persistent journal", "-journal")
				}
				if err := db.Close(); err != nil {
					t.Fatal(err)
				}
				check("closed", "vetdesk.db")
			})
		}
	}
}

// TestWrongOrMissingKeyOpensNothing guards "a wrong key opens nothing": a
// wrong, missing or malformed key gives a clear error naming the key, never
// rows and never an empty database.
func TestWrongOrMissingKeyOpensNothing(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "vetdesk.db")
	key := mustKey(t)
	db := openSealed(t, path, key, Param{"_pragma", "journal_mode(wal)"})
	fillPeople(t, db, 3)
	db.Close()

	plainPath := filepath.Join(dir, "plain.db")
	plain := openPlain(t, plainPath)
	fillPeople(t, plain, 3)
	plain.Close()

	uri := fileURI(path) + "?vfs=" + Name
	tests := []struct {
		name string
		dsn  string
		want error
	}{
		{"wrong key", mustDSN(t, path, mustKey(t)), ErrWrongKey},
		{"key with one bit off", mustDSN(t, path, flipBit(key)), ErrWrongKey},
		{"plaintext file opened sealed", mustDSN(t, plainPath, key), ErrWrongKey},
		{"no key", uri, ErrNoKey},
		{"short hexkey", uri + "&hexkey=00112233", ErrBadKey},
		{"not hex", uri + "&hexkey=" + strings.Repeat("zz", 32), ErrBadKey},
		{"textkey", uri + "&textkey=secret", ErrBadKey},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db, err := sql.Open("sqlite3", tt.dsn)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			var n int
			err = KeyError(db.QueryRow(`SELECT count(*) FROM people`).Scan(&n))
			if !errors.Is(err, tt.want) {
				t.Fatalf("SELECT count(*) FROM people = %d, %v; want error %v", n, err, tt.want)
			}
			if !strings.Contains(err.Error(), tt.want.Error()) {
				t.Errorf("error %q does not say %q", err, tt.want)
			}
			// Nor may a write go through.
			if _, err := db.Exec(`CREATE TABLE other(x)`); !errors.Is(KeyError(err), tt.want) {
				t.Errorf("CREATE TABLE = %v, want %v", err, tt.want)
			}
		})
	}

	if got, _ := os.ReadFile(path); bytes.Contains(got, []byte("SQLite format 3")) {
		t.Error("a failed open left plaintext in the file")
	}
}

func mustDSN(t testing.TB, path string, key []byte) string {
	t.Helper()
	dsn, err := DSN(path, key)
	if err != nil {
		t.Fatal(err)
	}
	return dsn
}

func flipBit(key []byte) []byte {
	k := bytes.Clone(key)
	k[len(k)-1] ^= 1
	return k
}

// TestPragmaHexkey guards the key given as PRAGMA right after open instead
// of in the URI, and that it cannot be changed afterwards.
func TestPragmaHexkey(t *testing.T) {
	path := filepath.Join(t.TempDir(), "vetdesk.db")
	key := mustKey(t)
	db := openSealed(t, path, key)
	fillPeople(t, db, 3)
	db.Close()

	conn, err := sqlite3.Open(fileURI(path) + "?vfs=" + Name)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if err := conn.Exec(fmt.Sprintf(`PRAGMA hexkey='%x'`, key)); err != nil {
		t.Fatal(err)
	}
	stmt, _, err := conn.Prepare(`SELECT name FROM people WHERE id_number = ?`)
	if err != nil {
		t.Fatal(err)
	}
	defer stmt.Close()
	stmt.BindText(1, idNumber)
	if !stmt.Step() || stmt.ColumnText(0) != name {
		t.Fatalf("known row not read back: %v", stmt.Err())
	}
	stmt.Reset()

	err = conn.Exec(fmt.Sprintf(`PRAGMA hexkey='%x'`, mustKey(t)))
	if err == nil || !strings.Contains(err.Error(), ErrKeySet.Error()) {
		t.Errorf("second PRAGMA hexkey = %v, want %v", err, ErrKeySet)
	}
}

// TestFlippedByteDetected guards "a flipped byte in a page is detected": for
// every page of a sealed store with checksums, a byte flipped in the file
// makes the read of that page fail (SQLITE_IOERR_DATA, or wrong key for the
// first block of the header), never return other data.
func TestFlippedByteDetected(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "vetdesk.db")
	key := mustKey(t)
	db := openSealed(t, path, key, Param{"_pragma", "journal_mode(wal)"})
	if err := EnableChecksums(context.Background(), db, ""); err != nil {
		t.Fatal(err)
	}
	fillPeople(t, db, 100)
	var pageSize, pages int
	if err := db.QueryRow(`PRAGMA page_size`).Scan(&pageSize); err != nil {
		t.Fatal(err)
	}
	if err := db.QueryRow(`PRAGMA page_count`).Scan(&pages); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil { // checkpoints into the database file
		t.Fatal(err)
	}
	orig, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(orig) != pageSize*pages || pages < 5 {
		t.Fatalf("file has %d bytes, %d pages of %d: want the WAL checkpointed and several pages", len(orig), pages, pageSize)
	}

	// Flip bytes at several places of each page: the first block, the
	// middle, the end (where the checksum is).
	for page := 0; page < pages; page++ {
		for _, at := range []int{0, 40, pageSize / 2, pageSize - 1} {
			t.Run(fmt.Sprintf("page %d byte %d", page+1, at), func(t *testing.T) {
				tampered := bytes.Clone(orig)
				tampered[page*pageSize+at] ^= 0x01
				p := filepath.Join(t.TempDir(), "tampered.db")
				if err := os.WriteFile(p, tampered, 0o600); err != nil {
					t.Fatal(err)
				}
				db := openSealed(t, p, key)
				err := KeyError(readAll(db))
				if err == nil {
					t.Fatal("every row read back from a tampered file")
				}
				if !errors.Is(err, sqlite3.IOERR_DATA) && !errors.Is(err, ErrWrongKey) {
					t.Errorf("read of a tampered page: %v, want SQLITE_IOERR_DATA or %v", err, ErrWrongKey)
				}
			})
		}
	}
}

// readAll reads every page of people: the table and its index.
func readAll(db *sql.DB) error {
	rows, err := db.Query(`SELECT id_number, name, phone, note FROM people ORDER BY id`)
	if err != nil {
		return err
	}
	for rows.Next() {
	}
	if err := rows.Err(); err != nil {
		return err
	}
	rows.Close()
	var n int
	return db.QueryRow(`SELECT count(*) FROM people INDEXED BY people_id_number WHERE id_number > ''`).Scan(&n)
}

// TestReopenAfterCheckpoint guards that a sealed store reads back whole with
// the right key after a checkpoint, more writes left in the WAL, and a
// reopen, and that it holds up PRAGMA integrity_check.
func TestReopenAfterCheckpoint(t *testing.T) {
	path := filepath.Join(t.TempDir(), "vetdesk.db")
	key := mustKey(t)
	db := openSealed(t, path, key, Param{"_pragma", "journal_mode(wal)"})
	if err := EnableChecksums(context.Background(), db, ""); err != nil {
		t.Fatal(err)
	}
	fillPeople(t, db, 200)
	exec(t, db, `PRAGMA wal_checkpoint(TRUNCATE)`)
	exec(t, db, `INSERT INTO people(id_number, name, phone, note) VALUES ('x', 'after', 'checkpoint', 'wal')`)
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	sealed, err := IsSealed(path)
	if err != nil || !sealed {
		t.Fatalf("IsSealed(%s) = %v, %v; want true", path, sealed, err)
	}
	db = openSealed(t, path, key)
	checkPeople(t, db, 201)
	var ok string
	if err := db.QueryRow(`PRAGMA integrity_check`).Scan(&ok); err != nil || ok != "ok" {
		t.Errorf("integrity_check = %q, %v", ok, err)
	}
}

// TestVacuumIntoSealAndBack guards the migration of a plaintext store
// (VACUUM INTO a sealed URI), a key rotation (sealed to sealed with a new
// key) and the export back to plaintext, each read back whole.
func TestVacuumIntoSealAndBack(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	plainPath := filepath.Join(dir, "old plain #1.db")
	plain := openPlain(t, plainPath, "_pragma=journal_mode(wal)")
	fillPeople(t, plain, 100)

	// '%41' would be 'A' if the URI did not escape it; '?' and '#' would
	// end the path.
	sealedPath := filepath.Join(dir, "sealed #2 %41.db")
	key := mustKey(t)
	q, uri, err := VacuumInto("", sealedPath, key)
	if err != nil {
		t.Fatal(err)
	}
	exec(t, plain, q, uri)
	plain.Close()
	if sealed, err := IsSealed(sealedPath); err != nil || !sealed {
		t.Fatalf("IsSealed(VACUUM INTO target) = %v, %v; want true", sealed, err)
	}
	if found, _ := leaks(t, dir); !slicesAllPrefix(found, "old plain") {
		t.Errorf("plaintext outside the plaintext source: %v", found)
	}
	db := openSealed(t, sealedPath, key)
	if err := EnableChecksums(ctx, db, ""); err != nil {
		t.Fatal(err)
	}
	checkPeople(t, db, 100)

	// Rotate: sealed to sealed with a new key, checksums kept.
	rotatedPath := filepath.Join(dir, "rotated.db")
	newKey := mustKey(t)
	q, uri, err = VacuumInto("main", rotatedPath, newKey)
	if err != nil {
		t.Fatal(err)
	}
	exec(t, db, q, uri)
	rotated := openSealed(t, rotatedPath, newKey)
	checkPeople(t, rotated, 100)
	var reserved int
	if err := rotated.QueryRow(`PRAGMA checksum_verification`).Scan(&reserved); err != nil || reserved != 1 {
		t.Errorf("checksum_verification of the rotated file = %d, %v; want 1", reserved, err)
	}
	var n int
	if err := KeyError(openSealed(t, rotatedPath, key).QueryRow(`SELECT count(*) FROM people`).Scan(&n)); !errors.Is(err, ErrWrongKey) {
		t.Errorf("old key on the rotated file: %d, %v; want %v", n, err, ErrWrongKey)
	}

	// Back to plaintext.
	backPath := filepath.Join(dir, "export.db")
	q, uri, err = VacuumInto("", backPath, nil)
	if err != nil {
		t.Fatal(err)
	}
	exec(t, db, q, uri)
	if sealed, err := IsSealed(backPath); err != nil || sealed {
		t.Fatalf("IsSealed(plaintext export) = %v, %v; want false", sealed, err)
	}
	checkPeople(t, openPlain(t, backPath), 100)
}

func slicesAllPrefix(s []string, prefix string) bool {
	for _, x := range s {
		if !strings.HasPrefix(x, prefix) {
			return false
		}
	}
	return true
}

// TestAttachSealed guards ATTACH of a sealed file with its own key, in the
// URI and as PRAGMA schema.hexkey, from a store sealed with another key.
func TestAttachSealed(t *testing.T) {
	dir := t.TempDir()
	snapPath := filepath.Join(dir, "snapshot.db")
	snapKey := mustKey(t)
	snap := openSealed(t, snapPath, snapKey)
	fillPeople(t, snap, 10)
	snap.Close()

	db := openSealed(t, filepath.Join(dir, "vetdesk.db"), mustKey(t))
	db.SetMaxOpenConns(1)
	q, uri, err := AttachSQL(snapPath, snapKey, "snap")
	if err != nil {
		t.Fatal(err)
	}
	exec(t, db, q, uri)
	var got string
	if err := db.QueryRow(`SELECT name FROM snap.people WHERE id_number = ?`, idNumber).Scan(&got); err != nil || got != name {
		t.Fatalf("attached with key in the URI: %q, %v", got, err)
	}
	// The store writes snapshots attached without a journal.
	exec(t, db, `PRAGMA snap.journal_mode = OFF`)
	exec(t, db, `PRAGMA snap.synchronous = OFF`)
	exec(t, db, `INSERT INTO snap.people(id_number, name, phone, note) SELECT id_number || 'b', name, phone, note FROM snap.people`)
	exec(t, db, `DETACH DATABASE snap`)
	checkPeople(t, openSealed(t, snapPath, snapKey), 20)
	if found, _ := leaks(t, dir); len(found) > 0 {
		t.Errorf("plaintext in the folder: %v", found)
	}

	tests := []struct {
		name string
		uri  string
		want error
	}{
		{"no key", fileURI(snapPath) + "?vfs=" + Name, ErrNoKey},
		{"no key, no vfs", fileURI(snapPath), ErrNoKey},
		{"wrong key", mustDSN(t, snapPath, mustKey(t)), ErrWrongKey},
	}
	for _, tt := range tests {
		_, err := db.Exec(`ATTACH DATABASE ? AS other`, tt.uri)
		if err == nil {
			var n int
			err = db.QueryRow(`SELECT count(*) FROM other.people`).Scan(&n)
			exec(t, db, `DETACH DATABASE other`)
		}
		if !errors.Is(KeyError(err), tt.want) {
			t.Errorf("ATTACH (%s) = %v, want %v", tt.name, err, tt.want)
		}
	}

	// A plaintext file attaches with vfs=os.
	plainPath := filepath.Join(dir, "plain.db")
	fillPeople(t, openPlain(t, plainPath), 2)
	exec(t, db, `ATTACH DATABASE ? AS plain`, fileURI(plainPath)+"?vfs=os")
	if err := db.QueryRow(`SELECT name FROM plain.people WHERE id_number = ?`, idNumber).Scan(&got); err != nil || got != name {
		t.Fatalf("attached plaintext: %q, %v", got, err)
	}
}

// TestTwoConnectionsWAL guards concurrent use: two handles on one sealed
// WAL store, one writing while the other reads, see each other's commits.
func TestTwoConnectionsWAL(t *testing.T) {
	path := filepath.Join(t.TempDir(), "vetdesk.db")
	key := mustKey(t)
	params := []Param{{"_pragma", "journal_mode(wal)"}, {"_pragma", "busy_timeout(10000)"}, {"_txlock", "immediate"}}
	a := openSealed(t, path, key, params...)
	if err := EnableChecksums(context.Background(), a, ""); err != nil {
		t.Fatal(err)
	}
	fillPeople(t, a, 1)
	b := openSealed(t, path, key, params...)

	const writes = 200
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	for i, db := range []*sql.DB{a, b} {
		wg.Add(2)
		go func() { // writer
			defer wg.Done()
			for j := range writes / 2 {
				if _, err := db.Exec(`INSERT INTO people(id_number, name, phone, note) VALUES (?, ?, '', 'w')`,
					fmt.Sprintf("w%d-%d", i, j), "writer"); err != nil {
					errs <- err
					return
				}
			}
		}()
		go func() { // reader
			defer wg.Done()
			last := 0
			for range writes {
				var n int
				if err := db.QueryRow(`SELECT count(*) FROM people`).Scan(&n); err != nil {
					errs <- err
					return
				}
				if n < last {
					errs <- fmt.Errorf("count went back from %d to %d", last, n)
					return
				}
				last = n
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	for _, db := range []*sql.DB{a, b} {
		var n int
		if err := db.QueryRow(`SELECT count(*) FROM people`).Scan(&n); err != nil || n != writes+1 {
			t.Errorf("count(people) = %d, %v; want %d", n, err, writes+1)
		}
	}
	var ok string
	if err := b.QueryRow(`PRAGMA integrity_check`).Scan(&ok); err != nil || ok != "ok" {
		t.Errorf("integrity_check = %q, %v", ok, err)
	}
}

// TestTempFilesOnDisk guards temp_store=file: sorts and temp tables spill to
// temporary files through the VFS (random keys) and still give right answers.
func TestTempFilesOnDisk(t *testing.T) {
	path := filepath.Join(t.TempDir(), "vetdesk.db")
	db := openSealed(t, path, mustKey(t), Param{"_pragma", "temp_store(file)"}, Param{"_pragma", "cache_size(-64)"})
	db.SetMaxOpenConns(1)
	fillPeople(t, db, 500)
	exec(t, db, `CREATE TEMP TABLE scratch AS SELECT * FROM people`)
	var first string
	if err := db.QueryRow(`SELECT id_number FROM scratch ORDER BY note DESC, phone DESC LIMIT 1`).Scan(&first); err != nil {
		t.Fatal(err)
	}
	if first != "440100000000000499" {
		t.Errorf("first by note, phone = %q", first)
	}
}

func TestIsSealed(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	tests := []struct {
		name    string
		content []byte
		want    bool
	}{
		{"empty", nil, false},
		{"plaintext", append([]byte("SQLite format 3\x00"), make([]byte, 84)...), false},
		{"sealed", bytes.Repeat([]byte{0x5a}, 512), true},
		{"short garbage", []byte("SQLite"), true},
	}
	for _, tt := range tests {
		got, err := IsSealed(write(tt.name, tt.content))
		if err != nil || got != tt.want {
			t.Errorf("IsSealed(%s) = %v, %v; want %v", tt.name, got, err, tt.want)
		}
	}
	if _, err := IsSealed(filepath.Join(dir, "missing")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("IsSealed(missing) error = %v, want os.ErrNotExist", err)
	}
}

func TestDSNRefuses(t *testing.T) {
	key := mustKey(t)
	tests := []struct {
		name   string
		key    []byte
		params []Param
	}{
		{"short key", key[:16], nil},
		{"no key", nil, nil},
		{"vfs override", key, []Param{{"vfs", "unix"}}},
		{"second key", key, []Param{{"hexkey", "00"}}},
	}
	for _, tt := range tests {
		if dsn, err := DSN("x.db", tt.key, tt.params...); err == nil {
			t.Errorf("DSN(%s) = %q, want an error", tt.name, dsn)
		}
	}
}

// TestFlippedByteInWALLosesCommitsNotData guards what the package doc
// promises for a WAL left on disk (a crash, or a copy of a running store):
// the page checksums do not cover it, but SQLite's frame checksums do when
// it recovers the WAL, so a flipped byte drops the damaged transaction and
// those after it, and never yields other data.
func TestFlippedByteInWALLosesCommitsNotData(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "vetdesk.db")
	key := mustKey(t)
	db := openSealed(t, path, key, Param{"_pragma", "journal_mode(wal)"}, Param{"_pragma", "wal_autocheckpoint(0)"}, Param{"_pragma", "synchronous(full)"})
	db.SetMaxOpenConns(1)
	if err := EnableChecksums(context.Background(), db, ""); err != nil {
		t.Fatal(err)
	}
	exec(t, db, `CREATE TABLE t(n INTEGER PRIMARY KEY, v TEXT)`)
	exec(t, db, `PRAGMA wal_checkpoint(TRUNCATE)`)
	const commits = 20
	for i := 1; i <= commits; i++ {
		exec(t, db, `INSERT INTO t VALUES (?, ?)`, i, strings.Repeat(name, 100))
	}
	// The files as a crash would leave them: the WAL holds every commit.
	dbBytes, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	wal, err := os.ReadFile(path + "-wal")
	if err != nil {
		t.Fatal(err)
	}
	var pageSize int
	if err := db.QueryRow(`PRAGMA page_size`).Scan(&pageSize); err != nil {
		t.Fatal(err)
	}
	frame := func(i int) int { return 32 + i*(24+pageSize) }
	frames := (len(wal) - 32) / (24 + pageSize)

	if frames < commits {
		t.Fatalf("WAL has %d frames for %d commits", frames, commits)
	}

	type flip struct {
		name string
		at   int
		lose bool // whether a commit must be lost
	}
	flips := []flip{{"WAL header", 10, true}}
	for i := range frames {
		// With synchronous=FULL, SQLite pads the WAL to a sector after a
		// commit with copies of the commit frame: losing one of those
		// loses nothing, so only the first frames must lose a commit.
		flips = append(flips, flip{fmt.Sprintf("frame %d page", i), frame(i) + 24 + pageSize/2, i < 4})
	}
	for _, tt := range flips {
		t.Run(tt.name, func(t *testing.T) {
			d := t.TempDir()
			p := filepath.Join(d, "copy.db")
			tampered := bytes.Clone(wal)
			tampered[tt.at] ^= 0x80
			if err := os.WriteFile(p, dbBytes, 0o600); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(p+"-wal", tampered, 0o600); err != nil {
				t.Fatal(err)
			}
			c := openSealed(t, p, key)
			rows, err := c.Query(`SELECT n, v FROM t ORDER BY n`)
			if err != nil {
				t.Fatal(err)
			}
			defer rows.Close()
			got := 0
			for rows.Next() {
				var n int
				var v string
				if err := rows.Scan(&n, &v); err != nil {
					t.Fatal(err)
				}
				if got++; n != got || v != strings.Repeat(name, 100) {
					t.Fatalf("row %d = %d, %.10q…: not a prefix of the commits", got, n, v)
				}
			}
			if err := rows.Err(); err != nil {
				t.Fatal(err)
			}
			if tt.lose && got == commits {
				t.Errorf("all %d commits read back from a tampered WAL", got)
			}
		})
	}
}

// TestReadOnlyOpen guards the store's read-only connections (mode=ro) on a
// sealed WAL store that a writer holds open.
func TestReadOnlyOpen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "vetdesk.db")
	key := mustKey(t)
	w := openSealed(t, path, key, Param{"_pragma", "journal_mode(wal)"})
	fillPeople(t, w, 5)
	r := openSealed(t, path, key, Param{"mode", "ro"}, Param{"_pragma", "busy_timeout(10000)"})
	checkPeople(t, r, 5)
	if _, err := r.Exec(`DELETE FROM people`); !errors.Is(err, sqlite3.READONLY) {
		t.Errorf("DELETE on a read-only connection = %v, want SQLITE_READONLY", err)
	}
	exec(t, w, `INSERT INTO people(id_number, name, phone, note) VALUES ('y', 'y', 'y', 'y')`)
	checkPeople(t, r, 6)
}

// TestHotJournalRollsBack guards crash recovery in rollback-journal mode (a
// VACUUM INTO target, a store opened without WAL): files copied in the
// middle of a transaction whose pages already reached the database file
// come back, through the sealed journal, as they were before it.
func TestHotJournalRollsBack(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "vetdesk.db")
	key := mustKey(t)
	db := openSealed(t, path, key, Param{"_pragma", "journal_mode(delete)"}, Param{"_pragma", "cache_size(5)"})
	db.SetMaxOpenConns(1)
	if err := EnableChecksums(context.Background(), db, ""); err != nil {
		t.Fatal(err)
	}
	fillPeople(t, db, 50)
	before, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	tx, err := db.Begin()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(`UPDATE people SET name = 'overwritten', note = note || note`); err != nil {
		t.Fatal(err)
	}
	if during, err := os.ReadFile(path); err != nil || bytes.Equal(before, during) {
		t.Fatalf("the database file did not change mid-transaction (%v): nothing to roll back", err)
	}
	crash := filepath.Join(t.TempDir(), "crash.db")
	for _, suffix := range []string{"", "-journal"} {
		b, err := os.ReadFile(path + suffix)
		if err != nil {
			t.Fatalf("no %s mid-transaction: %v", suffix, err)
		}
		if err := os.WriteFile(crash+suffix, b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	tx.Rollback()

	c := openSealed(t, crash, key)
	checkPeople(t, c, 50)
	var n int
	if err := c.QueryRow(`SELECT count(*) FROM people WHERE name = 'overwritten'`).Scan(&n); err != nil || n != 0 {
		t.Errorf("rows of the crashed transaction: %d, %v; want 0", n, err)
	}
	var ok string
	if err := c.QueryRow(`PRAGMA integrity_check`).Scan(&ok); err != nil || ok != "ok" {
		t.Errorf("integrity_check = %q, %v", ok, err)
	}
}

// TestKeyErrorHidesTheKey guards the key in error messages: SQLite repeats
// the URI of a file it cannot open, hexkey included; KeyError takes the key
// out and keeps the error's code for errors.Is.
func TestKeyErrorHidesTheKey(t *testing.T) {
	dir := t.TempDir()
	key := mustKey(t)
	db := openSealed(t, filepath.Join(dir, "vetdesk.db"), key)
	fillPeople(t, db, 1)
	missing := filepath.Join(dir, "no such folder", "new.db")
	vacuum, vacuumURI, err := VacuumInto("", missing, key)
	if err != nil {
		t.Fatal(err)
	}
	attach, attachURI, err := AttachSQL(missing, key, "snap")
	if err != nil {
		t.Fatal(err)
	}
	hexKey := fmt.Sprintf("%x", key)
	for _, tt := range []struct{ query, uri string }{{vacuum, vacuumURI}, {attach, attachURI}} {
		if strings.Contains(tt.query, hexKey) {
			t.Errorf("the key is in the SQL text %q", tt.query)
		}
		_, raw := db.Exec(tt.query, tt.uri)
		if raw == nil {
			t.Fatalf("%s into a missing folder went through", tt.query)
		}
		if !strings.Contains(raw.Error(), hexKey) {
			t.Fatalf("SQLite no longer repeats the URI (%v): the test shows nothing", raw)
		}
		err := KeyError(raw)
		if strings.Contains(err.Error(), hexKey) {
			t.Errorf("KeyError(%v) still shows the key", raw)
		}
		if !strings.Contains(err.Error(), "hexkey=…") || !errors.Is(err, sqlite3.CANTOPEN) {
			t.Errorf("KeyError(%v) = %v: want the URI without its key, and SQLITE_CANTOPEN", raw, err)
		}
	}
}

// TestVacuumIntoBeyondThePageCache guards the page checksums of a VACUUM
// INTO target larger than the page cache: the pages SQLite spills into the
// new file before it writes the header (page 1, at commit) get their
// checksums too, so the target reads back whole (#12: stores past 32 MiB,
// the store's cache_size, failed their backups and rekeys with
// SQLITE_IOERR_DATA).
func TestVacuumIntoBeyondThePageCache(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	key := mustKey(t)
	db := openSealed(t, filepath.Join(dir, "src.db"), key, Param{"_pragma", "cache_size(-256)"})
	db.SetMaxOpenConns(1)
	if err := EnableChecksums(ctx, db, ""); err != nil {
		t.Fatal(err)
	}
	exec(t, db, `CREATE TABLE big(id INTEGER PRIMARY KEY, b BLOB)`)
	for i := 0; i < 32; i++ { // 2 MiB, 8 times the cache
		exec(t, db, `INSERT INTO big(b) VALUES (randomblob(65536))`)
	}
	for _, tt := range []struct {
		name string
		key  []byte
	}{{"same key", key}, {"new key", mustKey(t)}} {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(dir, strings.ReplaceAll(tt.name, " ", "-")+".db")
			q, uri, err := VacuumInto("", path, tt.key)
			if err != nil {
				t.Fatal(err)
			}
			exec(t, db, q, uri)
			target := openSealed(t, path, tt.key)
			var msg string
			if err := target.QueryRow(`PRAGMA integrity_check`).Scan(&msg); err != nil || msg != "ok" {
				t.Errorf("integrity_check of the target = %q, %v", msg, err)
			}
			var n int
			if err := target.QueryRow(`SELECT count(*) FROM big WHERE length(b) = 65536`).Scan(&n); err != nil || n != 32 {
				t.Errorf("blobs in the target = %d, %v; want 32", n, err)
			}
		})
	}
}
