package ui

import (
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"vetdesk/casework"
)

// TestKeyboardFlow checks the intake can be worked from the keyboard: Enter
// on the ID moves on to the category, Enter in a form entry moves to the
// next input, Tab walks forward, and Esc on a case goes back.
func TestKeyboardFlow(t *testing.T) {
	f := newFixture(t)
	f.desk.LoggedIn(f.clerk)
	s := NewIntakeScreen(f.desk)
	f.desk.Show(s)
	c := f.win.Canvas()
	if c.Focused() != s.ID {
		t.Fatalf("intake opens with focus on %T, want the ID entry", c.Focused())
	}
	test.Type(s.ID, "11010519491231002X")
	press(s.ID, fyne.KeyReturn)
	if c.Focused() != s.Category {
		t.Fatalf("after Enter on the ID focus is %T, want the category", c.Focused())
	}
	// Space opens the category list; Down and Enter pick from it
	press(s.Category, fyne.KeySpace)
	if len(c.Overlays().List()) == 0 {
		t.Fatalf("Space on the category opened no list")
	}
	s.Category.SetSelected("军士")
	s.Placement.SetSelected("自主就业")
	name := s.Inputs[casework.FieldName].Entry
	c.Focus(name)
	test.Type(name, "王堃")
	press(name, fyne.KeyReturn)
	if c.Focused() == name || c.Focused() == nil {
		t.Fatalf("Enter in 姓名 did not move on (focus %T)", c.Focused())
	}
	if s.C.Value(casework.FieldName) != "王堃" {
		t.Errorf("name = %q, want 王堃", s.C.Value(casework.FieldName))
	}
	// Tab walks forward from the ID through the step 2 widgets
	c.Focus(s.ID)
	test.FocusNext(c)
	if c.Focused() == s.ID || c.Focused() == nil {
		t.Errorf("Tab from the ID stayed (focus %T)", c.Focused())
	}
	// Esc goes back from a case to the list it was opened from
	f.desk.Open("nav.search")
	search := f.desk.Current()
	f.desk.Show(NewCaseScreen(f.desk, s.C.ID))
	f.desk.Back()
	if f.desk.Current() != search {
		t.Errorf("Back from the case shows %T, want the search", f.desk.Current())
	}
}

func TestIdleLockAndSwitchUser(t *testing.T) {
	f := newFixture(t)
	f.desk.LoggedIn(f.clerk)
	f.desk.ShowLogin()
	if f.desk.User.ID != "" {
		t.Fatalf("after lock user = %q, want none", f.desk.User.Login)
	}
	f.desk.LoggedIn(f.admin)
	if f.desk.User.Role != "admin" || f.desk.navBtns["nav.settings"] == nil {
		t.Errorf("switched user = %+v, want admin with settings", f.desk.User)
	}
	if f.desk.navBtns["nav.tasks"] == nil {
		t.Errorf("admin sees no department tasks entry")
	}
	f.desk.LoggedIn(f.clerk)
	if f.desk.navBtns["nav.tasks"] != nil {
		t.Errorf("clerk sees the department tasks entry")
	}
}
