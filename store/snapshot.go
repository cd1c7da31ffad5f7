package store

// A snapshot is a store file holding the cases of one office as the hub has
// them: every op of those cases up to one sequence, with the fields and
// projection rows they make. The hub writes it with WriteSnapshot, copying
// rows inside SQLite (no row crosses into Go), and an empty desktop adopts
// it with AdoptSnapshot instead of merging the same ops one by one from the
// feed: the first sync of 100,000 cases takes seconds instead of minutes.
// The feed then goes on from the snapshot's sequence, so a snapshot that
// is hours old is still correct, only its tail comes by the feed.

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"
	"vetdesk/internal/sealvfs"
)

// replicated are the tables a snapshot carries: the op log and what the
// merge projects from it. Every other table is device-local and is carried
// over from the desktop's own file when it adopts a snapshot.
var replicated = map[string]bool{
	"peers": true, "ops": true, "fields": true, "cases": true, "case_items": true, "tasks": true, "grams": true,
	"grams_pending": true, "restamps": true,
}

// SnapshotInfo describes a snapshot file.
type SnapshotInfo struct {
	High   int64 // every op of the office's cases up to this sequence is in it
	Cases  int
	Ops    int // counted by WriteSnapshot only: AdoptSnapshot leaves it 0 rather than count millions of rows while reads wait
	Schema int // SchemaVersion of the writer
}

// Errors of snapshots.
var (
	// ErrNotEmpty: the desktop already holds cases; it syncs by the feed.
	ErrNotEmpty = errors.New("store already holds cases")
	// ErrBusy: reads did not pause long enough to swap the file.
	ErrBusy = errors.New("store busy")
	// ErrSnapshotSchema: the snapshot was written at another schema version.
	ErrSnapshotSchema = errors.New("snapshot schema differs from this program's")
)

// WriteSnapshot writes to path (replacing it) a store file holding the
// cases whose current office is office, with all their ops up to the
// highest sequence committed when the read began, and the devices and
// users those ops name (no other peer of the city), and returns what it
// holds. It reads in one transaction and takes no write lock on db, so
// pushes go on meanwhile. The file's device-local tables are empty except
// the clock, the replica's, which is at or past every op copied.
func (db *DB) WriteSnapshot(ctx context.Context, path, office string) (SnapshotInfo, error) {
	return db.WriteSnapshotKey(ctx, path, office, db.key)
}

