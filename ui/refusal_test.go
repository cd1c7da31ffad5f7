package ui

import "testing"

// TestSettingsRefusalsSayWho guards the settings screen's refusals: a clerk
// adding a user or restoring a backup is told that only an admin may, not
// only that it is forbidden.
func TestSettingsRefusalsSayWho(t *testing.T) {
	f := newFixture(t)
	f.desk.LoggedIn(f.clerk)
	s := NewSettingsScreen(f.desk)
	s.addUser()
	if got, want := s.Message.Text, T("settings.user.admin_only"); got != want || got == T("error.forbidden") {
		t.Errorf("clerk adds a user: message %q, want %q", got, want)
	}
	s.RestoreFrom("/nonexistent.db")
	if got, want := s.Message.Text, T("settings.restore.admin_only"); got != want || got == T("error.forbidden") {
		t.Errorf("clerk restores a backup: message %q, want %q", got, want)
	}
}
