package store

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/emmansun/gmsm/sm3"
)

// Audit actions written by the store; callers add their own (print,
// export...) with the same AuditEntry.
const (
	ActionLogin       = "login"
	ActionReveal      = "reveal" // display of a full sensitive value
	ActionPrint       = "print"  // by printing callers
	ActionExport      = "export" // by report callers
	ActionBackup      = "backup" // by backup callers
	ActionUserCreate  = "user.create"
	ActionUserUpdate  = "user.update"
	ActionSetPassword = "user.password"
)

// AuditEntry is one audited action: who, when, what (action and target),
// whether it succeeded.
type AuditEntry struct {
	Seq     int64
	At      time.Time // set by the store
	UserID  string
	Login   string
	Action  string
	Target  string
	Success bool
	Detail  string
	Hash    string // chains this entry to the previous one: KeyedPrefix + hex HMAC-SM3, or hex SHA-256 (before keys)
}

// Settings of the keyed audit chain (#16.2).
const (
	// SettingAuditKey is the desk's audit key (32 bytes, hex): every entry
	// written since it was made is chained by HMAC-SM3 under it, so an
	// entry cannot be rewritten or forged without it. Made with the first
	// entry written after the upgrade; the hub receives it with the first
	// audit push and verifies with it.
	SettingAuditKey = "audit.key"
	// SettingAuditKeyedFrom is the sequence of the first keyed entry: no
	// entry from there on may be unkeyed.
	SettingAuditKeyedFrom = "audit.keyed_from"
)

// KeyedPrefix starts the hash of a keyed entry.
const KeyedPrefix = "k1:"

// AuditReport is what VerifyAudit found.
type AuditReport struct {
	Entries  int
	OK       bool
	FirstBad int64  // sequence of the first entry missing or not matching its hash
	Reason   string // "hash mismatch", "missing"
}

// chainHash is SHA-256 over the previous hash and the entry's fields, each
// length-prefixed so no two entries serialise alike.
func chainHash(prev string, e AuditEntry) string {
	h := sha256.New()
	writeAuditFields(h, prev, e)
	return hex.EncodeToString(h.Sum(nil))
}

// keyedHash is the hash of an entry written under key: HMAC-SM3 over the
// same serialisation as chainHash.
func keyedHash(key []byte, prev string, e AuditEntry) string {
	m := hmac.New(sm3.New, key)
	writeAuditFields(m, prev, e)
	return KeyedPrefix + hex.EncodeToString(m.Sum(nil))
}

func writeAuditFields(h hash.Hash, prev string, e AuditEntry) {
	success := "0"
	if e.Success {
		success = "1"
	}
	for _, s := range []string{prev, strconv.FormatInt(e.Seq, 10), formatTime(e.At), e.UserID, e.Login, e.Action, e.Target, success, e.Detail} {
		fmt.Fprintf(h, "%d:%s;", len(s), s)
	}
}

// Reasons CheckAuditHash and VerifyAudit give.
const (
	ReasonHashMismatch = "hash mismatch"
	ReasonMissing      = "missing"
	ReasonUnkeyed      = "unkeyed after keyed" // a plain hash where only keyed ones may be
	ReasonNoKey        = "no key"              // a keyed entry, and no key to check it
)

// CheckAuditHash checks that e's hash chains it to prev: a keyed hash
// under key, or, for entries written before the desk had a key, a plain
// one; never a plain hash after a keyed one. It returns "" or the reason.
func CheckAuditHash(key []byte, prev string, e AuditEntry) string {
	if strings.HasPrefix(e.Hash, KeyedPrefix) {
		if len(key) == 0 {
			return ReasonNoKey
		}
		if !hmac.Equal([]byte(keyedHash(key, prev, e)), []byte(e.Hash)) {
			return ReasonHashMismatch
		}
		return ""
	}
	if strings.HasPrefix(prev, KeyedPrefix) {
		return ReasonUnkeyed
	}
	if chainHash(prev, e) != e.Hash {
		return ReasonHashMismatch
	}
	return ""
}

// auditKey returns the desk's audit key, making it (keyed from seq on)
// when it has none.
func (w *wtx) auditKey(seq int64) ([]byte, error) {
	v, err := w.settingValue(SettingAuditKey)
	if err != nil {
		return nil, err
	}
	if v != "" {
		return hex.DecodeString(v)
	}
	key := make([]byte, 32)
	if _, err := io.ReadFull(rand.Reader, key); err != nil {
		return nil, err
	}
	if err := w.setSetting(SettingAuditKey, hex.EncodeToString(key)); err != nil {
		return nil, err
	}
	if err := w.setSetting(SettingAuditKeyedFrom, strconv.FormatInt(seq, 10)); err != nil {
		return nil, err
	}
	return key, nil
}

