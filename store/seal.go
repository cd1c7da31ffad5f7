package store

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/ncruces/go-sqlite3"
	"github.com/ncruces/go-sqlite3/driver"

	"vetdesk/internal/sealvfs"
)

// A store is sealed (#12) by writing a sealed copy beside it and renaming
// the copy into place, never by changing the file in place, so that at
// every moment either the old file or the new one is whole under the
// store's name or a name recoverSwap knows:
//
//  1. the copy is written to <name>.seal-tmp (Seal) or <name>.rekey-tmp
//     (Rekey), checked (integrity_check, the row count of every table
//     against the old file) and synced; a crash leaves a temp file that
//     the next Open deletes, the old store untouched;
//  2. the old file (its WAL checkpointed into it and removed) is renamed
//     to <name>.plain-old or <name>.rekey-old: a crash leaves no file
//     under the name, and the next Open renames the old one back;
//  3. the copy is renamed to <name>: the next Open finds the new store
//     and deletes the old file;
//  4. the old file is deleted.
//
// Each rename is followed by a sync of the folder.

const (
	sealTmp   = ".seal-tmp"
	sealOld   = ".plain-old"
	rekeyTmp  = ".rekey-tmp"
	rekeyOld  = ".rekey-old"
	sideFiles = "-wal -shm -journal"
)

// beforeSwap, when set (by a test), runs when a checked copy is about to be
// swapped in.
var beforeSwap func()

// IsSealed reports whether the store file at path is sealed. A missing
// file is an error (os.ErrNotExist), an empty one is not sealed.
func IsSealed(path string) (bool, error) {
	return sealvfs.IsSealed(path)
}

func removeWithSides(path string) error {
	var first error
	for _, suffix := range []string{"", "-wal", "-shm", "-journal"} {
		if err := os.Remove(path + suffix); err != nil && !errors.Is(err, os.ErrNotExist) && first == nil {
			first = err
		}
	}
	return first
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// recoverSwap puts right what a Seal or Rekey cut short left beside path:
// with no file at path, the old file goes back (the swap had not
// happened); with one, the new store is in place and the old file goes.
// Temp copies are deleted either way.
func recoverSwap(path string) error {
	for _, old := range []string{path + sealOld, path + rekeyOld} {
		if !exists(old) {
			continue
		}
		if !exists(path) {
			if err := os.Rename(old, path); err != nil {
				return fmt.Errorf("put back %s: %w", old, err)
			}
		} else if err := removeWithSides(old); err != nil {
			return fmt.Errorf("remove %s: %w", old, err)
		}
		if err := fsyncDir(filepath.Dir(path)); err != nil {
			return err
		}
	}
	for _, tmp := range []string{path + sealTmp, path + rekeyTmp} {
		if err := removeWithSides(tmp); err != nil {
			return fmt.Errorf("remove %s: %w", tmp, err)
		}
	}
	return nil
}

// Seal seals the plaintext store at path with key, in place and
// crash-safe (see above): VACUUM INTO a sealed copy, page checksums on,
// checked against the old file, then swapped in. The store must be closed.
// A store that is sealed already is left as it is; a missing one is an
// error. Open calls Seal when it is given a key for a plaintext store.
func Seal(path string, key []byte) error {
	return seal(path, key, true)
}

// sealBackups seals, with key, the migration backups beside the store at
// path (path.vN.bak, migrate) that are still plaintext: a plaintext store
// of an earlier version that was opened, and so migrated, without a key
// before it was sealed (the desk checks the clerk's password in it first)
// left its backup in plaintext. Each is sealed as SealFile seals a file.
func sealBackups(path string, key []byte) error {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	ents, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) { // a new store's folder: nothing yet
		return nil
	} else if err != nil {
		return fmt.Errorf("seal the backups of %s: %w", path, err)
	}
	for _, e := range ents {
		n := e.Name()
		v, ok := strings.CutPrefix(n, base+".v")
		if !ok || !e.Type().IsRegular() {
			continue
		}
		if v, ok = strings.CutSuffix(v, ".bak"); !ok || v == "" || strings.Trim(v, "0123456789") != "" {
			continue
		}
		if err := SealFile(filepath.Join(dir, n), key); err != nil {
			return err
		}
	}
	return nil
}

// SealFile seals the plaintext SQLite file at path as Seal does a store,
// for the other SQLite files of a data folder (the hub's hub.db). A
// missing file, after what a cut seal left is put right, is left missing.
func SealFile(path string, key []byte) error {
	return seal(path, key, false)
}

