package ui

import (
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"vetdesk/casework"
	"vetdesk/store"
)

// The task lists the dashboard's cards open.
const (
	TaskListOverdue = "overdue"  // open tasks due before today
	TaskListDueSoon = "due_soon" // open tasks due from today to 3 days ahead
)

// countedTaskStates are the task states the dashboard counts as open
// (store.Stats): its lists show the same tasks.
var countedTaskStates = []casework.TaskState{casework.TaskPending, casework.TaskWaiting, casework.TaskWorking, casework.TaskReturned}

// taskListQuery selects the tasks of list which at office ("" = every
// office), as store.Stats counts them for today.
func taskListQuery(which, office string, now time.Time, limit int) store.TaskQuery {
	start := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, now.Location())
	q := store.TaskQuery{Office: office, States: countedTaskStates, Limit: limit}
	if which == TaskListDueSoon {
		q.DueFrom, q.DueBefore = start, start.AddDate(0, 0, 3)
	} else {
		q.DueBefore = start
	}
	return q
}

// taskRowText words a task of a list: the case, then the working days
// overdue or left, the item, its department, state and due date.
func taskRowText(d *Desk, r store.TaskRow) (head, line string) {
	cat := d.Svc.Cat
	name, dept := r.Task.Item, r.Task.Department
	if it := cat.Item(r.Task.Item); it != nil {
		name = it.Name
	}
	if dp := cat.Department(r.Task.Department); dp != nil {
		dept = dp.Short
	}
	// how late (or how long left) comes first: a narrow row cuts the end
	var parts []string
	if n, ok := r.Task.DaysLeft(cat.Calendar, d.Svc.Now()); ok {
		if n < 0 {
			parts = append(parts, T("case.task.over", map[string]any{"N": -n}))
		} else {
			parts = append(parts, T("case.task.left", map[string]any{"N": n}))
		}
	}
	parts = append(parts, name, dept, TaskStateName(r.Task.State))
	if !r.Task.Due.IsZero() {
		parts = append(parts, T("case.task.due", map[string]any{"Due": r.Task.Due.Local().Format("2006-01-02")}))
	}
	return r.Number + "  " + r.Name, strings.Join(parts, " · ")
}

// TaskListScreen lists the overdue or soon-due tasks the dashboard counts;
// a row opens its case pointing at the task.
type TaskListScreen struct {
	d     *Desk
	which string
	Rows  []store.TaskRow
	List  *fyne.Container
	Total *widget.Label
}

// NewTaskListScreen lists which (TaskListOverdue, TaskListDueSoon) at office.
func NewTaskListScreen(d *Desk, which, office string) *TaskListScreen {
	s := &TaskListScreen{d: d, which: which, List: container.NewVBox(), Total: widget.NewLabel("")}
	rows, err := d.Svc.Store.Tasks(d.ctx(), taskListQuery(which, office, d.Svc.Now(), 1000))
	if err != nil {
		s.Total.SetText(ErrorText(err))
		return s
	}
	s.Rows = rows
	for _, r := range rows {
		r := r
		head, line := taskRowText(d, r)
		row := newTapRow(head, line, func() { d.Show(NewCaseScreenAt(d, r.CaseID, r.Task.Item)) })
		if which == TaskListOverdue {
			row.Line.Importance = widget.DangerImportance
		}
		s.List.Add(row)
	}
	s.Total.SetText(T("search.total", map[string]any{"N": len(rows)}))
	return s
}

// Content returns the screen.
func (s *TaskListScreen) Content() fyne.CanvasObject {
	key := "dash.overdue"
	if s.which == TaskListDueSoon {
		key = "dash.due"
	}
	title := widget.NewLabelWithStyle(T(key), fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	top := container.NewBorder(nil, nil, widget.NewButton(T("common.back"), s.d.Back), s.Total, title)
	return container.NewBorder(top, nil, nil, nil, wheelView(s.List))
}
