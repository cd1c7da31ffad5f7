package store

// This file repairs ops the hub accepted stamped beyond its clock's drift
// bound (before the bound existed, or from a hub whose own clock was
// wrong). Such an op outranks every later edit of its fields for as long
// as its stamp is ahead, on every replica. The op log is append-only and an
// op may be signed as it was made, so the op keeps its stamp; the repair is
// a new op, a restamp (entity EntityRestamp), naming the op and its new
// stamp. It flows to devices through the feed like any op, and the merge
// orders the op by its new stamp from then on (table restamps), on the hub
// and on every device alike.

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"

	"github.com/google/uuid"
)

// restampOf returns the new stamp a restamp op gives.
func restampOf(op *Op) (HLC, error) {
	if len(op.Fields) != 2 {
		return HLC{}, errors.New("restamp sets wall and logical")
	}
	w, err1 := strconv.ParseInt(op.Fields["wall"], 10, 64)
	l, err2 := strconv.ParseUint(op.Fields["logical"], 10, 32)
	if err1 != nil || err2 != nil || w < 0 {
		return HLC{}, errors.New("restamp sets wall and logical")
	}
	return HLC{Wall: w, Logical: uint32(l)}, nil
}

// stampOf returns the stamp the merge orders op id by: its restamp when it
// has one, else h, its own.
func (m *merger) stampOf(h HLC, id []byte) (HLC, error) {
	if m.restamps == 0 {
		var any bool
		if err := m.w.queryRow(`SELECT EXISTS (SELECT 1 FROM restamps)`).Scan(&any); err != nil {
			return h, fmt.Errorf("restamps: %w", err)
		}
		m.restamps = 1
		if any {
			m.restamps = 2
		}
	}
	if m.restamps == 1 {
		return h, nil
	}
	var wall, logical int64
	err := m.w.queryRow(`SELECT wall, logical FROM restamps WHERE op = ?`, id).Scan(&wall, &logical)
	if errors.Is(err, sql.ErrNoRows) {
		return h, nil
	} else if err != nil {
		return h, fmt.Errorf("restamp of op: %w", err)
	}
	return HLC{Wall: wall, Logical: uint32(logical)}, nil
}

// restamp applies restamp op op: the named op takes the new stamp (unless
// a later restamp already gave it one), and every field it set gets the
// winner the merge picks with the new stamp. An op not held yet takes its
// restamp when it arrives.
func (m *merger) restamp(op *Op) error {
	w := m.w
	to, err := restampOf(op)
	if err != nil {
		return fmt.Errorf("op %s: %w", op.ID, err)
	}
	target := uuid.MustParse(op.EntityID)
	res, err := w.exec(`INSERT INTO restamps (op, wall, logical, by_wall, by_logical) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (op) DO UPDATE SET wall = excluded.wall, logical = excluded.logical, by_wall = excluded.by_wall, by_logical = excluded.by_logical
		WHERE excluded.by_wall > restamps.by_wall OR (excluded.by_wall = restamps.by_wall AND excluded.by_logical > restamps.by_logical)`,
		target[:], to.Wall, int64(to.Logical), op.HLC.Wall, int64(op.HLC.Logical))
	if err != nil {
		return fmt.Errorf("restamp %s: %w", op.EntityID, err)
	}
	m.restamps = 2
	if n, _ := res.RowsAffected(); n == 0 {
		return nil // a later restamp holds
	}
	return m.reorder(target[:])
}

