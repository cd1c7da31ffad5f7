package store

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/google/uuid"
	"vetdesk/casework"
)

// Change is one field an op changed.
type Change struct {
	Field    string // e.g. "state", "v:name", "status"
	Old, New string // sensitive values masked
}

// Event is one entry of a case's timeline: one op.
type Event struct {
	OpID     string
	At       time.Time // the HLC wall time
	HLC      HLC
	Device   string
	UserID   string
	UserName string
	Entity   string
	EntityID string
	Action   string // for events ("accept"); "" for field changes
	Detail   string
	Changes  []Change
}

// History returns the timeline of a case in HLC order (a repaired op at
// its new stamp, an op retracted on this device left out): who, when, from
// which device, and what changed (old and new value of each field, as the
// merge decided: an op that lost to a later one shows its value as the
// "old" of the next change). Sensitive values are masked.
func (db *DB) History(ctx context.Context, caseID string) ([]Event, error) {
	rows, err := db.query(ctx, `SELECT `+opColumns+` WHERE o.case_rid = (SELECT rid FROM cases WHERE id = ?)`, caseID)
	if err != nil {
		return nil, fmt.Errorf("history %s: %w", caseID, err)
	}
	var ops []Op
	for rows.Next() {
		op, _, err := scanOp(rows)
		if err != nil {
			rows.Close()
			return nil, fmt.Errorf("history %s: %w", caseID, err)
		}
		ops = append(ops, op)
	}
	err = rows.Err()
	rows.Close()
	if err != nil {
		return nil, fmt.Errorf("history %s: %w", caseID, err)
	}
	if ops, err = db.restamped(ctx, caseID, ops); err != nil {
		return nil, fmt.Errorf("history %s: %w", caseID, err)
	}
	if len(ops) == 0 {
		if _, err := db.Case(ctx, caseID); err != nil {
			return nil, err
		}
	}
	sort.Slice(ops, func(i, j int) bool {
		if c := ops[i].HLC.Compare(ops[j].HLC); c != 0 {
			return c < 0
		}
		if ops[i].Device != ops[j].Device {
			return ops[i].Device < ops[j].Device
		}
		return ops[i].ID < ops[j].ID
	})
	names, err := db.userNames(ctx)
	if err != nil {
		return nil, err
	}
	cur := map[fkey]string{}
	out := make([]Event, 0, len(ops))
	for _, op := range ops {
		e := Event{OpID: op.ID, At: op.HLC.Time(), HLC: op.HLC, Device: op.Device, UserID: op.User,
			UserName: names[op.User], Entity: op.Entity, EntityID: op.EntityID}
		if op.Entity == EntityRestamp {
			continue // a repair of a stamp, not a change
		}
		if op.Entity == EntityEvent {
			e.Action, e.Detail = op.Fields["action"], op.Fields["detail"]
			out = append(out, e)
			continue
		}
		key := strings.TrimPrefix(strings.TrimPrefix(op.EntityID, op.CaseID), "/")
		fields := make([]string, 0, len(op.Fields))
		for f := range op.Fields {
			fields = append(fields, f)
		}
		sort.Strings(fields)
		for _, f := range fields {
			k := fkey{op.Entity, key, f}
			sens := db.sensitivity(op.Entity, f)
			e.Changes = append(e.Changes, Change{Field: f, Old: casework.Mask(sens, cur[k]), New: casework.Mask(sens, op.Fields[f])})
			cur[k] = op.Fields[f]
		}
		out = append(out, e)
	}
	return out, nil
}

// sensitivity says how the value of a case field must be masked.
func (db *DB) sensitivity(entity, field string) casework.Sensitivity {
	code, ok := strings.CutPrefix(field, valuePrefix)
	if entity != EntityCase || !ok {
		return casework.SensitiveNone
	}
	if db.cat != nil {
		if f := db.cat.Field(code); f != nil && f.Sensitive != casework.SensitiveNone {
			return f.Sensitive
		}
	}
	switch code {
	case casework.FieldIDNumber:
		return casework.SensitiveID
	case casework.FieldPhone:
		return casework.SensitivePhone
	case casework.FieldBankAccount:
		return casework.SensitiveBank
	}
	return casework.SensitiveNone
}

func (db *DB) userNames(ctx context.Context) (map[string]string, error) {
	rows, err := db.query(ctx, `SELECT id, name FROM users`)
	if err != nil {
		return nil, fmt.Errorf("user names: %w", err)
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var id, name string
		if err := rows.Scan(&id, &name); err != nil {
			return nil, fmt.Errorf("user names: %w", err)
		}
		out[id] = name
	}
	return out, rows.Err()
}

// restamped gives ops of case caseID the stamps the merge orders them by
// (restamp.go) and leaves out the ops retracted on this device.
func (db *DB) restamped(ctx context.Context, caseID string, ops []Op) ([]Op, error) {
	rows, err := db.query(ctx, `SELECT o.id, r.wall, r.logical FROM restamps r JOIN ops o ON o.id = r.op
		WHERE o.case_rid = (SELECT rid FROM cases WHERE id = ?)`, caseID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	stamps := map[string]HLC{}
	for rows.Next() {
		var (
			id            []byte
			wall, logical int64
		)
		if err := rows.Scan(&id, &wall, &logical); err != nil {
			return nil, err
		}
		u, err := uuid.FromBytes(id)
		if err != nil {
			return nil, err
		}
		stamps[u.String()] = HLC{Wall: wall, Logical: uint32(logical)}
	}
	if err := rows.Err(); err != nil || len(stamps) == 0 {
		return ops, err
	}
	out := ops[:0]
	for _, op := range ops {
		if h, ok := stamps[op.ID]; ok {
			if h.Wall < 0 {
				continue // retracted: it never reached the hub
			}
			op.HLC = h
		}
		out = append(out, op)
	}
	return out, nil
}
