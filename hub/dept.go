package hub

import (
	"context"
	"errors"
	"fmt"
	"net/http"

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
func (h *Hub) DeptAction(ctx context.Context, department, caseID, item, action string, body syncapi.DeptAction) (syncapi.DeptTask, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	actor := store.Actor{UserID: "dept:" + department, Login: "dept:" + department, Role: store.RoleHandler, Department: department}
	now := h.now().UTC()
	before, err := h.db.Case(ctx, caseID)
	if err != nil {
		return syncapi.DeptTask{}, err
	}
	if t := before.Task(item); t == nil || t.Department != department {
		return syncapi.DeptTask{}, fmt.Errorf("task %s/%s: %w", caseID, item, casework.ErrNoTask)
	}
	prev := map[string]casework.TaskState{}
	for _, t := range before.Tasks {
		prev[t.Item] = t.State
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
		return syncapi.DeptTask{}, err
	}
	events := map[string]map[string]bool{caseID: {}}
	for _, t := range c.Tasks {
		if prev[t.Item] != t.State {
			events[caseID][t.Item] = true
		}
	}
	if err := h.queueTaskEvents(ctx, events); err != nil {
		return syncapi.DeptTask{}, err
	}
	return h.deptTask(c, c.Task(item)), nil
}
