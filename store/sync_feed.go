package store

// This file serves the hub: it reads the op log as a change feed scoped to
// one device, and tells which ops are already held and which op holds each
// field, so the hub can answer per-op verdicts and overwrite notices.

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/google/uuid"
)

// FeedScope limits a feed read: to the cases of Office, or, when
// Department is set, to the cases that have a task of Department. Ops of
// entities outside cases (users) are always returned; the caller filters
// them on the User* columns of FeedOp.
type FeedScope struct {
	Office     string
	Department string
}

// FeedOp is an op of the feed with what the hub needs to scope it.
type FeedOp struct {
	Op
	Seq      int64
	Office   string   // the case's current office
	TaskDept string   // for task ops: the task's current department
	Items    []string // for a Department scope: the items of its tasks in the case
	// For user ops: the user's current office, department and role.
	UserOffice, UserDept, UserRole string
}

// FeedHigh returns the highest sequence committed so far. Sequences are
// assigned inside the single writing transaction, so every op at or below
// the returned value is visible to any read that starts afterwards.
func (db *DB) FeedHigh(ctx context.Context) (int64, error) {
	var n int64
	if err := db.queryRow(ctx, `SELECT coalesce(max(seq), 0) FROM ops`).Scan(&n); err != nil {
		return 0, fmt.Errorf("feed high: %w", err)
	}
	return n, nil
}

const feedColumns = `SELECT o.seq, o.id, d.name, u.name, o.wall, o.logical, o.entity, o.key, coalesce(c.id, ''), o.fields,
	coalesce(c.office, ''), coalesce(t.department, ''), coalesce(us.office, ''), coalesce(us.department, ''), coalesce(us.role, ''), %s
	FROM ops o JOIN peers d ON d.ref = o.device_ref JOIN peers u ON u.ref = o.user_ref
	LEFT JOIN cases c ON c.rid = o.case_rid AND o.case_rid <> 0
	LEFT JOIN tasks t ON t.case_rid = o.case_rid AND o.entity = 'task' AND t.item = o.key
	LEFT JOIN users us ON o.case_rid = 0 AND o.entity = 'user' AND us.id = o.key `

// FeedAfter returns up to limit ops with after < seq <= high in scope, in
// sequence order.
func (db *DB) FeedAfter(ctx context.Context, after, high int64, limit int, sc FeedScope) ([]FeedOp, error) {
	var q string
	var args []any
	if sc.Department != "" {
		q = fmt.Sprintf(feedColumns, `coalesce((SELECT group_concat(t3.item, ',') FROM tasks t3 WHERE t3.case_rid = o.case_rid AND t3.department = ?1), '')`) +
			`WHERE o.seq > ?2 AND o.seq <= ?3 AND (o.case_rid = 0 OR EXISTS
			(SELECT 1 FROM tasks t2 WHERE t2.case_rid = o.case_rid AND t2.department = ?1)) ORDER BY o.seq LIMIT ?4`
		args = []any{sc.Department, after, high, limit}
	} else {
		q = fmt.Sprintf(feedColumns, `''`) + `WHERE o.seq > ?2 AND o.seq <= ?3 AND (o.case_rid = 0 OR c.office = ?1) ORDER BY o.seq LIMIT ?4`
		args = []any{sc.Office, after, high, limit}
	}
	out, err := db.feedQuery(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("feed after %d: %w", after, err)
	}
	return out, nil
}

// UserFeed returns the ops of users (entity user, and the restamps of ops
// outside cases) with a sequence up to high, in sequence order: what a
// device starting from a snapshot needs besides the snapshot's cases. The caller
// scopes them like FeedAfter's.
func (db *DB) UserFeed(ctx context.Context, high int64) ([]FeedOp, error) {
	q := fmt.Sprintf(feedColumns, `''`) + `WHERE o.case_rid = 0 AND o.entity IN ('user', 'restamp') AND o.seq <= ?1 ORDER BY o.seq`
	out, err := db.feedQuery(ctx, q, high)
	if err != nil {
		return nil, fmt.Errorf("user feed: %w", err)
	}
	return out, nil
}

