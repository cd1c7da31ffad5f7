package store

import (
	"context"
	"fmt"

	"github.com/google/uuid"
)

// NoteOverwrite records, as a conflict, that the remote op c.RemoteOp
// replaced the value c.LocalValue which this device had written with
// c.LocalOp and already handed to the hub: the case the merge cannot see by
// itself, because the local op had left the outbox. It records nothing,
// and reports false, when the remote op no longer holds the field (a newer
// write followed), when the local op is still in the outbox (the merge
// records that case itself) or when the same conflict is already listed.
// Resolving it works as for any conflict: keeping the local value writes it
// again as a new op.
func (db *DB) NoteOverwrite(ctx context.Context, c Conflict) (bool, error) {
	if bookkeeping(c.Entity, c.Field) {
		return false, nil
	}
	remote, err := uuid.Parse(c.RemoteOp)
	if err != nil {
		return false, fmt.Errorf("note overwrite: remote op %q: %w", c.RemoteOp, ErrBadOp)
	}
	local, err := uuid.Parse(c.LocalOp)
	if err != nil {
		return false, fmt.Errorf("note overwrite: local op %q: %w", c.LocalOp, ErrBadOp)
	}
	noted := false
	err = db.write(ctx, func(w *wtx) error {
		var holder []byte
		var pending bool
		err := w.queryRow(`SELECT o.id, EXISTS (SELECT 1 FROM outbox ob JOIN ops lo ON lo.seq = ob.seq WHERE lo.id = ?)
			FROM fields f JOIN ops o ON o.seq = f.op
			WHERE f.case_rid = coalesce((SELECT rid FROM cases WHERE id = ?), 0) AND f.entity = ? AND f.key = ? AND f.field = ?`,
			local[:], c.CaseID, c.Entity, entityKey(c.Entity, c.CaseID, c.EntityID), c.Field).Scan(&holder, &pending)
		if err != nil {
			if notFound(err) == ErrNotFound {
				return nil
			}
			return err
		}
		if string(holder) != string(remote[:]) || pending {
			return nil
		}
		var n int
		if err := w.queryRow(`SELECT count(*) FROM conflicts WHERE local_op = ? AND remote_op = ? AND field = ? AND entity_id = ?`,
			c.LocalOp, c.RemoteOp, c.Field, c.EntityID).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return nil
		}
		_, err = w.exec(`INSERT INTO conflicts (entity, entity_id, case_id, field, local_value, remote_value, local_op, remote_op, at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, c.Entity, c.EntityID, c.CaseID, c.Field, c.LocalValue, c.RemoteValue,
			c.LocalOp, c.RemoteOp, formatTime(db.now()))
		noted = err == nil
		return err
	})
	if err != nil {
		return false, fmt.Errorf("note overwrite %s %s: %w", c.EntityID, c.Field, err)
	}
	return noted, nil
}

// entityKey is the inverse of entityID: the key of an entity in its case.
func entityKey(entity, caseID, id string) string {
	switch entity {
	case EntityCase:
		return ""
	case EntityMaterial, EntityTask:
		if len(id) > len(caseID)+1 && id[:len(caseID)+1] == caseID+"/" {
			return id[len(caseID)+1:]
		}
	}
	return id
}
