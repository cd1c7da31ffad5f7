package casework

import (
	"sort"
	"time"
)

// CaseState is the state of a whole case.
type CaseState string

// Case states: 草稿, 已受理, 办理中, 已办结, 已撤回.
const (
	CaseDraft      CaseState = "draft"
	CaseAccepted   CaseState = "accepted"
	CaseInProgress CaseState = "in_progress"
	CaseDone       CaseState = "done"
	CaseWithdrawn  CaseState = "withdrawn"
)

// CaseStates lists every case state in display order.
var CaseStates = []CaseState{CaseDraft, CaseAccepted, CaseInProgress, CaseDone, CaseWithdrawn}

// TaskState is the state of one item's task at its department.
type TaskState string

// Task states: 待办, 等待前置事项, 办理中, 已办结, 退回补正, 不予办理, 已撤销.
const (
	TaskPending   TaskState = "pending"
	TaskWaiting   TaskState = "waiting"
	TaskWorking   TaskState = "working"
	TaskDone      TaskState = "done"
	TaskReturned  TaskState = "returned"
	TaskRefused   TaskState = "refused"
	TaskCancelled TaskState = "cancelled" // the case was withdrawn
)

// TaskStates lists every task state in display order.
var TaskStates = []TaskState{TaskPending, TaskWaiting, TaskWorking, TaskDone, TaskReturned, TaskRefused, TaskCancelled}

// Final reports whether no further transition leaves the state.
func (s TaskState) Final() bool {
	return s == TaskDone || s == TaskRefused || s == TaskCancelled
}

// MaterialStatus says whether a material was brought, and in which form.
type MaterialStatus string

// Material statuses.
const (
	MaterialRequired MaterialStatus = "required"          // needed, not yet received
	MaterialOriginal MaterialStatus = "received_original" // original seen
	MaterialCopy     MaterialStatus = "received_copy"     // copy received
	MaterialShared   MaterialStatus = "shared"            // obtained by data sharing (免提交)
	MaterialNotNeed  MaterialStatus = "not_needed"        // no longer needed by any item
)

// Received reports whether the status counts as brought.
func (s MaterialStatus) Received() bool {
	return s == MaterialOriginal || s == MaterialCopy || s == MaterialShared
}

// MaterialState is the state of one material of a case.
type MaterialState struct {
	Code        string         `json:"code"`
	Status      MaterialStatus `json:"status"`
	Attachments []string       `json:"attachments,omitempty"` // SHA-256 hex of scans
	Note        string         `json:"note,omitempty"`
}

// Task is one item of a case as worked by its department.
type Task struct {
	Item       string            `json:"item"`
	Department string            `json:"department"`
	State      TaskState         `json:"state"`
	Reason     string            `json:"reason,omitempty"` // 补正 or refusal reason
	Started    time.Time         `json:"started,omitzero"` // when it became workable
	Due        time.Time         `json:"due,omitzero"`
	Finished   time.Time         `json:"finished,omitzero"`
	Result     map[string]string `json:"result,omitempty"`
	UpdatedAt  time.Time         `json:"updated_at,omitzero"`
}

// Case is one veteran's application: the values of the unified form keyed by
// field code, the items applied for, the materials and the tasks.
type Case struct {
	ID               string                    `json:"id"`     // UUID made on the device
	Number           string                    `json:"number"` // see FormatCaseNumber; empty while a draft
	CatalogueVersion string                    `json:"catalogue_version"`
	State            CaseState                 `json:"state"`
	Office           string                    `json:"office"` // org unit (division or zone code) of the intake office
	Station          string                    `json:"station,omitempty"`
	Values           map[string]string         `json:"values"`
	Items            []string                  `json:"items"`
	Materials        map[string]*MaterialState `json:"materials"`
	Tasks            []*Task                   `json:"tasks,omitempty"`
	CreatedAt        time.Time                 `json:"created_at"`
	UpdatedAt        time.Time                 `json:"updated_at"`
	AcceptedAt       time.Time                 `json:"accepted_at,omitzero"`
	ClosedAt         time.Time                 `json:"closed_at,omitzero"`
	CreatedBy        string                    `json:"created_by,omitempty"`
	WithdrawReason   string                    `json:"withdraw_reason,omitempty"`
}

