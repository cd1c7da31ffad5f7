package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/google/uuid"
	"vetdesk/casework"
)

// Actor is who is acting.
type Actor struct {
	UserID, Login, Name, Role, Department, Office string
}

// SaveCase diffs c against the stored case and writes one op per changed
// entity (the case with its values, each material, each task), holding
// only the changed fields, and bumps c.UpdatedAt when anything changed. A
// case without ID gets one. Used for autosaved drafts and for every edit.
func (db *DB) SaveCase(ctx context.Context, a Actor, c *casework.Case) error {
	if c.ID == "" {
		c.ID = uuid.NewString()
	}
	before := c.UpdatedAt
	err := db.write(ctx, func(w *wtx) error { return w.saveCase(a, c, true) })
	if err != nil {
		c.UpdatedAt = before
		return err
	}
	return nil
}

// saveCase writes the ops that bring the stored case to c. With bump, the
// case's updated_at becomes now when anything changed; without, c's own
// UpdatedAt is stored (imports).
func (w *wtx) saveCase(a Actor, c *casework.Case, bump bool) error {
	rid, err := w.caseRID(c.ID)
	if err != nil {
		return err
	}
	rows, err := w.fieldRows(rid)
	if err != nil {
		return fmt.Errorf("save case %s: %w", c.ID, err)
	}
	stored := make(map[fkey]string, len(rows))
	for _, r := range rows {
		stored[fkey{r.entity, r.key, r.field}] = r.value
	}
	if len(rows) == 0 && c.CreatedBy == "" {
		c.CreatedBy = a.UserID
	}
	want := caseFields(c)
	keys := make([]ekey, 0, len(want))
	for k := range want {
		keys = append(keys, k)
	}
	order := map[string]int{EntityCase: 0, EntityMaterial: 1, EntityTask: 2}
	sort.Slice(keys, func(i, j int) bool {
		if keys[i].entity != keys[j].entity {
			return order[keys[i].entity] < order[keys[j].entity]
		}
		return keys[i].key < keys[j].key
	})
	changes := make([]map[string]string, len(keys))
	any := false
	for i, k := range keys {
		ch := map[string]string{}
		for f, v := range want[k] {
			if bump && k.entity == EntityCase && f == "updated_at" {
				continue
			}
			sv, ok := stored[fkey{k.entity, k.key, f}]
			if (!ok && v == "") || (ok && sv == v) {
				continue
			}
			ch[f] = v
		}
		if k.entity == EntityCase {
			for fk, sv := range stored {
				if fk.entity == EntityCase && strings.HasPrefix(fk.field, valuePrefix) && sv != "" {
					if _, ok := want[k][fk.field]; !ok {
						ch[fk.field] = "" // value cleared
					}
				}
			}
		}
		changes[i] = ch
		any = any || len(ch) > 0
	}
	if !any {
		return nil
	}
	if bump {
		c.UpdatedAt = w.db.now().UTC()
		changes[0]["updated_at"] = formatTime(c.UpdatedAt) // keys[0] is the case
	}
	// a task released by this change goes after the tasks it waited on (the
	// hub judges a release by its dependencies' states, in push order)
	idx := make([]int, len(keys))
	for i := range idx {
		idx[i] = i
	}
	released := func(i int) bool {
		return keys[i].entity == EntityTask && changes[i]["state"] == string(casework.TaskPending)
	}
	sort.SliceStable(idx, func(x, y int) bool { return !released(idx[x]) && released(idx[y]) })
	var ops []Op
	for _, i := range idx {
		k := keys[i]
		if len(changes[i]) == 0 {
			continue
		}
		op, err := w.newLocal(a.UserID, k.entity, c.ID, entityID(k.entity, c.ID, k.key), changes[i])
		if err != nil {
			return err
		}
		ops = append(ops, op)
	}
	if _, err := w.apply(ops, true); err != nil {
		return fmt.Errorf("save case %s: %w", c.ID, err)
	}
	return nil
}

// event writes a fact about a case (acceptance, a print...) to the log.
func (w *wtx) event(a Actor, caseID, action, detail string) error {
	id, err := uuid.NewV7()
	if err != nil {
		return err
	}
	op, err := w.newLocal(a.UserID, EntityEvent, caseID, id.String(), map[string]string{"action": action, "detail": detail})
	if err != nil {
		return err
	}
	_, err = w.apply([]Op{op}, true)
	return err
}

