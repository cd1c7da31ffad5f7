// Package sealvfs seals SQLite files at rest with SM4-XTS (GB/T 17964-2021)
// for github.com/ncruces/go-sqlite3 (#12).
//
// Importing the package registers the VFS [Name]. It wraps the default VFS and
// encrypts every file SQLite writes through it: the database, its WAL, its
// rollback journals, and temporary files (those get a random key each). Only
// super journals are left alone: they hold file names, never data. The -shm
// wal-index is not written through the VFS and holds no row data (page
// numbers, frame numbers, salts and checksums only).
//
// A WAL is encrypted frame by frame, not in sectors (walunits.go): a frame
// is one write and one read, with no lock. A database in WAL mode and its
// WAL claim powersafe overwrite when the disk does, so SQLite does not pad
// each commit with copies of its last frame; a database in rollback mode
// does not (its journal is written in partial sectors).
//
// # Keys
//
// A key is [KeySize] random bytes ([NewKey]): the first half is the SM4 data
// key, the second the SM4 tweak key. Files are encrypted in 512-byte sectors,
// the sector number is the tweak; a WAL in its header and frames, the unit
// number with the top bit set is the tweak. The key is given by the URI parameter
// hexkey, which [DSN] writes:
//
//	file:/path/vetdesk.db?vfs=sm4xts&hexkey=<64 hex digits>
//	file:C:/path/vetdesk.db?vfs=sm4xts&hexkey=<64 hex digits>
//
// or by a PRAGMA immediately after opening (then the key is not kept in the
// connection's file name):
//
//	PRAGMA hexkey='<64 hex digits>';
//
// Nothing ever falls back to plaintext. A missing key fails every read and
// write (SQLITE_AUTH, [ErrNoKey]); a malformed key (not 64 hex digits, or the
// parameters key and textkey, which this VFS does not take) fails the open
// (SQLITE_IOERR_BADKEY, [ErrBadKey]); a wrong key fails the first read
// (SQLITE_NOTADB, [ErrWrongKey]), because page 1 then does not decrypt to
// "SQLite format 3". A VFS can answer SQLite only with result codes, so pass
// the errors of a sealed connection through [KeyError] to get the sentinels
// and a message that names the key. A key cannot be changed on an open
// connection ([ErrKeySet]): rotating a key is a VACUUM INTO a new file.
//
// # Tampering
//
// XTS alone detects nothing: a changed byte of ciphertext decrypts to a
// garbled 16-byte block. [EnableChecksums] turns on the page checksums of
// go-sqlite3 (8 reserved bytes per page, the checksum VFS of vfs/cksm.go).
// go-sqlite3 applies them above every registered VFS, so above this one: they
// are computed over and checked against the plaintext page. A garbled block
// then fails the page's checksum and the read returns SQLITE_IOERR_DATA.
// Checksums are stored in the file header (reserved bytes = 8), so a store
// calls EnableChecksums once, when it creates the file; VACUUM INTO keeps
// them. go-sqlite3 learns from the header alone that a file has them, and a
// new file (a VACUUM INTO target) gets its header only at the commit of its
// first transaction: the pages SQLite spilled into it before, when the file
// outgrew the page cache, come without checksums. This VFS gives them
// theirs once the header is written; a plaintext target (vfs=os) of a
// source with checksums larger than the page cache does not get them, so
// an export first turns checksums off or raises cache_size.
//
// What is protected, and what is not:
//   - Pages of the database file are checked on every read from that file.
//   - Pages in the WAL are checked on every read against SQLite's own
//     frame checksums, by this VFS (go-sqlite3 checksums only the database
//     file), and so is every page a checkpoint copies into the database
//     file: a damaged frame fails with SQLITE_IOERR_DATA instead of being
//     read, or checkpointed with a fresh page checksum. The one exception: a
//     connection does not check the frames it wrote in its own transaction
//     before that commits (SQLite may overwrite them in place and fixes their
//     checksums at commit); other connections always check them.
//   - A WAL left on disk (after a crash, or copied from a running store) is
//     recovered by SQLite when the first connection opens it, and recovery
//     stops at the first frame whose checksum fails: a damaged WAL loses the
//     transactions from the damaged frame on, silently, as a crash before
//     them would; it never yields other data. Nothing in the VFS can tell
//     this apart from a torn write at a crash.
//   - The checksums are not a MAC: they are not keyed. Without the key one
//     cannot forge a plaintext page with a valid checksum, because any change
//     of ciphertext garbles a whole 16-byte block of plaintext. But XTS is
//     deterministic: the same plaintext in the same sector always gives the
//     same ciphertext, so a copy of an older version of a sector (rollback,
//     from a backup made with the same key) is accepted, and someone with
//     several copies of the file learns which sectors changed. Whole-file
//     integrity (backups, snapshots in transit) needs a signature or MAC
//     over the file, outside this package.
//   - The -shm wal-index is neither encrypted nor checked; it holds no row
//     data and SQLite rebuilds it from the WAL when the first connection
//     opens the database.
//
// # Temporary files
//
// Temporary files (sorts, temp tables, statement journals, VACUUM's copy)
// are encrypted with a random key each, which lives only in memory.
// PRAGMA temp_store=memory keeps most of them off the disk altogether and
// saves the encryption; either way no temporary file is plaintext.
//
// # Migration, rotation, snapshots
//
// A plaintext store is sealed, or a key rotated, with VACUUM INTO a URI,
// bound as a parameter so that the key is not in the SQL text ([VacuumInto]):
//
//	VACUUM INTO ?  -- 'file:/path/new.db?vfs=sm4xts&hexkey=<new key>'
//
// and back to plaintext (an export) with VACUUM INTO
// 'file:/path/plain.db?vfs=os' from a sealed connection: vfs=os is needed,
// because a connection opened with vfs=sm4xts uses it for every file it
// attaches ([Target]). The new file keeps
// the page size and reserved bytes of the source, so a source with checksums
// gives a target with checksums; after sealing a plaintext store call
// [EnableChecksums] on the new file. The new file is complete when VACUUM
// INTO returns; rename it over the old one only after it opened and checked.
//
// An encrypted file is attached with its own key in the URI ([AttachSQL]):
//
//	ATTACH DATABASE ? AS snap;  -- 'file:/path/snap.db?vfs=sm4xts&hexkey=<its key>'
//
// PRAGMA snap.hexkey after ATTACH does not work: SQLite reads the schema of
// an attached file at once, so an ATTACH without a key fails with [ErrNoKey].
// A plaintext file is attached from a sealed connection with vfs=os.
//
// The URI holds the key: never log a DSN or a target URI, bind URIs as
// parameters rather than writing them into SQL text, and pass errors of
// sealed connections through [KeyError], because SQLite's "unable to open
// database: <file name>" repeats the URI.
//
// The VFS is adapted from go-sqlite3's vfs/xts (MIT License, see
// LICENSE-ncruces), with gmsm's GB/T 17964 XTS, which is several times
// faster than x/crypto/xts over gmsm's SM4 on 512-byte sectors
// (BenchmarkPageCrypto).
package sealvfs

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/ncruces/go-sqlite3/driver"
)

