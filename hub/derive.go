package hub

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"vetdesk/casework"
	"vetdesk/store"
)

// notice is an overwrite notice before it is stored.
type notice struct {
	device                   string // the loser
	entity, entityID, caseID string
	field                    string
	localOp, localVal        string
	remoteOp, value          string
}

// bookkeeping fields change with every edit; their overwrites are not
// worth a notice.
func bookkeeping(field string) bool { return field == "updated_at" }

// findOverwrites returns the notices the batch ops of device dev cause: a
// field whose current value was written by another device, in an op the
// pusher had not pulled (its hub sequence is above seen), that the batch
// replaces with a different value.
func (h *Hub) findOverwrites(ctx context.Context, dev string, seen int64, ops []store.Op) ([]notice, error) {
	winners := map[string]map[store.FieldRef]store.Winner{}
	var out []notice
	for _, op := range ops {
		if op.CaseID == "" || op.Entity == store.EntityEvent {
			continue
		}
		wm, ok := winners[op.CaseID]
		if !ok {
			var err error
			if wm, err = h.db.FieldWinners(ctx, op.CaseID); err != nil {
				return nil, err
			}
			winners[op.CaseID] = wm
		}
		for f, v := range op.Fields {
			ref := store.FieldRef{Entity: op.Entity, EntityID: op.EntityID, Field: f}
			cur, ok := wm[ref]
			if ok && !cur.Beaten(op.HLC, op.Device, op.ID) {
				continue
			}
			if ok && !bookkeeping(f) && cur.Device != dev && cur.Device != h.id && cur.Seq > seen && cur.Value != v {
				out = append(out, notice{device: cur.Device, entity: op.Entity, entityID: op.EntityID, caseID: op.CaseID,
					field: f, localOp: cur.OpID, localVal: cur.Value, remoteOp: op.ID, value: v})
			}
			wm[ref] = store.Winner{OpID: op.ID, Device: op.Device, HLC: op.HLC, Value: v}
		}
	}
	return out, nil
}

// pendingWinner marks a notice whose winning op is not known to be
// committed yet: pulls never serve it.
const pendingWinner = -1