// CaseSequence is the NextSequence name of case numbers.
const CaseSequence = "case"

// AcceptCase accepts the draft c in one transaction: the next case number
// of this device for the year (NextSequence + casework.FormatCaseNumber),
// c.Accept, the save and an "accept" event. It returns the problems
// Validate found; on any error c is left as it was and no number is used.
func (db *DB) AcceptCase(ctx context.Context, a Actor, cat *casework.Catalogue, c *casework.Case) ([]casework.Problem, error) {
	if c.ID == "" {
		c.ID = uuid.NewString()
	}
	snapshot, err := json.Marshal(c)
	if err != nil {
		return nil, fmt.Errorf("accept case %s: %w", c.ID, err)
	}
	var probs []casework.Problem
	err = db.write(ctx, func(w *wtx) error {
		var code string
		if err := w.queryRow(`SELECT code FROM device`).Scan(&code); err != nil {
			return fmt.Errorf("accept case %s: %w", c.ID, err)
		}
		if code == "" {
			return fmt.Errorf("accept case %s: %w", c.ID, ErrNoDeviceCode)
		}
		now := db.now()
		seq, err := w.nextSequence(CaseSequence, now.Year())
		if err != nil {
			return err
		}
		if held, err := w.lastNumberHeld(c.Office, now.Year(), code); err != nil {
			return err
		} else if seq <= held { // a restored backup's sequence, then sync brought later cases back
			seq = held + 1
			if _, err := w.exec(`UPDATE sequences SET last = ? WHERE name = ? AND year = ?`, seq, CaseSequence, now.Year()); err != nil {
				return fmt.Errorf("accept case %s: %w", c.ID, err)
			}
		}
		number, err := casework.FormatCaseNumber(c.Office, now.Year(), code, seq)
		if err != nil {
			return fmt.Errorf("accept case %s: %w", c.ID, err)
		}
		probs, err = c.Accept(cat, number, now.UTC())
		if err != nil {
			return fmt.Errorf("accept case %s: %w", c.ID, err)
		}
		if err := w.saveCase(a, c, true); err != nil {
			return err
		}
		return w.event(a, c.ID, "accept", number)
	})
	if err != nil {
		var old casework.Case
		if json.Unmarshal(snapshot, &old) == nil {
			*c = old
		}
		return probs, err
	}
	return probs, nil
}

// lastNumberHeld returns the highest sequence of the case numbers of office,
// year and device code the store holds (0 when none): the number's last
// part has a fixed width, so the highest number is the highest sequence.
func (w *wtx) lastNumberHeld(office string, year int, code string) (int, error) {
	prefix := fmt.Sprintf("%s-%d-%s-", office, year, code)
	var last string
	err := w.queryRow(`SELECT coalesce(max(number), '') FROM cases WHERE number >= ? AND number < ?`, prefix, prefix+"~").Scan(&last)
	if err != nil {
		return 0, fmt.Errorf("case numbers held: %w", err)
	}
	if last == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(strings.TrimPrefix(last, prefix))
	if err != nil {
		return 0, nil // not one of ours after all
	}
	return n, nil
}

// UpdateCase loads case id, runs fn on it (a task completion, a withdrawal)
// and saves it, all in one transaction, and returns the saved case. An
// error from fn aborts the update.
func (db *DB) UpdateCase(ctx context.Context, a Actor, id string, fn func(c *casework.Case) error) (*casework.Case, error) {
	var c *casework.Case
	err := db.write(ctx, func(w *wtx) error {
		var rid int64
		if err := w.queryRow(`SELECT rid FROM cases WHERE id = ?`, id).Scan(&rid); err != nil {
			return fmt.Errorf("update case %s: %w", id, notFound(err))
		}
		rows, err := w.fieldRows(rid)
		if err != nil {
			return fmt.Errorf("update case %s: %w", id, err)
		}
		var ok bool
		if c, ok = buildCase(id, rows); !ok {
			return fmt.Errorf("update case %s: %w", id, ErrNotFound)
		}
		if err := fn(c); err != nil {
			return err
		}
		return w.saveCase(a, c, true)
	})
	if err != nil {
		return nil, err
	}
	return c, nil
}

