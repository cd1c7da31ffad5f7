package ui

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"vetdesk/internal/keyring"
	"vetdesk/store"
	"vetdesk/syncclient"
)

// KeyService keeps the store's key file in step with the desk
// (counter.Vault): wraps for users at their login, a new data key, the
// key file's copy beside a backup.
type KeyService interface {
	// AfterLogin gives u a wrap of the store's key under password when
	// they have none on this computer (or an old password's).
	AfterLogin(ctx context.Context, u store.User, password string) error
	// Rotate gives the store a new data key (admins).
	Rotate(ctx context.Context, a store.Actor) error
	// ExportKeys writes the key file's copy beside the backup at path.
	ExportKeys(path string) error
}

// Unlocker opens the encrypted store for a login (counter.Vault).
type Unlocker interface {
	Unlock(ctx context.Context, login, password string) (*store.DB, error)
}

// Recoverer recovers a forgotten password through the hub
// (counter.Vault.Recover): a hub admin's login and password let the hub
// open the store's recovery wrap; login gets password.
type Recoverer interface {
	Recover(ctx context.Context, login, password, hubAdmin, hubAdminPassword string) (*store.DB, error)
}

// UnlockScreen is the login of a start on an encrypted store: the login
// and password unwrap the store's key, the store opens, and the user is
// logged in as on the login screen. 忘记密码 leads to the recovery
// through the hub when the unlocker offers it.
type UnlockScreen struct {
	win      fyne.Window
	v        Unlocker
	open     func(db *store.DB) (*Desk, error)
	Login    *widget.Entry
	Password *widget.Entry
	Submit   *widget.Button
	Message  *widget.Label
	// Forgot opens the recovery form (hidden without a Recoverer).
	Forgot *widget.Button
	// the recovery form: the user, their new password twice, and the hub
	// admin who allows it
	NewPassword, NewPassword2, HubAdmin, HubPassword *widget.Entry
	RecoverBtn                                       *widget.Button
	// Desk is the desk once unlocked.
	Desk *Desk
}

// ShowUnlock shows the unlock screen on win. Once a login opens the store,
// open builds the desk on it, and the user is logged in.
func ShowUnlock(win fyne.Window, v Unlocker, open func(db *store.DB) (*Desk, error)) *UnlockScreen {
	s := &UnlockScreen{win: win, v: v, open: open, Login: widget.NewEntry(), Password: widget.NewPasswordEntry(), Message: widget.NewLabel("")}
	s.Message.Wrapping = fyne.TextWrapWord
	s.Submit = widget.NewButton(T("login.submit"), s.submit)
	s.Submit.Importance = widget.HighImportance
	s.Login.OnSubmitted = func(string) { win.Canvas().Focus(s.Password) }
	s.Password.OnSubmitted = func(string) { s.submit() }
	s.NewPassword, s.NewPassword2 = widget.NewPasswordEntry(), widget.NewPasswordEntry()
	s.HubAdmin, s.HubPassword = widget.NewEntry(), widget.NewPasswordEntry()
	s.RecoverBtn = widget.NewButton(T("unlock.recover.submit"), s.recover)
	s.Forgot = widget.NewButton(T("unlock.forgot"), s.showRecover)
	s.Forgot.Importance = widget.LowImportance
	if _, ok := v.(Recoverer); !ok {
		s.Forgot.Hide()
	}
	s.showUnlock()
	return s
}

func (s *UnlockScreen) showUnlock() {
	form := widget.NewForm(
		widget.NewFormItem(T("login.login"), s.Login),
		widget.NewFormItem(T("login.password"), s.Password),
	)
	title := widget.NewLabelWithStyle(T("app.title"), fyne.TextAlignCenter, fyne.TextStyle{Bold: true})
	box := container.NewVBox(title, widget.NewLabelWithStyle(T("login.title"), fyne.TextAlignCenter, fyne.TextStyle{}), form, s.Submit, s.Forgot, s.Message)
	s.win.SetContent(container.NewCenter(container.NewGridWrap(fyne.NewSize(460, 360), box)))
	s.win.Canvas().Focus(s.Login)
}

