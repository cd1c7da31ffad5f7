package ui

import (
	"context"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/widget"

	"vetdesk/store"
)

// Setting keys kept in the local store.
const (
	SettingPrinter   = "printer"
	SettingHub       = "hub.url"
	SettingIdle      = "idle.minutes"
	SettingBackupDir = "backup.dir"
	SettingPhone     = "office.phone"
	SettingAddress   = "office.address"
)

// SettingsScreen holds station, printer, hub, idle lock, backup and
// restore, users (admin) and the audit check.
type SettingsScreen struct {
	d       *Desk
	Station *widget.Entry
	Phone   *widget.Entry
	Address *widget.Entry
	Printer *widget.Entry
	Hub     *widget.Entry
	Idle    *widget.Entry
	SaveBtn *widget.Button
	Backup  *widget.Button
	Restore *widget.Button
	// CancelBackup stops a running backup.
	CancelBackup *widget.Button
	Verify       *widget.Button
	Message      *widget.Label
	NewLogin     *widget.Entry
	NewName      *widget.Entry
	NewPass      *widget.Entry
	NewRole      *widget.Select
	NewDept      *widget.Select
	AddUser      *widget.Button
	Users        *widget.Label
	roles        []string
	depts        []string
}

// NewSettingsScreen builds the settings screen.
func NewSettingsScreen(d *Desk) *SettingsScreen {
	s := &SettingsScreen{d: d, Station: widget.NewEntry(), Phone: widget.NewEntry(), Address: widget.NewEntry(), Printer: widget.NewEntry(),
		Hub: widget.NewEntry(), Idle: widget.NewEntry(), Message: widget.NewLabel(""), NewLogin: widget.NewEntry(),
		NewName: widget.NewEntry(), NewPass: widget.NewPasswordEntry(), Users: widget.NewLabel(""),
		roles: []string{"clerk", "handler", "supervisor", "admin"}}
	s.Message.Wrapping = fyne.TextWrapWord
	ctx := d.ctx()
	dev, _ := d.Svc.Store.Device(ctx)
	s.Station.SetText(dev.Station)
	get := func(k string) string { v, _ := d.Svc.Store.Setting(ctx, k); return v }
	s.Phone.SetText(get(SettingPhone))
	s.Address.SetText(get(SettingAddress))
	s.Printer.SetText(get(SettingPrinter))
	s.Printer.SetPlaceHolder(T("settings.printer.default"))
	s.Hub.SetText(get(SettingHub))
	s.Idle.SetText(get(SettingIdle))
	if s.Idle.Text == "" {
		s.Idle.SetText(strconv.Itoa(int(d.IdleAfter / time.Minute)))
	}
	s.SaveBtn = widget.NewButton(T("settings.save"), s.Save)
	s.SaveBtn.Importance = widget.HighImportance
	s.Backup = widget.NewButton(T("settings.backup"), s.backup)
	s.Restore = widget.NewButton(T("settings.restore"), s.askRestore)
	s.CancelBackup = widget.NewButton(T("common.cancel"), nil)
	s.CancelBackup.Hide()
	if d.Svc.Restore == nil || d.User.Role != "admin" {
		s.Restore.Hide()
	}
	s.Verify = widget.NewButton(T("settings.audit"), s.verify)
	var roleLabels []string
	for _, r := range s.roles {
		roleLabels = append(roleLabels, RoleName(r))
	}
	s.NewRole = widget.NewSelect(roleLabels, nil)
	s.NewRole.PlaceHolder = T("common.choose")
	var deptLabels []string
	for _, dp := range d.Svc.Cat.Departments {
		s.depts = append(s.depts, dp.Code)
		deptLabels = append(deptLabels, dp.Name)
	}
	s.NewDept = widget.NewSelect(deptLabels, nil)
	s.NewDept.PlaceHolder = T("common.choose")
	s.AddUser = widget.NewButton(T("settings.user.add"), s.addUser)
	s.listUsers()
	return s
}

