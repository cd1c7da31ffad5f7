package ui

import (
	"errors"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/widget"

	"vetdesk/casework"
	"vetdesk/store"
)

// ActionUnlockByAdmin audits an admin ending another user's locked session.
const ActionUnlockByAdmin = "unlock.admin"

// lockedDesk is what a lock keeps: the shell with its open screen.
type lockedDesk struct {
	content  fyne.CanvasObject
	focused  fyne.Focusable
	overlays []fyne.CanvasObject // dialogs open at the lock, put back after
	screen   *LockScreen
}

// LockScreen covers a locked desk: "已锁定:<name>", the locked user's
// password, and an admin's login as the other way out.
type LockScreen struct {
	d         *Desk
	Title     *widget.Label
	Password  *widget.Entry
	Unlock    *widget.Button
	AdminLog  *widget.Entry
	AdminPass *widget.Entry
	AdminBtn  *widget.Button
	Message   *widget.Label
}

// Locked reports whether the desk is locked.
func (d *Desk) Locked() bool { return d.locked != nil }

// Lock covers the desk, keeping the session and its open work (the screen
// on show, its entries, the navigation history) until the same user gives
// their password again, or an admin ends the session.
func (d *Desk) Lock() {
	if d.User.ID == "" || d.locked != nil {
		return
	}
	d.locked = &lockedDesk{content: d.Win.Content(), focused: d.Win.Canvas().Focused()}
	// a dialog (a file chooser, a withdraw reason) must not stay over the lock
	ov := d.Win.Canvas().Overlays()
	d.locked.overlays = append(d.locked.overlays, ov.List()...)
	for _, o := range d.locked.overlays {
		ov.Remove(o)
	}
	if in, ok := d.current.(*IntakeScreen); ok {
		in.persist() // a lock must not cost what was typed, should the session end
	}
	if l, ok := d.current.(interface{ Leave() }); ok {
		l.Leave() // full numbers do not wait behind the lock
	}
	s := newLockScreen(d)
	d.locked.screen = s
	d.Win.SetContent(s.Content())
	d.Win.Canvas().Focus(s.Password)
}

func newLockScreen(d *Desk) *LockScreen {
	s := &LockScreen{d: d, Title: widget.NewLabelWithStyle(T("lock.title", map[string]any{"Name": d.User.Name}), fyne.TextAlignCenter, fyne.TextStyle{Bold: true}),
		Password: widget.NewPasswordEntry(), AdminLog: widget.NewEntry(), AdminPass: widget.NewPasswordEntry(), Message: widget.NewLabel("")}
	s.Message.Wrapping = fyne.TextWrapWord
	s.Unlock = widget.NewButton(T("lock.unlock"), s.unlock)
	s.Unlock.Importance = widget.HighImportance
	s.Password.OnSubmitted = func(string) { s.unlock() }
	s.AdminBtn = widget.NewButton(T("lock.admin"), s.adminUnlock)
	s.AdminLog.OnSubmitted = func(string) { d.Win.Canvas().Focus(s.AdminPass) }
	s.AdminPass.OnSubmitted = func(string) { s.adminUnlock() }
	return s
}

// unlock checks the locked user's password and gives the desk back as it was.
func (s *LockScreen) unlock() {
	d := s.d
	_, err := d.Svc.Store.Login(d.ctx(), d.User.Login, s.Password.Text)
	s.Password.SetText("")
	if err != nil {
		s.Message.SetText(loginProblem(err))
		return
	}
	l := d.locked
	d.locked = nil
	d.touch()
	d.Win.SetContent(l.content)
	for _, o := range l.overlays {
		d.Win.Canvas().Overlays().Add(o)
	}
	if l.focused != nil {
		d.Win.Canvas().Focus(l.focused)
	}
	if r, ok := d.current.(interface{ Resume() }); ok {
		r.Resume() // what Leave stopped (the intake's camera folder) starts again
	}
}

