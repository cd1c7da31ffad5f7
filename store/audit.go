package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"time"
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
	Hash    string // hex SHA-256 chaining this entry to the previous one
}

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
	success := "0"
	if e.Success {
		success = "1"
	}
	for _, s := range []string{prev, strconv.FormatInt(e.Seq, 10), formatTime(e.At), e.UserID, e.Login, e.Action, e.Target, success, e.Detail} {
		fmt.Fprintf(h, "%d:%s;", len(s), s)
	}
	return hex.EncodeToString(h.Sum(nil))
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
	e.Hash = chainHash(prev, e)
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
// (its hash no longer matches) or deleted (a gap in the sequence).
// Removing entries from the end cannot be told from an older log; backups
// and the hub's copy bound that.
func (db *DB) VerifyAudit(ctx context.Context) (AuditReport, error) {
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
		switch {
		case e.Seq != want:
			rep.OK, rep.FirstBad, rep.Reason = false, want, "missing"
		case chainHash(prev, e) != e.Hash:
			rep.OK, rep.FirstBad, rep.Reason = false, e.Seq, "hash mismatch"
		}
		prev, want = e.Hash, e.Seq+1
	}
	return rep, rows.Err()
}
