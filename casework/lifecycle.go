package casework

import (
	"errors"
	"fmt"
	"time"
)

// ErrIllegalTransition is matched by every *TransitionError.
var ErrIllegalTransition = errors.New("illegal transition")

// ErrNotValid is returned by Accept when the case has error-level problems.
var ErrNotValid = errors.New("case has problems")

// ErrNoTask is returned when a case has no task for the item.
var ErrNoTask = errors.New("no such task")

// ErrReasonRequired is returned when returning or refusing without a reason.
var ErrReasonRequired = errors.New("reason required")

// TransitionError is an attempt to move a case or task along an edge the
// lifecycle does not have.
type TransitionError struct {
	Entity string // "case" or "task:<item>"
	From   string
	To     string
}

func (e *TransitionError) Error() string {
	return fmt.Sprintf("%s: illegal transition %s -> %s", e.Entity, e.From, e.To)
}

// Is makes errors.Is(err, ErrIllegalTransition) true.
func (e *TransitionError) Is(target error) bool { return target == ErrIllegalTransition }

var caseEdges = map[CaseState][]CaseState{
	CaseDraft:      {CaseAccepted, CaseWithdrawn},
	CaseAccepted:   {CaseInProgress, CaseDone, CaseWithdrawn},
	CaseInProgress: {CaseDone, CaseWithdrawn},
}

var taskEdges = map[TaskState][]TaskState{
	TaskWaiting:  {TaskPending, TaskCancelled, TaskRefused},
	TaskPending:  {TaskWorking, TaskDone, TaskReturned, TaskRefused, TaskCancelled},
	TaskWorking:  {TaskDone, TaskReturned, TaskRefused, TaskCancelled},
	TaskReturned: {TaskPending, TaskWorking, TaskRefused, TaskCancelled},
}

// CanCase reports whether a case may move from one state to another.
func CanCase(from, to CaseState) bool { return edge(caseEdges[from], to) }

// CanTask reports whether a task may move from one state to another.
func CanTask(from, to TaskState) bool { return edge(taskEdges[from], to) }

func edge[T comparable](list []T, to T) bool {
	for _, s := range list {
		if s == to {
			return true
		}
	}
	return false
}

func (c *Case) moveCase(to CaseState) error {
	if !CanCase(c.State, to) {
		return &TransitionError{Entity: "case", From: string(c.State), To: string(to)}
	}
	c.State = to
	return nil
}

func (t *Task) move(to TaskState, now time.Time) error {
	if !CanTask(t.State, to) {
		return &TransitionError{Entity: "task:" + t.Item, From: string(t.State), To: string(to)}
	}
	t.State = to
	t.UpdatedAt = now
	return nil
}

// Accept validates the draft and, when it has no error-level problem, gives
// it its number, makes one task per item routed to the item's department with
// its due date, and moves it to accepted. It returns the problems found
// (warnings included) whether or not it accepted.
func (c *Case) Accept(cat *Catalogue, number string, now time.Time) ([]Problem, error) {
	if c.State != CaseDraft {
		return nil, &TransitionError{Entity: "case", From: string(c.State), To: string(CaseAccepted)}
	}
	Derive(c.Values)
	probs := Validate(cat, c, now)
	if HasErrors(probs) {
		return probs, ErrNotValid
	}
	if err := c.moveCase(CaseAccepted); err != nil {
		return probs, err
	}
	c.Number = number
	c.AcceptedAt = now
	c.UpdatedAt = now
	c.CatalogueVersion = cat.Version
	c.Tasks = c.Tasks[:0]
	for _, code := range c.Items {
		it := cat.Item(code)
		c.Tasks = append(c.Tasks, &Task{Item: code, Department: it.Department, State: TaskWaiting, UpdatedAt: now})
	}
	c.releaseTasks(cat, now)
	return probs, nil
}

// releaseTasks moves waiting tasks whose dependencies are done to pending,
// starting their clocks.
func (c *Case) releaseTasks(cat *Catalogue, now time.Time) {
	for _, t := range c.Tasks {
		if t.State != TaskWaiting || !c.depsDone(cat, t.Item) {
			continue
		}
		t.State = TaskPending
		t.Started = now
		t.Due = cat.DueDate(t.Item, now)
		t.UpdatedAt = now
	}
}

// depsDone reports whether every dependency of item that the case applies
// for is done. A dependency the case does not apply for is taken as met
// elsewhere (validation warns about it at intake).
func (c *Case) depsDone(cat *Catalogue, item string) bool {
	it := cat.Item(item)
	if it == nil {
		return true
	}
	for _, d := range it.DependsOn {
		if t := c.Task(d); t != nil && t.State != TaskDone {
			return false
		}
	}
	return true
}

