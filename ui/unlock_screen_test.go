package ui

import (
	"context"
	"crypto/tls"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"vetdesk/assets"
	"vetdesk/casework"
	"vetdesk/counter"
	"vetdesk/hub"
	"vetdesk/internal/citycat"
	"vetdesk/internal/keyring"
	"vetdesk/store"
	"vetdesk/syncclient"
)

// sealedFolder is a data folder with an encrypted store: the admin set it
// up on this computer (their wrap is in the key file); the clerk came
// with a sync and has never logged in here.
func sealedFolder(t *testing.T) string {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	v := counter.NewVault(dir, store.Options{})
	st, err := v.OpenNew()
	if err != nil {
		t.Fatal(err)
	}
	dev, _ := st.Device(ctx)
	dev.Code, dev.Office, dev.Station = "HC01", "371002", "环翠区退役军人服务中心"
	if err := st.SetDevice(ctx, dev); err != nil {
		t.Fatal(err)
	}
	sys := store.Actor{Login: "setup", Role: "admin", Office: "371002"}
	if _, err := st.CreateUser(ctx, sys, store.User{Login: "admin", Name: "王管理", Role: "admin", Office: "371002"}, "admin-pass-1"); err != nil {
		t.Fatal(err)
	}
	if _, err := st.CreateUser(ctx, sys, store.User{Login: "clerk", Name: "李受理", Role: "clerk", Office: "371002"}, "clerk-pass-1"); err != nil {
		t.Fatal(err)
	}
	u, err := st.Login(ctx, "admin", "admin-pass-1")
	if err != nil {
		t.Fatal(err)
	}
	if err := v.AfterLogin(ctx, u, "admin-pass-1"); err != nil {
		t.Fatal(err)
	}
	if err := v.Close(); err != nil {
		t.Fatal(err)
	}
	return dir
}

// unlockWindow starts the desk on dir as cmd/vetdesk does on an encrypted
// store: the unlock screen, then the desk on the store it opened.
func unlockWindow(t *testing.T, dir string) (*UnlockScreen, *counter.Vault, fyne.Window) {
	t.Helper()
	a := test.NewTempApp(t)
	if err := LoadTranslations(); err != nil {
		t.Fatal(err)
	}
	a.Settings().SetTheme(NewTheme())
	cat, err := casework.LoadFrom(assets.CatalogueFS, assets.CityCatalogue, assets.AreaCodesFile)
	if err != nil {
		t.Fatal(err)
	}
	v := counter.NewVault(dir, store.Options{})
	t.Cleanup(func() { v.Close() })
	win := a.NewWindow("vetdesk")
	win.Resize(fyne.NewSize(1280, 900))
	s := ShowUnlock(win, v, func(db *store.DB) (*Desk, error) {
		return NewDesk(win, &Services{Store: db, Cat: cat, Now: func() time.Time { return fixedNow }, Keys: v}), nil
	})
	return s, v, win
}

func unlockAs(win fyne.Window, s *UnlockScreen, login, pw string) {
	s.Login.SetText("")
	win.Canvas().Focus(s.Login)
	test.Type(s.Login, login)
	s.Password.SetText("")
	win.Canvas().Focus(s.Password)
	test.Type(s.Password, pw)
	test.Tap(s.Submit)
}