// Case returns the case with id, or ErrNotFound.
func (db *DB) Case(ctx context.Context, id string) (*casework.Case, error) {
	rows, err := db.query(ctx, `SELECT entity, key, field, value FROM fields
		WHERE case_rid = (SELECT rid FROM cases WHERE id = ?)`, id)
	if err != nil {
		return nil, fmt.Errorf("case %s: %w", id, err)
	}
	defer rows.Close()
	var fr []frow
	for rows.Next() {
		var r frow
		if err := rows.Scan(&r.entity, &r.key, &r.field, &r.value); err != nil {
			return nil, fmt.Errorf("case %s: %w", id, err)
		}
		fr = append(fr, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("case %s: %w", id, err)
	}
	c, ok := buildCase(id, fr)
	if !ok {
		return nil, fmt.Errorf("case %s: %w", id, ErrNotFound)
	}
	return c, nil
}

// CaseByNumber returns the case with the case number, or ErrNotFound.
func (db *DB) CaseByNumber(ctx context.Context, number string) (*casework.Case, error) {
	var id string
	err := db.queryRow(ctx, `SELECT id FROM cases WHERE number = ? AND number <> ''`, number).Scan(&id)
	if err != nil {
		return nil, fmt.Errorf("case number %s: %w", number, notFound(err))
	}
	return db.Case(ctx, id)
}

// importBatch is the number of cases ImportCases writes per transaction.
const importBatch = 1000

// ImportCases writes many cases (the demo data set, a benchmark data set, a
// roster import) as local ops, one transaction per thousand cases. The
// cases' own UpdatedAt is kept.
func (db *DB) ImportCases(ctx context.Context, a Actor, cases []*casework.Case) error {
	for start := 0; start < len(cases); start += importBatch {
		batch := cases[start:min(start+importBatch, len(cases))]
		err := db.write(ctx, func(w *wtx) error {
			for _, c := range batch {
				if c.ID == "" {
					c.ID = uuid.NewString()
				}
				if err := w.saveCase(a, c, false); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("import cases: %w", err)
		}
	}
	return nil
}

// EachCase calls fn for every case, in the order they were first stored,
// loading a few hundred at a time so reports over 100k cases never hold
// them all. An error from fn stops the walk and is returned.
func (db *DB) EachCase(ctx context.Context, fn func(*casework.Case) error) error {
	const chunk = 500
	var after int64
	for {
		rows, err := db.query(ctx, `SELECT c.rid, c.id, f.entity, f.key, f.field, f.value
			FROM (SELECT rid, id FROM cases WHERE rid > ? AND state <> '' ORDER BY rid LIMIT ?) c
			JOIN fields f ON f.case_rid = c.rid ORDER BY c.rid`, after, chunk)
		if err != nil {
			return fmt.Errorf("each case: %w", err)
		}
		var batch []*casework.Case
		var cur []frow
		var curID string
		var curRID int64 = -1
		flush := func() {
			if curRID >= 0 {
				if c, ok := buildCase(curID, cur); ok {
					batch = append(batch, c)
				}
			}
		}
		for rows.Next() {
			var rid int64
			var id string
			var r frow
			if err := rows.Scan(&rid, &id, &r.entity, &r.key, &r.field, &r.value); err != nil {
				rows.Close()
				return fmt.Errorf("each case: %w", err)
			}
			if rid != curRID {
				flush()
				cur, curID, curRID = nil, id, rid
			}
			cur = append(cur, r)
		}
		flush()
		err = rows.Err()
		rows.Close()
		if err != nil {
			return fmt.Errorf("each case: %w", err)
		}
		if curRID < 0 {
			return nil
		}
		after = curRID
		for _, c := range batch {
			if err := fn(c); err != nil {
				return err
			}
		}
	}
}

// RevealValue returns the full value of a case field (an ID number, a bank
// account) for display, and audits the display.
func (db *DB) RevealValue(ctx context.Context, a Actor, caseID, field string) (string, error) {
	var v string
	err := db.queryRow(ctx, `SELECT value FROM fields WHERE case_rid = (SELECT rid FROM cases WHERE id = ?)
		AND entity = 'case' AND key = '' AND field = ?`, caseID, valuePrefix+field).Scan(&v)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return "", fmt.Errorf("reveal %s/%s: %w", caseID, field, err)
	}
	found := err == nil
	if err := db.Audit(ctx, AuditEntry{UserID: a.UserID, Login: a.Login, Action: ActionReveal,
		Target: caseID + "/" + field, Success: found}); err != nil {
		return "", err
	}
	if !found {
		return "", fmt.Errorf("reveal %s/%s: %w", caseID, field, ErrNotFound)
	}
	return v, nil
}