// Name is the name of the sealing VFS, for vfs= in a URI.
const Name = "sm4xts"

// KeySize is the length of a key: an SM4 data key and an SM4 tweak key.
const KeySize = 32

// Errors of keys. SQLite reports them with result codes only; [KeyError]
// puts them back on the errors of a sealed connection, and PRAGMA hexkey
// reports them in its message.
var (
	ErrNoKey    = errors.New("sealvfs: the database is sealed and no key was given")
	ErrBadKey   = errors.New("sealvfs: a key must be 64 hex digits (32 bytes) given as hexkey")
	ErrWrongKey = errors.New("sealvfs: wrong key, or not a sealed database, or its first page is damaged")
	ErrKeySet   = errors.New("sealvfs: the key of an open database cannot be changed; use VACUUM INTO to rekey")
)

// KeyError returns err fit to return, show or log from a sealed
// connection: with the key error it stands for, so that errors.Is finds the
// sentinel and the message names the key ([ErrWrongKey] for SQLITE_NOTADB,
// [ErrNoKey] for SQLITE_AUTH, [ErrBadKey] for SQLITE_IOERR_BADKEY), and
// without the key: SQLite names the file it could not open, URI and hexkey
// included, in its message (an ATTACH or VACUUM INTO to a missing folder),
// and KeyError takes the hex digits out. errors.Is and errors.As still see
// the original error. Other errors, and nil, come back unchanged. Use it on
// errors of sealed connections only: on a plaintext one SQLITE_NOTADB means
// just that.
func KeyError(err error) error {
	if err == nil {
		return nil
	}
	var sentinel error
	switch {
	case errors.Is(err, ErrNoKey), errors.Is(err, ErrBadKey), errors.Is(err, ErrWrongKey), errors.Is(err, ErrKeySet):
	case errors.Is(err, codeWrongKey):
		sentinel = ErrWrongKey
	case errors.Is(err, codeNoKey):
		sentinel = ErrNoKey
	case errors.Is(err, codeBadKey):
		sentinel = ErrBadKey
	}
	if sentinel != nil {
		err = fmt.Errorf("%w (%w)", sentinel, err)
	}
	if msg := err.Error(); hexkeyParam.MatchString(msg) {
		return &redacted{msg: hexkeyParam.ReplaceAllString(msg, "${1}hexkey=…"), err: err}
	}
	return err
}

