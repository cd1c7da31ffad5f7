package ui

import (
	"context"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"vetdesk/casework"
	"vetdesk/store"
)

// fillIntake drives an intake screen with a synthetic 自主就业 veteran
// applying for all ten items; accept decides whether to tap 受理.
func (f *fixture) fillIntake(t *testing.T, s *IntakeScreen, accept bool) map[string]string {
	t.Helper()
	f.desk.Show(s)
	g := casework.NewGenerator(f.cat, 77, fixedNow)
	var v map[string]string
	for {
		v = g.Values()
		if v[casework.FieldPlacement] == "self_employ" {
			break
		}
	}
	v["employer_type"] = "企业"
	v["medical_scheme"] = "职工基本医疗保险" // 医保关系转移接续 applies only to 职工医保: keep every item
	f.typeInto(s.ID, v[casework.FieldIDNumber])
	press(s.ID, fyne.KeyReturn)
	if s.C == nil {
		t.Fatalf("ID %s not accepted: %s", v[casework.FieldIDNumber], s.IDInfo.Text)
	}
	s.Category.SetSelected(v[casework.FieldCategory])
	s.Placement.SetSelected("自主就业")
	for code, chk := range s.Items {
		if !chk.Checked {
			t.Errorf("item %s not ticked by default for 自主就业", code)
		}
	}
	// answer every field the form asks, in form order, as a clerk would
	for _, ff := range casework.BuildForm(f.cat, s.C.Items, v).Fields() {
		in := s.Inputs[ff.Field.Code]
		val := v[ff.Field.Code]
		if in == nil || val == "" {
			continue
		}
		switch {
		case in.Entry != nil:
			if in.Entry.Text == val { // pre-filled from the ID number
				continue
			}
			in.Entry.SetText("") // select all, then type over
			f.typeInto(in.Entry, val)
		case in.Select != nil:
			in.SelectCode(val)
		case in.Radio != nil:
			in.Radio.SetSelected(val)
		}
	}
	for code, rg := range s.Materials {
		rg.SetSelected(MaterialStatusName(casework.MaterialOriginal))
		if s.C.Materials[code].Status != casework.MaterialOriginal {
			t.Errorf("material %s status = %s after choosing 原件", code, s.C.Materials[code].Status)
		}
	}
	if accept {
		test.Tap(s.Accept)
	}
	return v
}

func TestIntakeTenItemsToAcceptedCase(t *testing.T) {
	f := newFixture(t)
	f.desk.LoggedIn(f.clerk)
	s := NewIntakeScreen(f.desk)
	v := f.fillIntake(t, s, true)
	if s.C.State != casework.CaseAccepted || s.C.Number == "" {
		t.Fatalf("after 受理 state = %s number %q; problems:\n%s", s.C.State, s.C.Number, s.Problems.Text)
	}
	got, err := f.st.Case(context.Background(), s.C.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Tasks) != len(f.cat.Items) || got.Value(casework.FieldName) != v[casework.FieldName] {
		t.Errorf("stored case has %d tasks and name %q, want %d (every item) and %q", len(got.Tasks), got.Value(casework.FieldName), len(f.cat.Items), v[casework.FieldName])
	}
	if got.Task("hukou").Department != "police" || got.Task("idcard").State != casework.TaskWaiting {
		t.Errorf("routing: hukou→%s idcard %s, want police and waiting", got.Task("hukou").Department, got.Task("idcard").State)
	}
	n, err := casework.ParseCaseNumber(got.Number)
	if err != nil || n.Device != "HC01" || n.Office != "371002" {
		t.Errorf("case number %q = %+v %v", got.Number, n, err)
	}
}

func TestIntakeDraftSurvives(t *testing.T) {
	f := newFixture(t)
	f.desk.LoggedIn(f.clerk)
	s := NewIntakeScreen(f.desk)
	f.desk.Show(s)
	f.typeInto(s.ID, "11010519491231002X")
	press(s.ID, fyne.KeyReturn)
	s.Placement.SetSelected("自主就业")
	f.typeInto(s.Inputs[casework.FieldName].Entry, "张䶮")
	// the window "crashes": a new screen reads the draft from the store
	c, err := f.st.Case(context.Background(), s.C.ID)
	if err != nil {
		t.Fatalf("draft not saved: %v", err)
	}
	if c.State != casework.CaseDraft || c.Value(casework.FieldName) != "张䶮" || c.Placement() != "self_employ" {
		t.Fatalf("draft = state %s name %q placement %q", c.State, c.Value(casework.FieldName), c.Placement())
	}
	r := NewIntakeScreenFor(f.desk, c)
	f.desk.Show(r)
	if r.Inputs[casework.FieldName].Entry.Text != "张䶮" || r.ID.Text != "11010519491231002X" {
		t.Errorf("resumed draft shows name %q id %q", r.Inputs[casework.FieldName].Entry.Text, r.ID.Text)
	}
}

