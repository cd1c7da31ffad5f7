package store

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"
	"vetdesk/casework"
	"vetdesk/internal/opsig"
	"vetdesk/internal/sealvfs"

	_ "github.com/ncruces/go-sqlite3/driver" // registers the "sqlite3" driver
)

// applicationID marks a vetdesk store in the SQLite header ("VETD").
const applicationID = 0x56455444

// Options tune Open.
type Options struct {
	// Now is the wall clock; nil means time.Now. Tests inject one to move
	// time, also backwards.
	Now func() time.Time
	// MaxDrift bounds how far ahead of Now the store's clock may be carried
	// by the stamps it receives; 0 means DefaultMaxDrift.
	MaxDrift time.Duration
	// Catalogue, when set, tells History which fields are sensitive beyond
	// the well-known ID number, phone and bank account.
	Catalogue *casework.Catalogue
	// Key is the store's 32-byte data key (KeySize). With a key the store is
	// sealed (SM4-XTS, internal/sealvfs): Open opens a sealed store, creates
	// a new one sealed with page checksums, and seals a plaintext one in
	// place first (Seal). nil means a plaintext store: tests, and a store of
	// an earlier version until its first open with a key.
	Key []byte

	// restore: the attachment keys of the store a restore replaces, kept
	// in its copy, whose Open seals no attachment file (attach_keys.go)
	attachKeys []attachKey
	restoring  bool
	// noAttach: a file that is not (yet) the store (a snapshot being
	// written or adopted) touches no attachment key nor file
	noAttach bool
}

// KeySize is the length of a store's data key.
const KeySize = sealvfs.KeySize

// DB is an open store.
type DB struct {
	path   string
	key    []byte // nil: plaintext
	sql    *sql.DB
	now    func() time.Time
	cat    *casework.Catalogue
	files  string // attachments folder
	attach attachState

	wmu sync.Mutex // serialises writers in this process
	// gate is held shared by every read while it starts a statement on
	// sql, and exclusively by AdoptSnapshot while it swaps the file under
	// the pool (and by Close).
	gate  sync.RWMutex
	clock clock  // guarded by wmu
	dev   string // device id, fixed at Open

	smu   sync.Mutex
	stmts map[string]*sql.Stmt

	kmu     sync.Mutex
	signers map[string]*opsig.Key // user id -> key unlocked at login (sign.go)

	merge *gramMerger // nil: postings are merged only by MergeGrams (grams.go)
}

// Device is this device's identity. Code is the short device code used in
// case numbers (casework.ValidDeviceCode).
type Device struct {
	ID, Code, Office, Station string
}

// poolCache is the page cache of each pooled connection, in KiB.
const poolCache = 32768

// dsn is the data source name of the store file at path, sealed with key
// (nil: plaintext).
func dsn(path string, key []byte, readOnly bool) string {
	params := []sealvfs.Param{{Key: "_pragma", Value: "busy_timeout(10000)"}}
	if readOnly {
		params = append([]sealvfs.Param{{Key: "mode", Value: "ro"}}, params...)
	} else {
		params = append(params, sealvfs.Param{Key: "_pragma", Value: "journal_mode(WAL)"},
			sealvfs.Param{Key: "_pragma", Value: "foreign_keys(1)"}, sealvfs.Param{Key: "_pragma", Value: "synchronous(FULL)"},
			sealvfs.Param{Key: "_pragma", Value: "cache_size(-" + strconv.Itoa(poolCache) + ")"}, sealvfs.Param{Key: "_txlock", Value: "immediate"})
	}
	if key == nil {
		// the default VFS without memory mapping (sealvfs.PlainName says why)
		params = append([]sealvfs.Param{{Key: "vfs", Value: sealvfs.PlainName}}, params...)
		var b strings.Builder
		b.WriteString("file:" + path)
		for i, p := range params {
			b.WriteString(map[bool]string{true: "?", false: "&"}[i == 0] + p.Key + "=" + p.Value)
		}
		return b.String()
	}
	s, err := sealvfs.DSN(path, key, params...)
	if err != nil { // a key of the wrong length: the open fails with sealvfs.ErrBadKey
		return "file:" + path + "?vfs=" + sealvfs.Name + "&hexkey=00"
	}
	return s
}

// keyError turns the key errors of a sealed connection into ErrWrongKey
// (a wrong key, or a file that is not a sealed store) and ErrBadKey.
func keyError(key []byte, err error) error {
	if key == nil || err == nil {
		return err
	}
	err = sealvfs.KeyError(err)
	switch {
	case errors.Is(err, sealvfs.ErrWrongKey), errors.Is(err, sealvfs.ErrNoKey):
		return fmt.Errorf("%w: %w", ErrWrongKey, err)
	case errors.Is(err, sealvfs.ErrBadKey):
		return fmt.Errorf("%w: %w", ErrBadKey, err)
	}
	return err
}