// NewCase returns an empty draft taken under cat.
func NewCase(id string, cat *Catalogue, office string, now time.Time) *Case {
	return &Case{
		ID:               id,
		CatalogueVersion: cat.Version,
		State:            CaseDraft,
		Office:           office,
		Values:           map[string]string{},
		Materials:        map[string]*MaterialState{},
		CreatedAt:        now,
		UpdatedAt:        now,
	}
}

// Value returns the value of field code.
func (c *Case) Value(code string) string { return c.Values[code] }

// Placement returns the case's 安置方式 code.
func (c *Case) Placement() string { return c.Values[FieldPlacement] }

// HasItem reports whether the case applies for item.
func (c *Case) HasItem(item string) bool {
	for _, it := range c.Items {
		if it == item {
			return true
		}
	}
	return false
}

// Task returns the task of item, or nil.
func (c *Case) Task(item string) *Task {
	for _, t := range c.Tasks {
		if t.Item == item {
			return t
		}
	}
	return nil
}

// SetItems sets the selected items in catalogue order and refreshes the
// materials: newly needed ones become required, ones no item needs any more
// are marked not needed (their scans are kept).
func (c *Case) SetItems(cat *Catalogue, items []string) {
	want := map[string]bool{}
	for _, it := range items {
		want[it] = true
	}
	c.Items = c.Items[:0]
	for _, code := range cat.ItemCodes() {
		if want[code] {
			c.Items = append(c.Items, code)
			delete(want, code)
		}
	}
	rest := make([]string, 0, len(want))
	for code := range want {
		rest = append(rest, code) // unknown codes are kept so validation can report them
	}
	sort.Strings(rest)
	c.Items = append(c.Items, rest...)
	c.RefreshMaterials(cat)
}

// RefreshMaterials aligns the material states with the checklist of the
// selected items and the current values.
func (c *Case) RefreshMaterials(cat *Catalogue) {
	if c.Materials == nil {
		c.Materials = map[string]*MaterialState{}
	}
	need := map[string]bool{}
	for _, line := range BuildChecklist(cat, c.Items, c.Values).Lines {
		need[line.Material.Code] = true
		if ms, ok := c.Materials[line.Material.Code]; !ok {
			c.Materials[line.Material.Code] = &MaterialState{Code: line.Material.Code, Status: MaterialRequired}
		} else if ms.Status == MaterialNotNeed {
			ms.Status = MaterialRequired
		}
	}
	for code, ms := range c.Materials {
		if !need[code] && !ms.Status.Received() {
			ms.Status = MaterialNotNeed
		}
	}
}

// Checklist returns the case's single set of materials: BuildChecklist of
// its items and values, less, for a case accepted under another catalogue
// version, the materials it holds no state for. A material a later catalogue
// added was not asked for when the case was taken, so reprinting an old
// receipt or notice never claims it is missing.
func (c *Case) Checklist(cat *Catalogue) *Checklist {
	cl := BuildChecklist(cat, c.Items, c.Values)
	if c.State == CaseDraft || c.CatalogueVersion == cat.Version {
		return cl
	}
	kept := cl.Lines[:0]
	for _, l := range cl.Lines {
		if c.Materials[l.Material.Code] != nil {
			kept = append(kept, l)
		}
	}
	cl.Lines = kept
	cl.Saving.Unified = len(kept)
	return cl
}

// MissingMaterials returns the codes of needed materials not yet received, in
// checklist order.
func (c *Case) MissingMaterials(cat *Catalogue) []string {
	var out []string
	for _, line := range c.Checklist(cat).Lines {
		ms := c.Materials[line.Material.Code]
		if ms == nil || !ms.Status.Received() {
			out = append(out, line.Material.Code)
		}
	}
	return out
}
