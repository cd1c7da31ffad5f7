package ui

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"vetdesk/casework"
	"vetdesk/store"
)

// acceptedCase saves and accepts a generated ten-item case as the clerk.
func (f *fixture) acceptedCase(id string, seed uint64) *casework.Case {
	f.t.Helper()
	ctx := context.Background()
	a := store.Actor{UserID: f.clerk.ID, Login: f.clerk.Login, Name: f.clerk.Name, Role: f.clerk.Role, Office: f.clerk.Office}
	c := casework.NewGenerator(f.cat, seed, fixedNow).Draft(id, "371002", true)
	// 报到 was done on an earlier visit, so 恢复户口 (which follows 报到) is
	// the police's to work from acceptance on
	c.SetItems(f.cat, slices.DeleteFunc(slices.Clone(c.Items), func(it string) bool { return it == "register" }))
	if err := f.st.SaveCase(ctx, a, c); err != nil {
		f.t.Fatal(err)
	}
	if probs, err := f.st.AcceptCase(ctx, a, f.cat, c); err != nil {
		f.t.Fatalf("accept %s: %v %v", id, err, probs)
	}
	return c
}

// makeOverdue moves the due date of item's task of case id into the past.
func (f *fixture) makeOverdue(id, item string, days int) {
	f.t.Helper()
	_, err := f.st.UpdateCase(context.Background(), store.Actor{Role: "admin"}, id, func(c *casework.Case) error {
		c.Task(item).Due = fixedNow.AddDate(0, 0, -days)
		return nil
	})
	if err != nil {
		f.t.Fatal(err)
	}
}

func (f *fixture) policeHandler() store.User {
	return store.User{ID: "u-police", Login: "police", Name: "赵户籍", Role: "handler", Department: "police", Office: "371002"}
}

// TestTaskMessageNamesWhatHappened: after 开始办理 and 退回补正 the status
// line says so, not 已办结 (#19.2).
func TestTaskMessageNamesWhatHappened(t *testing.T) {
	f := newFixture(t)
	c := f.acceptedCase("case-msg-1", 11)
	f.desk.LoggedIn(f.policeHandler())
	ts := f.desk.Current().(*TasksScreen)
	pick := func(item string) {
		t.Helper()
		for i, r := range ts.Rows {
			if r.CaseID == c.ID && r.Task.Item == item {
				ts.Select(i)
				return
			}
		}
		t.Fatalf("task %s not listed", item)
	}
	pick("hukou")
	test.Tap(ts.Start)
	if got := ts.Message.Text; !strings.Contains(got, T("tasks.start")) || strings.Contains(got, "办结") {
		t.Errorf("after 开始办理 the message reads %q", got)
	}
	pick("hukou")
	test.Type(ts.Reason, "缺少户口簿")
	test.Tap(ts.Return)
	if got := ts.Message.Text; !strings.Contains(got, T("tasks.return")) || !strings.Contains(got, "缺少户口簿") || strings.Contains(got, "办结") {
		t.Errorf("after 退回补正 the message reads %q", got)
	}
	got, _ := f.st.Case(context.Background(), c.ID)
	if got.Task("hukou").State != casework.TaskReturned {
		t.Errorf("hukou = %s, want returned", got.Task("hukou").State)
	}
}

// TestTasksMarkOverdueRows: 部门待办 marks an overdue row with the days
// overdue, and its header names the department, never "全部状态" (#19.12).
func TestTasksMarkOverdueRows(t *testing.T) {
	f := newFixture(t)
	c := f.acceptedCase("case-over-1", 12)
	f.acceptedCase("case-over-2", 13)
	f.makeOverdue(c.ID, "hukou", 10)
	f.desk.LoggedIn(f.admin)
	f.desk.Open("nav.tasks")
	ts := f.desk.Current().(*TasksScreen)
	if strings.Contains(ts.Header.Text, T("search.state.all")) || !strings.Contains(ts.Header.Text, T("tasks.dept.all")) {
		t.Errorf("admin's header reads %q", ts.Header.Text)
	}
	marked := 0
	for i, r := range ts.Rows {
		head, line, due, over := ts.rowText(i)
		if over {
			marked++
			if r.CaseID != c.ID || r.Task.Item != "hukou" {
				t.Errorf("row %s %s marked overdue", r.Number, r.Task.Item)
			}
			if !strings.Contains(due, "已逾期") || head == "" || line == "" {
				t.Errorf("overdue row reads %q / %q / %q", head, line, due)
			}
		}
	}
	if marked != 1 {
		t.Errorf("%d rows marked overdue, want 1", marked)
	}
	f.desk.LoggedIn(f.policeHandler())
	ts = f.desk.Current().(*TasksScreen)
	if !strings.Contains(ts.Header.Text, f.cat.Department("police").Name) {
		t.Errorf("police header reads %q", ts.Header.Text)
	}
}

