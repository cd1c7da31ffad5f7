package store

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"
)

// ApplyResult tells what ApplyRemote did with a batch.
type ApplyResult struct {
	Applied    int // new ops written to the log
	Duplicates int // ops already in the log: nothing changed
	Conflicts  int // conflicts recorded
	Rejected   []Rejected
}

// Rejected is an op refused as malformed.
type Rejected struct {
	OpID   string
	Reason string
}

// fkey names one field of one entity inside a case (or, for case rid 0, of
// an entity outside cases).
type fkey struct{ entity, key, field string }

// reg is the current winner of one field: the register of the merge.
type reg struct {
	value   string
	seq     int64
	hlc     HLC
	device  string
	id      []byte
	pending bool // written by a local op still in the outbox
}

// beats reports whether an op stamped (h, device, id) wins over r: highest
// HLC, then device id, then op id, so every replica picks the same winner.
func (r *reg) beatenBy(h HLC, device string, id []byte) bool {
	if c := h.Compare(r.hlc); c != 0 {
		return c > 0
	}
	if device != r.device {
		return device > r.device
	}
	return bytes.Compare(id, r.id) > 0
}

// touched records which projections of a case an apply changed.
type touched struct{ caseRow, materials, tasks bool }

type merger struct {
	w      *wtx
	local  bool
	regs   map[int64]map[fkey]*reg
	dirty  map[int64]*touched
	users  map[string]bool
	result ApplyResult
	// restamps: 0 not yet asked whether the store holds any restamp, 1
	// none, 2 some (see restamp.go).
	restamps int
}

// ApplyRemote merges ops received from the hub (or, on the hub, from a
// device): idempotent by op id, with the same per-field merge as local
// writes. When a remote value beats a local value not yet acknowledged and
// the two differ, a Conflict is recorded; both values stay available.
// Malformed ops are rejected one by one and do not stop the batch.
func (db *DB) ApplyRemote(ctx context.Context, ops []Op) (ApplyResult, error) {
	var res ApplyResult
	err := db.write(ctx, func(w *wtx) error {
		var err error
		res, err = w.apply(ops, false)
		return err
	})
	return res, err
}

// apply is the one merge of the store, for local and remote ops alike.
func (w *wtx) apply(ops []Op, local bool) (ApplyResult, error) {
	m := newMerger(w, local)
	for i := range ops {
		if err := m.one(&ops[i]); err != nil {
			return m.result, err
		}
	}
	return m.result, m.refresh()
}

func newMerger(w *wtx, local bool) *merger {
	return &merger{w: w, local: local, regs: map[int64]map[fkey]*reg{}, dirty: map[int64]*touched{}, users: map[string]bool{}}
}

// refresh rebuilds the projections of what the merge changed.
func (m *merger) refresh() error {
	rids := make([]int64, 0, len(m.dirty))
	for rid := range m.dirty {
		rids = append(rids, rid)
	}
	sort.Slice(rids, func(i, j int) bool { return rids[i] < rids[j] })
	for _, rid := range rids {
		if err := m.w.refreshCase(rid, *m.dirty[rid]); err != nil {
			return err
		}
	}
	for id := range m.users {
		if err := m.w.refreshUser(id); err != nil {
			return err
		}
	}
	return nil
}