// reorder gives every field op target set the winner the merge picks with
// the op's current stamp. An op not held does nothing.
func (m *merger) reorder(target []byte) error {
	w := m.w
	var (
		rid              int64
		entity, key, fjs string
	)
	u, _ := uuid.FromBytes(target)
	err := w.queryRow(`SELECT case_rid, entity, key, fields FROM ops WHERE id = ?`, target).Scan(&rid, &entity, &key, &fjs)
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	} else if err != nil {
		return fmt.Errorf("reorder %s: %w", u, err)
	}
	if entity == EntityEvent || entity == EntityRestamp {
		return nil
	}
	var set map[string]string
	if err := json.Unmarshal([]byte(fjs), &set); err != nil {
		return fmt.Errorf("reorder %s: %w", u, err)
	}
	best, err := m.winners(rid, entity, key, set)
	if err != nil {
		return fmt.Errorf("reorder %s: %w", u, err)
	}
	delete(m.regs, rid) // stamps changed: reload when next needed
	win := make([]any, 0, 6*len(best))
	for f, r := range best {
		win = append(win, rid, entity, key, f, r.value, r.seq)
	}
	if len(win) > 0 {
		if _, err := w.exec(upsertFields(len(win)/6), win...); err != nil {
			return fmt.Errorf("reorder %s: %w", u, err)
		}
	}
	if rid == 0 {
		if entity == EntityUser {
			m.users[key] = true
		}
		return nil
	}
	t := m.dirty[rid]
	if t == nil {
		t = &touched{}
		m.dirty[rid] = t
	}
	switch entity {
	case EntityCase:
		t.caseRow = true
	case EntityMaterial:
		t.materials = true
	case EntityTask:
		t.tasks = true
	}
	return nil
}

// winners picks, from every op held of one entity, the winner of each
// field of set, ordering ops by their current stamps.
func (m *merger) winners(rid int64, entity, key string, set map[string]string) (map[string]*reg, error) {
	rows, err := m.w.query(`SELECT o.seq, o.id, p.name, coalesce(r.wall, o.wall), coalesce(r.logical, o.logical), o.fields
		FROM ops o JOIN peers p ON p.ref = o.device_ref LEFT JOIN restamps r ON r.op = o.id
		WHERE o.case_rid = ? AND o.entity = ? AND o.key = ?`, rid, entity, key)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	best := map[string]*reg{}
	for rows.Next() {
		var (
			c       reg
			logical int64
			fjs     string
		)
		if err := rows.Scan(&c.seq, &c.id, &c.device, &c.hlc.Wall, &logical, &fjs); err != nil {
			return nil, err
		}
		c.hlc.Logical = uint32(logical)
		var fields map[string]string
		if err := json.Unmarshal([]byte(fjs), &fields); err != nil {
			return nil, err
		}
		for f := range set {
			v, ok := fields[f]
			if !ok {
				continue
			}
			if cur := best[f]; cur == nil || cur.beatenBy(c.hlc, c.device, c.id) {
				r := c
				r.value = v
				best[f] = &r
			}
		}
	}
	return best, rows.Err()
}

// RestampResult tells what RestampFuture did.
type RestampResult struct {
	Ops    int // ops given a new stamp
	Latest HLC // the latest of their stamps before
	From   HLC // their new stamps, from
	To     HLC // to
}