var _ = time.Second

// TestSyncNowUnenrolledSaysWhy: 立即同步 on a desk that never joined a hub
// says why nothing happens and what to do, for a clerk and for an admin
// (#19.4).
func TestSyncNowUnenrolledSaysWhy(t *testing.T) {
	f := newFixture(t)
	f.desk.Svc.Sync = noSync{}
	for _, u := range []store.User{f.clerk, f.admin} {
		f.desk.LoggedIn(u)
		f.desk.Open("nav.sync")
		s := f.desk.Current().(*SyncScreen)
		test.Tap(s.Now)
		if !strings.Contains(s.Message.Text, "尚未接入中心") || !strings.Contains(s.Message.Text, "接入") {
			t.Errorf("%s taps 立即同步 unenrolled: message %q", u.Role, s.Message.Text)
		}
	}
}

// TestWithdrawNeedsReason: the 撤回 reason box is wide enough to write in,
// and 确定 with an empty reason says so and keeps the dialog (#19.5).
func TestWithdrawNeedsReason(t *testing.T) {
	f := newFixture(t)
	c := f.acceptedCase("case-wd-1", 14)
	f.desk.LoggedIn(f.clerk)
	cs := NewCaseScreen(f.desk, c.ID)
	f.desk.Show(cs)
	test.Tap(cs.Withdraw)
	w := cs.withdrawDlg
	if w == nil || len(f.win.Canvas().Overlays().List()) == 0 {
		t.Fatalf("撤回 opened no dialog")
	}
	if got := w.Reason.Size().Width; got < 300 {
		t.Errorf("reason box is %.0f px wide, want at least 300", got)
	}
	test.Tap(w.OK)
	if len(f.win.Canvas().Overlays().List()) == 0 {
		t.Fatalf("确定 with an empty reason closed the dialog")
	}
	if w.Problem.Text == "" {
		t.Errorf("确定 with an empty reason gave no message")
	}
	if got, _ := f.st.Case(context.Background(), c.ID); got.State == casework.CaseWithdrawn {
		t.Fatalf("withdrawn without a reason")
	}
	test.Type(w.Reason, "申请人自愿撤回")
	test.Tap(w.OK)
	if len(f.win.Canvas().Overlays().List()) != 0 {
		t.Errorf("dialog still open after a valid reason")
	}
	got, _ := f.st.Case(context.Background(), c.ID)
	if got.State != casework.CaseWithdrawn || got.WithdrawReason != "申请人自愿撤回" {
		t.Errorf("after 确定: state %s reason %q", got.State, got.WithdrawReason)
	}
}

// pressShortcut delivers a shortcut as the desktop driver does: to the
// focused widget when it takes shortcuts, else to the canvas.
func pressShortcut(c fyne.Canvas, key fyne.KeyName) {
	s := &desktop.CustomShortcut{KeyName: key, Modifier: fyne.KeyModifierShortcutDefault}
	if f, ok := c.Focused().(fyne.Shortcutable); ok {
		f.TypedShortcut(s)
		return
	}
	c.(fyne.Shortcutable).TypedShortcut(s)
}

