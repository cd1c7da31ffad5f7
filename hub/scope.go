package hub

import (
	"time"

	"vetdesk/casework"
	"vetdesk/syncapi"
)

// Reasons of rejection of the department and intake rules (#17.3, #17.4,
// #17.5).
const (
	ReasonOtherTask  = "scope: a department moves only its own tasks"
	ReasonRelease    = "scope: task not releasable: not waiting, or its dependencies are not done"
	ReasonCaseClosed = "scope: case is withdrawn or a draft"
	ReasonNewTask    = "task: created only waiting or pending"
)

// deptCaseOpen refuses a department's writes on a case that is a draft or
// withdrawn: a department's derived case state would otherwise revive a
// withdrawn case.
func deptCaseOpen(ci *caseInfo) string {
	if ci.state == casework.CaseDraft || ci.state == casework.CaseWithdrawn {
		return ReasonCaseClosed
	}
	return ""
}

// releaseFields are what a release writes on a task (casework's
// releaseTasks): its state, with its clock started.
var releaseFields = map[string]bool{"state": true, "started": true, "due": true, "updated_at": true}

// checkRelease applies the one write a department device may make on
// another department's task of a case they share: releasing it (waiting
// to pending, its clock started) once every dependency the catalogue
// names is done, as completing the last of them does on the desktop.
func (h *Hub) checkRelease(op syncapi.Op, ci *caseInfo, item string) string {
	if casework.TaskState(op.Fields["state"]) != casework.TaskPending {
		return ReasonOtherTask
	}
	for f := range op.Fields {
		if !releaseFields[f] {
			return ReasonOtherTask
		}
	}
	switch ci.states[item] {
	case casework.TaskWaiting:
	case casework.TaskPending: // the hub's derive released it first: the same release, dated by the desk
	default:
		return ReasonOtherTask
	}
	if !h.depsDone(ci, item) {
		return ReasonRelease
	}
	// its clock starts no later than the op was made, and its due date is
	// the catalogue's from that start
	started, err1 := parseWireTime(op.Fields["started"])
	due, err2 := parseWireTime(op.Fields["due"])
	if err1 != nil || err2 != nil || started.IsZero() || started.UnixMilli() > op.HLC.Wall ||
		!due.Equal(h.cat.DueDate(item, started)) {
		return ReasonOtherTask
	}
	return ""
}

// parseWireTime parses a time field as ops carry it ("" is zero).
func parseWireTime(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	return time.Parse(time.RFC3339Nano, s)
}

// depsDone reports whether every dependency of item that the case has a
// task for is done (a dependency the case does not apply for is met
// elsewhere, as casework says).
func (h *Hub) depsDone(ci *caseInfo, item string) bool {
	it := h.cat.Item(item)
	if it == nil {
		return false
	}
	for _, d := range it.DependsOn {
		if st, ok := ci.states[d]; ok && st != casework.TaskDone {
			return false
		}
	}
	return true
}

// checkNewTask applies the intake office's creation of a task: it starts
// waiting or pending, with no result, reason or finish (a clerk cannot
// create a police task already done).
func checkNewTask(op syncapi.Op) string {
	switch casework.TaskState(op.Fields["state"]) {
	case casework.TaskWaiting, casework.TaskPending:
	default:
		return ReasonNewTask
	}
	for _, f := range []string{"result", "reason", "finished"} {
		if op.Fields[f] != "" {
			return ReasonNewTask
		}
	}
	return ""
}

// checkWaiting refuses working a task that still waits on its dependencies
// (it leaves waiting only by its release, or refused).
func checkWaiting(ci *caseInfo, item string, to casework.TaskState) string {
	if ci.states[item] == casework.TaskWaiting && to != casework.TaskRefused {
		return ReasonRelease
	}
	return ""
}
