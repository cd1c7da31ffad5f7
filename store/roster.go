package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// RosterEntry is one accepted row of an imported roster: the values it
// gives for the form, keyed by field code.
type RosterEntry struct {
	IDNumber string
	Values   map[string]string
	Hash     string // content hash: the same row imported again changes nothing
	Source   string // file it came from
	Row      int    // row in that file
}

// PutRoster keeps the entries; an entry whose ID number is already held with
// the same hash is left alone, a changed one replaces the old.
func (db *DB) PutRoster(ctx context.Context, entries []RosterEntry) (added, unchanged int, err error) {
	now := db.now().UTC().Format(time.RFC3339)
	err = db.write(ctx, func(w *wtx) error {
		added, unchanged = 0, 0
		for _, e := range entries {
			var hash string
			err := w.tx.QueryRowContext(ctx, `SELECT hash FROM roster WHERE id_number = ?`, e.IDNumber).Scan(&hash)
			switch {
			case err == nil && hash == e.Hash:
				unchanged++
				continue
			case err != nil && !errors.Is(err, sql.ErrNoRows):
				return fmt.Errorf("roster %s: %w", e.IDNumber, err)
			}
			vals, err := json.Marshal(e.Values)
			if err != nil {
				return fmt.Errorf("roster %s: %w", e.IDNumber, err)
			}
			if _, err := w.tx.ExecContext(ctx, `INSERT INTO roster (id_number, hash, values_json, source, row_no, imported) VALUES (?, ?, ?, ?, ?, ?)
				ON CONFLICT(id_number) DO UPDATE SET hash = excluded.hash, values_json = excluded.values_json, source = excluded.source, row_no = excluded.row_no, imported = excluded.imported`,
				e.IDNumber, e.Hash, string(vals), e.Source, e.Row, now); err != nil {
				return fmt.Errorf("roster %s: %w", e.IDNumber, err)
			}
			added++
		}
		return nil
	})
	return added, unchanged, err
}

// RosterValues returns the values a roster holds for the ID number, or nil.
func (db *DB) RosterValues(ctx context.Context, idNumber string) (map[string]string, error) {
	var raw string
	err := db.queryRow(ctx, `SELECT values_json FROM roster WHERE id_number = ?`, idNumber).Scan(&raw)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	} else if err != nil {
		return nil, fmt.Errorf("roster %s: %w", idNumber, err)
	}
	var v map[string]string
	if err := json.Unmarshal([]byte(raw), &v); err != nil {
		return nil, fmt.Errorf("roster %s: %w", idNumber, err)
	}
	return v, nil
}