// hexkeyParam matches the key in a URI.
var hexkeyParam = regexp.MustCompile(`([?&])hexkey=[0-9A-Fa-f]*`)

// redacted is an error whose message lost the key.
type redacted struct {
	msg string
	err error
}

func (r *redacted) Error() string { return r.msg }
func (r *redacted) Unwrap() error { return r.err }

// NewKey returns a new random key.
func NewKey() ([]byte, error) {
	key := make([]byte, KeySize)
	if _, err := rand.Read(key); err != nil {
		return nil, fmt.Errorf("sealvfs: new key: %w", err)
	}
	return key, nil
}

// Param is one extra URI parameter of [DSN], such as
// {"_pragma", "busy_timeout(5000)"} or {"_txlock", "immediate"}.
type Param struct{ Key, Value string }

// DSN returns the URI that opens path sealed with key, for sql.Open("sqlite3",
// …) of github.com/ncruces/go-sqlite3/driver. Extra parameters come after
// the key, in order; vfs and the key parameters are refused.
func DSN(path string, key []byte, params ...Param) (string, error) {
	if len(key) != KeySize {
		return "", ErrBadKey
	}
	if path == "" {
		return "", errors.New("sealvfs: empty path")
	}
	var b strings.Builder
	b.WriteString(fileURI(path))
	b.WriteString("?vfs=" + Name + "&hexkey=" + hex.EncodeToString(key))
	for _, p := range params {
		switch p.Key {
		case "vfs", "key", "hexkey", "textkey":
			return "", fmt.Errorf("sealvfs: DSN: parameter %q is set by DSN", p.Key)
		}
		b.WriteString("&" + escape(p.Key) + "=" + escape(p.Value))
	}
	return b.String(), nil
}

// fileURI returns the file: URI of path, without parameters. A Windows
// path stays file:C:/dir/x.db: go-sqlite3's VFS takes the path as SQLite
// hands it over, and would read /C:/dir/x.db as a path on the current drive.
func fileURI(path string) string {
	return "file:" + escapePath(filepath.ToSlash(path))
}

// escape percent-encodes all but unreserved characters, for SQLite's URI
// parser and for the driver's url.ParseQuery alike (a space is %20, never +).
func escape(s string) string {
	return escapeExcept(s, "")
}

