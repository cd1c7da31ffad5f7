package ui

import (
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"vetdesk/casework"
	"vetdesk/store"
)

// TasksScreen is 部门待办: a department handler's open tasks, and for the
// chosen one only the fields its item needs, with complete, return for
// 补正 and refuse.
type TasksScreen struct {
	d        *Desk
	List     *widget.List
	Rows     []store.TaskRow
	Detail   *fyne.Container
	Results  map[string]*shortcutEntry
	Reason   *shortcutEntry
	Start    *widget.Button
	Complete *widget.Button
	Return   *widget.Button
	Refuse   *widget.Button
	Message  *widget.Label
	Header   *widget.Label
	// Actions holds the reason and the buttons, kept in view under the
	// task's details.
	Actions  *fyne.Container
	pane     *fyne.Container // the details with the actions under them
	selected int
	dept     string
}

// NewTasksScreen builds the task list for the user's department (all
// departments for supervisors and admins).
func NewTasksScreen(d *Desk) *TasksScreen {
	s := &TasksScreen{d: d, Detail: container.NewVBox(), Results: map[string]*shortcutEntry{}, Reason: newMultiLineEntry(),
		Message: widget.NewLabel(""), Header: widget.NewLabel(""), selected: -1}
	s.Message.Wrapping = fyne.TextWrapWord
	if d.User.Role == "handler" {
		s.dept = d.User.Department
	}
	s.Reason.SetPlaceHolder(T("tasks.reason"))
	s.List = widget.NewList(func() int { return len(s.Rows) },
		func() fyne.CanvasObject {
			head := widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
			head.Truncation = fyne.TextTruncateEllipsis
			line := widget.NewLabel("")
			line.Truncation = fyne.TextTruncateEllipsis
			due := widget.NewLabel("")
			due.Truncation = fyne.TextTruncateEllipsis
			return container.NewVBox(head, line, due)
		},
		func(i widget.ListItemID, o fyne.CanvasObject) { s.fillRow(i, o.(*fyne.Container)) })
	s.List.OnSelected = func(i widget.ListItemID) { s.Select(i) }
	s.Start = widget.NewButton(T("tasks.start"), func() { s.act("start") })
	s.Complete = widget.NewButton(T("tasks.complete"), func() { s.act("complete") })
	s.Complete.Importance = widget.HighImportance
	s.Return = widget.NewButton(T("tasks.return"), func() { s.act("return") })
	s.Refuse = widget.NewButton(T("tasks.refuse"), func() { s.act("refuse") })
	s.Reason.SetMinRowsVisible(2)
	s.Actions = container.NewVBox(widget.NewSeparator(), s.Reason, container.NewGridWithColumns(4, s.Start, s.Complete, s.Return, s.Refuse))
	s.Actions.Hide()
	s.Refresh()
	return s
}

// department is the department whose tasks the screen lists, "" for all;
// it is the user's when the screen was made.
func (s *TasksScreen) department() string { return s.dept }

// Refresh reloads the open tasks.
func (s *TasksScreen) Refresh() {
	rows, err := s.d.Svc.Store.Tasks(s.d.ctx(), store.TaskQuery{Department: s.department(), States: openTaskStates, Limit: 500})
	if err != nil {
		s.Message.SetText(ErrorText(err))
		return
	}
	s.Rows = rows
	dept := T("tasks.dept.all")
	if dp := s.d.Svc.Cat.Department(s.department()); dp != nil {
		dept = dp.Name
	}
	s.Header.SetText(T("tasks.dept", map[string]any{"Dept": dept}))
	if len(rows) == 0 {
		s.Message.SetText(T("tasks.none"))
	}
	s.List.Refresh()
}

// rowText is task i as the list shows it: the case on the first line, the
// item and state on the second, the due date and the working days left or
// overdue on the third.
func (s *TasksScreen) rowText(i int) (head, line, due string, overdue bool) {
	r := s.Rows[i]
	name := r.Task.Item
	if it := s.d.Svc.Cat.Item(r.Task.Item); it != nil {
		name = it.Name
	}
	line = name + " · " + TaskStateName(r.Task.State)
	if s.department() == "" { // every department's tasks: say whose
		if dp := s.d.Svc.Cat.Department(r.Task.Department); dp != nil {
			line = name + " · " + dp.Short + " · " + TaskStateName(r.Task.State)
		}
	}
	var parts []string
	if !r.Task.Due.IsZero() {
		parts = append(parts, T("case.task.due", map[string]any{"Due": r.Task.Due.Local().Format("2006-01-02")}))
	}
	if n, ok := r.Task.DaysLeft(s.d.Svc.Cat.Calendar, s.d.Svc.Now()); ok {
		if n < 0 {
			parts = append(parts, T("case.task.over", map[string]any{"N": -n}))
			overdue = true
		} else {
			parts = append(parts, T("case.task.left", map[string]any{"N": n}))
		}
	}
	return r.Number + "  " + r.Name, line, strings.Join(parts, " · "), overdue
}

func (s *TasksScreen) fillRow(i int, box *fyne.Container) {
	head, line, due, overdue := s.rowText(i)
	if overdue {
		head = T("tasks.overdue.mark") + " " + head
	}
	hl, ll, dl := box.Objects[0].(*widget.Label), box.Objects[1].(*widget.Label), box.Objects[2].(*widget.Label)
	hl.SetText(head)
	ll.SetText(line)
	dl.Importance = widget.MediumImportance
	if overdue {
		dl.Importance = widget.DangerImportance
	}
	dl.SetText(due)
}

