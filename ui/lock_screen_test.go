package ui

import (
	"context"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"vetdesk/casework"
	"vetdesk/store"
)

// startIntake opens 新建受理 as the clerk and types an ID number, so there
// is open work on the screen.
func startIntake(t *testing.T, f *fixture) *IntakeScreen {
	t.Helper()
	f.desk.LoggedIn(f.clerk)
	f.desk.Open("nav.intake")
	in := f.desk.Current().(*IntakeScreen)
	f.typeInto(in.ID, "11010519491231002X")
	press(in.ID, fyne.KeyReturn)
	if in.C == nil {
		t.Fatalf("ID not taken: %s", in.IDInfo.Text)
	}
	return in
}

// TestLockKeepsSessionAndWork: 锁定 covers the desk with "已锁定:<name>",
// keeps the user and the open intake; only that user's password gives the
// same screen back; another user's password does not.
func TestLockKeepsSessionAndWork(t *testing.T) {
	f := newFixture(t)
	in := startIntake(t, f)
	shell := f.win.Content()
	test.Tap(deepButton(t, shell, T("shell.lock")))
	if !f.desk.Locked() || f.desk.User.ID != f.clerk.ID || f.desk.Current() != in {
		t.Fatalf("after 锁定: locked %v, user %q, screen %T; want the clerk's session kept", f.desk.Locked(), f.desk.User.Login, f.desk.Current())
	}
	ls := f.desk.locked.screen
	if got := textOf(f.win.Content()); !contains(got, "已锁定:李受理") || contains(got, T("login.submit")) {
		t.Errorf("lock screen reads %q; want 已锁定:李受理 and no login form", got)
	}
	// Ctrl+N behind the lock does nothing
	f.desk.runShortcut(&desktopShortcutN)
	if f.desk.Current() != in {
		t.Errorf("Ctrl+N while locked opened %T", f.desk.Current())
	}
	f.typeInto(ls.Password, "admin-pass-1") // another user's password
	test.Tap(ls.Unlock)
	if !f.desk.Locked() || ls.Message.Text != T("login.bad") {
		t.Fatalf("unlock with another user's password: locked %v, message %q", f.desk.Locked(), ls.Message.Text)
	}
	f.typeInto(ls.Password, "clerk-pass-1")
	test.Tap(ls.Unlock)
	if f.desk.Locked() || f.win.Content() != shell || f.desk.Current() != in || in.ID.Text != "11010519491231002X" {
		t.Fatalf("after unlock: locked %v, same shell %v, screen %T, ID %q", f.desk.Locked(), f.win.Content() == shell, f.desk.Current(), in.ID.Text)
	}
}

// TestLockAdminUnlockAudited: a non-admin other user cannot get past the
// lock; an admin can, which ends the locked session (its intake kept as a
// draft), starts the admin's, and is audited.
func TestLockAdminUnlockAudited(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	in := startIntake(t, f)
	if _, err := f.st.CreateUser(ctx, store.Actor{Role: "admin", Office: "371002"}, store.User{Login: "clerk2", Name: "周受理", Role: "clerk", Office: "371002"}, "clerk2-pass-1"); err != nil {
		t.Fatal(err)
	}
	f.desk.Lock()
	ls := f.desk.locked.screen
	f.typeInto(ls.AdminLog, "clerk2")
	f.typeInto(ls.AdminPass, "clerk2-pass-1")
	test.Tap(ls.AdminBtn)
	if !f.desk.Locked() || f.desk.User.ID != f.clerk.ID || ls.Message.Text != T("lock.only", map[string]any{"Name": "李受理"}) {
		t.Fatalf("another clerk at the lock: locked %v, user %q, message %q", f.desk.Locked(), f.desk.User.Login, ls.Message.Text)
	}
	ls.AdminLog.SetText("")
	f.typeInto(ls.AdminLog, "admin")
	f.typeInto(ls.AdminPass, "admin-pass-1")
	test.Tap(ls.AdminBtn)
	if f.desk.Locked() || f.desk.User.ID != f.admin.ID {
		t.Fatalf("after admin unlock: locked %v, user %q, message %q", f.desk.Locked(), f.desk.User.Login, ls.Message.Text)
	}
	c, err := f.st.Case(ctx, in.C.ID)
	if err != nil || c.State != casework.CaseDraft || c.Value(casework.FieldIDNumber) != "11010519491231002X" {
		t.Errorf("the locked intake after admin unlock: %v, %+v", err, c)
	}
	log, err := f.st.AuditLog(ctx, 50)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, e := range log {
		if e.Action == ActionUnlockByAdmin && e.Login == "admin" && e.Target == "clerk" {
			found = true
		}
	}
	if !found {
		t.Errorf("no %s audit entry by admin for clerk in %+v", ActionUnlockByAdmin, log)
	}
}