// RestampFuture gives every op stamped beyond this store's bound (its wall
// clock plus MaxDrift) a new stamp at its wall clock, by writing a restamp
// op for each as user. The new stamps keep the ops' merge order among
// themselves and stay after every other op, so no field changes value: the
// ops only stop outranking every later edit. Meant for the hub, whose
// restamp ops reach the devices through the feed.
func (db *DB) RestampFuture(ctx context.Context, user string) (RestampResult, error) {
	var res RestampResult
	err := db.write(ctx, func(w *wtx) error {
		res = RestampResult{}
		pt := db.now().UnixMilli()
		limit := db.clock.limit(pt)
		type future struct{ id, caseID string }
		var found []future
		rows, err := w.query(`SELECT o.id, coalesce(c.id, ''), coalesce(r.wall, o.wall) AS ew, coalesce(r.logical, o.logical) AS el
			FROM ops o JOIN peers p ON p.ref = o.device_ref LEFT JOIN restamps r ON r.op = o.id
			LEFT JOIN cases c ON c.rid = o.case_rid AND o.case_rid <> 0
			WHERE coalesce(r.wall, o.wall) > ? AND o.entity <> 'restamp' ORDER BY ew, el, p.name, o.id`, limit)
		if err != nil {
			return fmt.Errorf("ops beyond the bound: %w", err)
		}
		for rows.Next() {
			var (
				id      []byte
				f       future
				wall, l int64
			)
			if err := rows.Scan(&id, &f.caseID, &wall, &l); err != nil {
				rows.Close()
				return fmt.Errorf("ops beyond the bound: %w", err)
			}
			u, err := uuid.FromBytes(id)
			if err != nil {
				rows.Close()
				return fmt.Errorf("ops beyond the bound: %w", err)
			}
			f.id = u.String()
			found = append(found, f)
			res.Latest = HLC{Wall: wall, Logical: uint32(l)}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("ops beyond the bound: %w", err)
		}
		if len(found) == 0 {
			return nil
		}
		// The new stamps start after every op left as it is.
		var bw, bl int64
		err = w.queryRow(`SELECT coalesce(r.wall, o.wall) AS ew, coalesce(r.logical, o.logical) AS el
			FROM ops o LEFT JOIN restamps r ON r.op = o.id WHERE coalesce(r.wall, o.wall) <= ? ORDER BY ew DESC, el DESC LIMIT 1`, limit).Scan(&bw, &bl)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("latest op within the bound: %w", err)
		}
		// The clock itself may stand up to the bound ahead, carried there by
		// the very ops repaired now: it goes back to the wall clock, or to
		// the latest op left as it is when that is later.
		db.clock.last = maxHLC(HLC{Wall: pt}, HLC{Wall: bw, Logical: uint32(bl)})
		w.tick = true
		ops := make([]Op, len(found))
		for i, f := range found {
			id, err := uuid.NewV7()
			if err != nil {
				return fmt.Errorf("op id: %w", err)
			}
			h := db.clock.tick()
			ops[i] = Op{ID: id.String(), Device: db.dev, User: user, HLC: h, Entity: EntityRestamp, EntityID: f.id, CaseID: f.caseID,
				Fields: map[string]string{"wall": strconv.FormatInt(h.Wall, 10), "logical": strconv.FormatUint(uint64(h.Logical), 10)}}
		}
		res.Ops, res.From, res.To = len(ops), ops[0].HLC, ops[len(ops)-1].HLC
		ar, err := w.apply(ops, false)
		if err != nil {
			return err
		}
		if len(ar.Rejected) > 0 {
			return fmt.Errorf("restamp op %s: %s", ar.Rejected[0].OpID, ar.Rejected[0].Reason)
		}
		return nil
	})
	if err != nil {
		return RestampResult{}, fmt.Errorf("restamp future ops: %w", err)
	}
	return res, nil
}

// Retract takes local op opID, which the hub refused for its stamp
// (syncapi.ReasonClock) and which no other replica therefore holds, out of
// the race for its fields on this device: it keeps its place in the log
// and in the set-aside list, but is ordered before every other op, so each
// field it set shows the value the hub has again (a later correct edit
// from another desk included). Only an op still in the outbox may be
// retracted.
func (db *DB) Retract(ctx context.Context, opID string) error {
	u, err := uuid.Parse(opID)
	if err != nil {
		return fmt.Errorf("retract %s: %w", opID, ErrNotFound)
	}
	return db.write(ctx, func(w *wtx) error {
		var waiting bool
		err := w.queryRow(`SELECT EXISTS (SELECT 1 FROM outbox ob JOIN ops o ON o.seq = ob.seq WHERE o.id = ?)`, u[:]).Scan(&waiting)
		if err != nil {
			return fmt.Errorf("retract %s: %w", opID, err)
		}
		if !waiting {
			return fmt.Errorf("retract %s: not a local op waiting for the hub: %w", opID, ErrNotFound)
		}
		// Before every stamp (walls are never negative), and final: by the
		// largest stamp, no restamp can undo it.
		_, err = w.exec(`INSERT INTO restamps (op, wall, logical, by_wall, by_logical) VALUES (?, -1, 0, ?, ?)
			ON CONFLICT (op) DO UPDATE SET wall = -1, logical = 0, by_wall = excluded.by_wall, by_logical = excluded.by_logical`,
			u[:], int64(math.MaxInt64), int64(math.MaxUint32))
		if err != nil {
			return fmt.Errorf("retract %s: %w", opID, err)
		}
		m := newMerger(w, false)
		m.restamps = 2
		if err := m.reorder(u[:]); err != nil {
			return err
		}
		return m.refresh()
	})
}