// Select shows task i: the fields of its item, result entries and actions.
func (s *TasksScreen) Select(i int) {
	if i < 0 || i >= len(s.Rows) {
		return
	}
	s.selected = i
	r := s.Rows[i]
	c, err := s.d.Svc.Store.Case(s.d.ctx(), r.CaseID)
	if err != nil {
		s.Message.SetText(ErrorText(err))
		return
	}
	cat := s.d.Svc.Cat
	it := cat.Item(r.Task.Item)
	s.Detail.Objects = nil
	if it == nil {
		return
	}
	info := widget.NewForm()
	for _, ref := range it.Fields {
		f := cat.Field(ref.Code)
		v := c.Values[f.Code]
		if f.Sensitive == casework.SensitiveBank || f.Sensitive == casework.SensitivePhone {
			v = casework.Mask(f.Sensitive, v)
		} else if f.Sensitive == casework.SensitiveNone {
			v = OptionLabel(cat, f, v)
		}
		l := widget.NewLabel(v)
		l.Wrapping = fyne.TextWrapWord
		info.Append(f.Label, l)
	}
	var mats []string
	for _, m := range it.Materials {
		if ms := c.Materials[m.Code]; ms != nil {
			mats = append(mats, cat.Material(m.Code).Name+":"+MaterialStatusName(ms.Status))
		}
	}
	s.Results = map[string]*shortcutEntry{}
	res := widget.NewForm()
	for _, ref := range it.ResultFields {
		e := newEntry()
		if f := cat.Field(ref.Code); f != nil {
			if f.Type == casework.TypeDate {
				e.SetPlaceHolder("YYYY-MM-DD")
			}
			label := f.Label
			if ref.Required {
				label += " *"
			}
			res.Append(label, e)
		}
		s.Results[ref.Code] = e
	}
	matLabel := widget.NewLabel(strings.Join(mats, "\n"))
	matLabel.Wrapping = fyne.TextWrapWord
	s.Detail.Objects = []fyne.CanvasObject{
		widget.NewLabelWithStyle(r.Number+"  "+it.Name, fyne.TextAlignLeading, fyne.TextStyle{Bold: true}),
		info, matLabel,
		widget.NewLabelWithStyle(T("tasks.result"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true}), res,
	}
	s.Actions.Show()
	if s.pane != nil {
		s.pane.Refresh()
	}
	s.Detail.Refresh()
	s.Message.SetText("")
}

// act applies an action to the selected task.
func (s *TasksScreen) act(action string) {
	if s.selected < 0 || s.selected >= len(s.Rows) {
		return
	}
	r := s.Rows[s.selected]
	cat := s.d.Svc.Cat
	now := s.d.Svc.Now()
	reason := strings.TrimSpace(s.Reason.Text)
	result := map[string]string{}
	if action == "complete" {
		it := cat.Item(r.Task.Item)
		for _, ref := range it.ResultFields {
			v := strings.TrimSpace(s.Results[ref.Code].Text)
			if v == "" && ref.Required {
				s.Message.SetText(cat.Field(ref.Code).Label + ":" + T("problem.required"))
				return
			}
			if probs := casework.CheckValue(cat, ref.Code, v, now); casework.HasErrors(probs) {
				s.Message.SetText(cat.Field(ref.Code).Label + ":" + ProblemText(cat, probs[0]))
				return
			}
			if v != "" {
				result[ref.Code] = v
			}
		}
	}
	if (action == "return" || action == "refuse") && reason == "" {
		s.Message.SetText(T("tasks.reason.required"))
		return
	}
	_, err := s.d.Svc.Store.UpdateCase(s.d.ctx(), s.d.Actor(), r.CaseID, func(c *casework.Case) error {
		switch action {
		case "start":
			return c.StartTask(cat, r.Task.Item, now)
		case "complete":
			return c.CompleteTask(cat, r.Task.Item, result, now)
		case "return":
			return c.ReturnTask(cat, r.Task.Item, reason, now)
		default:
			return c.RefuseTask(cat, r.Task.Item, reason, now)
		}
	})
	if err != nil {
		s.Message.SetText(ErrorText(err))
		return
	}
	what := r.Number + " " + r.Name
	if it := cat.Item(r.Task.Item); it != nil {
		what += " · " + it.Name
	}
	var msg string
	switch action {
	case "start":
		msg = T("tasks.done.start", map[string]any{"What": what})
	case "complete":
		msg = T("tasks.done.complete", map[string]any{"What": what})
	case "return":
		msg = T("tasks.done.return", map[string]any{"What": what, "Reason": reason})
	default:
		msg = T("tasks.done.refuse", map[string]any{"What": what, "Reason": reason})
	}
	s.Reason.SetText("")
	s.Detail.Objects = nil
	s.Detail.Refresh()
	s.Actions.Hide()
	if s.pane != nil {
		s.pane.Refresh()
	}
	s.selected = -1
	s.List.UnselectAll()
	s.Refresh()
	s.Message.SetText(msg)
}

// Content returns the screen.
func (s *TasksScreen) Content() fyne.CanvasObject {
	title := widget.NewLabelWithStyle(T("tasks.title"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	s.pane = container.NewBorder(nil, s.Actions, nil, nil, wheelView(s.Detail))
	split := container.NewHSplit(s.List, s.pane)
	split.SetOffset(0.45)
	return container.NewBorder(container.NewVBox(title, s.Header), s.Message, nil, nil, split)
}