// showRecover shows the recovery form: for a forgotten password, or an
// office whose administrator left.
func (s *UnlockScreen) showRecover() {
	intro := widget.NewLabel(T("unlock.recover.intro"))
	intro.Wrapping = fyne.TextWrapWord
	form := widget.NewForm(
		widget.NewFormItem(T("login.login"), s.Login),
		widget.NewFormItem(T("unlock.recover.new"), s.NewPassword),
		widget.NewFormItem(T("unlock.recover.new2"), s.NewPassword2),
		widget.NewFormItem(T("unlock.recover.hubadmin"), s.HubAdmin),
		widget.NewFormItem(T("unlock.recover.hubpassword"), s.HubPassword),
	)
	back := widget.NewButton(T("common.cancel"), s.showUnlock)
	title := widget.NewLabelWithStyle(T("unlock.recover.title"), fyne.TextAlignCenter, fyne.TextStyle{Bold: true})
	s.Message.SetText("")
	box := container.NewVBox(title, intro, form, container.NewHBox(s.RecoverBtn, back), s.Message)
	s.win.SetContent(container.NewCenter(container.NewGridWrap(fyne.NewSize(560, 460), box)))
	s.win.Canvas().Focus(s.Login)
}

func (s *UnlockScreen) recover() {
	r, ok := s.v.(Recoverer)
	login, pw := strings.TrimSpace(s.Login.Text), s.NewPassword.Text
	switch {
	case !ok:
		return
	case login == "" || strings.TrimSpace(s.HubAdmin.Text) == "" || s.HubPassword.Text == "":
		s.Message.SetText(T("unlock.recover.required"))
		return
	case len(pw) < 8 || pw != s.NewPassword2.Text:
		s.Message.SetText(T("setup.err.password"))
		return
	}
	s.Message.SetText(T("common.working"))
	db, err := r.Recover(context.Background(), login, pw, strings.TrimSpace(s.HubAdmin.Text), s.HubPassword.Text)
	s.HubPassword.SetText("")
	if err != nil {
		s.Message.SetText(recoverText(err))
		return
	}
	s.enter(db, login, pw)
}

// recoverText words why the hub did not recover the key.
func recoverText(err error) string {
	var he *syncclient.HubError
	switch {
	case errors.Is(err, keyring.ErrNoRecovery):
		return T("unlock.recover.none")
	case errors.As(err, &he) && (he.Status == http.StatusForbidden || he.Status == http.StatusUnauthorized):
		return T("unlock.recover.refused")
	}
	return ErrorText(err)
}

func (s *UnlockScreen) submit() {
	login, pw := strings.TrimSpace(s.Login.Text), s.Password.Text
	if login == "" || pw == "" {
		s.Message.SetText(T("login.empty"))
		return
	}
	db, err := s.v.Unlock(context.Background(), login, pw)
	if err != nil {
		s.Message.SetText(unlockText(err))
		s.Password.SetText("")
		s.win.Canvas().Focus(s.Password)
		return
	}
	s.enter(db, login, pw)
}

// enter builds the desk on the opened store and logs the user in; a
// refusal there (a disabled user) leaves the desk's login screen with its
// reason.
func (s *UnlockScreen) enter(db *store.DB, login, pw string) {
	d, err := s.open(db)
	if err != nil {
		s.Message.SetText(ErrorText(err))
		return
	}
	s.Desk = d
	if msg, err := d.login(login, pw); errors.Is(err, store.ErrBadCredentials) && activeUser(d, login) {
		// the key file took the password the store no longer does: it was
		// changed elsewhere (on the hub) and synced
		d.showLogin(T("unlock.changed"))
	} else if err != nil {
		d.showLogin(msg)
	}
}

// activeUser reports whether login is a user of the store, not disabled.
func activeUser(d *Desk, login string) bool {
	us, err := d.Svc.Store.Users(d.ctx())
	if err != nil {
		return false
	}
	for _, u := range us {
		if u.Login == login && !u.Disabled {
			return true
		}
	}
	return false
}

// unlockText words why a login did not open the store.
func unlockText(err error) string {
	switch {
	case errors.Is(err, keyring.ErrNoWrap):
		return T("unlock.nowrap")
	case errors.Is(err, keyring.ErrBadPassword), errors.Is(err, store.ErrBadCredentials):
		return T("login.bad")
	case errors.Is(err, store.ErrLocked):
		return T("login.locked")
	}
	return ErrorText(err)
}
