package store

import (
	"context"
	"encoding/json"
	"fmt"
)

// Events of the hukou letter (#12): the number of a letter printed for the
// first time, and of one voided. They sync like every op, so the hub knows
// voided numbers and its /verify page shows their letters as void.
const (
	EventLetter     = "letter"
	EventLetterVoid = "letter_void"
)

// RecordEvent writes a fact (action, detail) about case caseID to the log:
// it shows in the case's history and reaches the hub.
func (db *DB) RecordEvent(ctx context.Context, a Actor, caseID, action, detail string) error {
	return db.write(ctx, func(w *wtx) error {
		if err := w.event(a, caseID, action, detail); err != nil {
			return fmt.Errorf("event %s of %s: %w", action, caseID, err)
		}
		return nil
	})
}

// HasEvent reports whether a case numbered caseNumber has an event action
// with detail in its log (what this store holds of it).
func (db *DB) HasEvent(ctx context.Context, caseNumber, action, detail string) (bool, error) {
	rows, err := db.query(ctx, `SELECT o.fields FROM ops o JOIN cases c ON c.rid = o.case_rid
		WHERE c.number = ? AND o.entity = ?`, caseNumber, EntityEvent)
	if err != nil {
		return false, fmt.Errorf("events of %s: %w", caseNumber, err)
	}
	defer rows.Close()
	for rows.Next() {
		var fjs string
		if err := rows.Scan(&fjs); err != nil {
			return false, fmt.Errorf("events of %s: %w", caseNumber, err)
		}
		var f map[string]string
		if err := json.Unmarshal([]byte(fjs), &f); err != nil {
			return false, fmt.Errorf("events of %s: %w", caseNumber, err)
		}
		if f["action"] == action && f["detail"] == detail {
			return true, nil
		}
	}
	return false, rows.Err()
}
