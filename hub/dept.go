package hub

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"

	"github.com/google/uuid"

	"vetdesk/casework"
	"vetdesk/store"
	"vetdesk/syncapi"
)

func (h *Hub) handleDeptList(w http.ResponseWriter, r *http.Request, dept string) {
	q := store.TaskQuery{Department: dept, Limit: 1000}
	if s := r.URL.Query().Get("state"); s != "" {
		q.States = []casework.TaskState{casework.TaskState(s)}
	} else {
		q.States = []casework.TaskState{casework.TaskPending, casework.TaskWorking}
	}
	rows, err := h.db.Tasks(r.Context(), q)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	list := syncapi.DeptTaskList{Tasks: []syncapi.DeptTask{}}
	for _, row := range rows {
		c, err := h.db.Case(r.Context(), row.CaseID)
		if err != nil {
			h.fail(w, r, err)
			return
		}
		list.Tasks = append(list.Tasks, h.deptTask(c, &row.Task))
	}
	writeJSON(w, http.StatusOK, list)
}

// deptTask shows a task with only the case values its item asks for.
func (h *Hub) deptTask(c *casework.Case, t *casework.Task) syncapi.DeptTask {
	dt := syncapi.DeptTask{CaseID: c.ID, CaseNumber: c.Number, Item: t.Item, State: string(t.State), Reason: t.Reason,
		Due: t.Due, Started: t.Started, Values: map[string]string{}, Result: t.Result}
	if it := h.cat.Item(t.Item); it != nil {
		for _, f := range it.Fields {
			if v, ok := c.Values[f.Code]; ok {
				dt.Values[f.Code] = v
			}
		}
	}
	return dt
}

func (h *Hub) handleDeptAction(w http.ResponseWriter, r *http.Request, dept string) {
	var body syncapi.DeptAction
	if r.ContentLength != 0 {
		if err := readJSON(r, 1<<20, &body); err != nil {
			writeError(w, http.StatusBadRequest, syncapi.ErrBadRequest, err.Error())
			return
		}
	}
	t, err := h.DeptAction(r.Context(), dept, r.PathValue("case"), r.PathValue("item"), r.PathValue("action"), body)
	switch {
	case errors.Is(err, store.ErrNotFound), errors.Is(err, casework.ErrNoTask):
		writeError(w, http.StatusNotFound, syncapi.ErrNotFound, "no such task of this department")
	case errors.Is(err, casework.ErrIllegalTransition), errors.Is(err, casework.ErrReasonRequired), errors.Is(err, errBadAction):
		writeError(w, http.StatusConflict, syncapi.ErrConflict, err.Error())
	case err != nil:
		h.fail(w, r, err)
	default:
		h.log.InfoContext(r.Context(), "department action", "department", dept, "case", t.CaseID, "item", t.Item, "state", t.State)
		writeJSON(w, http.StatusOK, t)
	}
}

var errBadAction = errors.New("unknown action")

// DeptAction runs a department system's action on a task of department
// through casework's lifecycle on the replica (take = start, complete with
// result fields, return for 补正 and refuse with a reason); the changes
// flow to desktops as the hub's ops.
//
// The webhook events of the tasks whose state the action changed (the task
// itself and the tasks it released) cannot be lost to a crash between the
// replica's commit and their queueing: the task states before the action
// are written to hub.db first (holdDeptAction), and settleDeptActions,
// right after the action or at the next Open, queues an event for every
// task whose state now differs and drops the record in one transaction. A
// crash before the replica's commit leaves states unchanged and so queues
// nothing.
func (h *Hub) DeptAction(ctx context.Context, department, caseID, item, action string, body syncapi.DeptAction) (syncapi.DeptTask, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	c, err := h.applyDeptAction(ctx, department, caseID, item, action, body)
	if err != nil {
		return syncapi.DeptTask{}, err
	}
	if err := h.settleDeptActions(ctx); err != nil {
		return syncapi.DeptTask{}, err
	}
	return h.deptTask(c, c.Task(item)), nil
}