func TestIntakeProblemsNextToFields(t *testing.T) {
	f := newFixture(t)
	f.desk.LoggedIn(f.clerk)
	s := NewIntakeScreen(f.desk)
	f.desk.Show(s)
	f.typeInto(s.ID, "110105194912310021") // wrong check digit
	press(s.ID, fyne.KeyReturn)
	if s.C != nil || s.IDInfo.Text != T("problem.id_checksum") {
		t.Fatalf("bad ID: draft %v, message %q", s.C != nil, s.IDInfo.Text)
	}
	f.typeInto(s.ID, "")
	s.ID.SetText("11010519491231002X")
	press(s.ID, fyne.KeyReturn)
	s.Placement.SetSelected("自主就业")
	f.typeInto(s.Inputs[casework.FieldPhone].Entry, "12345")
	if got := s.Inputs[casework.FieldPhone].Problem.Text; got != T("problem.phone_format") {
		t.Errorf("phone problem = %q, want %q", got, T("problem.phone_format"))
	}
	test.Tap(s.Accept)
	if s.C.State != casework.CaseDraft {
		t.Fatalf("case with problems was accepted")
	}
	if got := s.Inputs[casework.FieldName].Problem.Text; got != T("problem.required") {
		t.Errorf("name problem = %q, want %q", got, T("problem.required"))
	}
	if f.win.Canvas().Focused() == nil {
		t.Errorf("focus did not jump to the first problem")
	}
}

func TestDepartmentCompletesTask(t *testing.T) {
	f := newFixture(t)
	f.desk.LoggedIn(f.clerk)
	s := NewIntakeScreen(f.desk)
	f.fillIntake(t, s, true)
	if s.C.State != casework.CaseAccepted {
		t.Fatalf("intake not accepted: %s", s.Problems.Text)
	}
	f.reported(s.C.ID)
	handler := store.User{ID: "u-police", Login: "police", Name: "赵户籍", Role: "handler", Department: "police", Office: "371002"}
	f.desk.LoggedIn(handler)
	ts, ok := f.desk.Current().(*TasksScreen)
	if !ok {
		t.Fatalf("handler lands on %T, want tasks", f.desk.Current())
	}
	idx := -1
	for i, r := range ts.Rows {
		if r.Task.Department != "police" {
			t.Errorf("handler of police sees task %s of %s", r.Task.Item, r.Task.Department)
		}
		if r.CaseID == s.C.ID && r.Task.Item == "hukou" {
			idx = i
		}
	}
	if idx < 0 {
		t.Fatalf("hukou task not listed for police: %+v", ts.Rows)
	}
	ts.Select(idx)
	test.Tap(ts.Complete) // without the required result
	if c, _ := f.st.Case(context.Background(), s.C.ID); c.Task("hukou").State == casework.TaskDone {
		t.Fatalf("completed without the required 恢复户口日期")
	}
	test.Type(ts.Results["hukou_date"], "2026-11-20")
	test.Tap(ts.Complete)
	c, _ := f.st.Case(context.Background(), s.C.ID)
	if c.Task("hukou").State != casework.TaskDone || c.Task("hukou").Result["hukou_date"] != "2026-11-20" {
		t.Fatalf("hukou task = %+v, want done with the date", c.Task("hukou"))
	}
	if c.Task("idcard").State != casework.TaskPending {
		t.Errorf("idcard = %s after hukou done, want pending", c.Task("idcard").State)
	}
	// return the idcard task for 补正 with a reason
	ts.Refresh()
	for i, r := range ts.Rows {
		if r.CaseID == s.C.ID && r.Task.Item == "idcard" {
			ts.Select(i)
		}
	}
	test.Tap(ts.Return)
	if ts.Message.Text != T("tasks.reason.required") {
		t.Errorf("return without reason: %q", ts.Message.Text)
	}
	test.Type(ts.Reason, "照片不合格")
	test.Tap(ts.Return)
	c, _ = f.st.Case(context.Background(), s.C.ID)
	if c.Task("idcard").State != casework.TaskReturned || c.Task("idcard").Reason != "照片不合格" {
		t.Errorf("idcard = %+v, want returned with reason", c.Task("idcard"))
	}
}

// TestAcceptedHookOnlyOnAccept guards what tells the hub of an intake
// from an online application at once (#13): the Accepted hook is called
// once with the accepted case, and not for a refused 受理.
func TestAcceptedHookOnlyOnAccept(t *testing.T) {
	f := newFixture(t)
	var got []*casework.Case
	f.desk.Svc.Accepted = func(_ context.Context, c *casework.Case) { got = append(got, c) }
	f.desk.LoggedIn(f.clerk)
	s := NewIntakeScreen(f.desk)
	v := f.fillIntake(t, s, false)
	name := s.Inputs[casework.FieldName].Entry
	name.SetText("")
	s.AcceptNow()
	if s.C.State != casework.CaseDraft || len(got) != 0 {
		t.Fatalf("a refused 受理: state %s, hook called %d times", s.C.State, len(got))
	}
	name.SetText(v[casework.FieldName])
	s.AcceptNow()
	if s.C.State != casework.CaseAccepted || len(got) != 1 || got[0].ID != s.C.ID || got[0].Number == "" || got[0].Number != s.C.Number {
		t.Fatalf("after 受理 (state %s, number %q) the hook got %d cases", s.C.State, s.C.Number, len(got))
	}
}
