package hub

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/google/uuid"
	"vetdesk/casework"
	"vetdesk/internal/opwire"
	"vetdesk/store"
	"vetdesk/syncapi"
)

// MaxPushOps is the largest batch a push may carry.
const MaxPushOps = 1000

// toStore and toWire are the one conversion of ops between store and wire.
var (
	toStore = opwire.ToStore
	toWire  = opwire.ToWire
)

func (h *Hub) handlePush(w http.ResponseWriter, r *http.Request, d deviceRec) {
	extendDeadlines(w, h.pushTimeout())
	var req syncapi.PushRequest
	if err := readJSON(r, maxPushBody, &req); err != nil {
		writeError(w, http.StatusBadRequest, syncapi.ErrBadRequest, err.Error())
		return
	}
	if len(req.Ops) > MaxPushOps {
		writeError(w, http.StatusRequestEntityTooLarge, syncapi.ErrBadRequest, fmt.Sprintf("at most %d ops per push", MaxPushOps))
		return
	}
	if v, err := strconv.Atoi(r.Header.Get(syncapi.HeaderVersion)); err == nil && syncapi.Version(v) < syncapi.MinPushVersion {
		writeError(w, http.StatusUpgradeRequired, syncapi.ErrTooOld, "this hub takes only signed ops: update vetdesk")
		return
	}
	resp, err := h.Push(r.Context(), d.ID, req)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	rejected := 0
	for _, res := range resp.Results {
		if res.Status == syncapi.Rejected {
			rejected++
		}
	}
	if rejected > 0 {
		h.log.WarnContext(r.Context(), "ops rejected", "device", d.ID, "rejected", rejected, "of", len(req.Ops))
	}
	writeJSON(w, http.StatusOK, resp)
}

// caseInfo is what the scope check needs of a case, kept up to date while
// a batch is classified.
type caseInfo struct {
	exists bool
	office string
	state  casework.CaseState
	tasks  map[string]string             // item -> department
	states map[string]casework.TaskState // item -> state
}

func (ci *caseInfo) hasDept(dep string) bool {
	for _, d := range ci.tasks {
		if d == dep {
			return true
		}
	}
	return false
}

// Push applies a batch of deviceID's ops: it classifies each one, applies
// the accepted ones in one transaction, records overwrite notices,
// re-derives the touched cases and queues webhook events.
func (h *Hub) Push(ctx context.Context, deviceID string, req syncapi.PushRequest) (syncapi.PushResponse, error) {
	before, err := h.userMap(ctx)
	if err != nil {
		return syncapi.PushResponse{}, err
	}
	verified := verifyBatch(req.Ops, before) // on every core, outside the lock
	h.mu.Lock()
	defer h.mu.Unlock()
	d, err := h.deviceByID(ctx, deviceID)
	if err != nil {
		return syncapi.PushResponse{}, err
	}
	ids := make([]string, len(req.Ops))
	for i, op := range req.Ops {
		ids[i] = op.ID
	}
	known, err := h.db.OpSeqs(ctx, ids)
	if err != nil {
		return syncapi.PushResponse{}, err
	}
	users, err := h.userMap(ctx)
	if err != nil {
		return syncapi.PushResponse{}, err
	}
	cases := map[string]*caseInfo{}
	info := func(id string) (*caseInfo, error) {
		if ci, ok := cases[id]; ok {
			return ci, nil
		}
		ci := &caseInfo{tasks: map[string]string{}, states: map[string]casework.TaskState{}}
		c, err := h.db.Case(ctx, id)
		if err == nil {
			ci.exists, ci.office, ci.state = true, c.Office, c.State
			for _, t := range c.Tasks {
				ci.tasks[t.Item] = t.Department
				ci.states[t.Item] = t.State
			}
		} else if !errors.Is(err, store.ErrNotFound) {
			return nil, err
		}
		cases[id] = ci
		return ci, nil
	}
	resp := syncapi.PushResponse{Results: make([]syncapi.OpResult, len(req.Ops))}
	horizon := h.now().Add(h.opt.MaxClockDrift).UnixMilli() // no stamp beyond it
	var accepted []store.Op
	var acceptedIdx []int
	inBatch := map[string]bool{}
	var releases []int // releases waiting on a dependency done later in the batch
	classify := func(i int, last bool) error {
		op := req.Ops[i]
		res := &resp.Results[i]
		res.ID = op.ID
		if _, ok := known[op.ID]; ok || inBatch[op.ID] {
			res.Status = syncapi.Duplicate
			return nil
		}
		var ci *caseInfo
		if op.CaseID != "" {
			if ci, err = info(op.CaseID); err != nil {
				return err
			}
		}
		if op.HLC.Wall > horizon {
			res.Status, res.Reason = syncapi.Rejected, ReasonClock
			return nil
		}
		reason := h.check(d, op, users, ci)
		if reason == ReasonUsers && op.Entity == store.EntityUser {
			reason = h.checkKeyRegistration(d, op, users, verified[i])
		} else if reason == "" {
			reason = checkSigned(op, users, verified[i])
		}
		if reason != "" {
			if reason == ReasonRelease && !last {
				releases = append(releases, i)
				return nil
			}
			res.Status, res.Reason = syncapi.Rejected, reason
			return nil
		}
		res.Status = syncapi.Accepted
		inBatch[op.ID] = true
		accepted = append(accepted, toStore(op))
		acceptedIdx = append(acceptedIdx, i)
		if ci != nil {
			ci.note(op)
		}
		return nil
	}
	for _, users := range []bool{true, false} { // a user's first key before the ops it signs
		for i, op := range req.Ops {
			if (op.Entity == store.EntityUser) != users {
				continue
			}
			if err := classify(i, false); err != nil {
				return syncapi.PushResponse{}, err
			}
		}
	}
	for _, i := range releases { // ops of a case go in entity order, not in dependency order
		if err := classify(i, true); err != nil {
			return syncapi.PushResponse{}, err
		}
	}
	if len(accepted) == 0 {
		return resp, nil
	}
	ar, err := h.commit(ctx, d.ID, req.Seen, accepted)
	if err != nil {
		return syncapi.PushResponse{}, fmt.Errorf("push from %s: %w", d.ID, err)
	}
	bad := map[string]string{}
	for _, rj := range ar.Rejected {
		bad[rj.OpID] = "malformed: " + rj.Reason
	}
	for _, i := range acceptedIdx {
		if why, ok := bad[req.Ops[i].ID]; ok {
			resp.Results[i].Status, resp.Results[i].Reason = syncapi.Rejected, why
		}
	}
	if err := h.settleOverwrites(ctx); err != nil {
		return syncapi.PushResponse{}, err
	}
	if err := h.settleDerives(ctx); err != nil {
		return syncapi.PushResponse{}, err
	}
	h.wakeNotices()
	return resp, nil
}