// Save stores the settings (Ctrl+S).
func (s *SettingsScreen) Save() {
	ctx := s.d.ctx()
	st := s.d.Svc.Store
	mins, err := strconv.Atoi(strings.TrimSpace(s.Idle.Text))
	if err != nil || mins < 0 || mins > 24*60 {
		s.Message.SetText(T("settings.idle") + ":" + T("problem.number_format"))
		return
	}
	dev, err := st.Device(ctx)
	if err == nil {
		dev.Station = strings.TrimSpace(s.Station.Text)
		err = st.SetDevice(ctx, dev)
	}
	for k, v := range map[string]string{SettingPhone: s.Phone.Text, SettingAddress: s.Address.Text, SettingPrinter: s.Printer.Text, SettingHub: s.Hub.Text, SettingIdle: strconv.Itoa(mins)} {
		if err == nil {
			err = st.SetSetting(ctx, k, strings.TrimSpace(v))
		}
	}
	if err != nil {
		s.Message.SetText(ErrorText(err))
		return
	}
	s.d.IdleAfter = time.Duration(mins) * time.Minute
	s.Message.SetText(T("settings.saved"))
}

func (s *SettingsScreen) backup() { s.BackupTo("", nil) }

// BackupTo backs the store up to path (empty: the backups folder next to
// the data) in the background; the clerk may cancel it. done, if not nil,
// runs on the UI goroutine at the end.
func (s *SettingsScreen) BackupTo(path string, done func()) {
	dir, _ := s.d.Svc.Store.Setting(s.d.ctx(), SettingBackupDir)
	if dir == "" {
		dir = filepath.Join(filepath.Dir(s.d.Svc.Store.Path()), "backups")
	}
	if path == "" {
		path = filepath.Join(dir, "vetdesk-"+s.d.Svc.Now().Format("20060102-150405")+".db")
	}
	s.Message.SetText(T("common.working"))
	a := s.d.Actor()
	ctx, cancel := context.WithCancel(s.d.ctx())
	s.CancelBackup.OnTapped = cancel
	s.CancelBackup.Show()
	s.Backup.Disable()
	go func() {
		err := s.d.Svc.Store.Backup(ctx, path)
		cancelled := ctx.Err() != nil
		cancel()
		_ = s.d.Svc.Store.Audit(s.d.ctx(), store.AuditEntry{UserID: a.UserID, Login: a.Login, Action: "backup", Target: path, Success: err == nil})
		fyne.Do(func() {
			s.CancelBackup.Hide()
			s.Backup.Enable()
			switch {
			case cancelled && err != nil:
				s.Message.SetText(T("settings.backup.cancelled"))
			case err != nil:
				s.Message.SetText(ErrorText(err))
			default:
				s.Message.SetText(T("settings.backup.done", map[string]any{"Path": path}))
			}
			if done != nil {
				done()
			}
		})
	}()
}

// askRestore asks for a backup file and, once confirmed, replaces the data
// with it; the app then closes (the wiring quits it).
func (s *SettingsScreen) askRestore() {
	chooseFile(s.d.Win, func(r fyne.URIReadCloser) {
		path := r.URI().Path()
		dialog.ShowConfirm(T("settings.restore"), T("settings.restore.confirm"), func(ok bool) {
			if ok {
				s.RestoreFrom(path)
			}
		}, s.d.Win)
	})
}

// RestoreFrom restores the backup at path (admin only).
func (s *SettingsScreen) RestoreFrom(path string) {
	if s.d.User.Role != "admin" || s.d.Svc.Restore == nil {
		s.Message.SetText(T("error.forbidden"))
		return
	}
	if err := s.d.Svc.Restore(path); err != nil { // the wiring audits it in the restored store
		s.Message.SetText(ErrorText(err))
		return
	}
	s.Message.SetText(T("settings.restore.done"))
}