// TestShortcutsFromAnywhere: Ctrl+N and Ctrl+F work after a click on the
// side menu, with the cursor in the search box, in the ID box and in a form
// field of the intake (#19.10).
func TestShortcutsFromAnywhere(t *testing.T) {
	f := newFixture(t)
	f.desk.LoggedIn(f.clerk)
	c := f.win.Canvas()
	test.Tap(f.desk.navBtns["nav.search"])
	s, ok := f.desk.Current().(*SearchScreen)
	if !ok {
		t.Fatalf("side menu 案件查询 shows %T", f.desk.Current())
	}
	if c.Focused() != s.Query {
		t.Fatalf("search opens with focus on %T", c.Focused())
	}
	pressShortcut(c, fyne.KeyN)
	in, ok := f.desk.Current().(*IntakeScreen)
	if !ok {
		t.Fatalf("Ctrl+N in the search box: screen %T, want the intake", f.desk.Current())
	}
	c.Focus(in.ID)
	pressShortcut(c, fyne.KeyF)
	if _, ok := f.desk.Current().(*SearchScreen); !ok {
		t.Fatalf("Ctrl+F in the ID box: screen %T, want the search", f.desk.Current())
	}
	in = NewIntakeScreen(f.desk)
	f.fillIntake(t, in, false)
	name := in.Inputs[casework.FieldName].Entry
	c.Focus(name)
	in.SavedInfo.SetText("")
	pressShortcut(c, fyne.KeyS) // save, with the cursor in 姓名
	if in.SavedInfo.Text == "" {
		t.Errorf("Ctrl+S in 姓名 did not save")
	}
	pressShortcut(c, fyne.KeyF)
	if _, ok := f.desk.Current().(*SearchScreen); !ok {
		t.Fatalf("Ctrl+F in 姓名: screen %T, want the search", f.desk.Current())
	}
	// the entry's own shortcuts still work
	s = f.desk.Current().(*SearchScreen)
	test.Type(s.Query, "王")
	c.Focus(s.Query)
	s.Query.TypedShortcut(&fyne.ShortcutSelectAll{})
	if s.Query.SelectedText() != "王" {
		t.Errorf("Ctrl+A in the search box selects %q", s.Query.SelectedText())
	}
}

// TestWheelScrollsIntakeEverywhere: the mouse wheel scrolls the intake with
// the pointer over an entry and over a select, about three lines a notch,
// and a click on an entry still reaches it (#19.8).
func TestWheelScrollsIntakeEverywhere(t *testing.T) {
	f := newFixture(t)
	f.desk.LoggedIn(f.clerk)
	in := NewIntakeScreen(f.desk)
	f.fillIntake(t, in, false)
	c := f.win.Canvas()
	drv := fyne.CurrentApp().Driver()
	const notch = 25 // what the desktop driver gives for one notch
	for _, tc := range []struct {
		name string
		obj  fyne.CanvasObject
	}{
		{"the ID entry", in.ID},
		{"the category select", in.Category},
		{"the 姓名 entry", in.Inputs[casework.FieldName].Entry},
	} {
		in.scroll.ScrollToTop()
		in.scroll.Refresh()
		pos := drv.AbsolutePositionForObject(tc.obj).Add(fyne.NewPos(10, 10))
		if pos.Y > f.win.Canvas().Size().Height {
			t.Fatalf("%s is not on screen at the top of the intake", tc.name)
		}
		test.Scroll(c, pos, 0, -notch)
		if got := in.scroll.Offset.Y; got < 2*notch {
			t.Errorf("one notch over %s scrolled %.0f px, want at least %d", tc.name, got, 2*notch)
		}
	}
	in.scroll.ScrollToTop()
	in.scroll.Refresh()
	pos := drv.AbsolutePositionForObject(in.Category).Add(fyne.NewPos(10, 10))
	test.TapCanvas(c, pos)
	if len(c.Overlays().List()) == 0 {
		t.Errorf("a click on the category select did not open its list")
	}
}