// note updates the case info with an accepted op, so later ops of the same
// batch see the case and tasks it creates.
func (ci *caseInfo) note(op syncapi.Op) {
	switch op.Entity {
	case store.EntityCase:
		if o, ok := op.Fields["office"]; ok && !ci.exists {
			ci.exists, ci.office = true, o
		}
		if st, ok := op.Fields["state"]; ok {
			ci.state = casework.CaseState(st)
		}
	case store.EntityTask:
		item := strings.TrimPrefix(op.EntityID, op.CaseID+"/")
		if dep, ok := op.Fields["department"]; ok {
			ci.tasks[item] = dep
		}
		if st, ok := op.Fields["state"]; ok {
			ci.states[item] = casework.TaskState(st)
		}
	}
}

func (h *Hub) deviceByID(ctx context.Context, id string) (deviceRec, error) {
	var d deviceRec
	err := h.meta.QueryRowContext(ctx, `SELECT id, code, kind, office, station, department, name FROM devices
		WHERE id = ? AND revoked_at = ''`, id).Scan(&d.ID, &d.Code, &d.Kind, &d.Office, &d.Station, &d.Department, &d.Name)
	if err != nil {
		return d, fmt.Errorf("device %s: %w", id, ErrUnauthorized)
	}
	return d, nil
}

func (h *Hub) userMap(ctx context.Context) (map[string]store.User, error) {
	us, err := h.db.Users(ctx)
	if err != nil {
		return nil, err
	}
	m := make(map[string]store.User, len(us))
	for _, u := range us {
		m[u.ID] = u
	}
	return m, nil
}

// Reasons of rejection: machine-readable, "area: detail".
const (
	ReasonMalformed   = "malformed"
	ReasonClock       = syncapi.ReasonClock // stamped beyond the drift bound: the device's clock is wrong
	ReasonNotOwnOp    = "device: op of another device"
	ReasonUsers       = "scope: users are managed on the hub"
	ReasonRestamp     = "scope: only the hub restamps ops"
	ReasonUnknownUser = "user: unknown or disabled"
	ReasonUserOffice  = "user: not of this device's office"
	ReasonUnknownCase = "case: unknown"
	ReasonOffice      = "scope: case belongs to another office"
	ReasonDepartment  = "scope: case has no task of this department"
	ReasonCaseFields  = "scope: case fields belong to the intake office"
	ReasonMaterials   = "scope: materials belong to the intake office"
	ReasonUnknownTask = "task: unknown"
	ReasonTaskOwner   = "scope: task state belongs to its department"
	ReasonTaskField   = "scope: task field not writable by this device"
	ReasonRole        = "role: not a handler of the task's department"
)

