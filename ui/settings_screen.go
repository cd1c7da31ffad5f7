package ui

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/widget"

	"vetdesk/internal/version"
	"vetdesk/store"
)

// Setting keys kept in the local store.
const (
	SettingPrinter   = "printer"
	SettingHub       = store.SettingHubURL
	SettingIdle      = store.SettingIdleMinutes
	SettingBackupDir = "backup.dir"
	SettingPhone     = store.SettingOfficePhone
	SettingAddress   = store.SettingOfficeAddress
	// SettingBackupLastDir is the folder the clerk last chose for a backup.
	SettingBackupLastDir = "backup.last_dir"
	// SettingBackupEvery is the automatic backup's interval in hours (0: off).
	SettingBackupEvery = "backup.auto.hours"
	// SettingBackupKeep is how many automatic backups are kept.
	SettingBackupKeep = "backup.auto.keep"
	// SettingBackupWarnDays is the age in days of the last backup after
	// which the dashboard warns.
	SettingBackupWarnDays = "backup.warn.days"
)

// Defaults of the backup settings.
const (
	DefaultBackupEveryHours = 24
	DefaultBackupKeep       = 7
	DefaultBackupWarnDays   = 7
)

// BackupPlan is how this desk backs up by itself, read from the settings.
type BackupPlan struct {
	Dir      string        // where automatic backups go (SettingBackupDir, else "backups" beside the data)
	Every    time.Duration // 0: no automatic backup
	Keep     int
	WarnDays int // 0: no warning
}

// ReadBackupPlan reads the backup settings of st with their defaults.
func ReadBackupPlan(ctx context.Context, st *store.DB) BackupPlan {
	num := func(key string, def int) int {
		v, _ := st.Setting(ctx, key)
		if n, err := strconv.Atoi(strings.TrimSpace(v)); err == nil && n >= 0 {
			return n
		}
		return def
	}
	p := BackupPlan{
		Every:    time.Duration(num(SettingBackupEvery, DefaultBackupEveryHours)) * time.Hour,
		Keep:     num(SettingBackupKeep, DefaultBackupKeep),
		WarnDays: num(SettingBackupWarnDays, DefaultBackupWarnDays),
	}
	p.Dir, _ = st.Setting(ctx, SettingBackupDir)
	if p.Dir == "" {
		p.Dir = filepath.Join(filepath.Dir(st.Path()), "backups")
	}
	return p
}

// SettingsScreen holds station, printer, hub, idle lock, backup and
// restore, users (admin) and the audit check.
type SettingsScreen struct {
	d       *Desk
	Station *shortcutEntry
	Phone   *shortcutEntry
	Address *shortcutEntry
	Printer *shortcutEntry
	// Printers are the printer of each document type and each printer's offset.
	Printers *printerSettings
	// Card is the ID card reader: its SDK, libraries and port.
	Card *cardSettings
	// Scans are the document camera's folder and the SANE scanner.
	Scans *scanSettings
	Hub   *shortcutEntry
	Idle  *shortcutEntry
	// BackupEvery, BackupKeep and BackupWarn are the automatic backup's
	// interval (hours), copies kept, and the dashboard's warning age (days).
	BackupEvery *shortcutEntry
	BackupKeep  *shortcutEntry
	BackupWarn  *shortcutEntry
	SaveBtn     *widget.Button
	Backup      *widget.Button
	Restore     *widget.Button
	// CancelBackup stops a running backup.
	CancelBackup *widget.Button
	Verify       *widget.Button
	// RotateKey gives the store a new data key (admins, encrypted store).
	RotateKey *widget.Button
	Message   *widget.Label
	NewLogin  *shortcutEntry
	NewName   *shortcutEntry
	NewPass   *shortcutEntry
	NewRole   *widget.Select
	NewDept   *widget.Select
	AddUser   *widget.Button
	Users     *widget.Label
	roles     []string
	depts     []string
	loaded    map[string]string // the values shown when the screen opened (or last saved)
}