// UserOpsBefore returns the ops of user userID with a sequence below
// before, in sequence order: the hub sends them along when a user moves
// into a device's scope.
func (db *DB) UserOpsBefore(ctx context.Context, userID string, before int64) ([]FeedOp, error) {
	q := fmt.Sprintf(feedColumns, `''`) + `WHERE o.case_rid = 0 AND o.entity = 'user' AND o.key = ?1 AND o.seq < ?2 ORDER BY o.seq`
	out, err := db.feedQuery(ctx, q, userID, before)
	if err != nil {
		return nil, fmt.Errorf("user feed %s: %w", userID, err)
	}
	return out, nil
}

// HoldsCases reports whether the store holds any case or op of one.
func (db *DB) HoldsCases(ctx context.Context) (bool, error) {
	var yes bool
	if err := db.queryRow(ctx, `SELECT EXISTS (SELECT 1 FROM cases) OR EXISTS (SELECT 1 FROM ops WHERE case_rid <> 0)`).Scan(&yes); err != nil {
		return false, fmt.Errorf("holds cases: %w", err)
	}
	return yes, nil
}

// OfficeCaseCounts returns how many cases each office holds now.
func (db *DB) OfficeCaseCounts(ctx context.Context) (map[string]int, error) {
	rows, err := db.query(ctx, `SELECT office, count(*) FROM cases GROUP BY office`)
	if err != nil {
		return nil, fmt.Errorf("office case counts: %w", err)
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var o string
		var n int
		if err := rows.Scan(&o, &n); err != nil {
			return nil, fmt.Errorf("office case counts: %w", err)
		}
		out[o] = n
	}
	return out, rows.Err()
}

// OfficeHigh returns the highest sequence of an op of office's cases (0
// when none): a snapshot of the office at that sequence or later is
// still exact.
func (db *DB) OfficeHigh(ctx context.Context, office string) (int64, error) {
	var n int64
	if err := db.queryRow(ctx, `SELECT coalesce(max(seq), 0) FROM ops WHERE case_rid IN (SELECT rid FROM cases WHERE office = ?)`, office).Scan(&n); err != nil {
		return 0, fmt.Errorf("office high: %w", err)
	}
	return n, nil
}

// CaseCount returns how many cases office holds now.
func (db *DB) CaseCount(ctx context.Context, office string) (int, error) {
	var n int
	if err := db.queryRow(ctx, `SELECT count(*) FROM cases WHERE office = ?`, office).Scan(&n); err != nil {
		return 0, fmt.Errorf("case count: %w", err)
	}
	return n, nil
}

// CaseFeedBefore returns the ops of case caseID with a sequence below
// before, in sequence order, with Items for department (when set). The hub
// sends them along when a case enters a department's scope.
func (db *DB) CaseFeedBefore(ctx context.Context, caseID string, before int64, department string) ([]FeedOp, error) {
	q := fmt.Sprintf(feedColumns, `coalesce((SELECT group_concat(t3.item, ',') FROM tasks t3 WHERE t3.case_rid = o.case_rid AND t3.department = ?1), '')`) +
		`WHERE o.case_rid = (SELECT rid FROM cases WHERE id = ?2) AND o.seq < ?3 ORDER BY o.seq`
	out, err := db.feedQuery(ctx, q, department, caseID, before)
	if err != nil {
		return nil, fmt.Errorf("case feed %s: %w", caseID, err)
	}
	return out, nil
}