// derivedCaseFields may be written by a department: the hub re-derives
// them from the whole case.
var derivedCaseFields = map[string]bool{"state": true, "closed_at": true, "updated_at": true}

// check returns why op may not be applied for device d, or "".
func (h *Hub) check(d deviceRec, op syncapi.Op, users map[string]store.User, ci *caseInfo) string {
	if _, err := uuid.Parse(op.ID); err != nil || len(op.Fields) == 0 {
		return ReasonMalformed + ": id or fields"
	}
	if why := sizeReason(op); why != "" {
		return why
	}
	if op.Device != d.ID {
		return ReasonNotOwnOp
	}
	if op.Entity == store.EntityRestamp {
		return ReasonRestamp
	}
	if op.Entity == store.EntityUser || op.CaseID == "" {
		return ReasonUsers
	}
	u, ok := users[op.User]
	if !ok || u.Disabled {
		return ReasonUnknownUser
	}
	if !h.userAtDevice(u, d) {
		return ReasonUserOffice
	}
	isDept := d.Department != ""
	if !ci.exists && !(op.Entity == store.EntityCase && !isDept) {
		return ReasonUnknownCase
	}
	if !isDept {
		office := ci.office
		if !ci.exists {
			office = op.Fields["office"]
		}
		if office != d.Office {
			return ReasonOffice
		}
		if o, ok := op.Fields["office"]; ok && o != d.Office {
			return ReasonOffice
		}
	} else if !ci.hasDept(d.Department) {
		return ReasonDepartment
	} else if why := deptCaseOpen(ci); why != "" {
		return why
	}
	switch op.Entity {
	case store.EntityCase:
		if isDept {
			for f, v := range op.Fields {
				if !derivedCaseFields[f] {
					return ReasonCaseFields
				}
				if f == "state" && v != string(casework.CaseAccepted) && v != string(casework.CaseInProgress) && v != string(casework.CaseDone) {
					return ReasonCaseFields
				}
			}
		}
	case store.EntityMaterial:
		if isDept {
			return ReasonMaterials
		}
	case store.EntityTask:
		return h.checkTask(d, u, op, ci)
	case store.EntityEvent:
	default:
		return ReasonMalformed + ": entity"
	}
	return ""
}

// userAtDevice reports whether u may act on device d: admins anywhere,
// others at a device of their own office or of a division under it (a
// city supervisor at a district counter).
func (h *Hub) userAtDevice(u store.User, d deviceRec) bool {
	if u.Role == store.RoleAdmin || u.Office == "" || u.Office == d.Office {
		return true
	}
	div := h.cat.Division(d.Office)
	return div != nil && div.Parent == u.Office
}

// checkTask applies the ownership of task fields: the intake office
// creates tasks, releases, resubmits and cancels them; their department
// (a handler of it, or an admin or supervisor) works them.
func (h *Hub) checkTask(d deviceRec, u store.User, op syncapi.Op, ci *caseInfo) string {
	item, ok := strings.CutPrefix(op.EntityID, op.CaseID+"/")
	if !ok || item == "" {
		return ReasonMalformed + ": task id"
	}
	dep, exists := ci.tasks[item]
	if !exists {
		if d.Department != "" {
			return ReasonUnknownTask
		}
		dep = op.Fields["department"] // created by the intake office
	}
	isDept := d.Department != ""
	if isDept && d.Department != dep {
		return h.checkRelease(op, ci, item)
	}
	if !exists && !isDept {
		if why := checkNewTask(op); why != "" {
			return why
		}
	}
	deptWork := func() string { // may this writer work the task?
		if isDept && d.Department != dep {
			return ReasonTaskOwner
		}
		if u.Role == store.RoleAdmin || u.Role == store.RoleSupervisor || (u.Role == store.RoleHandler && u.Department == dep) {
			return ""
		}
		return ReasonRole
	}
	for f, v := range op.Fields {
		switch f {
		case "updated_at", "started", "due":
		case "department":
			if exists && v != dep {
				return ReasonTaskField
			}
		case "state":
			switch casework.TaskState(v) {
			case casework.TaskPending: // released or resubmitted: intake, or the task's department
				if ci.states[item] == casework.TaskWaiting && !h.depsDone(ci, item) {
					return ReasonRelease
				}
			case casework.TaskWaiting, casework.TaskCancelled:
				if isDept && exists {
					return ReasonTaskOwner
				}
			default:
				if why := deptWork(); why != "" && !(!exists && !isDept) {
					return why
				}
				if why := checkWaiting(ci, item, casework.TaskState(v)); why != "" {
					return why
				}
			}
		case "reason", "result", "finished":
			if !exists && !isDept {
				continue // created with the task
			}
			if why := deptWork(); why != "" {
				return why
			}
		default:
			return ReasonTaskField
		}
	}
	return ""
}