// TestUnlockThenFirstLoginOfASyncedUser: on an encrypted store a wrong
// password opens nothing and says so; a user without a wrap on this
// computer is told, in Chinese, to have a colleague log in first; once the
// admin has unlocked the store, the synced clerk's first login gives them
// a wrap, so at the next start the clerk opens the store alone.
func TestUnlockThenFirstLoginOfASyncedUser(t *testing.T) {
	dir := sealedFolder(t)
	s, _, win := unlockWindow(t, dir)
	unlockAs(win, s, "clerk", "clerk-pass-1")
	if s.Desk != nil || s.Message.Text != T("unlock.nowrap") {
		t.Fatalf("clerk without a wrap: desk %v, message %q; want %q", s.Desk != nil, s.Message.Text, T("unlock.nowrap"))
	}
	if !contains(s.Message.Text, "此电脑尚未为该用户开通") {
		t.Errorf("the no-wrap message reads %q", s.Message.Text)
	}
	unlockAs(win, s, "admin", "wrong-pass-9")
	if s.Desk != nil || s.Message.Text != T("login.bad") {
		t.Fatalf("wrong password: desk %v, message %q", s.Desk != nil, s.Message.Text)
	}
	unlockAs(win, s, "admin", "admin-pass-1")
	d := s.Desk
	if d == nil || d.User.Login != "admin" {
		t.Fatalf("admin's unlock: desk %v, message %q", d != nil, s.Message.Text)
	}
	if _, ok := d.Current().(*DashboardScreen); !ok {
		t.Errorf("after unlock screen = %T, want the dashboard", d.Current())
	}
	// the admin leaves; the synced clerk logs in on the open store
	d.ShowLogin()
	ls := NewLoginScreen(d)
	win.SetContent(ls.Content())
	test.Type(ls.Login, "clerk")
	test.Type(ls.Password, "clerk-pass-1")
	test.Tap(ls.Submit)
	if d.User.Login != "clerk" {
		t.Fatalf("clerk's login on the open store: user %q, message %q", d.User.Login, ls.Message.Text)
	}
	r, err := keyring.Open(keyring.Path(dir))
	if err != nil {
		t.Fatal(err)
	}
	if !r.HasUser("clerk") {
		t.Fatal("the clerk's first login gave them no wrap")
	}
	// next start: the clerk opens the store alone
	s2, _, win2 := unlockWindow(t, dir)
	unlockAs(win2, s2, "clerk", "clerk-pass-1")
	if s2.Desk == nil || s2.Desk.User.Login != "clerk" {
		t.Fatalf("clerk's unlock at the next start: message %q", s2.Message.Text)
	}
}

// TestFirstRunSetupWritesTheKeyFile: the first run's store is encrypted
// from the start, and the first admin's password writes the key file.
func TestFirstRunSetupWritesTheKeyFile(t *testing.T) {
	a := test.NewTempApp(t)
	_ = LoadTranslations()
	a.Settings().SetTheme(NewTheme())
	cat, err := casework.LoadFrom(assets.CatalogueFS, assets.CityCatalogue, assets.AreaCodesFile)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	v := counter.NewVault(dir, store.Options{})
	t.Cleanup(func() { v.Close() })
	st, err := v.OpenNew()
	if err != nil {
		t.Fatal(err)
	}
	win := a.NewWindow("x")
	d := NewDesk(win, &Services{Store: st, Cat: cat, Keys: v})
	d.Start()
	s, ok := d.Current().(*SetupScreen)
	if !ok {
		t.Fatalf("first run: screen %T", d.Current())
	}
	if keyring.Exists(keyring.Path(dir)) {
		t.Fatal("a key file before the first admin's password")
	}
	test.Type(s.AdminName, "张管理")
	test.Type(s.Password, "secret-123")
	test.Type(s.Password2, "secret-123")
	test.Type(s.Station, "文登区退役军人服务中心")
	s.Division.SetSelected("文登区")
	test.Type(s.Device, "wd7")
	test.Type(s.Phone, "0631-5200000")
	test.Type(s.Address, "威海市文登区米山路1号")
	test.Tap(s.Submit)
	if d.User.Login != "admin" {
		t.Fatalf("after setup user = %q, message %q", d.User.Login, s.Message.Text)
	}
	r, err := keyring.Open(keyring.Path(dir))
	if err != nil {
		t.Fatalf("no key file after setup: %v", err)
	}
	if err := r.Unlock("admin", "secret-123"); err != nil {
		t.Fatalf("the admin's password does not open the key file: %v", err)
	}
	if sealed, _ := store.IsSealed(filepath.Join(dir, counter.StoreFile)); !sealed {
		t.Fatal("the first run's store is not encrypted")
	}
}

