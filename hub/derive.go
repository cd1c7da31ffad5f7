package hub

import (
	"context"
	"errors"
	"fmt"
	"sort"
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

// afterApply re-derives the cases whose tasks or state the applied ops
// touched and queues webhook events for the tasks whose state changed.
func (h *Hub) afterApply(ctx context.Context, ops []store.Op, bad map[string]string) error {
	touched := map[string]bool{}
	events := map[string]map[string]bool{} // case -> items
	for _, op := range ops {
		if bad[op.ID] != "" {
			continue
		}
		_, state := op.Fields["state"]
		switch {
		case op.Entity == store.EntityTask:
			touched[op.CaseID] = true
			if state {
				item := strings.TrimPrefix(op.EntityID, op.CaseID+"/")
				if events[op.CaseID] == nil {
					events[op.CaseID] = map[string]bool{}
				}
				events[op.CaseID][item] = true
			}
		case op.Entity == store.EntityCase && state:
			touched[op.CaseID] = true
		}
	}
	ids := make([]string, 0, len(touched))
	for id := range touched {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		released, err := h.derive(ctx, id)
		if err != nil {
			return err
		}
		for _, it := range released {
			if events[id] == nil {
				events[id] = map[string]bool{}
			}
			events[id][it] = true
		}
	}
	return h.queueTaskEvents(ctx, events)
}

// derive recomputes the derived state of case id from the whole case on
// the replica (released tasks, the case state) and writes what differs as
// the hub's own ops, keeping the case's updated_at. Departments see only
// part of a case, so their own derivation can be wrong; this corrects it
// everywhere. It returns the items it released. Call with h.mu held.
func (h *Hub) derive(ctx context.Context, id string) ([]string, error) {
	c, err := h.db.Case(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	} else if err != nil {
		return nil, err
	}
	released, changed := Derive(h.cat, c, h.now().UTC())
	if !changed {
		return nil, nil
	}
	if err := h.db.ImportCases(ctx, hubActor, []*casework.Case{c}); err != nil {
		return nil, fmt.Errorf("derive case %s: %w", id, err)
	}
	return released, nil
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