// TestAcceptResultInView: after 受理 the number and the next actions are in
// the visible part of the window, not below the fold of the form (#19.3).
func TestAcceptResultInView(t *testing.T) {
	f := newFixture(t)
	f.desk.LoggedIn(f.clerk)
	in := NewIntakeScreen(f.desk)
	f.fillIntake(t, in, true)
	if in.C.Number == "" {
		t.Fatalf("not accepted: %s", in.Problems.Text)
	}
	drv := fyne.CurrentApp().Driver()
	height := f.win.Canvas().Size().Height
	msg := T("intake.accepted", map[string]any{"Number": in.C.Number})
	var found bool
	walkAll(f.win.Content(), func(o fyne.CanvasObject) {
		l, ok := o.(*widget.Label)
		if !ok || l.Text != msg {
			return
		}
		found = true
		if y := drv.AbsolutePositionForObject(l).Y; y < 0 || y+l.Size().Height > height || !l.Visible() {
			t.Errorf("%q is at y=%.0f, outside the %.0f px window", msg, y, height)
		}
	})
	if !found {
		t.Fatalf("no label reads %q", msg)
	}
	again := buttonIn(in.Result, T("intake.new"))
	if again == nil {
		t.Fatalf("no 新建受理 button with the result")
	}
	if y := drv.AbsolutePositionForObject(again).Y; y+again.Size().Height > height {
		t.Errorf("新建受理 is at y=%.0f, outside the %.0f px window", y, height)
	}
}

// walkAll visits o and everything inside it, widgets' parts included.
func walkAll(o fyne.CanvasObject, fn func(fyne.CanvasObject)) {
	fn(o)
	switch x := o.(type) {
	case *fyne.Container:
		for _, c := range x.Objects {
			walkAll(c, fn)
		}
	case fyne.Widget:
		for _, c := range test.WidgetRenderer(x).Objects() {
			walkAll(c, fn)
		}
	}
}

// TestTimelineReadsAsSentences: 办理记录 says who did what and when in
// Chinese, with field labels, values as displayed and local times: no
// field codes, no raw states, no UTC stamps (#19.11).
func TestTimelineReadsAsSentences(t *testing.T) {
	f := newFixture(t)
	c := f.acceptedCase("case-tl-1", 15)
	a := store.Actor{UserID: f.clerk.ID, Login: f.clerk.Login, Name: f.clerk.Name, Role: "clerk", Office: "371002"}
	_, err := f.st.UpdateCase(context.Background(), a, c.ID, func(c *casework.Case) error {
		for code, m := range c.Materials {
			if m.Status == casework.MaterialRequired {
				c.Materials[code].Status = casework.MaterialCopy
			}
		}
		return c.StartTask(f.cat, "hukou", fixedNow)
	})
	if err != nil {
		t.Fatal(err)
	}
	f.desk.LoggedIn(f.clerk)
	cs := NewCaseScreen(f.desk, c.ID)
	text := cs.Timeline.Text
	for _, raw := range []string{"=", "accepted_at", "received_", "department", "state", "police", "T09:", "Z\n", "v:"} {
		if strings.Contains(text, raw) {
			t.Errorf("timeline shows raw %q:\n%s", raw, text)
		}
	}
	acceptedAt := c.AcceptedAt.Local().Format("2006-01-02 15:04")
	for _, want := range []string{
		f.clerk.Name + " " + T("history.accept", map[string]any{"Number": c.Number}),
		T("history.created"),
		"姓名“" + c.Value(casework.FieldName) + "”",
		"受理时间“" + acceptedAt + "”",
		"办理状态“办理中”",
		"收取情况“已收复印件”",
		"承办部门“" + f.cat.Department("police").Name + "”",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("timeline lacks %q:\n%s", want, text)
		}
	}
	for i, line := range strings.Split(text, "\n") {
		if len(line) < 17 || line[4] != '-' || line[13] != ':' || !strings.Contains(line, f.clerk.Name) {
			t.Errorf("line %d does not start with a local time and the clerk: %q", i, line)
		}
	}
}

