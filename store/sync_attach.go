package store

import (
	"context"
	"fmt"
)

// AttachmentOffices returns the offices of the cases that refer to the
// attachment with hash, as a material scan or a photo value: the hub lets a
// device download an attachment only when its office is among them.
func (db *DB) AttachmentOffices(ctx context.Context, hash string) ([]string, error) {
	if len(hash) != 64 {
		return nil, nil
	}
	rows, err := db.query(ctx, `SELECT DISTINCT c.office FROM fields f JOIN cases c ON c.rid = f.case_rid
		WHERE ((f.entity = 'material' AND f.field = 'attachments') OR (f.entity = 'case' AND f.field LIKE 'v:%'))
		AND instr(f.value, ?) > 0`, hash)
	if err != nil {
		return nil, fmt.Errorf("attachment offices: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var o string
		if err := rows.Scan(&o); err != nil {
			return nil, fmt.Errorf("attachment offices: %w", err)
		}
		out = append(out, o)
	}
	return out, rows.Err()
}