func seal(path string, key []byte, isStore bool) error {
	if len(key) != KeySize {
		return fmt.Errorf("seal %s: %w", path, ErrBadKey)
	}
	if err := recoverSwap(path); err != nil {
		return fmt.Errorf("seal %s: %w", path, err)
	}
	if !isStore && !exists(path) {
		return nil
	}
	sealed, err := IsSealed(path)
	if err != nil {
		return fmt.Errorf("seal %s: %w", path, err)
	}
	if sealed {
		return nil
	}
	if _, err := checkHeader(path, false); err != nil {
		return fmt.Errorf("seal: %w", err)
	}
	if isStore {
		if err := probe(path, nil); err != nil {
			return fmt.Errorf("seal: %w", err)
		}
	}
	tmp := path + sealTmp
	err = func() error {
		sdb, err := sql.Open("sqlite3", dsn(path, nil, false))
		if err != nil {
			return err
		}
		defer sdb.Close()
		sdb.SetMaxOpenConns(1)
		// the old file alone holds every commit: nothing stays in a WAL
		// that the renames would part from it
		if _, err := sdb.Exec(`PRAGMA wal_checkpoint(TRUNCATE)`); err != nil {
			return err
		}
		counts, err := tableCounts(sdb, "main")
		if err != nil {
			return err
		}
		if err := sealedCopy(context.Background(), sdb, tmp, key, counts); err != nil {
			return err
		}
		return sdb.Close() // the last connection: the WAL goes
	}()
	if err != nil {
		removeWithSides(tmp)
		return fmt.Errorf("seal %s: %w", path, err)
	}
	if beforeSwap != nil {
		beforeSwap()
	}
	if _, err := swapIn(path, tmp, path+sealOld); err != nil {
		return fmt.Errorf("seal %s: %w", path, err)
	}
	return nil
}

// sealedCopy writes the main database of src into a new file tmp sealed
// with key, with page checksums, and checks it: integrity_check and the
// row counts of every table, which must equal want. tmp is synced.
func sealedCopy(ctx context.Context, src *sql.DB, tmp string, key []byte, want map[string]int64) error {
	if err := removeWithSides(tmp); err != nil {
		return err
	}
	// VACUUM INTO fills an empty file as it finds it: owner-only from the start.
	if err := os.WriteFile(tmp, nil, 0o600); err != nil {
		return err
	}
	if err := vacuumInto(ctx, src, tmp, key); err != nil {
		return fmt.Errorf("sealed copy: %w", err)
	}
	cdb, err := sql.Open("sqlite3", dsn(tmp, key, false))
	if err != nil {
		return err
	}
	defer cdb.Close()
	cdb.SetMaxOpenConns(1)
	if err := sealvfs.EnableChecksums(ctx, cdb, "main"); err != nil {
		return fmt.Errorf("sealed copy: %w", keyError(key, err))
	}
	if err := integrityCheck(cdb, tmp); err != nil {
		return keyError(key, err)
	}
	got, err := tableCounts(cdb, "main")
	if err != nil {
		return keyError(key, err)
	}
	if len(got) != len(want) {
		return fmt.Errorf("sealed copy %s: %d tables, the store has %d: %w", tmp, len(got), len(want), ErrCorrupt)
	}
	for t, n := range want {
		if got[t] != n {
			return fmt.Errorf("sealed copy %s: table %s holds %d rows, the store %d: %w", tmp, t, got[t], n, ErrCorrupt)
		}
	}
	if _, err := cdb.Exec(`PRAGMA wal_checkpoint(TRUNCATE)`); err != nil {
		return keyError(key, err)
	}
	if err := cdb.Close(); err != nil {
		return keyError(key, err)
	}
	for _, side := range []string{"-wal", "-shm"} {
		if exists(tmp + side) {
			return fmt.Errorf("sealed copy %s: %s left after close", tmp, side)
		}
	}
	return syncFile(tmp)
}

// vacuumInto copies the main database of src into the new file at path,
// sealed with key (nil: plaintext, from a plaintext src). Its errors never
// hold the key: SQLite repeats the target's URI, hexkey included, when it
// cannot open it, and keyError takes the key out.
func vacuumInto(ctx context.Context, src *sql.DB, path string, key []byte) error {
	if key == nil {
		_, err := src.ExecContext(ctx, `VACUUM INTO ?`, path)
		return err
	}
	q, uri, err := sealvfs.VacuumInto("main", path, key)
	if err != nil {
		return err
	}
	conn, err := src.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	// A sealed copy gets the page checksums' reserved bytes as VACUUM INTO
	// writes it, from a plaintext source too: the reserve asked of the
	// source's connection (nothing changes in the source file) is the
	// copy's. Sealing a plaintext store then needs no second VACUUM of
	// the copy to make room for them, which wrote the whole store twice
	// more (its WAL, then the checkpoint).
	if err := conn.Raw(func(c any) error {
		dc, ok := c.(driver.Conn)
		if !ok {
			return fmt.Errorf("%T is not a go-sqlite3 connection", c)
		}
		_, err := dc.Raw().FileControl("main", sqlite3.FCNTL_RESERVE_BYTES, 8)
		return err
	}); err != nil {
		return keyError(key, err)
	}
	_, err = conn.ExecContext(ctx, q, uri)
	return keyError(key, err)
}