// AuditKey returns the desk's audit key, nil while it has none (no entry
// written since the upgrade).
func (db *DB) AuditKey(ctx context.Context) ([]byte, error) {
	v, err := db.Setting(ctx, SettingAuditKey)
	if err != nil || v == "" {
		return nil, err
	}
	return hex.DecodeString(v)
}

// Audit appends an entry to the audit log.
func (db *DB) Audit(ctx context.Context, e AuditEntry) error {
	return db.write(ctx, func(w *wtx) error { return w.audit(e) })
}

func (w *wtx) audit(e AuditEntry) error {
	var prev string
	err := w.queryRow(`SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1`).Scan(&e.Seq, &prev)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("audit %s: %w", e.Action, err)
	}
	e.Seq++
	e.At = w.db.now().UTC()
	key, err := w.auditKey(e.Seq)
	if err != nil {
		return fmt.Errorf("audit %s: key: %w", e.Action, err)
	}
	e.Hash = keyedHash(key, prev, e)
	_, err = w.exec(`INSERT INTO audit (seq, at, user_id, login, action, target, success, detail, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		e.Seq, formatTime(e.At), e.UserID, e.Login, e.Action, e.Target, e.Success, e.Detail, e.Hash)
	if err != nil {
		return fmt.Errorf("audit %s: %w", e.Action, err)
	}
	return nil
}

const auditColumns = `seq, at, user_id, login, action, target, success, detail, hash`

func scanAudit(rows *sql.Rows) (AuditEntry, error) {
	var e AuditEntry
	var at string
	err := rows.Scan(&e.Seq, &at, &e.UserID, &e.Login, &e.Action, &e.Target, &e.Success, &e.Detail, &e.Hash)
	e.At = parseTime(at)
	return e, err
}

// AuditLog returns the latest limit entries, newest first.
func (db *DB) AuditLog(ctx context.Context, limit int) ([]AuditEntry, error) {
	rows, err := db.query(ctx, `SELECT `+auditColumns+` FROM audit ORDER BY seq DESC LIMIT ?`, limit)
	if err != nil {
		return nil, fmt.Errorf("audit log: %w", err)
	}
	defer rows.Close()
	var out []AuditEntry
	for rows.Next() {
		e, err := scanAudit(rows)
		if err != nil {
			return nil, fmt.Errorf("audit log: %w", err)
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// VerifyAudit walks the chain and reports the first entry that was edited
// (its hash no longer matches), deleted (a gap in the sequence), or
// unkeyed where the chain is keyed. Entries from before the desk had an
// audit key carry plain SHA-256 hashes and verify as such; from
// SettingAuditKeyedFrom on, and after any keyed entry, only HMAC-SM3 ones
// under the key do. Removing entries from the end cannot be told from an
// older log; backups and the hub's copy bound that.
func (db *DB) VerifyAudit(ctx context.Context) (AuditReport, error) {
	key, err := db.AuditKey(ctx)
	if err != nil {
		return AuditReport{}, fmt.Errorf("verify audit: %w", err)
	}
	keyedFrom := int64(-1)
	if v, err := db.Setting(ctx, SettingAuditKeyedFrom); err != nil {
		return AuditReport{}, fmt.Errorf("verify audit: %w", err)
	} else if v != "" {
		if keyedFrom, err = strconv.ParseInt(v, 10, 64); err != nil {
			return AuditReport{}, fmt.Errorf("verify audit: keyed from: %w", err)
		}
	}
	rows, err := db.query(ctx, `SELECT `+auditColumns+` FROM audit ORDER BY seq`)
	if err != nil {
		return AuditReport{}, fmt.Errorf("verify audit: %w", err)
	}
	defer rows.Close()
	rep := AuditReport{OK: true}
	prev := ""
	var want int64 = 1
	for rows.Next() {
		e, err := scanAudit(rows)
		if err != nil {
			return rep, fmt.Errorf("verify audit: %w", err)
		}
		rep.Entries++
		if !rep.OK {
			continue
		}
		if e.Seq != want {
			rep.OK, rep.FirstBad, rep.Reason = false, want, ReasonMissing
		} else if keyedFrom >= 0 && e.Seq >= keyedFrom && !strings.HasPrefix(e.Hash, KeyedPrefix) {
			rep.OK, rep.FirstBad, rep.Reason = false, e.Seq, ReasonUnkeyed
		} else if reason := CheckAuditHash(key, prev, e); reason != "" {
			rep.OK, rep.FirstBad, rep.Reason = false, e.Seq, reason
		}
		prev, want = e.Hash, e.Seq+1
	}
	return rep, rows.Err()
}