// TestIntakeOffersExistingDraft: typing an ID number that has a draft (here
// a colleague's) offers to continue it; declining warns on 核对; accepting
// one draft voids the other with the accepted number (#19.6).
func TestIntakeOffersExistingDraft(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	colleague := store.Actor{UserID: f.admin.ID, Login: f.admin.Login, Name: f.admin.Name, Role: "admin", Office: "371002"}
	d1 := casework.NewGenerator(f.cat, 21, fixedNow).Draft("draft-1", "371002", true)
	if err := f.st.SaveCase(ctx, colleague, d1); err != nil {
		t.Fatal(err)
	}
	idNum := d1.Value(casework.FieldIDNumber)
	drafts := func() int {
		_, n, _ := f.st.Search(ctx, store.Query{IDNumber: idNum, States: []casework.CaseState{casework.CaseDraft}})
		return n
	}
	f.desk.LoggedIn(f.clerk)
	in := NewIntakeScreen(f.desk)
	f.desk.Show(in)
	test.Type(in.ID, idNum)
	press(in.ID, fyne.KeyReturn)
	if in.Offer == nil || len(in.Offer.Continue) != 1 || len(f.win.Canvas().Overlays().List()) == 0 {
		t.Fatalf("an ID with a draft offered nothing")
	}
	if txt := in.Offer.Continue[0].Text; !strings.Contains(txt, f.admin.Name) || !strings.Contains(txt, d1.Value(casework.FieldName)) {
		t.Errorf("the offer reads %q, want the draft's name and who started it", txt)
	}
	test.Tap(in.Offer.Continue[0])
	cur, ok := f.desk.Current().(*IntakeScreen)
	if !ok || cur.C == nil || cur.C.ID != d1.ID {
		t.Fatalf("continuing shows %T", f.desk.Current())
	}
	if n := drafts(); n != 1 {
		t.Errorf("after continuing %d drafts of the ID, want 1", n)
	}
	// a second intake declines the offer: two drafts, and 核对 says so
	in2 := NewIntakeScreen(f.desk)
	f.desk.Show(in2)
	test.Type(in2.ID, idNum)
	press(in2.ID, fyne.KeyReturn)
	if in2.Offer == nil {
		t.Fatalf("second intake: no offer")
	}
	test.Tap(in2.Offer.New)
	if in2.C == nil || drafts() != 2 {
		t.Fatalf("declining did not start a new draft (%d drafts)", drafts())
	}
	in2.ReviewNow()
	if !strings.Contains(in2.Problems.Text, "另有 1 份") {
		t.Errorf("核对 does not mention the other draft:\n%s", in2.Problems.Text)
	}
	// accepting the colleague's draft voids the second one, naming the case
	f.desk.Show(cur)
	test.Tap(cur.Accept)
	if cur.C.State != casework.CaseAccepted {
		t.Fatalf("not accepted: %s", cur.Problems.Text)
	}
	other, _ := f.st.Case(ctx, in2.C.ID)
	if other.State != casework.CaseWithdrawn || !strings.Contains(other.WithdrawReason, cur.C.Number) {
		t.Errorf("the other draft is %s (%q), want withdrawn naming %s", other.State, other.WithdrawReason, cur.C.Number)
	}
	if n := drafts(); n != 0 {
		t.Errorf("%d drafts of the ID left after acceptance", n)
	}
}