func (s *SettingsScreen) verify() {
	rep, err := s.d.Svc.Store.VerifyAudit(s.d.ctx())
	switch {
	case err != nil:
		s.Message.SetText(ErrorText(err))
	case !rep.OK:
		s.Message.SetText(T("settings.audit.bad", map[string]any{"Seq": rep.FirstBad}))
	default:
		s.Message.SetText(T("settings.audit.ok", map[string]any{"N": rep.Entries}))
	}
}

func (s *SettingsScreen) addUser() {
	if s.d.User.Role != "admin" {
		s.Message.SetText(T("error.forbidden"))
		return
	}
	ri := s.NewRole.SelectedIndex()
	login, name := strings.TrimSpace(s.NewLogin.Text), strings.TrimSpace(s.NewName.Text)
	if login == "" || name == "" || ri < 0 || len(s.NewPass.Text) < 8 {
		s.Message.SetText(T("setup.err.required") + ";" + T("setup.err.password"))
		return
	}
	u := store.User{Login: login, Name: name, Role: s.roles[ri], Office: s.d.User.Office}
	if u.Role == "handler" {
		di := s.NewDept.SelectedIndex()
		if di < 0 {
			s.Message.SetText(T("setup.err.required"))
			return
		}
		u.Department = s.depts[di]
	}
	if _, err := s.d.Svc.Store.CreateUser(s.d.ctx(), s.d.Actor(), u, s.NewPass.Text); err != nil {
		s.Message.SetText(ErrorText(err))
		return
	}
	s.NewLogin.SetText("")
	s.NewName.SetText("")
	s.NewPass.SetText("")
	s.Message.SetText(T("settings.user.created", map[string]any{"Login": login}))
	s.listUsers()
}

func (s *SettingsScreen) listUsers() {
	us, err := s.d.Svc.Store.Users(s.d.ctx())
	if err != nil {
		return
	}
	var lines []string
	for _, u := range us {
		line := fmt.Sprintf("%s  %s  %s", u.Login, u.Name, RoleName(u.Role))
		if dp := s.d.Svc.Cat.Department(u.Department); dp != nil {
			line += "  " + dp.Short
		}
		lines = append(lines, line)
	}
	s.Users.SetText(strings.Join(lines, "\n"))
}

// Content returns the screen.
func (s *SettingsScreen) Content() fyne.CanvasObject {
	dev, _ := s.d.Svc.Store.Device(s.d.ctx())
	div := dev.Office
	if dv := s.d.Svc.Cat.Division(dev.Office); dv != nil {
		div = dv.Name
	}
	form := widget.NewForm(
		widget.NewFormItem(T("settings.station"), s.Station),
		widget.NewFormItem(T("settings.division"), widget.NewLabel(div)),
		widget.NewFormItem(T("settings.device"), widget.NewLabel(dev.Code)),
		widget.NewFormItem(T("setup.phone"), s.Phone),
		widget.NewFormItem(T("setup.address"), s.Address),
		widget.NewFormItem(T("settings.printer"), s.Printer),
		widget.NewFormItem(T("settings.hub"), s.Hub),
		widget.NewFormItem(T("settings.idle"), s.Idle),
	)
	box := container.NewVBox(
		widget.NewLabelWithStyle(T("settings.title"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true}),
		form, widget.NewLabel(T("settings.catalogue", map[string]any{"Version": s.d.Svc.Cat.Version})),
		container.NewHBox(s.SaveBtn, s.Backup, s.CancelBackup, s.Restore, s.Verify), s.Message,
	)
	if s.d.User.Role == "admin" {
		users := widget.NewForm(
			widget.NewFormItem(T("login.login"), s.NewLogin),
			widget.NewFormItem(T("setup.admin.name"), s.NewName),
			widget.NewFormItem(T("login.password"), s.NewPass),
			widget.NewFormItem(T("settings.user.role"), s.NewRole),
			widget.NewFormItem(T("settings.user.dept"), s.NewDept),
		)
		box.Add(widget.NewCard(T("settings.users"), "", container.NewVBox(s.Users, users, s.AddUser)))
	}
	return container.NewVScroll(container.NewPadded(box))
}