func (db *DB) feedQuery(ctx context.Context, q string, args ...any) ([]FeedOp, error) {
	rows, err := db.query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []FeedOp
	for rows.Next() {
		var (
			f               FeedOp
			id              []byte
			logical         int64
			key, fjs, items string
		)
		if err := rows.Scan(&f.Seq, &id, &f.Device, &f.User, &f.HLC.Wall, &logical, &f.Entity, &key, &f.CaseID, &fjs,
			&f.Office, &f.TaskDept, &f.UserOffice, &f.UserDept, &f.UserRole, &items); err != nil {
			return nil, err
		}
		u, err := uuid.FromBytes(id)
		if err != nil {
			return nil, fmt.Errorf("op %d: %w", f.Seq, err)
		}
		f.ID = u.String()
		f.HLC.Logical = uint32(logical)
		f.EntityID = entityID(f.Entity, f.CaseID, key)
		if err := json.Unmarshal([]byte(fjs), &f.Fields); err != nil {
			return nil, fmt.Errorf("op %s fields: %w", f.ID, err)
		}
		if items != "" {
			f.Items = strings.Split(items, ",")
		}
		out = append(out, f)
	}
	return out, rows.Err()
}

// OpSeqs returns the local sequence of each op id held (absent: not held).
func (db *DB) OpSeqs(ctx context.Context, ids []string) (map[string]int64, error) {
	out := make(map[string]int64, len(ids))
	for _, id := range ids {
		u, err := uuid.Parse(id)
		if err != nil {
			continue
		}
		var seq int64
		err = db.queryRow(ctx, `SELECT seq FROM ops WHERE id = ?`, u[:]).Scan(&seq)
		if err == nil {
			out[id] = seq
		} else if notFound(err) != ErrNotFound {
			return nil, fmt.Errorf("op seqs: %w", err)
		}
	}
	return out, nil
}

// Winner is the op that holds one field's value.
type Winner struct {
	OpID   string
	Device string
	HLC    HLC
	Seq    int64
	Value  string
}

// Beaten reports whether an op stamped (h, device, opID) wins over w, by
// the merge's order: HLC, then device id, then op id.
func (w Winner) Beaten(h HLC, device, opID string) bool {
	if c := h.Compare(w.HLC); c != 0 {
		return c > 0
	}
	if device != w.Device {
		return device > w.Device
	}
	a, err1 := uuid.Parse(opID)
	b, err2 := uuid.Parse(w.OpID)
	if err1 != nil || err2 != nil {
		return opID > w.OpID
	}
	return string(a[:]) > string(b[:])
}

// FieldRef names one field of one entity.
type FieldRef struct{ Entity, EntityID, Field string }

// FieldWinners returns, for every field of every entity of case caseID, the
// op that holds its value. An unknown case has none.
func (db *DB) FieldWinners(ctx context.Context, caseID string) (map[FieldRef]Winner, error) {
	rows, err := db.query(ctx, `SELECT f.entity, f.key, f.field, f.value, o.seq, o.id, p.name, coalesce(r.wall, o.wall), coalesce(r.logical, o.logical)
		FROM fields f JOIN ops o ON o.seq = f.op JOIN peers p ON p.ref = o.device_ref LEFT JOIN restamps r ON r.op = o.id
		WHERE f.case_rid = (SELECT rid FROM cases WHERE id = ?)`, caseID)
	if err != nil {
		return nil, fmt.Errorf("field winners %s: %w", caseID, err)
	}
	defer rows.Close()
	out := map[FieldRef]Winner{}
	for rows.Next() {
		var (
			entity, key, field string
			w                  Winner
			id                 []byte
			logical            int64
		)
		if err := rows.Scan(&entity, &key, &field, &w.Value, &w.Seq, &id, &w.Device, &w.HLC.Wall, &logical); err != nil {
			return nil, fmt.Errorf("field winners %s: %w", caseID, err)
		}
		u, err := uuid.FromBytes(id)
		if err != nil {
			return nil, fmt.Errorf("field winners %s: %w", caseID, err)
		}
		w.OpID = u.String()
		w.HLC.Logical = uint32(logical)
		out[FieldRef{entity, entityID(entity, caseID, key), field}] = w
	}
	return out, rows.Err()
}