// NewSettingsScreen builds the settings screen.
func NewSettingsScreen(d *Desk) *SettingsScreen {
	s := &SettingsScreen{d: d, Station: newEntry(), Phone: newEntry(), Address: newEntry(), Printer: newEntry(),
		Hub: newEntry(), Idle: newEntry(), Message: widget.NewLabel(""), NewLogin: newEntry(),
		NewName: newEntry(), NewPass: newPasswordEntry(), Users: widget.NewLabel(""),
		BackupEvery: newEntry(), BackupKeep: newEntry(), BackupWarn: newEntry(),
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
	s.Printers = newPrinterSettings(d, get)
	s.Card = newCardSettings(get, d.User.Role == store.RoleAdmin)
	s.Scans = newScanSettings(get)
	s.Hub.SetText(get(SettingHub))
	s.Idle.SetText(get(SettingIdle))
	if s.Idle.Text == "" {
		s.Idle.SetText(strconv.Itoa(int(d.IdleAfter / time.Minute)))
	}
	plan := ReadBackupPlan(ctx, d.Svc.Store)
	s.BackupEvery.SetText(strconv.Itoa(int(plan.Every / time.Hour)))
	s.BackupKeep.SetText(strconv.Itoa(plan.Keep))
	s.BackupWarn.SetText(strconv.Itoa(plan.WarnDays))
	s.loaded = s.values()
	if d.User.Role != store.RoleAdmin {
		// the office's settings are the admin's; the store enforces it
		for _, e := range []*shortcutEntry{s.Station, s.Phone, s.Address, s.Hub, s.Idle, s.BackupEvery, s.BackupKeep, s.BackupWarn} {
			e.Disable()
		}
	}
	s.SaveBtn = widget.NewButton(T("settings.save"), s.Save)
	s.SaveBtn.Importance = widget.HighImportance
	s.Backup = widget.NewButton(T("settings.backup"), s.AskBackup)
	s.Restore = widget.NewButton(T("settings.restore"), s.askRestore)
	s.CancelBackup = widget.NewButton(T("common.cancel"), nil)
	s.CancelBackup.Hide()
	if d.Svc.Restore == nil || d.User.Role != "admin" {
		s.Restore.Hide()
	}
	s.Verify = widget.NewButton(T("settings.audit"), s.verify)
	s.RotateKey = widget.NewButton(T("settings.rotate"), func() { s.Rotate(nil) })
	if d.Svc.Keys == nil || d.User.Role != store.RoleAdmin {
		s.RotateKey.Hide()
	}
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
	nums := map[string]string{}
	for _, n := range []struct {
		e        *shortcutEntry
		key, lbl string
		min, max int
	}{
		{s.BackupEvery, SettingBackupEvery, "settings.backup.every", 0, 24 * 365},
		{s.BackupKeep, SettingBackupKeep, "settings.backup.keep", 1, 1000},
		{s.BackupWarn, SettingBackupWarnDays, "settings.backup.warn", 0, 365},
	} {
		v, err := strconv.Atoi(strings.TrimSpace(n.e.Text))
		if err != nil || v < n.min || v > n.max {
			s.Message.SetText(T(n.lbl) + ":" + T("problem.number_format"))
			return
		}
		nums[n.key] = strconv.Itoa(v)
	}
	if lbl, ok := s.Printers.check(); !ok {
		s.Message.SetText(lbl + ":" + T("settings.printer.offset.bad"))
		return
	}
	if !s.Card.check() {
		s.Message.SetText(T("idcard.port") + ":" + T("idcard.err.port"))
		return
	}
	vals := s.values()
	vals[SettingIdle] = strconv.Itoa(mins)
	for k, v := range nums {
		vals[k] = v
	}
	// send what the clerk changed: the store refuses office settings to
	// anyone but an admin, and defaults shown but never stored stay unset
	for k, v := range vals {
		if v == s.loaded[k] {
			delete(vals, k)
		}
	}
	err = st.SaveSettings(ctx, s.d.Actor(), vals)
	switch {
	case errors.Is(err, store.ErrForbidden):
		s.Message.SetText(T("settings.admin.only"))
		return
	case err != nil:
		s.Message.SetText(ErrorText(err))
		return
	}
	for k, v := range vals {
		s.loaded[k] = v
	}
	if _, ok := vals[SettingIdle]; ok {
		s.d.IdleAfter = time.Duration(mins) * time.Minute
	}
	s.Message.SetText(T("settings.saved"))
}

// values reads the entries, trimmed, by setting key.
func (s *SettingsScreen) values() map[string]string {
	v := map[string]string{store.SettingStation: s.Station.Text, SettingPhone: s.Phone.Text, SettingAddress: s.Address.Text,
		SettingPrinter: s.Printer.Text, SettingHub: s.Hub.Text, SettingIdle: s.Idle.Text,
		SettingBackupEvery: s.BackupEvery.Text, SettingBackupKeep: s.BackupKeep.Text, SettingBackupWarnDays: s.BackupWarn.Text}
	for k := range v {
		v[k] = strings.TrimSpace(v[k])
	}
	s.Printers.values(v)
	s.Card.values(v)
	s.Scans.values(v)
	return v
}

// AskBackup asks where the backup goes (a save dialog that starts in the
// folder chosen last time, else the backups folder beside the data, made
// if missing) and backs up there.
func (s *SettingsScreen) AskBackup() {
	ctx := s.d.ctx()
	askSavePath(s.d, savePrompt{
		Title: T("settings.backup.choose"), Confirm: T("settings.backup"), Name: store.BackupName(s.d.Svc.Now()),
		LastKey: SettingBackupLastDir, DefaultDir: ReadBackupPlan(ctx, s.d.Svc.Store).Dir, Ext: ".db",
	}, func(path string) { s.BackupTo(path, nil) }, s.Message)
}

// BackupTo backs the store up to path (empty: a new file in the automatic
// backups folder) in the background, making its folder when missing; the
// clerk may cancel it. The result names the file and its size. done, if not
// nil, runs on the UI goroutine at the end.
func (s *SettingsScreen) BackupTo(path string, done func()) {
	if path == "" {
		path = filepath.Join(ReadBackupPlan(s.d.ctx(), s.d.Svc.Store).Dir, store.BackupName(s.d.Svc.Now()))
	}
	s.Message.SetText(T("common.working"))
	a := s.d.Actor()
	ctx, cancel := context.WithCancel(s.d.ctx())
	s.CancelBackup.OnTapped = cancel
	s.CancelBackup.Show()
	s.Backup.Disable()
	go func() {
		info, err := s.d.Svc.Store.BackupFile(ctx, path)
		if err == nil && s.d.Svc.Keys != nil {
			err = s.d.Svc.Keys.ExportKeys(info.Path) // a backup opens only with its key file
		}
		cancelled := ctx.Err() != nil
		cancel()
		if err != nil {
			if fi, serr := os.Stat(path); serr == nil && fi.Size() == 0 {
				os.Remove(path) // the empty file the save dialog made
			}
		}
		_ = s.d.Svc.Store.Audit(s.d.ctx(), store.AuditEntry{UserID: a.UserID, Login: a.Login, Action: store.ActionBackup, Target: path,
			Success: err == nil, Detail: fmt.Sprintf("bytes=%d", info.Size)})
		fyne.Do(func() {
			s.CancelBackup.Hide()
			s.Backup.Enable()
			switch {
			case cancelled && err != nil:
				s.Message.SetText(T("settings.backup.cancelled"))
			case err != nil:
				s.Message.SetText(ErrorText(err))
			default:
				key := "settings.backup.done"
				if _, err := os.Stat(info.Path + store.AttachmentsSuffix); err != nil {
					key = "settings.backup.done.noscans" // no scans to name a folder for
				}
				s.Message.SetText(T(key, map[string]any{"Path": info.Path, "Size": FileSize(info.Size)}))
			}
			if done != nil {
				done()
			}
		})
	}()
}

// Rotate gives the store a new data key in the background (admins); done,
// if not nil, runs on the UI goroutine at the end.
func (s *SettingsScreen) Rotate(done func()) {
	if s.d.User.Role != store.RoleAdmin || s.d.Svc.Keys == nil {
		s.Message.SetText(T("settings.admin.only"))
		return
	}
	s.Message.SetText(T("common.working"))
	s.RotateKey.Disable()
	a := s.d.Actor()
	go func() {
		err := s.d.Svc.Keys.Rotate(s.d.ctx(), a)
		fyne.Do(func() {
			s.RotateKey.Enable()
			if err != nil {
				s.Message.SetText(ErrorText(err))
			} else {
				s.Message.SetText(T("settings.rotate.done"))
			}
			if done != nil {
				done()
			}
		})
	}()
}

// FileSize words a byte count as people read it (KB, MB, GB).
func FileSize(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.0f KB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
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
		s.Message.SetText(T("settings.restore.admin_only"))
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
		s.Message.SetText(T("settings.user.admin_only"))
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
	)
	for _, it := range s.Printers.formItems() {
		form.AppendItem(it)
	}
	for _, it := range append(s.Card.formItems(), s.Scans.formItems()...) {
		form.AppendItem(it)
	}
	for _, it := range []*widget.FormItem{
		widget.NewFormItem(T("settings.hub"), s.Hub),
		widget.NewFormItem(T("settings.idle"), s.Idle),
		widget.NewFormItem(T("settings.backup.every"), s.BackupEvery),
		widget.NewFormItem(T("settings.backup.keep"), s.BackupKeep),
		widget.NewFormItem(T("settings.backup.warn"), s.BackupWarn),
	} {
		form.AppendItem(it)
	}
	box := container.NewVBox(
		widget.NewLabelWithStyle(T("settings.title"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true}),
		form, widget.NewLabel(T("settings.catalogue", map[string]any{"Version": s.d.Svc.Cat.Version})),
		widget.NewLabel(T("settings.version", map[string]any{"Version": version.Version})),
		container.NewHBox(s.SaveBtn, s.Backup, s.CancelBackup, s.Restore, s.Verify, s.RotateKey), s.Message,
	)
	if s.d.User.Role != store.RoleAdmin {
		note := widget.NewLabel(T("settings.admin.note"))
		note.Wrapping = fyne.TextWrapWord
		note.Importance = widget.LowImportance
		box.Objects = append(box.Objects[:2:2], append([]fyne.CanvasObject{note}, box.Objects[2:]...)...)
	}
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
	return wheelView(container.NewPadded(box))
}