func (m *merger) one(op *Op) error {
	w := m.w
	inCase, key, err := opKey(op)
	if err != nil {
		if m.local {
			return err
		}
		m.result.Rejected = append(m.result.Rejected, Rejected{OpID: op.ID, Reason: err.Error()})
		return nil
	}
	u := uuid.MustParse(op.ID)
	id := u[:]
	var rid int64
	if inCase {
		if rid, err = w.caseRID(op.CaseID); err != nil {
			return err
		}
	}
	devRef, err := w.peer(op.Device)
	if err != nil {
		return err
	}
	userRef, err := w.peer(op.User)
	if err != nil {
		return err
	}
	fjs, err := json.Marshal(op.Fields)
	if err != nil {
		return fmt.Errorf("op %s: %w", op.ID, err)
	}
	rows, err := w.query(`INSERT INTO ops (id, device_ref, user_ref, wall, logical, entity, case_rid, key, fields)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING RETURNING seq`,
		id, devRef, userRef, op.HLC.Wall, int64(op.HLC.Logical), op.Entity, rid, key, string(fjs))
	if err != nil {
		return fmt.Errorf("insert op %s: %w", op.ID, err)
	}
	var seq int64
	found := rows.Next()
	if found {
		err = rows.Scan(&seq)
	}
	rows.Close()
	if err != nil {
		return fmt.Errorf("insert op %s: %w", op.ID, err)
	}
	if !found {
		m.result.Duplicates++
		return nil
	}
	m.result.Applied++
	if m.local {
		if _, err := w.exec(`INSERT INTO outbox (seq, sig) VALUES (?, ?)`, seq, op.Sig); err != nil {
			return fmt.Errorf("outbox %s: %w", op.ID, err)
		}
	} else {
		w.db.clock.observe(op.HLC)
		w.tick = true
	}
	if op.Entity == EntityEvent {
		return nil // facts, not state: History reads them from the log
	}
	if op.Entity == EntityRestamp {
		return m.restamp(op)
	}
	stamp, err := m.stampOf(op.HLC, id)
	if err != nil {
		return err
	}
	regs, err := m.registers(rid)
	if err != nil {
		return err
	}
	names := make([]string, 0, len(op.Fields))
	for f := range op.Fields {
		names = append(names, f)
	}
	sort.Strings(names)
	win := make([]any, 0, 6*len(names))
	for _, f := range names {
		v := op.Fields[f]
		k := fkey{op.Entity, key, f}
		cur := regs[k]
		if cur != nil && !cur.beatenBy(stamp, op.Device, id) {
			continue
		}
		if cur != nil && !m.local && cur.pending && cur.value != v && !bookkeeping(op.Entity, f) {
			if err := m.conflict(op, cur, f, v); err != nil {
				return err
			}
		}
		win = append(win, rid, op.Entity, key, f, v, seq)
		regs[k] = &reg{value: v, seq: seq, hlc: stamp, device: op.Device, id: id, pending: m.local}
	}
	if len(win) == 0 {
		return nil
	}
	if _, err := w.exec(upsertFields(len(win)/6), win...); err != nil {
		return fmt.Errorf("merge op %s: %w", op.ID, err)
	}
	if !inCase {
		m.users[key] = true
		return nil
	}
	t := m.dirty[rid]
	if t == nil {
		t = &touched{}
		m.dirty[rid] = t
	}
	switch op.Entity {
	case EntityCase:
		t.caseRow = true
	case EntityMaterial:
		t.materials = true
	case EntityTask:
		t.tasks = true
	}
	return nil
}

// bookkeeping reports whether a field only records when or follows from
// other fields (a case's updated_at and state, a task's updated_at): a
// remote value beating a local one there is no conflict to show a clerk.
func bookkeeping(entity, field string) bool {
	switch entity {
	case EntityCase:
		return field == "updated_at" || field == "state" || field == "closed_at"
	case EntityTask:
		return field == "updated_at"
	}
	return false
}