// TestDraftsReachableAndResumable: every draft can be listed on 案件查询,
// oldest first with who started it, and 继续受理 opens the intake from the
// list and from the case page (#19.7).
func TestDraftsReachableAndResumable(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	g := casework.NewGenerator(f.cat, 31, fixedNow)
	users := []store.User{f.clerk, f.admin}
	var oldest string
	for i := 0; i < 14; i++ {
		u := users[i%2]
		c := g.Draft(fmt.Sprintf("draft-%02d", i), "371002", false)
		c.CreatedAt = fixedNow.Add(-time.Duration(i) * time.Hour)
		if err := f.st.SaveCase(ctx, store.Actor{UserID: u.ID, Login: u.Login, Name: u.Name, Role: u.Role, Office: "371002"}, c); err != nil {
			t.Fatal(err)
		}
		oldest = c.ID
	}
	f.desk.LoggedIn(f.clerk)
	f.desk.Open("nav.search")
	s := f.desk.Current().(*SearchScreen)
	s.ShowDrafts()
	if s.total != 14 || len(s.Rows) != 14 {
		t.Fatalf("drafts filter lists %d of %d, want all 14", len(s.Rows), s.total)
	}
	if s.Rows[0].ID != oldest {
		t.Errorf("first row %s, want the oldest draft %s", s.Rows[0].ID, oldest)
	}
	if got := s.cell(0, 5); !strings.Contains(got, f.admin.Name) && !strings.Contains(got, f.clerk.Name) {
		t.Errorf("started-by cell reads %q", got)
	}
	if got := s.cell(0, 0); got != T("search.draft.resume") {
		t.Errorf("number cell of a draft reads %q", got)
	}
	s.Results.Select(widget.TableCellID{Row: 0, Col: 1})
	in, ok := f.desk.Current().(*IntakeScreen)
	if !ok || in.C == nil || in.C.ID != oldest {
		t.Fatalf("selecting a draft in the list shows %T, want its intake", f.desk.Current())
	}
	cs := NewCaseScreen(f.desk, oldest)
	f.desk.Show(cs)
	if !cs.Resume.Visible() || !strings.Contains(cs.Header.Text, T("case.draft.nonumber")) {
		t.Errorf("a draft's case page: resume visible %v, header %q", cs.Resume.Visible(), cs.Header.Text)
	}
	test.Tap(cs.Resume)
	if in, ok := f.desk.Current().(*IntakeScreen); !ok || in.C.ID != oldest {
		t.Errorf("继续受理 on the case page shows %T", f.desk.Current())
	}
}

// TestDashboardCardsOpenTheirLists: each number card opens the list it
// counts, with as many rows as the card says; overdue rows say how many
// working days late; opening one points at the task (#19.12).
func TestDashboardCardsOpenTheirLists(t *testing.T) {
	f := newFixture(t)
	f.seed(40)
	late := f.acceptedCase("case-late-1", 16)
	f.makeOverdue(late.ID, "hukou", 10)
	f.desk.LoggedIn(f.clerk)
	dash := f.desk.Current().(*DashboardScreen)
	st := dash.Stats
	if st.Overdue == 0 || st.AcceptedToday == 0 || st.WaitingMaterials == 0 {
		t.Fatalf("seed gives no figures to check: %+v", st)
	}
	var cards []*tapCard
	walkAll(f.win.Content(), func(o fyne.CanvasObject) {
		if c, ok := o.(*tapCard); ok {
			cards = append(cards, c)
		}
	})
	if len(cards) != 4 {
		t.Fatalf("%d tappable number cards, want 4", len(cards))
	}
	want := map[string]int{T("dash.today"): st.AcceptedToday, T("dash.due"): st.DueSoon, T("dash.overdue"): st.Overdue, T("dash.waiting"): st.WaitingMaterials}
	for _, c := range cards {
		f.desk.Open("nav.dashboard")
		test.Tap(c)
		got := -1
		switch sc := f.desk.Current().(type) {
		case *SearchScreen:
			got = sc.total
		case *TaskListScreen:
			got = len(sc.Rows)
		default:
			t.Errorf("card %s opens %T", c.Title, sc)
			continue
		}
		if got != want[c.Title] {
			t.Errorf("card %s counts %d, its list holds %d", c.Title, want[c.Title], got)
		}
	}
	f.desk.Open("nav.dashboard")
	dash = f.desk.Current().(*DashboardScreen)
	dash.OpenList("overdue")
	tl := f.desk.Current().(*TaskListScreen)
	var row *tapRow
	for i, r := range tl.Rows {
		if r.CaseID == late.ID && r.Task.Item == "hukou" {
			row = tl.List.Objects[i].(*tapRow)
		}
	}
	if row == nil {
		t.Fatalf("the late hukou task is not on the overdue list")
	}
	if !strings.Contains(row.Line.Text, "已逾期") {
		t.Errorf("overdue row reads %q, want the days overdue", row.Line.Text)
	}
	test.Tap(row)
	cs, ok := f.desk.Current().(*CaseScreen)
	if !ok || cs.C.ID != late.ID {
		t.Fatalf("opening the overdue row shows %T", f.desk.Current())
	}
	if cs.Focused == nil || !strings.Contains(cs.Focused.Text, f.cat.Item("hukou").Name) || !strings.Contains(cs.Focused.Text, T("case.task.pointer")) {
		t.Errorf("the case page does not point at the late task")
	}
	if cs.tabs.SelectedIndex() != 0 {
		t.Errorf("the case opens on tab %d, want the tasks", cs.tabs.SelectedIndex())
	}
	// 全部草稿 opens every draft, as many as the dashboard counts
	f.desk.Open("nav.dashboard")
	dash = f.desk.Current().(*DashboardScreen)
	test.Tap(dash.AllDrafts)
	if sc, ok := f.desk.Current().(*SearchScreen); !ok || !sc.draftsOnly() || sc.total != dash.Stats.Drafts {
		t.Errorf("全部草稿 opens %T, want 案件查询 on the %d drafts", f.desk.Current(), dash.Stats.Drafts)
	}
	// the dashboard's own overdue list points at the task too
	f.desk.Open("nav.dashboard")
	dash = f.desk.Current().(*DashboardScreen)
	if len(dash.Overdues.Objects) == 0 {
		t.Fatalf("dashboard lists no overdue task")
	}
	first := dash.Overdues.Objects[0].(*tapRow)
	if !strings.Contains(first.Line.Text, "已逾期") {
		t.Errorf("dashboard overdue row reads %q", first.Line.Text)
	}
	test.Tap(first)
	if cs, ok := f.desk.Current().(*CaseScreen); !ok || cs.Focused == nil {
		t.Errorf("dashboard overdue row opens %T without pointing at the task", f.desk.Current())
	}
}