// WriteSnapshotKey is WriteSnapshot with the snapshot sealed with key
// instead of the store's key (nil: plaintext): the hub seals each snapshot
// with a key of its own, which it hands to the devices that fetch it.
func (db *DB) WriteSnapshotKey(ctx context.Context, path, office string, key []byte) (SnapshotInfo, error) {
	info := SnapshotInfo{Schema: SchemaVersion()}
	fail := func(err error) (SnapshotInfo, error) {
		os.Remove(path)
		return SnapshotInfo{}, fmt.Errorf("write snapshot of %s: %w", office, err)
	}
	os.Remove(path)
	os.Remove(path + "-wal")
	os.Remove(path + "-shm")
	empty, err := Open(path, Options{Key: key, noAttach: true})
	if err != nil {
		return fail(err)
	}
	if key == nil {
		// page checksums in a plaintext snapshot too: a sealed desk that
		// adopts it (rekeyed in place) keeps detecting changed pages
		if err := sealvfs.EnableChecksums(ctx, empty.sql, "main"); err != nil {
			empty.Close()
			return fail(err)
		}
	}
	if err := empty.Close(); err != nil {
		return fail(err)
	}
	p, done := db.pool()
	conn, err := p.Conn(ctx)
	done()
	if err != nil {
		return fail(err)
	}
	defer conn.Close()
	exec := func(q string, args ...any) (int64, error) {
		r, err := conn.ExecContext(ctx, q, args...)
		if err != nil {
			return 0, fmt.Errorf("%.60s: %w", q, err)
		}
		return r.RowsAffected()
	}
	if _, err := exec(`PRAGMA foreign_keys = OFF`); err != nil {
		return fail(err)
	}
	defer conn.ExecContext(context.WithoutCancel(ctx), `PRAGMA foreign_keys = ON`)
	attach, args, err := attachSQL(path, key, "snap", db.key)
	if err != nil {
		return fail(err)
	}
	if _, err := exec(attach, args...); err != nil {
		return fail(attachError(key, db.key, err))
	}
	defer conn.ExecContext(context.WithoutCancel(ctx), `DETACH DATABASE snap`)
	for _, q := range []string{`PRAGMA snap.journal_mode = OFF`, `PRAGMA snap.synchronous = OFF`} {
		if _, err := conn.ExecContext(ctx, q); err != nil {
			return fail(err)
		}
	}
	if _, err := exec(`BEGIN`); err != nil {
		return fail(err)
	}
	commit := false
	defer func() {
		if !commit {
			conn.ExecContext(context.WithoutCancel(ctx), `ROLLBACK`)
		}
	}()
	if err := conn.QueryRowContext(ctx, `SELECT coalesce(max(seq), 0) FROM main.ops`).Scan(&info.High); err != nil {
		return fail(err)
	}
	// Secondary indexes are built after the copy, by sorting, not row by
	// row: several are in another order than the rows arrive in.
	indexes, err := dropIndexes(ctx, conn, "snap")
	if err != nil {
		return fail(err)
	}
	local, err := localTables(ctx, conn, "snap")
	if err != nil {
		return fail(err)
	}
	for _, t := range local {
		if _, err := exec(`DELETE FROM snap.` + t); err != nil {
			return fail(err)
		}
	}
	scope := `(SELECT rid FROM main.cases WHERE office = :office)`
	o, hi := sql.Named("office", office), sql.Named("high", info.High)
	steps := []struct {
		q    string
		args []any
		n    *int
	}{
		{`INSERT INTO snap.cases SELECT * FROM main.cases WHERE office = :office ORDER BY rid`, []any{o}, &info.Cases},
		{`INSERT INTO snap.ops SELECT * FROM main.ops WHERE case_rid IN ` + scope + ` AND seq <= :high ORDER BY seq`, []any{o, hi}, &info.Ops},
		// Only the devices and users the copied ops name, under their own
		// refs: not every device and user id of the city. The distinct pairs
		// first: a few rows, where a UNION of the columns sorts every op twice.
		{`WITH r AS MATERIALIZED (SELECT DISTINCT device_ref d, user_ref u FROM snap.ops)
			INSERT INTO snap.peers SELECT * FROM main.peers WHERE ref IN (SELECT d FROM r UNION SELECT u FROM r) ORDER BY ref`, nil, nil},
		{`INSERT INTO snap.fields SELECT * FROM main.fields WHERE case_rid IN ` + scope, []any{o}, nil},
		{`INSERT INTO snap.case_items SELECT * FROM main.case_items WHERE case_rid IN ` + scope, []any{o}, nil},
		{`INSERT INTO snap.tasks SELECT * FROM main.tasks WHERE case_rid IN ` + scope, []any{o}, nil},
		{`INSERT INTO snap.grams SELECT * FROM main.grams WHERE case_rid IN ` + scope, []any{o}, nil},
		{`INSERT INTO snap.grams_pending SELECT * FROM main.grams_pending WHERE case_rid IN ` + scope, []any{o}, nil},
		{`INSERT INTO snap.restamps SELECT * FROM main.restamps WHERE op IN (SELECT id FROM snap.ops)`, nil, nil},
		// The replica's clock is at or past every op it holds.
		{`INSERT INTO snap.clock SELECT * FROM main.clock`, nil, nil},
	}
	for _, s := range steps {
		n, err := exec(s.q, s.args...)
		if err != nil {
			return fail(err)
		}
		if s.n != nil {
			*s.n = int(n)
		}
	}
	for _, q := range indexes {
		if _, err := exec(q); err != nil {
			return fail(err)
		}
	}
	if _, err := exec(`COMMIT`); err != nil {
		return fail(err)
	}
	commit = true
	if _, err := exec(`DETACH DATABASE snap`); err != nil {
		return fail(err)
	}
	if err := syncFile(path); err != nil {
		return fail(err)
	}
	return info, nil
}