func (c *Case) task(item string) (*Task, error) {
	t := c.Task(item)
	if t == nil {
		return nil, fmt.Errorf("task %s: %w", item, ErrNoTask)
	}
	if c.State != CaseAccepted && c.State != CaseInProgress {
		return nil, &TransitionError{Entity: "case", From: string(c.State), To: string(CaseInProgress)}
	}
	return t, nil
}

// StartTask marks the department's work on item as begun.
func (c *Case) StartTask(cat *Catalogue, item string, now time.Time) error {
	t, err := c.task(item)
	if err != nil {
		return err
	}
	if err := t.move(TaskWorking, now); err != nil {
		return err
	}
	c.settle(cat, now)
	return nil
}

// CompleteTask records the department's result and marks item done; tasks
// waiting on it are released.
func (c *Case) CompleteTask(cat *Catalogue, item string, result map[string]string, now time.Time) error {
	t, err := c.task(item)
	if err != nil {
		return err
	}
	if err := t.move(TaskDone, now); err != nil {
		return err
	}
	if len(result) > 0 {
		t.Result = map[string]string{}
		for k, v := range result {
			t.Result[k] = cat.NormalizeValue(k, v)
		}
	}
	t.Reason = ""
	t.Finished = now
	c.releaseTasks(cat, now)
	c.settle(cat, now)
	return nil
}

// ReturnTask sends item back for 补正 with reason.
func (c *Case) ReturnTask(cat *Catalogue, item, reason string, now time.Time) error {
	return c.reasoned(cat, item, reason, TaskReturned, now)
}

// RefuseTask refuses item (不予办理) with reason.
func (c *Case) RefuseTask(cat *Catalogue, item, reason string, now time.Time) error {
	return c.reasoned(cat, item, reason, TaskRefused, now)
}

func (c *Case) reasoned(cat *Catalogue, item, reason string, to TaskState, now time.Time) error {
	if reason == "" {
		return ErrReasonRequired
	}
	t, err := c.task(item)
	if err != nil {
		return err
	}
	if err := t.move(to, now); err != nil {
		return err
	}
	t.Reason = reason
	if to == TaskRefused {
		t.Finished = now
	}
	c.settle(cat, now)
	return nil
}

// ResubmitTask puts a returned task back in the department's queue after the
// veteran corrected the materials; its clock restarts.
func (c *Case) ResubmitTask(cat *Catalogue, item string, now time.Time) error {
	t, err := c.task(item)
	if err != nil {
		return err
	}
	if t.State != TaskReturned {
		return &TransitionError{Entity: "task:" + item, From: string(t.State), To: string(TaskPending)}
	}
	if err := t.move(TaskPending, now); err != nil {
		return err
	}
	t.Started = now
	t.Due = cat.DueDate(item, now)
	c.settle(cat, now)
	return nil
}

// Withdraw withdraws the case (已撤回); open tasks are cancelled.
func (c *Case) Withdraw(reason string, now time.Time) error {
	if err := c.moveCase(CaseWithdrawn); err != nil {
		return err
	}
	for _, t := range c.Tasks {
		if !t.State.Final() {
			t.State = TaskCancelled
			t.UpdatedAt = now
		}
	}
	c.WithdrawReason = reason
	c.ClosedAt = now
	c.UpdatedAt = now
	return nil
}

// settle derives the case state from its tasks: in progress once any task
// moved, done when every task is final.
func (c *Case) settle(cat *Catalogue, now time.Time) {
	c.UpdatedAt = now
	allFinal, anyMoved := true, false
	for _, t := range c.Tasks {
		if !t.State.Final() {
			allFinal = false
		}
		if t.State != TaskPending && t.State != TaskWaiting {
			anyMoved = true
		}
	}
	switch {
	case allFinal && len(c.Tasks) > 0:
		_ = c.moveCase(CaseDone)
		c.ClosedAt = now
	case anyMoved && c.State == CaseAccepted:
		_ = c.moveCase(CaseInProgress)
	}
}

// DaysLeft returns the working days from today to the task's due date:
// negative when overdue, and ok false when the task has no due date or is
// final.
func (t *Task) DaysLeft(cal *Calendar, today time.Time) (days int, ok bool) {
	if t.Due.IsZero() || t.State.Final() {
		return 0, false
	}
	return cal.WorkingDaysBetween(today, t.Due), true
}