// tableCounts counts the rows of every table of schema.
func tableCounts(sdb *sql.DB, schema string) (map[string]int64, error) {
	rows, err := sdb.Query(`SELECT name FROM ` + schema + `.sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%'`)
	if err != nil {
		return nil, err
	}
	var names []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			rows.Close()
			return nil, err
		}
		names = append(names, n)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	counts := make(map[string]int64, len(names))
	for _, n := range names {
		var c int64
		if err := sdb.QueryRow(`SELECT count(*) FROM ` + schema + `."` + n + `"`).Scan(&c); err != nil {
			return nil, err
		}
		counts[n] = c
	}
	return counts, nil
}

// swapIn renames path to old, tmp to path, and deletes old, syncing the
// folder after each rename. path has no WAL (checkpointed, closed).
// swapped tells whether tmp is in place.
func swapIn(path, tmp, old string) (swapped bool, err error) {
	dir := filepath.Dir(path)
	for _, side := range []string{"-wal", "-shm"} {
		if err := os.Remove(path + side); err != nil && !errors.Is(err, os.ErrNotExist) {
			removeWithSides(tmp)
			return false, err
		}
	}
	if err := os.Rename(path, old); err != nil {
		removeWithSides(tmp)
		return false, err
	}
	if err := fsyncDir(dir); err != nil {
		return false, errors.Join(err, recoverSwap(path))
	}
	if err := os.Rename(tmp, path); err != nil {
		return false, errors.Join(err, recoverSwap(path))
	}
	if err := fsyncDir(dir); err != nil {
		return true, err
	}
	if err := removeWithSides(old); err != nil {
		return true, err
	}
	return true, fsyncDir(dir)
}

// Rekey seals the open store under newKey instead of its key (a plaintext
// store gets sealed): VACUUM INTO a copy sealed with newKey, checked, then
// swapped in under the open pool as Seal does, crash-safe. Writers wait
// meanwhile; reads pause for the swap. Keep the old key until Rekey
// returns: after a crash the store opens with one of the two. The
// attachment files keep their own key, inside the store; those of a
// store sealed by Rekey are sealed after it (attach_keys.go).
func (db *DB) Rekey(ctx context.Context, newKey []byte) error {
	if err := db.rekey(ctx, newKey); err != nil {
		return err
	}
	if len(db.attachRing()) == 0 {
		if err := db.initAttachments(ctx, nil, true); err != nil {
			return fmt.Errorf("rekey %s: %w", db.path, err)
		}
	}
	return nil
}

func (db *DB) rekey(ctx context.Context, newKey []byte) error {
	if len(newKey) != KeySize {
		return fmt.Errorf("rekey %s: %w", db.path, ErrBadKey)
	}
	db.wmu.Lock()
	defer db.wmu.Unlock()
	tmp := db.path + rekeyTmp
	p, done := db.pool()
	counts, err := tableCounts(p, "main")
	if err == nil {
		err = sealedCopy(ctx, p, tmp, newKey, counts)
	}
	done()
	if err != nil {
		removeWithSides(tmp)
		return fmt.Errorf("rekey %s: %w", db.path, err)
	}
	if err := db.quiesce(quiesceWait); err != nil {
		removeWithSides(tmp)
		return fmt.Errorf("rekey %s: %w", db.path, err)
	}
	defer db.gate.Unlock()
	if err := db.closePool(); err != nil {
		removeWithSides(tmp)
		db.reopenPool()
		return fmt.Errorf("rekey %s: %w", db.path, err)
	}
	if beforeSwap != nil {
		beforeSwap()
	}
	swapped, err := swapIn(db.path, tmp, db.path+rekeyOld)
	if swapped {
		db.key = bytes.Clone(newKey)
	}
	if rerr := db.reopenPool(); err == nil {
		err = rerr
	}
	if err != nil {
		return fmt.Errorf("rekey %s: %w", db.path, err)
	}
	return nil
}