// adminUnlock lets an admin end the locked session: the open intake is
// kept as a draft, the admin's own session starts, and the audit log says
// whose session the admin ended. Nobody else gets past the lock.
func (s *LockScreen) adminUnlock() {
	d := s.d
	pw := s.AdminPass.Text
	u, err := d.Svc.Store.Login(d.ctx(), strings.TrimSpace(s.AdminLog.Text), pw)
	s.AdminPass.SetText("")
	if err != nil {
		s.Message.SetText(loginProblem(err))
		return
	}
	if u.Role != store.RoleAdmin {
		s.Message.SetText(T("lock.only", map[string]any{"Name": d.User.Name}))
		return
	}
	locked := d.User
	if err := d.Svc.Store.Audit(d.ctx(), store.AuditEntry{UserID: u.ID, Login: u.Login, Action: ActionUnlockByAdmin, Target: locked.Login, Success: true}); err != nil {
		s.Message.SetText(ErrorText(err))
		return
	}
	if d.Svc.Keys != nil { // an admin new to this computer gets their wrap, as at the login screen
		if err := d.Svc.Keys.AfterLogin(d.ctx(), u, pw); err != nil {
			s.Message.SetText(ErrorText(err))
			return
		}
	}
	d.locked = nil
	d.LoggedIn(u)
}

func loginProblem(err error) string {
	switch {
	case errors.Is(err, store.ErrLocked):
		return T("login.locked")
	case errors.Is(err, store.ErrBadCredentials):
		return T("login.bad")
	}
	return ErrorText(err)
}

// Content returns the screen.
func (s *LockScreen) Content() fyne.CanvasObject {
	mine := widget.NewForm(widget.NewFormItem(T("login.password"), s.Password))
	admin := widget.NewForm(widget.NewFormItem(T("login.login"), s.AdminLog), widget.NewFormItem(T("login.password"), s.AdminPass))
	hint := widget.NewLabel(T("lock.hint", map[string]any{"Name": s.d.User.Name}))
	hint.Wrapping = fyne.TextWrapWord
	box := container.NewVBox(s.Title, hint, mine, s.Unlock, widget.NewSeparator(),
		widget.NewLabel(T("lock.admin.title")), admin, s.AdminBtn, s.Message)
	return container.NewCenter(container.NewGridWrap(fyne.NewSize(440, 460), box))
}

// SwitchUser is the explicit change of user: an open intake is saved as a
// draft that carries the veteran's name (asked for when still empty, so
// the draft can be found in the list), then the login screen shows.
func (d *Desk) SwitchUser() {
	in, ok := d.current.(*IntakeScreen)
	if !ok || in.C == nil || in.C.State != casework.CaseDraft {
		d.ShowLogin()
		return
	}
	if strings.TrimSpace(in.C.Value(casework.FieldName)) != "" {
		in.persist()
		d.ShowLogin()
		return
	}
	name := widget.NewEntry()
	label := T("switch.name")
	if f := d.Svc.Cat.Field(casework.FieldName); f != nil {
		label = f.Label
	}
	msg := widget.NewLabel(T("switch.draft"))
	msg.Wrapping = fyne.TextWrapWord
	var dlg *dialog.CustomDialog
	save := widget.NewButton(T("switch.save"), func() {
		v := strings.TrimSpace(name.Text)
		if v == "" {
			msg.SetText(T("switch.name.required"))
			return
		}
		in.C.Values[casework.FieldName] = v
		if fi := in.Inputs[casework.FieldName]; fi != nil {
			fi.Set(v)
		}
		in.persist()
		dlg.Hide()
		d.ShowLogin()
	})
	save.Importance = widget.HighImportance
	name.OnSubmitted = func(string) { save.OnTapped() }
	body := container.NewVBox(msg, widget.NewForm(widget.NewFormItem(label, name)))
	dlg = dialog.NewCustomWithoutButtons(T("shell.switch"), body, d.Win)
	dlg.SetButtons([]fyne.CanvasObject{widget.NewButton(T("common.cancel"), func() { dlg.Hide() }), save})
	dlg.Resize(fyne.NewSize(420, 220))
	dlg.Show()
	d.Win.Canvas().Focus(name)
}