// dropIndexes drops the explicit indexes of the replicated tables of
// schema and returns the statements that create them again there.
func dropIndexes(ctx context.Context, conn *sql.Conn, schema string) ([]string, error) {
	rows, err := conn.QueryContext(ctx, `SELECT name, tbl_name, sql FROM `+schema+`.sqlite_schema
		WHERE type = 'index' AND sql IS NOT NULL ORDER BY name`)
	if err != nil {
		return nil, err
	}
	var names, creates []string
	for rows.Next() {
		var name, tbl, q string
		if err := rows.Scan(&name, &tbl, &q); err != nil {
			rows.Close()
			return nil, err
		}
		if !replicated[tbl] {
			continue
		}
		rest, ok := strings.CutPrefix(q, "CREATE INDEX ")
		kind := "CREATE INDEX "
		if !ok {
			if rest, ok = strings.CutPrefix(q, "CREATE UNIQUE INDEX "); !ok {
				rows.Close()
				return nil, fmt.Errorf("index %s: unexpected definition %q", name, q)
			}
			kind = "CREATE UNIQUE INDEX "
		}
		names = append(names, name)
		creates = append(creates, kind+schema+"."+rest)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for _, n := range names {
		if _, err := conn.ExecContext(ctx, `DROP INDEX `+schema+`.`+n); err != nil {
			return nil, err
		}
	}
	return creates, nil
}

// localTables lists the device-local tables of schema: every table but
// the replicated ones and SQLite's own.
func localTables(ctx context.Context, conn *sql.Conn, schema string) ([]string, error) {
	rows, err := conn.QueryContext(ctx, `SELECT name FROM `+schema+`.sqlite_schema
		WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			return nil, err
		}
		if !replicated[n] {
			out = append(out, n)
		}
	}
	return out, rows.Err()
}

// AdoptSnapshot makes the snapshot at path this store's file, when the
// store holds no case yet: it carries every device-local table over into
// the snapshot (the device, settings, users, audit, outbox...), with the
// desktop's own ops outside cases (users) renumbered after the snapshot's,
// sets the given settings (the sync cursor), merges remote (the hub's
// user ops up to the snapshot's sequence) with the ordinary merge, and
// then swaps the file in under the open pool. Until the swap the old file
// is untouched, so a crash anywhere leaves either the old store or the new
// one, never a mix. Writers wait meanwhile; reads pause only for the swap.
// The snapshot file is consumed.
func (db *DB) AdoptSnapshot(ctx context.Context, path string, remote []Op, settings map[string]string) (SnapshotInfo, error) {
	db.wmu.Lock()
	defer db.wmu.Unlock()
	var info SnapshotInfo
	fail := func(err error) (SnapshotInfo, error) {
		return SnapshotInfo{}, fmt.Errorf("adopt snapshot: %w", err)
	}
	if err := probe(path, db.key); err != nil {
		return fail(err)
	}
	// Reads pause from here to the swap (a second or two), so the file is
	// only touched once the swap can follow: ErrBusy leaves it as it came.
	if err := db.quiesce(quiesceWait); err != nil {
		return fail(err)
	}
	defer db.gate.Unlock()
	sdb, err := sql.Open("sqlite3", dsn(path, db.key, false))
	if err != nil {
		return fail(err)
	}
	sdb.SetMaxOpenConns(1)
	err = func() error {
		defer sdb.Close()
		conn, err := sdb.Conn(ctx)
		if err != nil {
			return err
		}
		defer conn.Close()
		var version int
		if err := conn.QueryRowContext(ctx, `PRAGMA user_version`).Scan(&version); err != nil {
			return err
		}
		if version != SchemaVersion() {
			return fmt.Errorf("snapshot schema %d, this program %d: %w", version, SchemaVersion(), ErrSnapshotSchema)
		}
		if _, err := conn.ExecContext(ctx, `PRAGMA foreign_keys = OFF`); err != nil {
			return err
		}
		attach, args, err := attachSQL(db.path, db.key, "live", db.key)
		if err != nil {
			return err
		}
		if _, err := conn.ExecContext(ctx, attach, args...); err != nil {
			return attachError(db.key, db.key, err)
		}
		defer conn.ExecContext(context.WithoutCancel(ctx), `DETACH DATABASE live`)
		tx, err := conn.BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		defer tx.Rollback()
		var hasCases bool
		if err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM live.cases) OR EXISTS (SELECT 1 FROM live.ops WHERE case_rid <> 0)`).Scan(&hasCases); err != nil {
			return err
		}
		if hasCases {
			return ErrNotEmpty
		}
		if err := tx.QueryRowContext(ctx, `SELECT coalesce(max(seq), 0), (SELECT count(*) FROM cases) FROM ops`).Scan(&info.High, &info.Cases); err != nil {
			return err
		}
		info.Schema = version
		local, err := localTables(ctx, conn, "live")
		if err != nil {
			return err
		}
		off := sql.Named("off", info.High)
		var qs []string
		for _, t := range local {
			switch t {
			case "outbox":
				qs = append(qs, `DELETE FROM main.outbox`, `INSERT INTO main.outbox SELECT seq + :off, set_aside, sig FROM live.outbox`)
			case "clock":
				qs = append(qs, `INSERT INTO main.clock (singleton, wall, logical) SELECT 1, wall, logical FROM live.clock WHERE true
					ON CONFLICT (singleton) DO UPDATE SET wall = excluded.wall, logical = excluded.logical
					WHERE excluded.wall > main.clock.wall OR (excluded.wall = main.clock.wall AND excluded.logical > main.clock.logical)`)
			default:
				qs = append(qs, `DELETE FROM main.`+t, `INSERT INTO main.`+t+` SELECT * FROM live.`+t)
			}
		}
		qs = append(qs,
			`INSERT INTO main.peers (name) SELECT name FROM live.peers WHERE name NOT IN (SELECT name FROM main.peers)`,
			`INSERT INTO main.ops SELECT o.seq + :off, o.id, md.ref, mu.ref, o.wall, o.logical, o.entity, o.case_rid, o.key, o.fields
				FROM live.ops o JOIN live.peers ld ON ld.ref = o.device_ref JOIN main.peers md ON md.name = ld.name
				JOIN live.peers lu ON lu.ref = o.user_ref JOIN main.peers mu ON mu.name = lu.name ORDER BY o.seq`,
			`INSERT INTO main.fields SELECT case_rid, entity, key, field, value, op + :off FROM live.fields WHERE case_rid = 0`,
			`INSERT OR IGNORE INTO main.restamps SELECT * FROM live.restamps`,
		)
		for _, q := range qs {
			var args []any
			if strings.Contains(q, ":off") {
				args = []any{off}
			}
			if _, err := tx.ExecContext(ctx, q, args...); err != nil {
				return fmt.Errorf("%.60s: %w", q, err)
			}
		}
		for k, v := range settings {
			if _, err := tx.ExecContext(ctx, `INSERT INTO main.settings (key, value) VALUES (?, ?)
				ON CONFLICT (key) DO UPDATE SET value = excluded.value`, k, v); err != nil {
				return err
			}
		}
		var lost int
		if err := tx.QueryRowContext(ctx, `SELECT (SELECT count(*) FROM live.ops) - (SELECT count(*) FROM main.ops WHERE seq > :off)
			+ (SELECT count(*) FROM pragma_foreign_key_check('outbox'))`, off).Scan(&lost); err != nil {
			return err
		}
		if lost != 0 {
			return fmt.Errorf("%d of the desktop's own ops would not carry over", lost)
		}
		return tx.Commit()
	}()
	if err != nil {
		return fail(err)
	}
	if len(remote) > 0 {
		next, err := Open(path, Options{Now: db.now, Catalogue: db.cat, Key: db.key, noAttach: true})
		if err != nil {
			return fail(err)
		}
		if _, err := next.ApplyRemote(ctx, remote); err != nil {
			next.Close()
			return fail(err)
		}
		if err := next.Close(); err != nil {
			return fail(err)
		}
	}
	if err := syncFile(path); err != nil {
		return fail(err)
	}
	if err := db.swapFile(path); err != nil {
		return fail(err)
	}
	db.wakeMerger() // the snapshot's pending postings
	return info, nil
}