var sqliteHeader = []byte("SQLite format 3\x00")

// checkHeader refuses an existing non-empty file that is not SQLite, unless
// sealed allows a sealed one (which has no readable header).
func checkHeader(path string, sealed bool) (exists bool, err error) {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return false, nil
	} else if err != nil {
		return false, fmt.Errorf("open %s: %w", path, err)
	}
	defer f.Close()
	buf := make([]byte, len(sqliteHeader))
	n, err := io.ReadFull(f, buf)
	if n == 0 {
		return false, nil // empty file: SQLite makes it a database
	}
	if sealed {
		return true, nil // the key tells (probe)
	}
	if err != nil || !bytes.Equal(buf, sqliteHeader) {
		return true, fmt.Errorf("open %s: not a plaintext SQLite file (a sealed store needs its key): %w", path, ErrForeignFile)
	}
	return true, nil
}

// Open opens the store at path, creating it when missing, and migrates it
// to the current schema (taking a backup first when the file holds data).
// A file of another application fails with ErrForeignFile, one from a newer
// program with ErrNewerSchema. With opt.Key the store is sealed: a new one
// is created sealed, with page checksums; a plaintext one is sealed in
// place first (Seal); a sealed one with another key, or a file that is not
// a sealed store, fails with ErrWrongKey; plaintext migration backups
// beside it are sealed too (sealBackups). What a Seal or Rekey cut short
// left beside path is put right first (recoverSwap).
func Open(path string, opt Options) (*DB, error) {
	if opt.Key != nil && len(opt.Key) != KeySize {
		return nil, fmt.Errorf("open %s: %w", path, ErrBadKey)
	}
	if err := checkPathLen(path); err != nil {
		return nil, fmt.Errorf("open: %w", err)
	}
	if err := FinishRestore(path); err != nil { // a restore cut by a crash
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	if err := recoverSwap(path); err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	if opt.Key != nil {
		if sealed, err := IsSealed(path); err == nil && !sealed {
			if err := Seal(path, opt.Key); err != nil {
				return nil, err
			}
		} else if err != nil && !errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("open %s: %w", path, err)
		}
		if err := sealBackups(path, opt.Key); err != nil {
			return nil, fmt.Errorf("open: %w", err)
		}
	}
	exists, err := checkHeader(path, opt.Key != nil)
	if err != nil {
		return nil, err
	}
	if exists {
		if err := probe(path, opt.Key); err != nil {
			return nil, err
		}
	} else if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	if err := privateFolder(path); err != nil && !errors.Is(err, os.ErrPermission) { // another owner's folder: it stays as it is
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	sdb, err := sql.Open("sqlite3", dsn(path, opt.Key, false))
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	sdb.SetMaxOpenConns(8)
	sdb.SetMaxIdleConns(8)
	if !exists && opt.Key != nil {
		// a new sealed store detects a changed byte in a page
		if err := sealvfs.EnableChecksums(context.Background(), sdb, "main"); err != nil {
			sdb.Close()
			return nil, fmt.Errorf("open %s: %w", path, keyError(opt.Key, err))
		}
	}
	db := &DB{
		path:  path,
		key:   bytes.Clone(opt.Key),
		sql:   sdb,
		now:   opt.Now,
		cat:   opt.Catalogue,
		files: filepath.Join(filepath.Dir(path), "attachments"),
		stmts: map[string]*sql.Stmt{},
	}
	if db.now == nil {
		db.now = time.Now
	}
	db.clock.now, db.clock.drift = db.now, opt.MaxDrift
	if err := db.migrate(context.Background()); err != nil {
		sdb.Close()
		return nil, keyError(opt.Key, err)
	}
	if err := Private(path); err != nil && !errors.Is(err, os.ErrPermission) { // another owner's file: it stays as it is
		sdb.Close()
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	if err := db.initDevice(context.Background()); err != nil {
		sdb.Close()
		return nil, err
	}
	if !opt.noAttach {
		if err := db.initAttachments(context.Background(), opt.attachKeys, !opt.restoring); err != nil {
			sdb.Close()
			return nil, fmt.Errorf("open %s: %w", path, err)
		}
		db.startMerger()
	}
	return db, nil
}

// probe checks, on a read-only connection that changes nothing, that an
// existing file is ours, opens with key, and is not from a newer program.
func probe(path string, key []byte) error {
	sdb, err := sql.Open("sqlite3", dsn(path, key, true))
	if err != nil {
		return fmt.Errorf("open %s: %w", path, err)
	}
	defer sdb.Close()
	var appID, version, objects int
	if err := sdb.QueryRow(`PRAGMA application_id`).Scan(&appID); err != nil {
		if key != nil {
			return fmt.Errorf("open %s: %w", path, keyError(key, err))
		}
		return fmt.Errorf("open %s: %w: %v", path, ErrForeignFile, err)
	}
	if err := sdb.QueryRow(`PRAGMA user_version`).Scan(&version); err != nil {
		return fmt.Errorf("open %s: %w", path, keyError(key, err))
	}
	if err := sdb.QueryRow(`SELECT count(*) FROM sqlite_schema`).Scan(&objects); err != nil {
		return fmt.Errorf("open %s: %w", path, keyError(key, err))
	}
	if appID != applicationID && !(appID == 0 && version == 0 && objects == 0) {
		return fmt.Errorf("open %s: application_id %#x: %w", path, appID, ErrForeignFile)
	}
	if latest := latestVersion(); version > latest {
		return fmt.Errorf("open %s: schema %d, this program knows %d: %w", path, version, latest, ErrNewerSchema)
	}
	return nil
}

// Path returns the file the store was opened on.
func (db *DB) Path() string { return db.path }

// Close closes the store.
func (db *DB) Close() error {
	db.stopMerger()
	db.gate.Lock()
	defer db.gate.Unlock()
	db.smu.Lock()
	for _, s := range db.stmts {
		s.Close()
	}
	db.stmts = map[string]*sql.Stmt{}
	db.smu.Unlock()
	if _, err := db.sql.Exec(`PRAGMA wal_checkpoint(TRUNCATE)`); err != nil {
		db.sql.Close()
		return fmt.Errorf("close %s: %w", db.path, err)
	}
	if err := db.sql.Close(); err != nil {
		return fmt.Errorf("close %s: %w", db.path, err)
	}
	return nil
}

func (db *DB) initDevice(ctx context.Context) error {
	return db.write(ctx, func(w *wtx) error {
		err := w.tx.QueryRowContext(ctx, `SELECT id FROM device`).Scan(&db.dev)
		if errors.Is(err, sql.ErrNoRows) {
			db.dev = uuid.NewString()
			_, err = w.tx.ExecContext(ctx, `INSERT INTO device (singleton, id) VALUES (1, ?)`, db.dev)
		}
		if err != nil {
			return fmt.Errorf("device identity: %w", err)
		}
		return nil
	})
}

// Device returns this device's identity.
func (db *DB) Device(ctx context.Context) (Device, error) {
	var d Device
	err := db.queryRow(ctx, `SELECT id, code, office, station FROM device`).Scan(&d.ID, &d.Code, &d.Office, &d.Station)
	if err != nil {
		return d, fmt.Errorf("device: %w", err)
	}
	return d, nil
}

// SetDevice sets the device's code, office and station; the id is kept.
func (db *DB) SetDevice(ctx context.Context, d Device) error {
	if d.Code != "" && !casework.ValidDeviceCode(d.Code) {
		return fmt.Errorf("set device code %q: %w", d.Code, casework.ErrBadNumber)
	}
	return db.write(ctx, func(w *wtx) error {
		_, err := w.tx.ExecContext(ctx, `UPDATE device SET code = ?, office = ?, station = ?`, d.Code, d.Office, d.Station)
		if err != nil {
			return fmt.Errorf("set device: %w", err)
		}
		return nil
	})
}

// Setting returns a device-local setting, "" when unset.
func (db *DB) Setting(ctx context.Context, key string) (string, error) {
	var v string
	err := db.queryRow(ctx, `SELECT value FROM settings WHERE key = ?`, key).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	} else if err != nil {
		return "", fmt.Errorf("setting %s: %w", key, err)
	}
	return v, nil
}

// SetSetting sets a device-local setting.
func (db *DB) SetSetting(ctx context.Context, key, value string) error {
	return db.write(ctx, func(w *wtx) error { return w.setSetting(key, value) })
}

func (w *wtx) setSetting(key, value string) error {
	_, err := w.exec(`INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`, key, value)
	if err != nil {
		return fmt.Errorf("set setting %s: %w", key, err)
	}
	return nil
}

// NextSequence returns the next number of the per-device sequence name for
// year, starting at 1. The number is committed before it is returned, so it
// is never handed out twice, also after a crash.
func (db *DB) NextSequence(ctx context.Context, name string, year int) (int, error) {
	var n int
	err := db.write(ctx, func(w *wtx) (err error) {
		n, err = w.nextSequence(name, year)
		return err
	})
	return n, err
}

func (w *wtx) nextSequence(name string, year int) (int, error) {
	var n int
	err := w.queryRow(`INSERT INTO sequences (name, year, last) VALUES (?, ?, 1)
		ON CONFLICT (name, year) DO UPDATE SET last = last + 1 RETURNING last`, name, year).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("next sequence %s/%d: %w", name, year, err)
	}
	return n, nil
}
