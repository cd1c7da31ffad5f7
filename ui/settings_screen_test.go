package ui

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"vetdesk/internal/version"
	"vetdesk/store"
)

func TestSettingsBackup(t *testing.T) {
	f := newFixture(t)
	f.seed(10)
	f.desk.LoggedIn(f.admin)
	f.desk.Open("nav.settings")
	s, ok := f.desk.Current().(*SettingsScreen)
	if !ok {
		t.Fatalf("settings screen = %T", f.desk.Current())
	}
	if _, err := f.st.PutAttachment(context.Background(), strings.NewReader("scan")); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "b.db")
	done := make(chan struct{})
	s.BackupTo(path, func() { close(done) })
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		t.Fatal("backup did not finish")
	}
	if err := store.CheckBackup(path, nil); err != nil {
		t.Fatalf("CheckBackup = %v (message %q)", err, s.Message.Text)
	}
	fi, _ := os.Stat(path)
	if s.Message.Text != T("settings.backup.done", map[string]any{"Path": path, "Size": FileSize(fi.Size())}) || !s.CancelBackup.Hidden {
		t.Errorf("after backup message %q, cancel shown %v", s.Message.Text, !s.CancelBackup.Hidden)
	}
	s.Idle.SetText("abc")
	s.Save()
	if s.Message.Text == T("settings.saved") {
		t.Errorf("idle minutes abc were saved")
	}
	s.Idle.SetText("5")
	s.Save()
	if s.Message.Text != T("settings.saved") || f.desk.IdleAfter != 5*time.Minute {
		t.Errorf("settings save: %q, idle %v", s.Message.Text, f.desk.IdleAfter)
	}
}

// overlayButton finds the button with text on the window's top overlay (a
// dialog), looking inside widgets too.
func overlayButton(t *testing.T, win fyne.Window, text string) *widget.Button {
	t.Helper()
	top := win.Canvas().Overlays().Top()
	if top == nil {
		t.Fatalf("no dialog open, looking for %q", text)
	}
	for _, o := range test.LaidOutObjects(top) {
		if b, ok := o.(*widget.Button); ok && b.Text == text {
			return b
		}
	}
	t.Fatalf("no button %q on the dialog", text)
	return nil
}

// waitFor polls cond until it holds (or fails the test after a long while).
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for i := 0; i < 600; i++ {
		if cond() {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("waited too long for %s", what)
}

// TestBackupButtonOnFreshDataFolder: on a new install (no backups folder
// yet) 备份数据 opens a save dialog in the backups folder beside the data,
// made for it; saving there writes a good backup and the message names the
// file and its size. The next time the dialog starts in the folder chosen.
func TestBackupButtonOnFreshDataFolder(t *testing.T) {
	f := newFixture(t)
	f.desk.LoggedIn(f.clerk)
	f.desk.Open("nav.settings")
	s := f.desk.Current().(*SettingsScreen)
	backups := filepath.Join(filepath.Dir(f.st.Path()), "backups")
	if _, err := os.Stat(backups); !os.IsNotExist(err) {
		t.Fatalf("fresh data folder already has %s (%v)", backups, err)
	}
	test.Tap(s.Backup)
	test.Tap(overlayButton(t, f.win, T("settings.backup")))
	waitFor(t, "the backup", func() bool { return s.Backup.Disabled() == false && s.Message.Text != T("common.working") })
	path := filepath.Join(backups, store.BackupName(fixedNow))
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatalf("no backup at %s: %v (message %q)", path, err, s.Message.Text)
	}
	if err := store.CheckBackup(path, nil); err != nil {
		t.Fatalf("CheckBackup = %v", err)
	}
	want := T("settings.backup.done.noscans", map[string]any{"Path": path, "Size": FileSize(fi.Size())})
	if s.Message.Text != want {
		t.Errorf("after 备份数据 the message reads %q, want %q", s.Message.Text, want)
	}
	if last, _ := f.st.Setting(context.Background(), SettingBackupLastDir); last != backups {
		t.Errorf("remembered folder = %q, want %q", last, backups)
	}
}

// TestDashboardWarnsOfOldBackup: the dashboard warns when there was never
// a backup or the last one is older than the set number of days, and not
// after a recent one.
func TestDashboardWarnsOfOldBackup(t *testing.T) {
	f := newFixture(t)
	f.desk.LoggedIn(f.clerk)
	ctx := context.Background()
	dash := func() *DashboardScreen {
		f.desk.Open("nav.dashboard")
		return f.desk.Current().(*DashboardScreen)
	}
	if d := dash(); d.BackupWarn.Hidden || d.BackupWarn.Text != T("dash.backup.never") {
		t.Errorf("never backed up: warning %q shown %v", d.BackupWarn.Text, !d.BackupWarn.Hidden)
	}
	if _, err := f.st.BackupFile(ctx, filepath.Join(t.TempDir(), "b.db")); err != nil {
		t.Fatal(err)
	}
	if d := dash(); !d.BackupWarn.Hidden {
		t.Errorf("just backed up: warning %q shown", d.BackupWarn.Text)
	}
	if err := f.st.SetSetting(ctx, SettingBackupWarnDays, "0"); err != nil {
		t.Fatal(err)
	}
	f.desk.Svc.Now = func() time.Time { return fixedNow.AddDate(0, 0, 30) }
	if d := dash(); !d.BackupWarn.Hidden {
		t.Errorf("warnings off: warning %q shown", d.BackupWarn.Text)
	}
	if err := f.st.SetSetting(ctx, SettingBackupWarnDays, "7"); err != nil {
		t.Fatal(err)
	}
	d := dash()
	want := T("dash.backup.old", map[string]any{"Days": 30, "When": fixedNow.Format("2006-01-02 15:04")})
	if d.BackupWarn.Hidden || d.BackupWarn.Text != want {
		t.Errorf("30 days after the last backup: warning %q shown %v, want %q", d.BackupWarn.Text, !d.BackupWarn.Hidden, want)
	}
}