// TestScreensFit1024x700: at 1024×700 every screen's least size fits the
// window, and what the issue found clipped is inside it: the dashboard's
// four cards and drafts, 案件查询's filters and paging, 部门待办's due dates
// and buttons (#19.9).
func TestScreensFit1024x700(t *testing.T) {
	f := newFixture(t)
	f.seed(60)
	late := f.acceptedCase("case-fit-1", 17)
	f.makeOverdue(late.ID, "hukou", 10)
	d := casework.NewGenerator(f.cat, 18, fixedNow).Draft("draft-fit", "371002", false)
	if err := f.st.SaveCase(context.Background(), f.desk.Actor(), d); err != nil {
		t.Fatal(err)
	}
	f.desk.Svc.Sync = noSync{}
	win := fyne.NewSize(1024, 700)
	f.win.Resize(win)
	drv := fyne.CurrentApp().Driver()
	inside := func(screen, what string, o fyne.CanvasObject) {
		t.Helper()
		p, s := drv.AbsolutePositionForObject(o), o.Size()
		if !o.Visible() || s.Width <= 0 || s.Height <= 0 || p.X < 0 || p.Y < 0 || p.X+s.Width > win.Width+0.5 || p.Y+s.Height > win.Height+0.5 {
			t.Errorf("%s: %s at %v size %v is not inside the 1024×700 window", screen, what, p, s)
		}
	}
	fits := func(screen string) {
		t.Helper()
		if m := f.win.Content().MinSize(); m.Width > win.Width || m.Height > win.Height {
			t.Errorf("%s needs at least %.0f×%.0f", screen, m.Width, m.Height)
		}
	}
	f.desk.LoggedIn(f.clerk)
	for _, key := range []string{"nav.dashboard", "nav.intake", "nav.search", "nav.sync", "nav.catalogue", "nav.settings"} {
		f.desk.Open(key)
		fits(key)
	}
	f.desk.Open("nav.dashboard")
	walkAll(f.win.Content(), func(o fyne.CanvasObject) {
		if c, ok := o.(*tapCard); ok {
			inside("dashboard", "card "+c.Title, c)
		}
	})
	dash := f.desk.Current().(*DashboardScreen)
	inside("dashboard", "全部草稿", dash.AllDrafts)
	if len(dash.Drafts.Objects) == 0 {
		t.Fatalf("dashboard lists no draft")
	}
	inside("dashboard", "first draft", dash.Drafts.Objects[0])
	if len(dash.Overdues.Objects) > 0 {
		inside("dashboard", "first overdue task", dash.Overdues.Objects[0])
	}
	f.desk.Open("nav.search")
	s := f.desk.Current().(*SearchScreen)
	for what, o := range map[string]fyne.CanvasObject{"query": s.Query, "state filter": s.State, "item filter": s.Item, "total": s.Total, "上一页": s.Prev, "下一页": s.Next} {
		inside("search", what, o)
	}
	f.desk.Show(NewReportScreen(f.desk))
	fits("reports")
	f.desk.Show(NewCaseScreen(f.desk, late.ID))
	fits("case")
	f.desk.Show(NewIntakeScreenFor(f.desk, d))
	fits("intake with a draft")

	f.desk.ShowLogin()
	fits("login")
	f.desk.LoggedIn(f.policeHandler())
	ts := f.desk.Current().(*TasksScreen)
	fits("tasks")
	idx := -1
	for i, r := range ts.Rows {
		if r.CaseID == late.ID && r.Task.Item == "hukou" {
			idx = i
		}
	}
	if idx < 0 {
		t.Fatalf("late task not listed")
	}
	ts.List.Select(idx)
	fits("tasks with a task chosen")
	for what, o := range map[string]fyne.CanvasObject{"开始办理": ts.Start, "办结": ts.Complete, "退回补正": ts.Return, "不予办理": ts.Refuse, "reason": ts.Reason} {
		inside("tasks", what, o)
	}
	_, _, due, _ := ts.rowText(idx)
	if need, have := widget.NewLabel(due).MinSize().Width, ts.List.Size().Width; need > have {
		t.Errorf("tasks: the due line %q needs %.0f px, the list is %.0f px wide", due, need, have)
	}
}

