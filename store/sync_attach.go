package store

import (
	"context"
	"encoding/json"
	"fmt"
)

// EachAttachmentReference calls fn with every attachment hash the cases
// refer to (a material's scans, a photo value) and the office of the
// referring case, in no particular order. The hub takes the references of
// a replica that predates its recorded download rights from it, once.
func (db *DB) EachAttachmentReference(ctx context.Context, fn func(hash, office string) error) error {
	rows, err := db.query(ctx, `SELECT c.office, f.entity, f.value FROM fields f JOIN cases c ON c.rid = f.case_rid
		WHERE (f.entity = 'material' AND f.field = 'attachments') OR (f.entity = 'case' AND f.field LIKE 'v:%' AND length(f.value) = 64)`)
	if err != nil {
		return fmt.Errorf("attachment references: %w", err)
	}
	type ref struct{ hash, office string }
	var refs []ref
	for rows.Next() {
		var office, entity, value string
		if err := rows.Scan(&office, &entity, &value); err != nil {
			rows.Close()
			return fmt.Errorf("attachment references: %w", err)
		}
		if entity == EntityCase {
			if validHash(value) {
				refs = append(refs, ref{value, office})
			}
			continue
		}
		var hs []string
		if json.Unmarshal([]byte(value), &hs) == nil {
			for _, h := range hs {
				if validHash(h) {
					refs = append(refs, ref{h, office})
				}
			}
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("attachment references: %w", err)
	}
	for _, r := range refs {
		if err := fn(r.hash, r.office); err != nil {
			return err
		}
	}
	return nil
}
