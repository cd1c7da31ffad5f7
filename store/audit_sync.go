package store

import (
	"context"
	"fmt"
)

// ChainHash is the hash an audit entry carries: SHA-256 over prev (the
// previous entry's hash, "" for the first) and the entry's fields. The hub
// recomputes it to check that the entries a device sends extend the chain
// it holds.
func ChainHash(prev string, e AuditEntry) string { return chainHash(prev, e) }

// AuditHead is the last entry of the audit log: its sequence and hash
// (0 and "" while the log is empty).
type AuditHead struct {
	Seq  int64
	Hash string
}

// AuditHead returns the head of the audit log.
func (db *DB) AuditHead(ctx context.Context) (AuditHead, error) {
	rows, err := db.query(ctx, `SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1`)
	if err != nil {
		return AuditHead{}, fmt.Errorf("audit head: %w", err)
	}
	defer rows.Close()
	var h AuditHead
	if rows.Next() {
		if err := rows.Scan(&h.Seq, &h.Hash); err != nil {
			return AuditHead{}, fmt.Errorf("audit head: %w", err)
		}
	}
	return h, rows.Err()
}

// AuditAfter returns up to limit entries after sequence after, oldest
// first: what the sync client sends the hub.
func (db *DB) AuditAfter(ctx context.Context, after int64, limit int) ([]AuditEntry, error) {
	rows, err := db.query(ctx, `SELECT `+auditColumns+` FROM audit WHERE seq > ? ORDER BY seq LIMIT ?`, after, limit)
	if err != nil {
		return nil, fmt.Errorf("audit after: %w", err)
	}
	defer rows.Close()
	var out []AuditEntry
	for rows.Next() {
		e, err := scanAudit(rows)
		if err != nil {
			return nil, fmt.Errorf("audit after: %w", err)
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// AtText is the entry's instant as the store writes it, the text its hash
// covers.
func (e AuditEntry) AtText() string { return formatTime(e.At) }