func (m *merger) conflict(op *Op, cur *reg, field, remote string) error {
	lu, _ := uuid.FromBytes(cur.id)
	_, err := m.w.exec(`INSERT INTO conflicts (entity, entity_id, case_id, field, local_value, remote_value, local_op, remote_op, at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, op.Entity, op.EntityID, op.CaseID, field, cur.value, remote, lu.String(), op.ID,
		formatTime(m.w.db.now()))
	if err != nil {
		return fmt.Errorf("record conflict on %s %s: %w", op.EntityID, field, err)
	}
	m.result.Conflicts++
	return nil
}

// registers loads the current winners of every field of case rid (rid 0:
// the entities outside cases).
func (m *merger) registers(rid int64) (map[fkey]*reg, error) {
	if r, ok := m.regs[rid]; ok {
		return r, nil
	}
	rows, err := m.w.query(`SELECT f.entity, f.key, f.field, f.value, f.op, coalesce(r.wall, o.wall), coalesce(r.logical, o.logical),
		p.name, o.id, ob.seq IS NOT NULL
		FROM fields f JOIN ops o ON o.seq = f.op JOIN peers p ON p.ref = o.device_ref LEFT JOIN restamps r ON r.op = o.id
		LEFT JOIN outbox ob ON ob.seq = f.op WHERE f.case_rid = ?`, rid)
	if err != nil {
		return nil, fmt.Errorf("load registers: %w", err)
	}
	defer rows.Close()
	regs := map[fkey]*reg{}
	for rows.Next() {
		var k fkey
		r := &reg{}
		var logical int64
		if err := rows.Scan(&k.entity, &k.key, &k.field, &r.value, &r.seq, &r.hlc.Wall, &logical, &r.device, &r.id, &r.pending); err != nil {
			return nil, fmt.Errorf("load registers: %w", err)
		}
		r.hlc.Logical = uint32(logical)
		regs[k] = r
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("load registers: %w", err)
	}
	m.regs[rid] = regs
	return regs, nil
}

// newLocal stamps a local op setting fields on an entity.
func (w *wtx) newLocal(user, entity, caseID, entityID string, fields map[string]string) (Op, error) {
	id, err := uuid.NewV7()
	if err != nil {
		return Op{}, fmt.Errorf("op id: %w", err)
	}
	w.tick = true
	op := Op{ID: id.String(), Device: w.db.dev, User: user, HLC: w.db.clock.tick(),
		Entity: entity, EntityID: entityID, CaseID: caseID, Fields: fields}
	if op.Sig, err = w.db.sign(op); err != nil {
		return Op{}, err
	}
	return op, nil
}

// Conflict is a field where a remote value beat a local unsynced one.
type Conflict struct {
	ID          int64
	Entity      string
	EntityID    string
	CaseID      string
	Field       string
	LocalValue  string
	RemoteValue string
	LocalOp     string
	RemoteOp    string
	At          time.Time
}

// Conflicts lists the unresolved conflicts, oldest first.
func (db *DB) Conflicts(ctx context.Context) ([]Conflict, error) {
	rows, err := db.query(ctx, `SELECT id, entity, entity_id, case_id, field, local_value, remote_value, local_op, remote_op, at
		FROM conflicts WHERE resolved_at = '' ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("conflicts: %w", err)
	}
	defer rows.Close()
	var out []Conflict
	for rows.Next() {
		var c Conflict
		var at string
		if err := rows.Scan(&c.ID, &c.Entity, &c.EntityID, &c.CaseID, &c.Field, &c.LocalValue, &c.RemoteValue, &c.LocalOp, &c.RemoteOp, &at); err != nil {
			return nil, fmt.Errorf("conflicts: %w", err)
		}
		c.At = parseTime(at)
		out = append(out, c)
	}
	return out, rows.Err()
}

// ResolveConflict closes conflict id. With keepLocal the local value is
// written again as a new local op, which beats the remote one everywhere;
// otherwise the remote value, already in place, stays.
func (db *DB) ResolveConflict(ctx context.Context, a Actor, id int64, keepLocal bool) error {
	return db.write(ctx, func(w *wtx) error {
		var c Conflict
		err := w.queryRow(`SELECT entity, entity_id, case_id, field, local_value FROM conflicts WHERE id = ? AND resolved_at = ''`, id).
			Scan(&c.Entity, &c.EntityID, &c.CaseID, &c.Field, &c.LocalValue)
		if err != nil {
			return fmt.Errorf("resolve conflict %d: %w", id, notFound(err))
		}
		if keepLocal {
			op, err := w.newLocal(a.UserID, c.Entity, c.CaseID, c.EntityID, map[string]string{c.Field: c.LocalValue})
			if err != nil {
				return err
			}
			if _, err := w.apply([]Op{op}, true); err != nil {
				return fmt.Errorf("resolve conflict %d: %w", id, err)
			}
		}
		_, err = w.exec(`UPDATE conflicts SET resolved_at = ?, kept_local = ? WHERE id = ?`, formatTime(w.db.now()), keepLocal, id)
		if err != nil {
			return fmt.Errorf("resolve conflict %d: %w", id, err)
		}
		return nil
	})
}

var upsertSQL sync.Map // rows -> statement text

// upsertFields is the statement that writes n winning field values at once.
func upsertFields(n int) string {
	if q, ok := upsertSQL.Load(n); ok {
		return q.(string)
	}
	q := "INSERT INTO fields (case_rid, entity, key, field, value, op) VALUES " +
		strings.TrimSuffix(strings.Repeat("(?, ?, ?, ?, ?, ?), ", n), ", ") +
		" ON CONFLICT (case_rid, entity, key, field) DO UPDATE SET value = excluded.value, op = excluded.op"
	upsertSQL.Store(n, q)
	return q
}