// TestRecoverOnTheUnlockScreen: 忘记密码 on the unlock screen recovers the
// store's key through the hub for a hub admin: a wrong hub password is
// refused with the hub's reason in Chinese; the right one gives the user
// the new password and opens the desk.
func TestRecoverOnTheUnlockScreen(t *testing.T) {
	ctx := context.Background()
	dir := sealedFolder(t)
	h, err := hub.Open(t.TempDir(), hub.Options{Catalogue: citycat.MustLoad(t)})
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	if _, err := h.AddUser(ctx, store.User{Login: "hubadmin", Name: "中心管理员", Role: store.RoleAdmin}, "hub-admin-pass"); err != nil {
		t.Fatal(err)
	}
	certPEM, keyPEM, _ := hub.SelfSigned(nil, time.Now())
	cert, _ := tls.X509KeyPair(certPEM, keyPEM)
	srv := httptest.NewUnstartedServer(h.Handler())
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{cert}}
	srv.StartTLS()
	defer srv.Close()
	v := counter.NewVault(dir, store.Options{})
	db, err := v.Unlock(ctx, "admin", "admin-pass-1")
	if err != nil {
		t.Fatal(err)
	}
	code, _ := h.CreateEnrolCode(ctx, hub.EnrolSpec{Station: "一号窗口", Office: "371002"})
	if _, err := syncclient.Enrol(ctx, db, syncclient.EnrolOptions{HubURL: srv.URL, Fingerprint: hub.Fingerprint(cert), Code: code}); err != nil {
		t.Fatal(err)
	}
	if err := v.SyncRecovery(ctx); err != nil {
		t.Fatal(err)
	}
	v.Close()

	s, _, win := unlockWindow(t, dir)
	if s.Forgot.Hidden {
		t.Fatal("no 忘记密码 on the unlock screen")
	}
	test.Tap(s.Forgot)
	fill := func(hubPW string) {
		for e, text := range map[*widget.Entry]string{s.Login: "admin", s.NewPassword: "brand-new-pass", s.NewPassword2: "brand-new-pass",
			s.HubAdmin: "hubadmin", s.HubPassword: hubPW} {
			e.SetText("")
			win.Canvas().Focus(e)
			test.Type(e, text)
		}
		test.Tap(s.RecoverBtn)
	}
	fill("wrong")
	if s.Desk != nil || s.Message.Text != T("unlock.recover.refused") {
		t.Fatalf("wrong hub password: desk %v, message %q", s.Desk != nil, s.Message.Text)
	}
	fill("hub-admin-pass")
	if s.Desk == nil || s.Desk.User.Login != "admin" {
		t.Fatalf("recovery: message %q", s.Message.Text)
	}
	s.Desk.Svc.Store.Close()
	if _, err := counter.NewVault(dir, store.Options{}).Unlock(ctx, "admin", "brand-new-pass"); err != nil {
		t.Fatalf("the new password does not open the store: %v", err)
	}
}

// TestUnlockWithAPasswordChangedAtTheHub: the key file still takes the
// old password after the hub changed it; the store opens, the login
// screen says the password was changed and asks for the new one, whose
// login wraps the key again so the new password opens the next start.
func TestUnlockWithAPasswordChangedAtTheHub(t *testing.T) {
	ctx := context.Background()
	dir := sealedFolder(t)
	v := counter.NewVault(dir, store.Options{})
	db, err := v.Unlock(ctx, "admin", "admin-pass-1")
	if err != nil {
		t.Fatal(err)
	}
	us, _ := db.Users(ctx)
	var clerk store.User
	for _, u := range us {
		if u.Login == "clerk" {
			clerk = u
		}
	}
	// the clerk has a wrap here; then the hub changes their password (the
	// synced user record is what SetPassword by an admin writes)
	if u, err := db.Login(ctx, "clerk", "clerk-pass-1"); err != nil || v.AfterLogin(ctx, u, "clerk-pass-1") != nil {
		t.Fatal(err)
	}
	if err := db.SetPassword(ctx, store.Actor{UserID: "hub", Role: store.RoleAdmin}, clerk.ID, "clerk-pass-2"); err != nil {
		t.Fatal(err)
	}
	v.Close()

	s, _, win := unlockWindow(t, dir)
	unlockAs(win, s, "clerk", "clerk-pass-1")
	d := s.Desk
	if d == nil || d.User.ID != "" || !contains(textOf(win.Content()), T("unlock.changed")) {
		t.Fatalf("old password after a change at the hub: desk %v, screen %q", d != nil, textOf(win.Content()))
	}
	ls := NewLoginScreen(d)
	win.SetContent(ls.Content())
	test.Type(ls.Login, "clerk")
	test.Type(ls.Password, "clerk-pass-2")
	test.Tap(ls.Submit)
	if d.User.Login != "clerk" {
		t.Fatalf("new password: %q", ls.Message.Text)
	}
	d.Svc.Store.Close()
	if _, err := counter.NewVault(dir, store.Options{}).Unlock(ctx, "clerk", "clerk-pass-2"); err != nil {
		t.Fatalf("the new password does not open the next start: %v", err)
	}
}
