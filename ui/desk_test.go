package ui

import (
	"context"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"vetdesk/assets"
	"vetdesk/casework"
	"vetdesk/counter"
	"vetdesk/store"
)

func TestMain(m *testing.M) {
	// the screens are tested in Chinese, whatever the machine's locale
	os.Setenv("LANG", "zh_CN.UTF-8")
	os.Setenv("LC_ALL", "")
	os.Exit(m.Run())
}

var fixedNow = time.Date(2026, 11, 20, 9, 30, 0, 0, time.Local)

type fixture struct {
	t     testing.TB
	st    *store.DB
	cat   *casework.Catalogue
	desk  *Desk
	win   fyne.Window
	clerk store.User
	admin store.User
	docs  string // where withPrinter's documents go
}

func newFixture(t testing.TB) *fixture {
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
	st, err := store.Open(filepath.Join(t.TempDir(), "vetdesk.db"), store.Options{Now: func() time.Time { return fixedNow }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	ctx := context.Background()
	dev, err := st.Device(ctx)
	if err != nil {
		t.Fatal(err)
	}
	dev.Code, dev.Office, dev.Station = "HC01", "371002", "环翠区退役军人服务中心"
	if err := st.SetDevice(ctx, dev); err != nil {
		t.Fatal(err)
	}
	sys := store.Actor{Login: "setup", Role: "admin", Office: "371002"}
	admin, err := st.CreateUser(ctx, sys, store.User{Login: "admin", Name: "王管理", Role: "admin", Office: "371002"}, "admin-pass-1")
	if err != nil {
		t.Fatal(err)
	}
	clerk, err := st.CreateUser(ctx, sys, store.User{Login: "clerk", Name: "李受理", Role: "clerk", Office: "371002"}, "clerk-pass-1")
	if err != nil {
		t.Fatal(err)
	}
	win := a.NewWindow("vetdesk")
	win.Resize(fyne.NewSize(1280, 900))
	d := NewDesk(win, &Services{Store: st, Cat: cat, Now: func() time.Time { return fixedNow }})
	return &fixture{t: t, st: st, cat: cat, desk: d, win: win, clerk: clerk, admin: admin}
}

// typeInto focuses e, types text and leaves it, as a clerk would.
func (f *fixture) typeInto(e fyne.Focusable, text string) {
	f.win.Canvas().Focus(e)
	test.Type(e, text)
	f.win.Canvas().Unfocus()
}

func press(e fyne.Focusable, key fyne.KeyName) { e.TypedKey(&fyne.KeyEvent{Name: key}) }

func TestLoginOffline(t *testing.T) {
	f := newFixture(t)
	f.desk.Start()
	s := f.win.Content()
	if s == nil {
		t.Fatal("no content")
	}
	ls := NewLoginScreen(f.desk)
	f.win.SetContent(ls.Content())
	f.typeInto(ls.Login, "clerk")
	f.typeInto(ls.Password, "wrong-password")
	test.Tap(ls.Submit)
	if ls.Message.Text != T("login.bad") {
		t.Fatalf("login with a wrong password: message %q, want %q", ls.Message.Text, T("login.bad"))
	}
	f.typeInto(ls.Password, "clerk-pass-1")
	press(ls.Password, fyne.KeyReturn)
	if f.desk.User.Login != "clerk" {
		t.Fatalf("after login user = %q, want clerk", f.desk.User.Login)
	}
	if _, ok := f.desk.Current().(*DashboardScreen); !ok {
		t.Errorf("after login screen = %T, want the dashboard", f.desk.Current())
	}
}

// emptyDesk is a desk on a store with no user and no device settings, as
// on a machine's first run.
func emptyDesk(t *testing.T) (*Desk, *store.DB, fyne.Window) {
	t.Helper()
	a := test.NewTempApp(t)
	_ = LoadTranslations()
	a.Settings().SetTheme(NewTheme())
	cat, err := casework.LoadFrom(assets.CatalogueFS, assets.CityCatalogue, assets.AreaCodesFile)
	if err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(filepath.Join(t.TempDir(), "v.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	win := a.NewWindow("x")
	return NewDesk(win, &Services{Store: st, Cat: cat}), st, win
}

func TestFirstRunSetup(t *testing.T) {
	d, st, win := emptyDesk(t)
	s := NewSetupScreen(d)
	win.SetContent(s.Content())
	test.Type(s.AdminName, "张管理")
	test.Type(s.Password, "secret-123")
	test.Type(s.Password2, "secret-123")
	test.Type(s.Station, "文登区退役军人服务中心")
	s.Division.SetSelected("文登区")
	test.Type(s.Device, "wd7")
	test.Tap(s.Submit)
	if d.User.ID != "" || s.Message.Text != T("setup.err.office") {
		t.Fatalf("setup without the office's phone and address: user %q, message %q", d.User.Login, s.Message.Text)
	}
	test.Type(s.Phone, "0631-5200000")
	test.Type(s.Address, "威海市文登区米山路1号")
	test.Tap(s.Submit)
	if d.User.Login != "admin" || d.User.Role != "admin" {
		t.Fatalf("after setup user = %+v, want the new admin", d.User)
	}
	if !st.Signs(d.User.ID) {
		t.Error("after setup the admin's signing key is locked: their ops would go unsigned")
	}
	dev, _ := st.Device(context.Background())
	if dev.Code != "WD7" || dev.Office != "371003" {
		t.Errorf("device = %+v, want code WD7 office 371003", dev)
	}
	if _, err := st.Login(context.Background(), "admin", "secret-123"); err != nil {
		t.Errorf("Login(new admin) = %v", err)
	}
	if p, _ := st.Setting(context.Background(), SettingPhone); p != "0631-5200000" {
		t.Errorf("office phone after setup = %q", p)
	}
}

func TestScreenshots(t *testing.T) {
	dir := os.Getenv("VETDESK_SCREENSHOTS")
	if dir == "" {
		t.Skip("set VETDESK_SCREENSHOTS to a folder to render the screens (make screenshots)")
	}
	f := newFixture(t)
	f.seed(60)
	f.desk.LoggedIn(f.clerk)
	shots := map[string]func(){
		"dashboard": func() { f.desk.Open("nav.dashboard") },
		"intake":    func() { f.fillIntake(t, NewIntakeScreen(f.desk), false) },
		"search":    func() { f.desk.Open("nav.search") },
		"case": func() {
			rows, _, _ := f.st.Search(context.Background(), store.Query{States: []casework.CaseState{casework.CaseInProgress}, Limit: 1})
			if len(rows) > 0 {
				f.desk.Show(NewCaseScreen(f.desk, rows[0].ID))
			}
		},
		"settings":  func() { f.desk.Open("nav.settings") },
		"catalogue": func() { f.desk.Open("nav.catalogue") },
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for name, show := range shots {
		show()
		img := f.win.Canvas().Capture()
		out, err := os.Create(filepath.Join(dir, "ui-"+name+".png"))
		if err != nil {
			t.Fatal(err)
		}
		if err := png.Encode(out, img); err != nil {
			t.Fatal(err)
		}
		out.Close()
	}
	intakeSteps(t, f, dir)
	f.win.Resize(fyne.NewSize(1280, 900))
	handler := store.User{ID: "h", Login: "police", Name: "赵户籍", Role: "handler", Department: "police", Office: "371002"}
	f.desk.LoggedIn(handler)
	capture(t, f.win, filepath.Join(dir, "ui-tasks.png"))
	// the same screens on a counter PC's 1024×768 screen (#19.9)
	f.win.Resize(fyne.NewSize(1024, 700))
	f.desk.LoggedIn(f.clerk)
	f.desk.Open("nav.dashboard")
	capture(t, f.win, filepath.Join(dir, "ui-dashboard-1024.png"))
	f.desk.Open("nav.search")
	capture(t, f.win, filepath.Join(dir, "ui-search-1024.png"))
	f.desk.LoggedIn(handler)
	if ts, ok := f.desk.Current().(*TasksScreen); ok && len(ts.Rows) > 0 {
		ts.List.Select(0)
	}
	capture(t, f.win, filepath.Join(dir, "ui-tasks-1024.png"))
}

// intakeSteps renders the ten-item intake at its main steps on a 1024×700
// screen, worked by keyboard (#15): the items after the ID number, a
// select chosen by typing, a refused 受理 with its problems beside the form,
// the materials, the accepted case.
func intakeSteps(t *testing.T, f *fixture, dir string) {
	s, k, v := startTenItems(t, f)
	capture(t, f.win, filepath.Join(dir, "ui-intake-1-items.png"))
	s.focus(s.Inputs[casework.FieldName].Entry)
	k.typeText(v[casework.FieldName])
	k.tab() // 性别 and 出生日期 came from the ID number: on to 民族
	k.typeText(v["ethnicity"])
	k.tab()
	s.focus(s.Inputs["political_status"].Select)
	k.typeText("qz")
	capture(t, f.win, filepath.Join(dir, "ui-intake-2-typing.png"))
	for code, val := range v {
		if code != "contribution_start" && code != casework.FieldIDNumber {
			s.C.Values[code] = val
		}
	}
	s.C.RefreshMaterials(s.cat)
	s.rebuild()
	s.AcceptNow()
	capture(t, f.win, filepath.Join(dir, "ui-intake-3-refused.png"))
	k.typeText(strings.ReplaceAll(v["contribution_start"], "-", ""))
	k.tab()
	var first string
	for code := range s.matKeys {
		if first == "" || code < first {
			first = code
		}
	}
	s.focus(s.matKeys[first])
	k.typeText("y")
	capture(t, f.win, filepath.Join(dir, "ui-intake-4-materials.png"))
	s.AcceptNow()
	capture(t, f.win, filepath.Join(dir, "ui-intake-5-accepted.png"))
}

// capture writes what win shows to a PNG file.
func capture(t *testing.T, win fyne.Window, path string) {
	t.Helper()
	out, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	if err := png.Encode(out, win.Canvas().Capture()); err != nil {
		t.Fatal(err)
	}
}

// seed fills the store with n deterministic demo cases.
func (f *fixture) seed(n int) {
	f.t.Helper()
	a := store.Actor{UserID: f.clerk.ID, Login: f.clerk.Login, Name: f.clerk.Name, Role: f.clerk.Role, Office: f.clerk.Office}
	if err := counter.Demo(context.Background(), f.st, f.cat, a, n, 2026, fixedNow, nil); err != nil {
		f.t.Fatal(err)
	}
}

// textOf joins the label texts inside o.
func textOf(o fyne.CanvasObject) string {
	var b strings.Builder
	walk(o, func(x fyne.CanvasObject) {
		if l, ok := x.(*widget.Label); ok {
			b.WriteString(l.Text)
		}
	})
	return b.String()
}

// buttonIn finds the button with text inside o.
func buttonIn(o fyne.CanvasObject, text string) *widget.Button {
	var found *widget.Button
	walk(o, func(x fyne.CanvasObject) {
		if b, ok := x.(*widget.Button); ok && b.Text == text {
			found = b
		}
	})
	return found
}

func walk(o fyne.CanvasObject, fn func(fyne.CanvasObject)) {
	fn(o)
	if c, ok := o.(*fyne.Container); ok {
		for _, x := range c.Objects {
			walk(x, fn)
		}
	}
}

// TestSetupGivesWayToHubUsers: a device enrolled before its first run shows
// first-run setup until the first sync brings the office's users from the
// hub; then it asks for a login instead, saying why.
func TestSetupGivesWayToHubUsers(t *testing.T) {
	d, st, win := emptyDesk(t)
	d.Start()
	if _, ok := d.Current().(*SetupScreen); !ok {
		t.Fatalf("empty store: screen %T, want first-run setup", d.Current())
	}
	d.SyncChanged() // a sync round that brought nothing yet
	if _, ok := d.Current().(*SetupScreen); !ok {
		t.Fatalf("before users arrive: screen %T, want setup still", d.Current())
	}
	// what the first sync's user ops do to the store
	if _, err := st.CreateUser(context.Background(), store.Actor{Role: "admin"}, store.User{Login: "hubadmin", Name: "管理员", Role: "admin"}, "pw"); err != nil {
		t.Fatal(err)
	}
	d.SyncChanged()
	if d.Current() != nil {
		t.Fatalf("after users arrived: screen %T, want the login screen", d.Current())
	}
	if txt := textOf(win.Content()); !strings.Contains(txt, T("setup.users.arrived")) || !strings.Contains(txt, T("login.submit")) {
		t.Errorf("login screen after users arrived reads %q", txt)
	}
}