// TestShortcutsFromSettingsAndReports: Ctrl+N works with the cursor in a
// settings box and in a report date box too (#19.10).
func TestShortcutsFromSettingsAndReports(t *testing.T) {
	f := newFixture(t)
	f.desk.LoggedIn(f.admin)
	c := f.win.Canvas()
	f.desk.Open("nav.settings")
	st := f.desk.Current().(*SettingsScreen)
	c.Focus(st.Printer)
	pressShortcut(c, fyne.KeyN)
	if _, ok := f.desk.Current().(*IntakeScreen); !ok {
		t.Errorf("Ctrl+N in a settings box: screen %T", f.desk.Current())
	}
	rs := NewReportScreen(f.desk)
	f.desk.Show(rs)
	c.Focus(rs.From)
	pressShortcut(c, fyne.KeyF)
	if _, ok := f.desk.Current().(*SearchScreen); !ok {
		t.Errorf("Ctrl+F in a report date box: screen %T", f.desk.Current())
	}
}

// TestWheelScrollsSettingsOverEntries: the settings screen, all entries,
// scrolls with the wheel over them as the intake does (#19.8).
func TestWheelScrollsSettingsOverEntries(t *testing.T) {
	f := newFixture(t)
	f.win.Resize(fyne.NewSize(1024, 500))
	f.desk.LoggedIn(f.admin)
	f.desk.Open("nav.settings")
	st := f.desk.Current().(*SettingsScreen)
	var sc *container.Scroll
	walkAll(f.win.Content(), func(o fyne.CanvasObject) {
		if s, ok := o.(*container.Scroll); ok && s.Content.MinSize().Height > s.Size().Height && sc == nil && s.Direction == container.ScrollVerticalOnly {
			sc = s
		}
	})
	if sc == nil {
		t.Fatalf("settings do not scroll at 1024×500")
	}
	pos := fyne.CurrentApp().Driver().AbsolutePositionForObject(st.Station).Add(fyne.NewPos(10, 10))
	test.Scroll(f.win.Canvas(), pos, 0, -25)
	if sc.Offset.Y < 50 {
		t.Errorf("one notch over 服务中心 scrolled %.0f px", sc.Offset.Y)
	}
}