// TestSwitchUserSavesNamedDraft: 切换用户 with an open intake that has no
// name yet asks for the veteran's name, saves the draft under it, then
// shows the login screen.
func TestSwitchUserSavesNamedDraft(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	in := startIntake(t, f)
	test.Tap(deepButton(t, f.win.Content(), T("shell.switch")))
	if f.desk.User.ID == "" {
		t.Fatal("切换用户 with an unnamed intake logged out without asking for a name")
	}
	top := f.win.Canvas().Overlays().Top()
	var name *widget.Entry
	var save *widget.Button
	for _, o := range test.LaidOutObjects(top) {
		switch x := o.(type) {
		case *widget.Entry:
			name = x
		case *widget.Button:
			if x.Text == T("switch.save") {
				save = x
			}
		}
	}
	if name == nil || save == nil {
		t.Fatal("no name entry or save button on the 切换用户 dialog")
	}
	test.Tap(save)
	if f.desk.User.ID == "" {
		t.Fatal("saved a draft without a name")
	}
	f.typeInto(name, "王小明")
	test.Tap(save)
	if f.desk.User.ID != "" || f.desk.Locked() {
		t.Fatalf("after 保存草稿并切换用户: user %q, want the login screen", f.desk.User.Login)
	}
	c, err := f.st.Case(ctx, in.C.ID)
	if err != nil || c.State != casework.CaseDraft || c.Value(casework.FieldName) != "王小明" {
		t.Fatalf("draft after 切换用户: %v, name %q", err, c.Value(casework.FieldName))
	}
}

func contains(s, sub string) bool { return strings.Contains(s, sub) }

var desktopShortcutN = desktop.CustomShortcut{KeyName: fyne.KeyN, Modifier: fyne.KeyModifierShortcutDefault}

// deepButton finds the button with text anywhere under o, inside widgets too.
func deepButton(t *testing.T, o fyne.CanvasObject, text string) *widget.Button {
	t.Helper()
	for _, x := range test.LaidOutObjects(o) {
		if b, ok := x.(*widget.Button); ok && b.Text == text {
			return b
		}
	}
	t.Fatalf("no button %q", text)
	return nil
}

// TestLockHidesOpenDialogs: a dialog open when the desk locks (here the
// 切换用户 name question) does not stay over the lock screen; it is back
// after the user unlocks.
func TestLockHidesOpenDialogs(t *testing.T) {
	f := newFixture(t)
	startIntake(t, f)
	f.desk.SwitchUser()
	dlg := f.win.Canvas().Overlays().Top()
	if dlg == nil {
		t.Fatal("切换用户 asked nothing")
	}
	f.desk.Lock()
	if top := f.win.Canvas().Overlays().Top(); top != nil {
		t.Fatalf("a dialog stays over the lock screen: %T", top)
	}
	ls := f.desk.locked.screen
	f.typeInto(ls.Password, "clerk-pass-1")
	test.Tap(ls.Unlock)
	if f.desk.Locked() || f.win.Canvas().Overlays().Top() != dlg {
		t.Errorf("after unlock: locked %v, the dialog back %v", f.desk.Locked(), f.win.Canvas().Overlays().Top() == dlg)
	}
}

// TestSwitchUserForgetsSigningKey: 切换用户 takes the user's signing key,
// unlocked by their password at login, out of memory; a lock keeps it, as
// the session goes on behind the lock.
func TestSwitchUserForgetsSigningKey(t *testing.T) {
	f := newFixture(t)
	u, err := f.st.Login(context.Background(), "clerk", "clerk-pass-1")
	if err != nil {
		t.Fatal(err)
	}
	f.desk.LoggedIn(u)
	if !f.st.Signs(u.ID) {
		t.Fatal("login did not unlock the clerk's signing key")
	}
	f.desk.Lock()
	if !f.st.Signs(u.ID) {
		t.Error("锁定 dropped the signing key of the session it keeps")
	}
	f.desk.LoggedIn(u)
	test.Tap(deepButton(t, f.win.Content(), T("shell.switch")))
	if f.desk.User.ID != "" {
		t.Fatal("切换用户 did not show the login screen")
	}
	if f.st.Signs(u.ID) {
		t.Error("after 切换用户 the clerk's signing key is still unlocked")
	}
}
