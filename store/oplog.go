package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
)

// Op is one operation of the log: the fields one device set on one entity.
type Op struct {
	ID       string // UUIDv7 made on the device: the idempotency key
	Device   string
	User     string
	HLC      HLC
	Entity   string // case, material, task, event, user
	EntityID string
	CaseID   string // the case the entity belongs to; "" for users
	Fields   map[string]string
	// Sig is the SM2 signature of a local op by its user's key (see
	// opsig), kept only while the op waits for the hub; nil otherwise.
	Sig []byte
}

// SetAsideOp is a local op the hub rejected, with its reason.
type SetAsideOp struct {
	Op     Op
	Reason string
}

// SyncState is what the desktop shows about sync.
type SyncState struct {
	Outbox    int // local ops waiting for the hub
	SetAside  int
	Conflicts int // unresolved
	LastPush  time.Time
	LastPull  time.Time
	LastError string
	// ClockSkew is the hub's clock minus this machine's, as last measured
	// by a sync (0: never measured).
	ClockSkew time.Duration
}

// ClockWarnSkew is how far this machine's clock may differ from the hub's
// before the desktop warns: under DefaultMaxDrift, so the clerk hears of a
// wrong clock before the hub refuses its edits.
const ClockWarnSkew = 2 * time.Minute

// ClockWrong reports whether the last measured clock difference with the
// hub is beyond ClockWarnSkew.
func (s SyncState) ClockWrong() bool {
	return s.ClockSkew > ClockWarnSkew || s.ClockSkew < -ClockWarnSkew
}

// Entities.
const (
	EntityCase     = "case"
	EntityMaterial = "material"
	EntityTask     = "task"
	EntityEvent    = "event"
	EntityUser     = "user"
	// EntityRestamp gives the op EntityID a new stamp (Fields "wall" and
	// "logical"): the hub's repair of an op it accepted stamped beyond its
	// drift bound. Only the hub writes it (see restamp.go).
	EntityRestamp = "restamp"
)

// opKey validates the entity and id of op and returns the key the entity
// has inside its case (or, for entities outside cases, its id).
func opKey(op *Op) (inCase bool, key string, err error) {
	bad := func(why string) (bool, string, error) {
		return false, "", fmt.Errorf("op %s: %s: %w", op.ID, why, ErrBadOp)
	}
	if _, err := uuid.Parse(op.ID); err != nil {
		return bad("id is not a UUID")
	}
	if op.Device == "" {
		return bad("no device")
	}
	switch op.Entity {
	case EntityCase:
		if op.CaseID == "" || op.EntityID != op.CaseID {
			return bad("case op must have entity id = case id")
		}
		return true, "", nil
	case EntityMaterial, EntityTask:
		k, ok := strings.CutPrefix(op.EntityID, op.CaseID+"/")
		if op.CaseID == "" || !ok || k == "" {
			return bad(op.Entity + " id must be case id/code")
		}
		return true, k, nil
	case EntityRestamp:
		if _, err := uuid.Parse(op.EntityID); err != nil {
			return bad("restamp needs the id of an op")
		}
		if _, err := restampOf(op); err != nil {
			return bad(err.Error())
		}
		return op.CaseID != "", op.EntityID, nil
	case EntityEvent:
		if op.CaseID == "" || op.EntityID == "" {
			return bad("event needs a case and an id")
		}
		return true, op.EntityID, nil
	case EntityUser:
		if op.CaseID != "" || op.EntityID == "" {
			return bad("user op has no case and needs an id")
		}
		return false, op.EntityID, nil
	}
	return bad("unknown entity " + op.Entity)
}

func entityID(entity, caseID, key string) string {
	switch entity {
	case EntityCase:
		return caseID
	case EntityMaterial, EntityTask:
		return caseID + "/" + key
	}
	return key
}

const opColumns = `o.seq, o.id, d.name, u.name, o.wall, o.logical, o.entity, o.key, coalesce(c.id, ''), o.fields
	FROM ops o JOIN peers d ON d.ref = o.device_ref JOIN peers u ON u.ref = o.user_ref
	LEFT JOIN cases c ON c.rid = o.case_rid AND o.case_rid <> 0`

func scanOp(rows *sql.Rows) (Op, int64, error) {
	var (
		op       Op
		seq      int64
		id       []byte
		logical  int64
		key, fjs string
	)
	if err := rows.Scan(&seq, &id, &op.Device, &op.User, &op.HLC.Wall, &logical, &op.Entity, &key, &op.CaseID, &fjs); err != nil {
		return op, 0, err
	}
	u, err := uuid.FromBytes(id)
	if err != nil {
		return op, 0, fmt.Errorf("op %d: %w", seq, err)
	}
	op.ID = u.String()
	op.HLC.Logical = uint32(logical)
	op.EntityID = entityID(op.Entity, op.CaseID, key)
	if err := json.Unmarshal([]byte(fjs), &op.Fields); err != nil {
		return op, 0, fmt.Errorf("op %s fields: %w", op.ID, err)
	}
	return op, seq, nil
}