// applyDeptAction holds the case's task states and applies the action to
// the replica. Callers hold h.mu and settle afterwards.
func (h *Hub) applyDeptAction(ctx context.Context, department, caseID, item, action string, body syncapi.DeptAction) (*casework.Case, error) {
	actor := store.Actor{UserID: "dept:" + department, Login: "dept:" + department, Role: store.RoleHandler, Department: department}
	now := h.now().UTC()
	before, err := h.db.Case(ctx, caseID)
	if err != nil {
		return nil, err
	}
	if t := before.Task(item); t == nil || t.Department != department {
		return nil, fmt.Errorf("task %s/%s: %w", caseID, item, casework.ErrNoTask)
	}
	if err := h.holdDeptAction(ctx, before); err != nil {
		return nil, err
	}
	c, err := h.db.UpdateCase(ctx, actor, caseID, func(c *casework.Case) error {
		switch action {
		case syncapi.ActionTake:
			return c.StartTask(h.cat, item, now)
		case syncapi.ActionComplete:
			return c.CompleteTask(h.cat, item, body.Result, now)
		case syncapi.ActionReturn:
			return c.ReturnTask(h.cat, item, body.Reason, now)
		case syncapi.ActionRefuse:
			return c.RefuseTask(h.cat, item, body.Reason, now)
		}
		return fmt.Errorf("action %q: %w", action, errBadAction)
	})
	if err != nil {
		// Nothing changed: settling finds every state as it was.
		if serr := h.settleDeptActions(ctx); serr != nil {
			return nil, errors.Join(err, serr)
		}
		return nil, err
	}
	return c, nil
}

// holdDeptAction records the task states of c before an action.
func (h *Hub) holdDeptAction(ctx context.Context, c *casework.Case) error {
	prev := map[string]casework.TaskState{}
	for _, t := range c.Tasks {
		prev[t.Item] = t.State
	}
	b, err := json.Marshal(prev)
	if err != nil {
		return err
	}
	if _, err := h.meta.ExecContext(ctx, `INSERT INTO dept_actions (id, case_id, prev) VALUES (?, ?, ?)`,
		uuid.NewString(), c.ID, string(b)); err != nil {
		return fmt.Errorf("hold department action: %w", err)
	}
	return nil
}

// settleDeptActions queues the events of every held action's changed tasks
// and drops its record, one transaction per action. Callers hold h.mu (or
// run before the hub serves).
func (h *Hub) settleDeptActions(ctx context.Context) error {
	rows, err := h.meta.QueryContext(ctx, `SELECT id, case_id, prev FROM dept_actions`)
	if err != nil {
		return fmt.Errorf("settle department actions: %w", err)
	}
	type held struct{ id, caseID, prev string }
	var all []held
	for rows.Next() {
		var a held
		if err := rows.Scan(&a.id, &a.caseID, &a.prev); err != nil {
			rows.Close()
			return fmt.Errorf("settle department actions: %w", err)
		}
		all = append(all, a)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("settle department actions: %w", err)
	}
	kick := false
	for _, a := range all {
		var prev map[string]casework.TaskState
		if err := json.Unmarshal([]byte(a.prev), &prev); err != nil {
			return fmt.Errorf("settle department action %s: %w", a.id, err)
		}
		c, err := h.db.Case(ctx, a.caseID)
		if errors.Is(err, store.ErrNotFound) {
			c = nil
		} else if err != nil {
			return err
		}
		tx, err := h.meta.BeginTx(ctx, nil)
		if err != nil {
			return fmt.Errorf("settle department actions: %w", err)
		}
		if c != nil {
			items := map[string]bool{}
			for _, t := range c.Tasks {
				if prev[t.Item] != t.State {
					items[t.Item] = true
				}
			}
			q, err := h.queueCaseEvents(ctx, tx, c, items, h.now().UTC())
			if err != nil {
				tx.Rollback()
				return err
			}
			kick = kick || q
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM dept_actions WHERE id = ?`, a.id); err != nil {
			tx.Rollback()
			return fmt.Errorf("settle department actions: %w", err)
		}
		if err := tx.Commit(); err != nil {
			return fmt.Errorf("settle department actions: %w", err)
		}
	}
	if kick {
		h.wakeWebhooks()
	}
	h.wakeNotices()
	return nil
}
