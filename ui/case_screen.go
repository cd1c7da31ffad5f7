package ui

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/widget"

	"vetdesk/casework"
)

// CaseScreen shows one case: its fields, each item as a task with its
// department, state and due date, the materials, the timeline, and the
// print and withdraw actions.
type CaseScreen struct {
	d        *Desk
	id       string
	C        *casework.Case
	Header   *widget.Label
	Tasks    *fyne.Container
	Fields   *fyne.Container
	Mats     *fyne.Container
	Timeline *widget.Label
	Message  *widget.Label
	Withdraw *widget.Button
	ShowFull *widget.Button
	Resume   *widget.Button // 继续受理, on a draft
	showFull bool
	// focusItem is the task the screen was opened for (from an overdue list).
	focusItem string
	// Focused is the label of that task's row, marked.
	Focused *widget.Label
	reveals int // counts reveals and hides, so a late timer hides only its own reveal
	tabs    *container.AppTabs

	withdrawDlg *withdrawDialog

	// 好差评 (rating.go): the rating given, or the form recording one
	Rating      *widget.Label
	RateLevel   *widget.Select
	RateComment *widget.Entry
	RateButton  *widget.Button
	// Signups are the lines of the 就业培训 task's sign-ups.
	Signups []*widget.Label
}

// NewCaseScreen opens case id.
func NewCaseScreen(d *Desk, id string) *CaseScreen {
	s := &CaseScreen{d: d, id: id}
	s.init()
	return s
}

func (s *CaseScreen) init() {
	s.Header, s.Tasks, s.Fields = widget.NewLabel(""), container.NewVBox(), container.NewVBox()
	s.Mats, s.Timeline, s.Message = container.NewVBox(), widget.NewLabel(""), widget.NewLabel("")
	s.Header.Wrapping = fyne.TextWrapWord
	s.Timeline.Wrapping = fyne.TextWrapWord
	s.Message.Wrapping = fyne.TextWrapWord
	s.Withdraw = widget.NewButton(T("case.withdraw"), s.askWithdraw)
	s.ShowFull = widget.NewButton(T("case.show.full"), s.revealFull)
	s.Resume = widget.NewButton(T("case.draft.resume"), s.ResumeIntake)
	s.Resume.Importance = widget.HighImportance
	s.Reload()
}

// NewCaseScreenAt opens case id pointing at the task of item: the tasks
// tab, the task's row marked and a line saying how late it is.
func NewCaseScreenAt(d *Desk, id, item string) *CaseScreen {
	s := &CaseScreen{d: d, id: id, focusItem: item}
	s.init()
	return s
}

// Reload reads the case again from the store.
func (s *CaseScreen) Reload() {
	c, err := s.d.Svc.Store.Case(s.d.ctx(), s.id)
	if err != nil {
		s.Header.SetText(T("case.notfound"))
		return
	}
	s.C = c
	cat := s.d.Svc.Cat
	office := c.Office
	if dv := cat.Division(c.Office); dv != nil {
		office = dv.Name
	}
	number := c.Number
	if c.State == casework.CaseDraft {
		number = T("case.draft.nonumber")
	}
	head := []string{
		T("case.number") + ":" + number,
		c.Value(casework.FieldName) + "  " + s.sensitive(casework.SensitiveID, c.Value(casework.FieldIDNumber)),
		T("case.state") + ":" + CaseStateName(c.State),
		T("case.office") + ":" + office,
	}
	if !c.AcceptedAt.IsZero() {
		head = append(head, T("case.accepted")+":"+c.AcceptedAt.Local().Format("2006-01-02 15:04"))
	}
	head = append(head, T("case.catalogue")+":"+c.CatalogueVersion)
	if s.d.Svc.Unsynced != nil && c.State != casework.CaseDraft && s.d.Svc.Unsynced(s.d.ctx(), c.ID) {
		head = append(head, T("case.offline"))
	}
	s.Header.SetText(strings.Join(head, "    "))
	s.fillTasks()
	s.fillFields()
	s.fillMaterials()
	s.fillTimeline()
	if c.State == casework.CaseDone || c.State == casework.CaseWithdrawn {
		s.Withdraw.Disable()
	}
	if c.State == casework.CaseDraft {
		s.Withdraw.SetText(T("case.draft.void"))
		s.Resume.Show()
	} else {
		s.Resume.Hide()
	}
}

func (s *CaseScreen) sensitive(sens casework.Sensitivity, v string) string {
	if s.showFull {
		return v
	}
	return casework.Mask(sens, v)
}