func (db *DB) listOps(ctx context.Context, q string, args ...any) ([]Op, []int64, error) {
	return collectOps(db.query(ctx, q, args...))
}

// collectOps reads the ops and their sequences of a query on opColumns.
func collectOps(rows *sql.Rows, err error) ([]Op, []int64, error) {
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	var ops []Op
	var seqs []int64
	for rows.Next() {
		op, seq, err := scanOp(rows)
		if err != nil {
			return nil, nil, err
		}
		ops = append(ops, op)
		seqs = append(seqs, seq)
	}
	return ops, seqs, rows.Err()
}

// Outbox returns up to limit local ops not yet acknowledged by the hub,
// oldest first, leaving out set-aside ones.
func (db *DB) Outbox(ctx context.Context, limit int) ([]Op, error) {
	ops, seqs, err := db.listOps(ctx, `SELECT `+opColumns+` JOIN outbox ob ON ob.seq = o.seq
		WHERE ob.set_aside IS NULL ORDER BY o.seq LIMIT ?`, limit)
	if err != nil {
		return nil, fmt.Errorf("outbox: %w", err)
	}
	if len(ops) == 0 {
		return ops, nil
	}
	rows, err := db.query(ctx, `SELECT seq, sig FROM outbox WHERE seq BETWEEN ? AND ? AND sig IS NOT NULL`, seqs[0], seqs[len(seqs)-1])
	if err != nil {
		return nil, fmt.Errorf("outbox: %w", err)
	}
	defer rows.Close()
	sigs := map[int64][]byte{}
	for rows.Next() {
		var seq int64
		var sig []byte
		if err := rows.Scan(&seq, &sig); err != nil {
			return nil, fmt.Errorf("outbox: %w", err)
		}
		if len(sig) > 0 {
			sigs[seq] = sig
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("outbox: %w", err)
	}
	for i := range ops {
		ops[i].Sig = sigs[seqs[i]]
	}
	return ops, nil
}

// Ack removes acknowledged ops from the outbox. Unknown ids are ignored.
func (db *DB) Ack(ctx context.Context, opIDs []string) error {
	return db.write(ctx, func(w *wtx) error {
		for _, id := range opIDs {
			u, err := uuid.Parse(id)
			if err != nil {
				continue
			}
			if _, err := w.exec(`DELETE FROM outbox WHERE seq = (SELECT seq FROM ops WHERE id = ?)`, u[:]); err != nil {
				return fmt.Errorf("ack %s: %w", id, err)
			}
		}
		return nil
	})
}

// SetAside takes a local op the hub rejected out of the outbox queue,
// keeping it with its reason; it no longer blocks the ops behind it.
func (db *DB) SetAside(ctx context.Context, opID, reason string) error {
	u, err := uuid.Parse(opID)
	if err != nil {
		return fmt.Errorf("set aside %s: %w", opID, ErrNotFound)
	}
	return db.write(ctx, func(w *wtx) error {
		res, err := w.exec(`UPDATE outbox SET set_aside = ? WHERE seq = (SELECT seq FROM ops WHERE id = ?)`, reason, u[:])
		if err != nil {
			return fmt.Errorf("set aside %s: %w", opID, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return fmt.Errorf("set aside %s: %w", opID, ErrNotFound)
		}
		return nil
	})
}

// SetAsideOps lists the set-aside ops, oldest first.
func (db *DB) SetAsideOps(ctx context.Context) ([]SetAsideOp, error) {
	rows, err := db.query(ctx, `SELECT ob.set_aside, `+opColumns+` JOIN outbox ob ON ob.seq = o.seq
		WHERE ob.set_aside IS NOT NULL ORDER BY o.seq`)
	if err != nil {
		return nil, fmt.Errorf("set-aside ops: %w", err)
	}
	defer rows.Close()
	var out []SetAsideOp
	for rows.Next() {
		var s SetAsideOp
		var (
			seq      int64
			id       []byte
			logical  int64
			key, fjs string
		)
		if err := rows.Scan(&s.Reason, &seq, &id, &s.Op.Device, &s.Op.User, &s.Op.HLC.Wall, &logical, &s.Op.Entity, &key, &s.Op.CaseID, &fjs); err != nil {
			return nil, fmt.Errorf("set-aside ops: %w", err)
		}
		u, _ := uuid.FromBytes(id)
		s.Op.ID = u.String()
		s.Op.HLC.Logical = uint32(logical)
		s.Op.EntityID = entityID(s.Op.Entity, s.Op.CaseID, key)
		if err := json.Unmarshal([]byte(fjs), &s.Op.Fields); err != nil {
			return nil, fmt.Errorf("set-aside op %s: %w", s.Op.ID, err)
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// OpsAfter returns up to limit ops of this file, local and remote, with a
// local sequence above seq, in commit order, and the sequence to pass next
// time. The sequence is assigned inside the writing transaction and SQLite
// has one writer at a time, so an op with a lower sequence can never become
// visible after a reader has passed it: the cursor skips nothing.
func (db *DB) OpsAfter(ctx context.Context, seq int64, limit int) ([]Op, int64, error) {
	ops, seqs, err := db.listOps(ctx, `SELECT `+opColumns+` WHERE o.seq > ? ORDER BY o.seq LIMIT ?`, seq, limit)
	if err != nil {
		return nil, seq, fmt.Errorf("ops after %d: %w", seq, err)
	}
	if len(seqs) > 0 {
		seq = seqs[len(seqs)-1]
	}
	return ops, seq, nil
}

// Settings keys of SyncState.
const (
	settingLastPush  = "sync.last_push"
	settingLastPull  = "sync.last_pull"
	settingLastError = "sync.last_error"
	settingClockSkew = "sync.clock_skew_ms"
)

// SyncState returns the outbox size, set-aside and conflict counts and the
// last push and pull successes.
func (db *DB) SyncState(ctx context.Context) (SyncState, error) {
	var s SyncState
	err := db.queryRow(ctx, `SELECT
		(SELECT count(*) FROM outbox WHERE set_aside IS NULL),
		(SELECT count(*) FROM outbox WHERE set_aside IS NOT NULL),
		(SELECT count(*) FROM conflicts WHERE resolved_at = '')`).Scan(&s.Outbox, &s.SetAside, &s.Conflicts)
	if err != nil {
		return s, fmt.Errorf("sync state: %w", err)
	}
	for key, dst := range map[string]*time.Time{settingLastPush: &s.LastPush, settingLastPull: &s.LastPull} {
		v, err := db.Setting(ctx, key)
		if err != nil {
			return s, err
		}
		*dst = parseTime(v)
	}
	if s.LastError, err = db.Setting(ctx, settingLastError); err != nil {
		return s, err
	}
	v, err := db.Setting(ctx, settingClockSkew)
	if err != nil {
		return s, err
	}
	if ms, err := strconv.ParseInt(v, 10, 64); err == nil {
		s.ClockSkew = time.Duration(ms) * time.Millisecond
	}
	return s, nil
}

// SetSyncState records the last push and pull successes, the last error
// and the clock difference with the hub; the counts of s are ignored (they
// are derived).
func (db *DB) SetSyncState(ctx context.Context, s SyncState) error {
	return db.write(ctx, func(w *wtx) error {
		if err := w.setSetting(settingLastPush, formatTime(s.LastPush)); err != nil {
			return err
		}
		if err := w.setSetting(settingLastPull, formatTime(s.LastPull)); err != nil {
			return err
		}
		if err := w.setSetting(settingClockSkew, strconv.FormatInt(s.ClockSkew.Milliseconds(), 10)); err != nil {
			return err
		}
		return w.setSetting(settingLastError, s.LastError)
	})
}

// timeLayout is RFC 3339 with a fixed nine-digit fraction, so stored times
// sort as text.
const timeLayout = "2006-01-02T15:04:05.000000000Z07:00"

func formatTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(timeLayout)
}

func parseTime(s string) time.Time {
	if s == "" {
		return time.Time{}
	}
	if t, ok := parseStoredTime(s); ok {
		return t
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}
	}
	return t.UTC()
}

// parseStoredTime parses the exact form formatTime writes,
// 2006-01-02T15:04:05.000000000Z, without the general parser: reports read
// millions of these.
func parseStoredTime(s string) (time.Time, bool) {
	if len(s) != 30 || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' || s[16] != ':' || s[19] != '.' || s[29] != 'Z' {
		return time.Time{}, false
	}
	num := func(a, b int) (int, bool) {
		n := 0
		for i := a; i < b; i++ {
			c := s[i]
			if c < '0' || c > '9' {
				return 0, false
			}
			n = n*10 + int(c-'0')
		}
		return n, true
	}
	y, ok1 := num(0, 4)
	mo, ok2 := num(5, 7)
	d, ok3 := num(8, 10)
	h, ok4 := num(11, 13)
	mi, ok5 := num(14, 16)
	sec, ok6 := num(17, 19)
	ns, ok7 := num(20, 29)
	if !(ok1 && ok2 && ok3 && ok4 && ok5 && ok6 && ok7) || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60 {
		return time.Time{}, false
	}
	return time.Date(y, time.Month(mo), d, h, mi, sec, ns, time.UTC), true
}