// quiesceWait is how long AdoptSnapshot waits for reads to pause.
var quiesceWait = 30 * time.Second

// quiesce takes the gate exclusively once no read holds a connection,
// retrying for up to wait (a read that nests another read while holding
// its rows is let through between attempts); ErrBusy after that.
func (db *DB) quiesce(wait time.Duration) error {
	deadline := time.Now().Add(wait)
	for {
		db.gate.Lock()
		if db.sql.Stats().InUse == 0 {
			return nil
		}
		db.gate.Unlock()
		if time.Now().After(deadline) {
			return ErrBusy
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// swapFile renames path over the store's file: it closes the pool,
// removes the old file's WAL (checkpointed by the close) so it can never
// be replayed into the new file, renames, and opens a new pool. The caller
// holds wmu and the gate (quiesce).
func (db *DB) swapFile(path string) error {
	if err := db.closePool(); err != nil {
		db.reopenPool()
		return err
	}
	for _, side := range []string{"-wal", "-shm"} {
		if err := os.Remove(db.path + side); err != nil && !errors.Is(err, os.ErrNotExist) {
			db.reopenPool()
			return err
		}
	}
	if err := os.Rename(path, db.path); err != nil {
		db.reopenPool()
		return err
	}
	if err := fsyncDir(filepath.Dir(db.path)); err != nil {
		db.reopenPool()
		return err
	}
	return db.reopenPool()
}

// closePool closes the prepared statements and the pool, after a
// checkpoint that leaves the WAL empty. The caller holds wmu and the gate.
func (db *DB) closePool() error {
	db.smu.Lock()
	for _, s := range db.stmts {
		s.Close()
	}
	db.stmts = map[string]*sql.Stmt{}
	db.smu.Unlock()
	if _, err := db.sql.Exec(`PRAGMA wal_checkpoint(TRUNCATE)`); err != nil {
		return err
	}
	return db.sql.Close()
}

// reopenPool opens a new pool on the store's file with its key.
func (db *DB) reopenPool() error {
	sdb, err := sql.Open("sqlite3", dsn(db.path, db.key, false))
	if err != nil {
		return err
	}
	sdb.SetMaxOpenConns(8)
	sdb.SetMaxIdleConns(8)
	db.sql = sdb
	return nil
}

// attachSQL returns the statement and arguments that attach the store file
// at path as schema, sealed with key (nil: plaintext), on a connection
// sealed with connKey (nil: plaintext).
func attachSQL(path string, key []byte, schema string, connKey []byte) (string, []any, error) {
	if key == nil && connKey == nil {
		return `ATTACH DATABASE ? AS ` + schema, []any{path}, nil
	}
	uri, err := sealvfs.Target(path, key)
	return `ATTACH DATABASE ? AS ` + schema, []any{uri}, err
}

// attachError is an error of ATTACH of a file sealed with key (nil:
// plaintext) on a connection sealed with connKey, without the key: SQLite
// repeats the URI, hexkey included, of a file it cannot open.
func attachError(key, connKey []byte, err error) error {
	if key == nil {
		key = connKey
	}
	return keyError(key, err)
}

// AdoptSnapshotSealed is AdoptSnapshot of a snapshot file sealed with key
// (nil: plaintext), as the hub sent it: the file is first rekeyed in place
// to the store's key, sector by sector (no second copy), and rekeyed back
// when the adoption fails, so that a later round finds it as it came.
func (db *DB) AdoptSnapshotSealed(ctx context.Context, path string, key []byte, remote []Op, settings map[string]string) (SnapshotInfo, error) {
	if bytes.Equal(key, db.key) {
		return db.AdoptSnapshot(ctx, path, remote, settings)
	}
	if key != nil && len(key) != KeySize {
		return SnapshotInfo{}, fmt.Errorf("adopt snapshot: %w", ErrBadKey)
	}
	if err := rekeyFile(path, key, db.key); err != nil {
		return SnapshotInfo{}, fmt.Errorf("adopt snapshot: %w", err)
	}
	info, err := db.AdoptSnapshot(ctx, path, remote, settings)
	if err != nil && exists(path) {
		if rerr := rekeyFile(path, db.key, key); rerr != nil {
			os.Remove(path)
		}
	}
	return info, err
}
