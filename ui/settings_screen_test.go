package ui

import (
	"path/filepath"
	"testing"
	"time"

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
	path := filepath.Join(t.TempDir(), "b.db")
	done := make(chan struct{})
	s.BackupTo(path, func() { close(done) })
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		t.Fatal("backup did not finish")
	}
	if err := store.CheckBackup(path); err != nil {
		t.Fatalf("CheckBackup = %v (message %q)", err, s.Message.Text)
	}
	if s.Message.Text != T("settings.backup.done", map[string]any{"Path": path}) || !s.CancelBackup.Hidden {
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