// holdOverwrites stores the notices before their batch is applied, as
// pending, so that a crash between the replica's commit and the notices'
// cannot lose them: settleOverwrites, after the apply or at the next Open,
// gives each the hub sequence of its winning op, or drops it when that op
// was never applied (its batch comes again and finds it anew).
func (h *Hub) holdOverwrites(ctx context.Context, ns []notice) error {
	for _, n := range ns {
		_, err := h.meta.ExecContext(ctx, `INSERT INTO overwrites (device, winner_seq, entity, entity_id, case_id, field,
			local_op, local_val, remote_op, value) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
			n.device, pendingWinner, n.entity, n.entityID, n.caseID, n.field, n.localOp, n.localVal, n.remoteOp, n.value)
		if err != nil {
			return fmt.Errorf("hold overwrite notice: %w", err)
		}
	}
	return nil
}

// settleOverwrites files every pending notice under the hub sequence of
// its winning op, so a pull returns it with the page that carries that op,
// and drops those whose op is not in the replica. Callers hold h.mu (or
// run before the hub serves).
func (h *Hub) settleOverwrites(ctx context.Context) error {
	rows, err := h.meta.QueryContext(ctx, `SELECT DISTINCT remote_op FROM overwrites WHERE winner_seq = ?`, pendingWinner)
	if err != nil {
		return fmt.Errorf("settle overwrite notices: %w", err)
	}
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return fmt.Errorf("settle overwrite notices: %w", err)
		}
		ids = append(ids, id)
	}
	rows.Close()
	if len(ids) == 0 {
		return rows.Err()
	}
	seqs, err := h.db.OpSeqs(ctx, ids)
	if err != nil {
		return err
	}
	for _, id := range ids {
		q, args := `DELETE FROM overwrites WHERE remote_op = ? AND winner_seq = ?`, []any{id, pendingWinner}
		if seq, ok := seqs[id]; ok {
			q, args = `UPDATE overwrites SET winner_seq = ? WHERE remote_op = ? AND winner_seq = ?`, []any{seq, id, pendingWinner}
		}
		if _, err := h.meta.ExecContext(ctx, q, args...); err != nil {
			return fmt.Errorf("settle overwrite notices: %w", err)
		}
	}
	return nil
}

// commit stores the batch's overwrite notices and derive marks as
// pending in hub.db and then applies the batch to the replica in one
// transaction. What a crash after it leaves undone, settleOverwrites and
// settleDerives finish at the next Open. Call with h.mu held.
func (h *Hub) commit(ctx context.Context, dev string, seen int64, ops []store.Op) (store.ApplyResult, error) {
	notices, err := h.findOverwrites(ctx, dev, seen, ops)
	if err != nil {
		return store.ApplyResult{}, err
	}
	if err := h.holdOverwrites(ctx, notices); err != nil {
		return store.ApplyResult{}, err
	}
	if err := h.holdDerives(ctx, ops); err != nil {
		return store.ApplyResult{}, err
	}
	return h.db.ApplyRemote(ctx, ops)
}

// holdDerives marks, before a batch is applied, the cases whose tasks or
// state its ops write, with the item of every task whose state an op
// writes (item "" when an op touches the case without one). A crash
// between the replica's commit and the derivation then loses neither the
// release of dependent tasks nor their webhook events: settleDerives,
// after the apply or at the next Open, derives every marked case whose op
// landed and drops the marks of ops that never did (their batch comes
// again and marks them anew).
func (h *Hub) holdDerives(ctx context.Context, ops []store.Op) error {
	tx, err := h.meta.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("hold derive marks: %w", err)
	}
	defer tx.Rollback()
	for _, op := range ops {
		_, state := op.Fields["state"]
		item := ""
		switch {
		case op.Entity == store.EntityTask:
			if state {
				item = strings.TrimPrefix(op.EntityID, op.CaseID+"/")
			}
		case op.Entity == store.EntityCase && state:
		default:
			continue
		}
		if _, err := tx.ExecContext(ctx, `INSERT OR IGNORE INTO derive_marks (case_id, item, op) VALUES (?, ?, ?)`,
			op.CaseID, item, op.ID); err != nil {
			return fmt.Errorf("hold derive marks: %w", err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("hold derive marks: %w", err)
	}
	return nil
}

// deriveMark is a row of derive_marks.
type deriveMark struct {
	caseID, item, op string
	queued           bool
}

// settleDerives derives every marked case and queues the webhook events of
// the tasks whose state its ops wrote and of the tasks the derivation
// released. Per case, in this order: the events are queued and the marks
// flagged queued in one hub.db transaction, the derivation is written to
// the replica, the marks are deleted; a crash anywhere in between repeats
// only what is not done (a derivation is idempotent, queued events are
// not queued again). Marks of ops the replica does not hold are dropped.
// Callers hold h.mu (or run before the hub serves).
func (h *Hub) settleDerives(ctx context.Context) error {
	rows, err := h.meta.QueryContext(ctx, `SELECT case_id, item, op, queued FROM derive_marks ORDER BY case_id, item`)
	if err != nil {
		return fmt.Errorf("settle derive marks: %w", err)
	}
	var marks []deriveMark
	var waiting []string
	for rows.Next() {
		var m deriveMark
		if err := rows.Scan(&m.caseID, &m.item, &m.op, &m.queued); err != nil {
			rows.Close()
			return fmt.Errorf("settle derive marks: %w", err)
		}
		marks = append(marks, m)
		if !m.queued {
			waiting = append(waiting, m.op)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil || len(marks) == 0 {
		return err
	}
	landed, err := h.db.OpSeqs(ctx, waiting)
	if err != nil {
		return err
	}
	type work struct {
		unqueued bool
		items    map[string]bool
	}
	cases := map[string]*work{}
	var ids []string
	for _, m := range marks {
		if _, ok := landed[m.op]; !m.queued && !ok {
			if _, err := h.meta.ExecContext(ctx, `DELETE FROM derive_marks WHERE case_id = ? AND item = ? AND op = ?`,
				m.caseID, m.item, m.op); err != nil {
				return fmt.Errorf("settle derive marks: %w", err)
			}
			continue
		}
		wk := cases[m.caseID]
		if wk == nil {
			wk = &work{items: map[string]bool{}}
			cases[m.caseID] = wk
			ids = append(ids, m.caseID)
		}
		if !m.queued {
			wk.unqueued = true
			if m.item != "" {
				wk.items[m.item] = true
			}
		}
	}
	kick := false
	for _, id := range ids {
		wk := cases[id]
		c, err := h.db.Case(ctx, id)
		if errors.Is(err, store.ErrNotFound) {
			c = nil
		} else if err != nil {
			return err
		}
		var changed bool
		if c != nil {
			var released []string
			released, changed = Derive(h.cat, c, h.now().UTC())
			for _, it := range released {
				wk.items[it] = true
			}
		}
		if wk.unqueued {
			queued, err := h.queueMarked(ctx, id, c, wk.items)
			if err != nil {
				return err
			}
			kick = kick || queued
		}
		if changed {
			if err := h.db.ImportCases(ctx, hubActor, []*casework.Case{c}); err != nil {
				return fmt.Errorf("derive case %s: %w", id, err)
			}
		}
		if _, err := h.meta.ExecContext(ctx, `DELETE FROM derive_marks WHERE case_id = ? AND queued = 1`, id); err != nil {
			return fmt.Errorf("settle derive marks: %w", err)
		}
	}
	if kick {
		h.wakeWebhooks()
	}
	return nil
}

// queueMarked queues the events of case c (nil: gone) for items and flags
// the case's marks queued, in one transaction.
func (h *Hub) queueMarked(ctx context.Context, id string, c *casework.Case, items map[string]bool) (bool, error) {
	tx, err := h.meta.BeginTx(ctx, nil)
	if err != nil {
		return false, fmt.Errorf("queue webhook: %w", err)
	}
	defer tx.Rollback()
	queued := false
	if c != nil {
		if queued, err = h.queueCaseEvents(ctx, tx, c, items, h.now().UTC()); err != nil {
			return false, err
		}
	}
	if _, err := tx.ExecContext(ctx, `UPDATE derive_marks SET queued = 1 WHERE case_id = ?`, id); err != nil {
		return false, fmt.Errorf("settle derive marks: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return false, fmt.Errorf("queue webhook: %w", err)
	}
	return queued, nil
}

// Derive applies casework's derivation rules to c as the hub sees it:
// waiting tasks whose dependencies are done become pending, and the case
// state follows its tasks (in progress once any task moved, done when
// every task is final, back to in progress when a done case has an open
// task). It reports the released items and whether anything changed.
//
// Derived times are functions of the tasks, never of when the hub happens
// to run: a released task starts when its last dependency finished, and a
// done case closes when its last task finished. They equal what casework
// wrote on the device that completed the dependency, so whichever of the
// two ops wins, the value is the same, and the result does not depend on
// the order ops reach the hub. now is used only when a dependency carries
// no finish time. Drafts, withdrawn cases and cases whose tasks have not
// all reached the hub yet (a creation split over pushes) are left alone.
func Derive(cat *casework.Catalogue, c *casework.Case, now time.Time) (released []string, changed bool) {
	if c.State != casework.CaseAccepted && c.State != casework.CaseInProgress && c.State != casework.CaseDone {
		return nil, false
	}
	for _, it := range c.Items {
		if c.Task(it) == nil {
			return nil, false
		}
	}
	for _, t := range c.Tasks {
		start, ok := depsDone(cat, c, t.Item)
		if t.State != casework.TaskWaiting || !ok {
			continue
		}
		if start.IsZero() {
			start = now
		}
		t.State = casework.TaskPending
		t.Started = start
		t.Due = cat.DueDate(t.Item, start)
		t.UpdatedAt = start
		released = append(released, t.Item)
		changed = true
	}
	allFinal, anyMoved := len(c.Tasks) > 0, false
	var lastFinish time.Time
	for _, t := range c.Tasks {
		allFinal = allFinal && t.State.Final()
		anyMoved = anyMoved || (t.State != casework.TaskPending && t.State != casework.TaskWaiting)
		if t.Finished.After(lastFinish) {
			lastFinish = t.Finished
		}
	}
	want := c.State
	switch {
	case allFinal:
		want = casework.CaseDone
	case c.State == casework.CaseDone || (anyMoved && c.State == casework.CaseAccepted):
		want = casework.CaseInProgress
	}
	if want != c.State {
		c.State = want
		changed = true
	}
	closed := time.Time{}
	if want == casework.CaseDone {
		closed = lastFinish
		if closed.IsZero() {
			closed = now
		}
	}
	if !c.ClosedAt.Equal(closed) {
		c.ClosedAt, changed = closed, true
	}
	return released, changed
}

// depsDone reports whether every dependency of item present in c is done,
// and when the last of them finished.
func depsDone(cat *casework.Catalogue, c *casework.Case, item string) (time.Time, bool) {
	it := cat.Item(item)
	var last time.Time
	if it == nil {
		return last, true
	}
	for _, d := range it.DependsOn {
		t := c.Task(d)
		if t == nil {
			continue
		}
		if t.State != casework.TaskDone {
			return last, false
		}
		if t.Finished.After(last) {
			last = t.Finished
		}
	}
	return last, true
}