func escapePath(s string) string {
	return escapeExcept(s, "/:")
}

func escapeExcept(s, keep string) string {
	const hexd = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9',
			c == '-', c == '.', c == '_', c == '~', c == '(', c == ')',
			strings.IndexByte(keep, c) >= 0:
			b.WriteByte(c)
		default:
			b.WriteByte('%')
			b.WriteByte(hexd[c>>4])
			b.WriteByte(hexd[c&15])
		}
	}
	return b.String()
}

// VacuumInto returns the statement that copies schema ("main" when empty)
// of the open database into a new file at path, sealed with key, or
// plaintext when key is nil (an export of a sealed store), and the target
// URI to bind to its one parameter: the key never is in the SQL text.
//
//	q, uri, err := sealvfs.VacuumInto("", newPath, newKey)
//	_, err = db.ExecContext(ctx, q, uri)
func VacuumInto(schema, path string, key []byte) (query, uri string, err error) {
	if uri, err = Target(path, key); err != nil {
		return "", "", err
	}
	if schema == "" {
		schema = "main"
	}
	return `VACUUM ` + quoteIdent(schema) + ` INTO ?`, uri, nil
}

// AttachSQL returns the statement that attaches the sealed file at path as
// schema, and its URI with its own key, to bind to the statement's one
// parameter.
func AttachSQL(path string, key []byte, schema string) (query, uri string, err error) {
	if key == nil {
		return "", "", ErrBadKey
	}
	if uri, err = Target(path, key); err != nil {
		return "", "", err
	}
	return `ATTACH DATABASE ? AS ` + quoteIdent(schema), uri, nil
}

// Target returns the URI that ATTACH or VACUUM INTO on a sealed connection
// needs for the file at path: sealed with key, or plaintext (vfs=os) when
// key is nil, since a connection opened with this VFS uses it for every
// file it attaches.
func Target(path string, key []byte) (string, error) {
	if key == nil {
		if path == "" {
			return "", errors.New("sealvfs: empty path")
		}
		return fileURI(path) + "?vfs=os", nil
	}
	return DSN(path, key)
}

func quoteIdent(s string) string {
	return `"` + strings.ReplaceAll(s, `"`, `""`) + `"`
}

// IsSealed reports whether the file at path is sealed: a plaintext SQLite
// database starts with "SQLite format 3\x00", a sealed one does not. An empty
// file holds nothing and is not sealed.
func IsSealed(path string) (bool, error) {
	f, err := os.Open(path)
	if err != nil {
		return false, fmt.Errorf("sealvfs: is sealed: %w", err)
	}
	defer f.Close()
	head := make([]byte, len(magic))
	n, err := io.ReadFull(f, head)
	switch {
	case n == 0 && err == io.EOF:
		return false, nil
	case err != nil && err != io.ErrUnexpectedEOF:
		return false, fmt.Errorf("sealvfs: is sealed: %w", err)
	}
	return !bytes.Equal(head[:n], magic), nil
}

// EnableChecksums turns on go-sqlite3's page checksums for schema ("main"
// when empty) of db, so that a changed byte in a page is detected on read.
// It rebuilds the file (VACUUM) when they were off, so a store calls it once,
// when it creates or seals the file, outside any transaction. It is a no-op
// when they are on already.
func EnableChecksums(ctx context.Context, db *sql.DB, schema string) error {
	conn, err := db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("sealvfs: enable checksums: %w", err)
	}
	defer conn.Close()
	err = conn.Raw(func(c any) error {
		dc, ok := c.(driver.Conn)
		if !ok {
			return fmt.Errorf("sealvfs: enable checksums: %T is not a github.com/ncruces/go-sqlite3/driver connection", c)
		}
		return dc.Raw().EnableChecksums(schema)
	})
	if err != nil {
		return fmt.Errorf("sealvfs: enable checksums: %w", err)
	}
	return nil
}
