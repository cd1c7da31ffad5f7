package ui

import (
	"errors"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"vetdesk/casework"
	"vetdesk/store"
)

// LoginScreen asks for user name and password; it works offline against
// the password hashes in the local store.
type LoginScreen struct {
	d        *Desk
	Login    *widget.Entry
	Password *widget.Entry
	Submit   *widget.Button
	Message  *widget.Label
}

// NewLoginScreen builds the login screen.
func NewLoginScreen(d *Desk) *LoginScreen {
	s := &LoginScreen{d: d, Login: widget.NewEntry(), Password: widget.NewPasswordEntry(), Message: widget.NewLabel("")}
	s.Submit = widget.NewButton(T("login.submit"), s.submit)
	s.Submit.Importance = widget.HighImportance
	s.Login.OnSubmitted = func(string) { d.Win.Canvas().Focus(s.Password) }
	s.Password.OnSubmitted = func(string) { s.submit() }
	return s
}

func (s *LoginScreen) submit() {
	login, pw := strings.TrimSpace(s.Login.Text), s.Password.Text
	if login == "" || pw == "" {
		s.Message.SetText(T("login.empty"))
		return
	}
	if msg, err := s.d.login(login, pw); err != nil {
		s.Message.SetText(msg)
		s.Password.SetText("")
		s.d.Win.Canvas().Focus(s.Password)
	}
}

// login checks login and password against the store and, when they pass,
// gives the user a wrap of the store's key on this computer if they have
// none, and opens the shell; else it returns the error and what to tell
// the user.
func (d *Desk) login(login, pw string) (string, error) {
	u, err := d.Svc.Store.Login(d.ctx(), login, pw)
	switch {
	case errors.Is(err, store.ErrLocked):
		return T("login.locked"), err
	case errors.Is(err, store.ErrBadCredentials):
		return T("login.bad"), err
	case err != nil:
		return ErrorText(err), err
	}
	if d.Svc.Keys != nil {
		if err := d.Svc.Keys.AfterLogin(d.ctx(), u, pw); err != nil {
			d.Svc.Store.Lock(u.ID)
			return ErrorText(err), err
		}
	}
	d.LoggedIn(u)
	return "", nil
}

// Focus puts the cursor in the user name.
func (s *LoginScreen) Focus() { s.d.Win.Canvas().Focus(s.Login) }

// Content returns the screen.
func (s *LoginScreen) Content() fyne.CanvasObject {
	form := widget.NewForm(
		widget.NewFormItem(T("login.login"), s.Login),
		widget.NewFormItem(T("login.password"), s.Password),
	)
	title := widget.NewLabelWithStyle(T("app.title"), fyne.TextAlignCenter, fyne.TextStyle{Bold: true})
	box := container.NewVBox(title, widget.NewLabelWithStyle(T("login.title"), fyne.TextAlignCenter, fyne.TextStyle{}), form, s.Submit, s.Message)
	return container.NewCenter(container.NewGridWrap(fyne.NewSize(420, 300), box))
}

// SetupScreen is the first-run setup: administrator, station, division,
// device code, and an offer of demo data.
type SetupScreen struct {
	d         *Desk
	AdminLog  *widget.Entry
	AdminName *widget.Entry
	Password  *widget.Entry
	Password2 *widget.Entry
	Station   *widget.Entry
	Division  *widget.Select
	Device    *widget.Entry
	Phone     *widget.Entry
	Address   *widget.Entry
	Demo      *widget.Check
	Submit    *widget.Button
	Message   *widget.Label
	Progress  *widget.ProgressBar
	divCodes  []string
}

// NewSetupScreen builds the first-run screen.
func NewSetupScreen(d *Desk) *SetupScreen {
	s := &SetupScreen{d: d, AdminLog: widget.NewEntry(), AdminName: widget.NewEntry(),
		Password: widget.NewPasswordEntry(), Password2: widget.NewPasswordEntry(),
		Station: widget.NewEntry(), Device: widget.NewEntry(), Phone: widget.NewEntry(), Address: widget.NewEntry(),
		Message: widget.NewLabel(""), Progress: widget.NewProgressBar()}
	s.AdminLog.SetText("admin")
	var labels []string
	for _, dv := range d.Svc.Cat.Divisions {
		s.divCodes = append(s.divCodes, dv.Code)
		labels = append(labels, dv.Name)
	}
	s.Division = widget.NewSelect(labels, nil)
	s.Division.PlaceHolder = T("common.choose")
	s.Device.SetPlaceHolder(T("setup.device.help"))
	s.Demo = widget.NewCheck(T("setup.demo"), nil)
	s.Submit = widget.NewButton(T("setup.submit"), s.submit)
	s.Submit.Importance = widget.HighImportance
	s.Message.Wrapping = fyne.TextWrapWord
	s.Progress.Hide()
	order := []fyne.Focusable{s.AdminLog, s.AdminName, s.Password, s.Password2, s.Station, s.Division, s.Device, s.Phone, s.Address, s.Demo}
	for i, f := range order {
		e, ok := f.(*widget.Entry)
		if !ok {
			continue
		}
		next := order[i+1]
		e.OnSubmitted = func(string) { d.Win.Canvas().Focus(next) }
	}
	s.Address.OnSubmitted = func(string) { s.submit() }
	return s
}