// DefaultRevealFor is how long full values stay on show before they are
// masked again.
const DefaultRevealFor = time.Minute

// revealFull shows full sensitive values, or masks them again when shown;
// each display of a full value is audited by the store. Shown values are
// masked again after Desk.RevealFor and when the clerk leaves the case.
func (s *CaseScreen) revealFull() {
	if s.showFull {
		s.HideFull()
		return
	}
	for _, f := range s.d.Svc.Cat.Fields {
		if f.Sensitive == casework.SensitiveNone || s.C.Values[f.Code] == "" {
			continue
		}
		if _, err := s.d.Svc.Store.RevealValue(s.d.ctx(), s.d.Actor(), s.C.ID, f.Code); err != nil {
			s.Message.SetText(ErrorText(err))
			return
		}
	}
	s.showFull = true
	s.reveals++
	n := s.reveals
	s.d.after(s.d.revealFor(), func() {
		if s.reveals == n { // not a reveal that was hidden and shown again since
			s.HideFull()
		}
	})
	s.ShowFull.SetText(T("case.hide.full"))
	s.Reload()
}

// HideFull masks the values again.
func (s *CaseScreen) HideFull() {
	if !s.showFull {
		return
	}
	s.showFull = false
	s.reveals++
	s.ShowFull.SetText(T("case.show.full"))
	s.Reload()
}

// Leave masks revealed values when the clerk leaves the case.
func (s *CaseScreen) Leave() { s.HideFull() }

func (s *CaseScreen) fillTasks() {
	cat := s.d.Svc.Cat
	today := s.d.Svc.Now()
	s.Tasks.Objects = nil
	s.Signups, s.Rating, s.RateLevel, s.RateComment, s.RateButton = nil, nil, nil, nil, nil
	for _, t := range s.C.Tasks {
		it := cat.Item(t.Item)
		name, dept := t.Item, t.Department
		if it != nil {
			name = fmt.Sprintf("%d. %s", it.No, it.Name)
		}
		if dp := cat.Department(t.Department); dp != nil {
			dept = dp.Short
		}
		line := []string{name, dept, TaskStateName(t.State)}
		if !t.Due.IsZero() {
			line = append(line, T("case.task.due", map[string]any{"Due": t.Due.Format("2006-01-02")}))
		}
		if n, ok := t.DaysLeft(cat.Calendar, today); ok {
			if n >= 0 {
				line = append(line, T("case.task.left", map[string]any{"N": n}))
			} else {
				line = append(line, T("case.task.over", map[string]any{"N": -n}))
			}
		}
		if t.Reason != "" {
			line = append(line, T("case.task.reason", map[string]any{"Reason": t.Reason}))
		}
		label := widget.NewLabel(strings.Join(line, "  ·  "))
		label.Wrapping = fyne.TextWrapWord
		if t.Item == s.focusItem {
			label.TextStyle = fyne.TextStyle{Bold: true}
			label.Importance = widget.HighImportance
			mark := T("case.task.pointer")
			if n, ok := t.DaysLeft(cat.Calendar, today); ok && n < 0 {
				label.Importance = widget.DangerImportance
				mark += " " + T("case.task.pointer.over")
			}
			label.SetText(mark + " " + label.Text)
			s.Focused = label
		}
		acts := container.NewHBox()
		row := container.NewBorder(nil, nil, nil, acts, label)
		if t.State == casework.TaskReturned && s.d.User.Role != "handler" {
			item := t.Item
			acts.Add(widget.NewButton(T("case.resubmit"), func() { s.update(func(c *casework.Case) error { return c.ResubmitTask(cat, item, s.d.Svc.Now()) }) }))
		}
		s.Tasks.Add(row)
		if it != nil && it.No == employmentItemNo {
			for _, line := range s.signupLines() {
				l := widget.NewLabel("    " + line)
				l.Wrapping = fyne.TextWrapWord
				s.Signups = append(s.Signups, l)
				s.Tasks.Add(l)
			}
		}
	}
	if box := s.ratingBox(); box != nil {
		s.Tasks.Add(box)
	}
	s.Tasks.Refresh()
}

