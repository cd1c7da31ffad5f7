package store

import (
	"context"
	"fmt"
)

// PendingCases returns, for every case with local ops still waiting for
// the hub (set-aside ones excluded), how many ops wait: the desktop shows
// "not yet at the hub" on those cases until the count drops to zero.
func (db *DB) PendingCases(ctx context.Context) (map[string]int, error) {
	rows, err := db.query(ctx, `SELECT c.id, count(*) FROM outbox ob JOIN ops o ON o.seq = ob.seq
		JOIN cases c ON c.rid = o.case_rid WHERE ob.set_aside IS NULL AND o.case_rid <> 0 GROUP BY c.id`)
	if err != nil {
		return nil, fmt.Errorf("pending cases: %w", err)
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var id string
		var n int
		if err := rows.Scan(&id, &n); err != nil {
			return nil, fmt.Errorf("pending cases: %w", err)
		}
		out[id] = n
	}
	return out, rows.Err()
}
