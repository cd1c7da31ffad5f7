package ui

import (
	"context"
	"fmt"
	"math"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"vetdesk/casework"
	"vetdesk/store"
)

// DashboardScreen is the clerk's 工作台: today's intakes, tasks due and
// overdue, cases waiting for materials, drafts, and the sync state.
type DashboardScreen struct {
	d        *Desk
	Today    *widget.Label
	Due      *widget.Label
	Overdue  *widget.Label
	Waiting  *widget.Label
	Drafts   *fyne.Container
	Sync     *widget.Label
	Overdues *fyne.Container
	// AllDrafts opens every draft on 案件查询, oldest first.
	AllDrafts *widget.Button
	Stats     store.Stats
	// BackupWarn says when the last backup is older than the set number of
	// days (or there was none); hidden otherwise.
	BackupWarn *widget.Label
}

// NewDashboardScreen builds the dashboard.
func NewDashboardScreen(d *Desk) *DashboardScreen {
	s := &DashboardScreen{d: d, Today: widget.NewLabel(""), Due: widget.NewLabel(""), Overdue: widget.NewLabel(""),
		Waiting: widget.NewLabel(""), Drafts: container.NewVBox(), Sync: widget.NewLabel(""), Overdues: container.NewVBox(),
		BackupWarn: widget.NewLabel("")}
	s.AllDrafts = widget.NewButton(T("dash.drafts.all", map[string]any{"N": 0}), func() { s.OpenList("drafts") })
	s.Sync.Wrapping = fyne.TextWrapWord
	s.BackupWarn.Wrapping = fyne.TextWrapWord
	s.BackupWarn.Importance = widget.WarningImportance
	s.BackupWarn.Hide()
	if d.Async {
		for _, l := range []*widget.Label{s.Today, s.Due, s.Overdue, s.Waiting} {
			l.SetText("…")
		}
		go func() {
			f := s.load()
			fyne.Do(func() { s.apply(f) })
		}()
	} else {
		s.Refresh()
	}
	return s
}

// figures is what the dashboard reads from the store.
type figures struct {
	stats   store.Stats
	drafts  []store.CaseSummary
	overdue []store.TaskRow
	sync    store.SyncState
	backup  string // the backup warning, empty when none is due
	names   map[string]string
	err     error
}

// load reads the figures; it may run off the UI goroutine.
func (s *DashboardScreen) load() figures {
	ctx := s.d.ctx()
	var f figures
	f.stats, f.err = s.d.Svc.Store.Stats(ctx, s.office(), s.d.Svc.Now())
	if f.err != nil {
		return f
	}
	f.drafts, _, _ = s.d.Svc.Store.Search(ctx, store.Query{States: []casework.CaseState{casework.CaseDraft}, Office: s.office(), OldestFirst: true, Limit: 10})
	f.overdue, _ = s.d.Svc.Store.Tasks(ctx, taskListQuery(TaskListOverdue, s.office(), s.d.Svc.Now(), 20))
	f.names = userNames(s.d)
	f.backup = backupWarning(ctx, s.d.Svc.Store, s.d.Svc.Now())
	f.sync, f.err = s.d.Svc.Store.SyncState(ctx)
	return f
}

// backupWarning words the warning about an old or missing backup, or
// returns "" when the last one is recent enough or warnings are off.
func backupWarning(ctx context.Context, st *store.DB, now time.Time) string {
	plan := ReadBackupPlan(ctx, st)
	if plan.WarnDays <= 0 {
		return ""
	}
	last, err := st.LastBackup(ctx)
	switch {
	case err != nil:
		return ""
	case last.IsZero():
		return T("dash.backup.never")
	case now.Sub(last) > time.Duration(plan.WarnDays)*24*time.Hour:
		return T("dash.backup.old", map[string]any{"Days": int(now.Sub(last).Hours() / 24), "When": last.Local().Format("2006-01-02 15:04")})
	}
	return ""
}

func (s *DashboardScreen) office() string {
	if s.d.User.Role == "admin" || s.d.User.Role == "supervisor" {
		return ""
	}
	return s.d.User.Office
}

// Refresh reads the figures again.
func (s *DashboardScreen) Refresh() { s.apply(s.load()) }

func (s *DashboardScreen) apply(f figures) {
	if f.err != nil {
		s.Today.SetText(ErrorText(f.err))
		return
	}
	st := f.stats
	s.Stats = st
	s.Today.SetText(fmt.Sprint(st.AcceptedToday))
	s.Due.SetText(fmt.Sprint(st.DueSoon))
	s.Overdue.SetText(fmt.Sprint(st.Overdue))
	s.Waiting.SetText(fmt.Sprint(st.WaitingMaterials))
	s.fillDrafts(f.drafts, f.names)
	s.AllDrafts.SetText(T("dash.drafts.all", map[string]any{"N": st.Drafts}))
	s.fillOverdue(f.overdue)
	s.fillSync(f.sync)
	s.BackupWarn.SetText(f.backup)
	if f.backup == "" {
		s.BackupWarn.Hide()
	} else {
		s.BackupWarn.Show()
	}
}