// DivisionCode returns the code of the chosen division.
func (s *SetupScreen) DivisionCode() string {
	if i := s.Division.SelectedIndex(); i >= 0 {
		return s.divCodes[i]
	}
	return ""
}

func (s *SetupScreen) submit() {
	login, name := strings.TrimSpace(s.AdminLog.Text), strings.TrimSpace(s.AdminName.Text)
	station, device := strings.TrimSpace(s.Station.Text), strings.ToUpper(strings.TrimSpace(s.Device.Text))
	div := s.DivisionCode()
	phone, address := strings.TrimSpace(s.Phone.Text), strings.TrimSpace(s.Address.Text)
	switch {
	case login == "" || name == "" || station == "" || div == "" || device == "":
		s.Message.SetText(T("setup.err.required"))
		return
	case phone == "" || address == "":
		// printed on every receipt: the veteran's way back to the office
		s.Message.SetText(T("setup.err.office"))
		return
	case len(s.Password.Text) < 8 || s.Password.Text != s.Password2.Text:
		s.Message.SetText(T("setup.err.password"))
		return
	case !casework.ValidDeviceCode(device):
		s.Message.SetText(T("setup.err.device"))
		return
	}
	ctx := s.d.ctx()
	st := s.d.Svc.Store
	dev, err := st.Device(ctx)
	if err == nil {
		dev.Code, dev.Office, dev.Station = device, div, station
		err = st.SetDevice(ctx, dev)
	}
	if err == nil {
		err = st.SetSetting(ctx, SettingPhone, phone)
	}
	if err == nil {
		err = st.SetSetting(ctx, SettingAddress, address)
	}
	var u store.User
	if err == nil {
		u, err = st.CreateUser(ctx, store.Actor{Login: "setup", Name: "setup", Role: "admin", Office: div},
			store.User{Login: login, Name: name, Role: "admin", Office: div}, s.Password.Text)
	}
	if err == nil {
		// logged in as any login is: audited, with the signing key unlocked
		u, err = st.Login(ctx, login, s.Password.Text)
	}
	if err == nil && s.d.Svc.Keys != nil {
		// the first admin's password wraps the new store's key: the key file is written now
		err = s.d.Svc.Keys.AfterLogin(ctx, u, s.Password.Text)
	}
	if err != nil {
		s.Message.SetText(ErrorText(err))
		return
	}
	if !s.Demo.Checked || s.d.Svc.Demo == nil {
		s.d.LoggedIn(u)
		return
	}
	s.Submit.Disable()
	s.Message.SetText(T("setup.demo.progress"))
	s.Progress.Show()
	actor := store.Actor{UserID: u.ID, Login: u.Login, Name: u.Name, Role: u.Role, Office: u.Office}
	go func() {
		err := s.d.Svc.Demo(ctx, actor, 300, func(done, total int) {
			fyne.Do(func() { s.Progress.SetValue(float64(done) / float64(total)) })
		})
		fyne.Do(func() {
			if err != nil {
				s.Message.SetText(ErrorText(err))
			}
			s.d.LoggedIn(u)
		})
	}()
}

// Focus puts the cursor in the first empty entry.
func (s *SetupScreen) Focus() { s.d.Win.Canvas().Focus(s.AdminName) }

// Content returns the screen.
func (s *SetupScreen) Content() fyne.CanvasObject {
	intro := widget.NewLabel(T("setup.intro"))
	intro.Wrapping = fyne.TextWrapWord
	if s.d.Svc.Keys != nil {
		intro.SetText(T("setup.intro") + "\n" + T("setup.keys"))
	}
	form := widget.NewForm(
		widget.NewFormItem(T("setup.admin.login")+" *", s.AdminLog),
		widget.NewFormItem(T("setup.admin.name")+" *", s.AdminName),
		widget.NewFormItem(T("setup.admin.password")+" *", s.Password),
		widget.NewFormItem(T("setup.admin.password2")+" *", s.Password2),
		widget.NewFormItem(T("setup.station")+" *", s.Station),
		widget.NewFormItem(T("setup.division")+" *", s.Division),
		widget.NewFormItem(T("setup.device")+" *", s.Device),
		widget.NewFormItem(T("setup.phone")+" *", s.Phone),
		widget.NewFormItem(T("setup.address")+" *", s.Address),
	)
	title := widget.NewLabelWithStyle(T("setup.title"), fyne.TextAlignCenter, fyne.TextStyle{Bold: true})
	box := container.NewVBox(title, intro, form, s.Demo, s.Submit, s.Progress, s.Message)
	return container.NewCenter(container.NewGridWrap(fyne.NewSize(620, 640), box))
}