// TestBackupScheduleSettings: the automatic backup's interval and copies
// kept are settings the screen saves and the plan reads; nonsense is refused.
func TestBackupScheduleSettings(t *testing.T) {
	f := newFixture(t)
	f.desk.LoggedIn(f.admin)
	f.desk.Open("nav.settings")
	s := f.desk.Current().(*SettingsScreen)
	ctx := context.Background()
	if p := ReadBackupPlan(ctx, f.st); p.Every != DefaultBackupEveryHours*time.Hour || p.Keep != DefaultBackupKeep {
		t.Errorf("default plan = %+v", p)
	}
	s.BackupKeep.SetText("0")
	s.Save()
	if s.Message.Text == T("settings.saved") {
		t.Errorf("keeping 0 backups was saved")
	}
	s.BackupEvery.SetText("12")
	s.BackupKeep.SetText("3")
	s.BackupWarn.SetText("2")
	s.Save()
	p := ReadBackupPlan(ctx, f.st)
	if s.Message.Text != T("settings.saved") || p.Every != 12*time.Hour || p.Keep != 3 || p.WarnDays != 2 {
		t.Errorf("after saving 12 h, 3 copies, 2 days: message %q, plan %+v", s.Message.Text, p)
	}
}

// TestOfficeSettingsAdminOnly: logged in as a department handler (or a
// clerk or supervisor), the office's settings are read-only on the screen,
// and a save that changes them anyway is refused by the store, saying
// why; the printer is theirs to choose. An admin changes them.
func TestOfficeSettingsAdminOnly(t *testing.T) {
	ctx := context.Background()
	for _, role := range []string{"clerk", "handler", "supervisor", "admin"} {
		t.Run(role, func(t *testing.T) {
			f := newFixture(t)
			if err := f.st.SetSetting(ctx, SettingPhone, "0631-5200000"); err != nil {
				t.Fatal(err)
			}
			u := store.User{ID: "u-" + role, Login: role, Name: "测试", Role: role, Office: "371002"}
			if role == "handler" {
				u.Department = "police"
			}
			f.desk.LoggedIn(u)
			f.desk.Open("nav.settings")
			s := f.desk.Current().(*SettingsScreen)
			if s.Phone.Disabled() != (role != "admin") || s.Station.Disabled() != (role != "admin") || s.Printer.Disabled() {
				t.Errorf("as %s: phone disabled %v, station disabled %v, printer disabled %v", role, s.Phone.Disabled(), s.Station.Disabled(), s.Printer.Disabled())
			}
			s.Printer.SetText("HP")
			s.Save()
			if p, _ := f.st.Setting(ctx, SettingPrinter); s.Message.Text != T("settings.saved") || p != "HP" {
				t.Errorf("as %s saving the printer: %q, printer %q", role, s.Message.Text, p)
			}
			s.Phone.SetText("110") // what a form filled past the disabled entry would send
			s.Save()
			phone, _ := f.st.Setting(ctx, SettingPhone)
			if role == "admin" {
				if phone != "110" || s.Message.Text != T("settings.saved") {
					t.Errorf("as admin: phone %q, message %q", phone, s.Message.Text)
				}
				return
			}
			if phone != "0631-5200000" || s.Message.Text != T("settings.admin.only") {
				t.Errorf("as %s: phone %q after save, message %q; want it kept and %q", role, phone, s.Message.Text, T("settings.admin.only"))
			}
		})
	}
}

// TestSettingsShowsVersion: 设置 shows the program version that make dist
// stamped, so a clerk can read it out to support.
func TestSettingsShowsVersion(t *testing.T) {
	f := newFixture(t)
	f.desk.LoggedIn(f.clerk)
	old := version.Version
	version.Version = "v1.4.0-2-g0c0ffee"
	t.Cleanup(func() { version.Version = old })
	got := deepText(NewSettingsScreen(f.desk).Content())
	if want := T("settings.version", map[string]any{"Version": "v1.4.0-2-g0c0ffee"}); !strings.Contains(got, want+"\n") {
		t.Errorf("settings shows %q, want a line %q", got, want)
	}
}