func (s *DashboardScreen) fillDrafts(rows []store.CaseSummary, names map[string]string) {
	s.Drafts.Objects = nil
	for _, r := range rows {
		id := r.ID
		s.Drafts.Add(newTapRow(draftLabel(r, names), "", func() {
			c, err := s.d.Svc.Store.Case(s.d.ctx(), id)
			if err == nil && c.State == casework.CaseDraft {
				s.d.Show(NewIntakeScreenFor(s.d, c))
			}
		}))
	}
	s.Drafts.Refresh()
}

func (s *DashboardScreen) fillOverdue(rows []store.TaskRow) {
	s.Overdues.Objects = nil
	for _, r := range rows {
		r := r
		head, line := taskRowText(s.d, r)
		row := newTapRow(head, line, func() { s.d.Show(NewCaseScreenAt(s.d, r.CaseID, r.Task.Item)) })
		row.Line.Importance = widget.DangerImportance
		s.Overdues.Add(row)
	}
	s.Overdues.Refresh()
}

// OpenList opens the list a figure card counts: "today", "due", "overdue"
// or "waiting".
func (s *DashboardScreen) OpenList(which string) {
	office, now := s.office(), s.d.Svc.Now()
	switch which {
	case "today":
		start := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, now.Location())
		s.d.Show(NewSearchScreenWith(s.d, &SearchPreset{Label: T("dash.today"), Apply: func(q *store.Query) { q.From = start }}))
	case "waiting":
		s.d.Show(NewSearchScreenWith(s.d, &SearchPreset{Label: T("dash.waiting"), Apply: func(q *store.Query) {
			q.MissingMaterials = true
			if len(q.States) == 0 {
				q.States = []casework.CaseState{casework.CaseAccepted, casework.CaseInProgress}
			}
		}}))
	case "due":
		s.d.Show(NewTaskListScreen(s.d, TaskListDueSoon, office))
	case "overdue":
		s.d.Show(NewTaskListScreen(s.d, TaskListOverdue, office))
	case "drafts":
		sc := NewSearchScreen(s.d)
		sc.ShowDrafts()
		s.d.Show(sc)
	}
}

var openTaskStates = []casework.TaskState{casework.TaskPending, casework.TaskWorking, casework.TaskReturned}

func (s *DashboardScreen) fillSync(ss store.SyncState) {
	text := T("dash.sync.never")
	last := ss.LastPull
	if ss.LastPush.After(last) {
		last = ss.LastPush
	}
	if !last.IsZero() {
		text = T("dash.sync.last", map[string]any{"When": last.Local().Format("2006-01-02 15:04")})
	}
	text += "\n" + T("dash.sync.pending", map[string]any{"N": ss.Outbox})
	if ss.SetAside > 0 {
		text += "\n" + T("dash.sync.aside", map[string]any{"N": ss.SetAside})
	}
	if ss.Conflicts > 0 {
		text += "\n" + T("dash.sync.conflicts", map[string]any{"N": ss.Conflicts})
	}
	if ss.ClockWrong() {
		text += "\n" + T("dash.sync.clock", map[string]any{"Minutes": int(math.Round(math.Abs(ss.ClockSkew.Minutes())))})
	}
	s.Sync.SetText(text)
}

// Content returns the screen. At 1024×700 the four cards stay in one row
// and the lists share what height is left, each scrolling on its own.
func (s *DashboardScreen) Content() fyne.CanvasObject {
	tile := func(key, which string, l *widget.Label) fyne.CanvasObject {
		l.TextStyle = fyne.TextStyle{Bold: true}
		l.Alignment = fyne.TextAlignCenter
		l.SizeName = theme.SizeNameHeadingText
		return newTapCard(T(key), T("dash.card.open"), l, func() { s.OpenList(which) })
	}
	tiles := container.NewGridWithColumns(4, tile("dash.today", "today", s.Today), tile("dash.due", "due", s.Due),
		tile("dash.overdue", "overdue", s.Overdue), tile("dash.waiting", "waiting", s.Waiting))
	title := container.NewBorder(nil, nil, nil, widget.NewButton(T("dash.refresh"), s.Refresh),
		widget.NewLabelWithStyle(T("dash.title"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true}))
	allOverdue := widget.NewButton(T("dash.overdue.all"), func() { s.OpenList("overdue") })
	overdue := widget.NewCard(T("dash.overdue"), "", container.NewBorder(nil, allOverdue, nil, nil, wheelView(s.Overdues)))
	drafts := widget.NewCard(T("dash.drafts"), T("dash.drafts.hint"), container.NewBorder(nil, s.AllDrafts, nil, nil, wheelView(s.Drafts)))
	lists := container.NewGridWithColumns(2, overdue,
		container.NewBorder(nil, widget.NewCard(T("dash.sync"), "", s.Sync), nil, nil, drafts))
	return container.NewBorder(container.NewVBox(title, s.BackupWarn, tiles), nil, nil, nil, lists)
}