func (s *CaseScreen) fillFields() {
	cat := s.d.Svc.Cat
	form := casework.BuildForm(cat, s.C.Items, s.C.Values)
	s.Fields.Objects = nil
	for _, g := range form.Groups {
		fi := widget.NewForm()
		for _, ff := range g.Fields {
			v := s.C.Values[ff.Field.Code]
			switch {
			case ff.Field.Type == casework.TypePhoto && v != "":
				v = T("intake.material.attached", map[string]any{"N": 1})
			case ff.Field.Sensitive != casework.SensitiveNone:
				v = s.sensitive(ff.Field.Sensitive, v)
			default:
				v = OptionLabel(cat, ff.Field, v)
			}
			l := widget.NewLabel(v)
			l.Wrapping = fyne.TextWrapWord
			fi.Append(ff.Field.Label, l)
		}
		s.Fields.Add(widget.NewCard("", g.Name, fi))
	}
	for _, t := range s.C.Tasks {
		if len(t.Result) == 0 {
			continue
		}
		fi := widget.NewForm()
		keys := make([]string, 0, len(t.Result))
		for k := range t.Result {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			label := k
			if f := cat.Field(k); f != nil {
				label = f.Label
			}
			fi.Append(label, widget.NewLabel(t.Result[k]))
		}
		title := t.Item
		if it := cat.Item(t.Item); it != nil {
			title = it.Name
		}
		s.Fields.Add(widget.NewCard("", T("tasks.result")+" · "+title, fi))
	}
	s.Fields.Refresh()
}

func (s *CaseScreen) fillMaterials() {
	cat := s.d.Svc.Cat
	s.Mats.Objects = nil
	for _, line := range casework.BuildChecklist(cat, s.C.Items, s.C.Values).Lines {
		st := casework.MaterialRequired
		n := 0
		if ms := s.C.Materials[line.Material.Code]; ms != nil {
			st, n = ms.Status, len(ms.Attachments)
		}
		text := line.Material.Name + " · " + MaterialStatusName(st)
		if n > 0 {
			text += " · " + T("intake.material.attached", map[string]any{"N": n})
		}
		l := widget.NewLabel(text)
		l.Wrapping = fyne.TextWrapWord
		if !st.Received() {
			l.Importance = widget.DangerImportance
		}
		s.Mats.Add(l)
	}
	s.Mats.Refresh()
}

func (s *CaseScreen) fillTimeline() {
	evs, err := s.d.Svc.Store.History(s.d.ctx(), s.C.ID)
	if err != nil {
		s.Timeline.SetText(ErrorText(err))
		return
	}
	var lines []string
	for _, e := range evs {
		lines = append(lines, eventLine(s.d.Svc.Cat, e))
	}
	s.Timeline.SetText(strings.Join(lines, "\n"))
}

func (s *CaseScreen) update(fn func(c *casework.Case) error) {
	if _, err := s.d.Svc.Store.UpdateCase(s.d.ctx(), s.d.Actor(), s.id, fn); err != nil {
		s.Message.SetText(ErrorText(err))
		return
	}
	s.Reload()
}

func (s *CaseScreen) askWithdraw() {
	reason := widget.NewMultiLineEntry()
	reason.SetPlaceHolder(T("case.withdraw.reason"))
	reason.SetMinRowsVisible(3)
	problem := widget.NewLabel("")
	problem.Importance = widget.DangerImportance
	problem.Wrapping = fyne.TextWrapWord
	var dlg *dialog.CustomDialog
	ok := widget.NewButton(T("common.ok"), func() {
		if strings.TrimSpace(reason.Text) == "" {
			problem.SetText(T("case.withdraw.required"))
			s.d.Win.Canvas().Focus(reason)
			return
		}
		dlg.Hide()
		s.WithdrawWith(strings.TrimSpace(reason.Text))
	})
	ok.Importance = widget.HighImportance
	cancel := widget.NewButton(T("common.cancel"), func() { dlg.Hide() })
	body := container.NewVBox(widget.NewLabel(T("case.withdraw.reason")), reason, problem)
	dlg = dialog.NewCustomWithoutButtons(T("case.withdraw"), body, s.d.Win)
	dlg.SetButtons([]fyne.CanvasObject{cancel, ok})
	dlg.Resize(fyne.NewSize(480, 0))
	s.withdrawDlg = &withdrawDialog{dlg: dlg, Reason: reason, Problem: problem, OK: ok}
	dlg.Show()
	s.d.Win.Canvas().Focus(reason)
}

// withdrawDialog is the open 撤回 dialog, kept for tests.
type withdrawDialog struct {
	dlg     *dialog.CustomDialog
	Reason  *widget.Entry
	Problem *widget.Label
	OK      *widget.Button
}

// ResumeIntake continues the intake of a draft (继续受理).
func (s *CaseScreen) ResumeIntake() {
	c, err := s.d.Svc.Store.Case(s.d.ctx(), s.id)
	if err != nil {
		s.Message.SetText(ErrorText(err))
		return
	}
	if c.State != casework.CaseDraft {
		s.Reload()
		return
	}
	s.d.Show(NewIntakeScreenFor(s.d, c))
}

// WithdrawWith withdraws the case with reason.
func (s *CaseScreen) WithdrawWith(reason string) {
	s.update(func(c *casework.Case) error { return c.Withdraw(reason, s.d.Svc.Now()) })
}

// PrintDefault prints the receipt (Ctrl+P).
func (s *CaseScreen) PrintDefault() { printDoc(s.d, s.id, casework.DocReceipt, s.Message) }

// Content returns the screen.
func (s *CaseScreen) Content() fyne.CanvasObject {
	s.tabs = container.NewAppTabs(
		container.NewTabItem(T("case.tab.tasks"), wheelView(s.Tasks)),
		container.NewTabItem(T("case.tab.fields"), wheelView(s.Fields)),
		container.NewTabItem(T("case.tab.materials"), wheelView(s.Mats)),
		container.NewTabItem(T("case.tab.timeline"), wheelView(s.Timeline)),
	)
	actions := container.NewHBox(widget.NewButton(T("common.back"), s.d.Back), s.Resume, s.ShowFull, s.Withdraw)
	var top fyne.CanvasObject = container.NewVBox(widget.NewLabelWithStyle(T("case.title"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true}), s.Header, actions)
	if s.C != nil && s.C.State != casework.CaseDraft {
		top = container.NewVBox(top, printButtons(s.d, s.C, s.Message))
	}
	return container.NewBorder(top, s.Message, nil, nil, s.tabs)
}

// printButtons offers the documents a case can print.
func printButtons(d *Desk, c *casework.Case, msg *widget.Label) fyne.CanvasObject {
	box := container.NewHBox()
	if d.Svc.Printer == nil {
		return box
	}
	add := func(key, doc string) {
		box.Add(widget.NewButton(T(key), func() { printDoc(d, c.ID, doc, msg) }))
	}
	add("case.print.receipt", casework.DocReceipt)
	add("case.print.notice", casework.DocNotice)
	add("case.print.regform", casework.DocRegForm)
	if c.HasItem("hukou") {
		add("case.print.letter", casework.DocHukouLetter)
	}
	if c.HasItem("subsidy") {
		add("case.print.subsidy", casework.DocSubsidyForm)
	}
	if _, ok := d.Svc.Printer.(DocPreviewer); ok {
		box.Add(previewSelect(d, c, msg))
	}
	return box
}

// previewSelect offers the print preview of each document the case has.
func previewSelect(d *Desk, c *casework.Case, msg *widget.Label) *widget.Select {
	docs := []struct{ doc, label string }{{casework.DocReceipt, "preview.doc.receipt"}, {casework.DocNotice, "preview.doc.notice"},
		{casework.DocRegForm, "preview.doc.regform"}}
	if c.HasItem("hukou") {
		docs = append(docs, struct{ doc, label string }{casework.DocHukouLetter, "preview.doc.letter"})
	}
	if c.HasItem("subsidy") {
		docs = append(docs, struct{ doc, label string }{casework.DocSubsidyForm, "preview.doc.subsidy"})
	}
	var labels []string
	for _, dc := range docs {
		labels = append(labels, T(dc.label))
	}
	var sel *widget.Select
	sel = widget.NewSelect(labels, func(string) {
		i := sel.SelectedIndex()
		if i < 0 {
			return
		}
		sel.ClearSelected()
		showPreview(d, c.ID, docs[i].doc, T("preview.title", map[string]any{"Doc": labels[i]}), msg)
	})
	sel.PlaceHolder = T("preview.choose")
	return sel
}

// printNow prints in the background and reports where the PDF went.
func printNow(d *Desk, caseID, doc string, msg *widget.Label) {
	if d.Svc.Printer == nil {
		return
	}
	msg.SetText(T("common.working"))
	a := d.Actor()
	go func() {
		path, err := d.Svc.Printer.PrintDocument(d.ctx(), a, doc, caseID)
		fyne.Do(func() {
			switch {
			case err != nil && path != "":
				// saved, but the printer did not take it
				_ = ErrorText(err) // logged with a reference
				msg.SetText(T("case.print.unsent", map[string]any{"Path": path}))
			case err != nil:
				msg.SetText(ErrorText(err))
			default:
				msg.SetText(T("case.printed", map[string]any{"Path": path}))
			}
		})
	}()
}
