package ui

import (
	"context"
	"sync"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/widget"

	"vetdesk/casework"
	"vetdesk/store"
)

// DocPrinter renders, saves, sends and audits one document of a case; it
// returns the path of the saved PDF. Implemented by package counter.
type DocPrinter interface {
	PrintDocument(ctx context.Context, a store.Actor, doc, caseID string) (string, error)
}

// Services are what the screens work with, handed in by cmd/vetdesk.
type Services struct {
	Store   *store.DB
	Cat     *casework.Catalogue
	Now     func() time.Time
	Printer DocPrinter // nil: print buttons are hidden
	// Printers lists the system's print queues for 设置 (nil: none listed;
	// names can still be typed).
	Printers func(ctx context.Context) ([]string, error)
	Reports  ReportService // nil: no report screen
	Audit    AuditService  // nil: no audit screen
	Sync     SyncService   // nil: no sync screen
	Extra    []ExtraScreen // screens other packages contribute (reports, sync)
	Demo     func(ctx context.Context, a store.Actor, n int, progress func(done, total int)) error
	// Restore replaces the local data with a backup and ends the app.
	Restore func(path string) error
	// Unsynced reports whether a case has changes the hub has not acknowledged.
	Unsynced func(ctx context.Context, caseID string) bool
	// Accepted, when set, is called once an intake is accepted, with the
	// case (the wiring tells the hub of the online application it came
	// from, #13). It must not block: the clerk is waiting.
	Accepted func(ctx context.Context, c *casework.Case)
	// Roster returns the values an imported roster holds for an ID number.
	Roster func(ctx context.Context, idNumber string) map[string]string
	// Keys keeps the encrypted store's key file in step (nil: no key file).
	Keys KeyService
}

// ExtraScreen is a navigation entry contributed by the wiring.
type ExtraScreen struct {
	Key   string // translation key of the title, e.g. "nav.reports"
	Roles []string
	Build func(d *Desk) fyne.CanvasObject
}

// Screen is what every navigable screen offers the shell.
type Screen interface {
	Content() fyne.CanvasObject
}

// Desk is the shell the clerk lives in: setup and login, navigation,
// keyboard shortcuts, idle lock.
type Desk struct {
	Win  fyne.Window
	Svc  *Services
	User store.User

	IdleAfter time.Duration
	// Async loads slow figures (the dashboard over a large store) off the
	// UI goroutine; tests leave it off for deterministic screens.
	Async bool

	body     *fyne.Container
	nav      *fyne.Container
	navBtns  map[string]*widget.Button
	status   *widget.Label
	keyHelp  *widget.Label // the shortcuts of the screen on show
	history  []func()
	mu       sync.Mutex
	lastUsed time.Time
	current  any
	keys     map[fyne.KeyName]func() // Ctrl+key shortcuts of the shell
	locked   *lockedDesk             // what a lock keeps; nil when unlocked
	// RevealFor is how long full ID, phone and bank numbers stay on show
	// (DefaultRevealFor when zero); After runs f on the UI goroutine after
	// a while (time.AfterFunc when nil; tests run it by hand).
	RevealFor time.Duration
	After     func(time.Duration, func())
}

// NewDesk makes the shell on win.
func NewDesk(win fyne.Window, svc *Services) *Desk {
	if svc.Now == nil {
		svc.Now = time.Now
	}
	d := &Desk{Win: win, Svc: svc, IdleAfter: 15 * time.Minute, navBtns: map[string]*widget.Button{}, keys: map[fyne.KeyName]func(){}}
	d.touch()
	desks.Store(win.Canvas(), d)
	if dc, ok := win.Canvas().(desktop.Canvas); ok {
		dc.SetOnKeyDown(func(*fyne.KeyEvent) { d.touch() })
	}
	return d
}

// Actor is the current user as the store records them.
func (d *Desk) Actor() store.Actor {
	u := d.User
	return store.Actor{UserID: u.ID, Login: u.Login, Name: u.Name, Role: u.Role, Department: u.Department, Office: u.Office}
}

func (d *Desk) ctx() context.Context { return context.Background() }

func (d *Desk) touch() {
	d.mu.Lock()
	d.lastUsed = time.Now()
	d.mu.Unlock()
}

// Start shows first-run setup when the store has no user, else login.
func (d *Desk) Start() {
	has, err := d.Svc.Store.HasUsers(d.ctx())
	if err != nil {
		d.Win.SetContent(widget.NewLabel(ErrorText(err)))
		return
	}
	if !has {
		s := NewSetupScreen(d)
		d.Win.SetContent(s.Content())
		d.current = s
		s.Focus()
		return
	}
	d.ShowLogin()
}

// ShowLogin replaces everything with the login screen.
func (d *Desk) ShowLogin() { d.showLogin("") }

// showLogin shows the login screen with msg under it.
func (d *Desk) showLogin(msg string) {
	if d.User.ID != "" && d.Svc.Store != nil {
		d.Svc.Store.Lock(d.User.ID) // the signing key leaves memory with its user
	}
	d.User = store.User{}
	d.locked = nil
	d.history = nil
	d.current = nil
	s := NewLoginScreen(d)
	if msg != "" {
		s.Message.SetText(msg)
	}
	d.Win.SetContent(s.Content())
	s.Focus()
}

// LoggedIn builds the shell for u and opens the dashboard.
func (d *Desk) LoggedIn(u store.User) {
	d.User = u
	d.touch()
	d.buildShell()
	if u.Role == "handler" {
		d.Open("nav.tasks")
	} else {
		d.Open("nav.dashboard")
	}
}

type navEntry struct {
	key   string
	roles []string
	build func() any
}

func (d *Desk) entries() []navEntry {
	all := []string{"clerk", "handler", "supervisor", "admin"}
	counter := []string{"clerk", "supervisor", "admin"}
	es := []navEntry{
		{"nav.dashboard", counter, func() any { return NewDashboardScreen(d) }},
		{"nav.intake", []string{"clerk", "admin"}, func() any { return NewIntakeScreen(d) }},
		{"nav.search", counter, func() any { return NewSearchScreen(d) }},
		{"nav.tasks", []string{"handler", "supervisor", "admin"}, func() any { return NewTasksScreen(d) }},
	}
	if d.Svc.Sync != nil {
		es = append(es, navEntry{"nav.sync", all, func() any { return NewSyncScreen(d) }})
	}
	if d.Svc.Audit != nil {
		es = append(es, navEntry{"nav.audit", []string{"supervisor", "admin"}, func() any { return NewAuditScreen(d) }})
	}
	if d.Svc.Reports != nil {
		es = append(es, navEntry{"nav.reports", []string{"clerk", "supervisor", "admin"}, func() any { return NewReportScreen(d) }})
	}
	for _, x := range d.Svc.Extra {
		x := x
		es = append(es, navEntry{x.Key, x.Roles, func() any { return staticScreen{x.Build(d)} }})
	}
	es = append(es,
		navEntry{"nav.catalogue", all, func() any { return NewCatalogueScreen(d.Svc.Cat) }},
		navEntry{"nav.settings", all, func() any { return NewSettingsScreen(d) }},
	)
	return es
}

type staticScreen struct{ o fyne.CanvasObject }

func (s staticScreen) Content() fyne.CanvasObject { return s.o }

func allowed(roles []string, role string) bool {
	for _, r := range roles {
		if r == role {
			return true
		}
	}
	return false
}

func (d *Desk) buildShell() {
	d.nav = container.NewVBox()
	d.navBtns = map[string]*widget.Button{}
	for _, e := range d.entries() {
		if !allowed(e.roles, d.User.Role) {
			continue
		}
		key := e.key
		b := widget.NewButton(T(key), func() { d.Open(key) })
		b.Alignment = widget.ButtonAlignLeading
		d.navBtns[key] = b
		d.nav.Add(b)
	}
	d.nav.Add(widget.NewSeparator())
	d.nav.Add(widget.NewButton(T("shell.lock"), d.Lock))
	d.nav.Add(widget.NewButton(T("shell.switch"), d.SwitchUser))
	d.status = widget.NewLabel(T("shell.user", map[string]any{"Name": d.User.Name, "Role": RoleName(d.User.Role)}))
	d.body = container.NewStack()
	d.keyHelp = widget.NewLabel(T("shell.shortcuts"))
	// one line, cut short: a wrapping label's height at no width made the
	// window open taller than the screen
	d.keyHelp.Truncation = fyne.TextTruncateEllipsis
	d.keyHelp.Alignment = fyne.TextAlignTrailing
	top := container.NewBorder(nil, nil, d.status, nil, d.keyHelp)
	d.Win.SetContent(container.NewBorder(top, nil, container.NewVScroll(d.nav), nil, d.body))
	d.shortcuts()
}

// Open shows the navigation entry key (e.g. "nav.search").
func (d *Desk) Open(key string) {
	for _, e := range d.entries() {
		if e.key != key || !allowed(e.roles, d.User.Role) {
			continue
		}
		d.show(e.build())
		for k, b := range d.navBtns {
			if k == key {
				b.Importance = widget.HighImportance
			} else {
				b.Importance = widget.MediumImportance
			}
			b.Refresh()
		}
		return
	}
}

// Show pushes a screen built elsewhere (a case opened from a list) so Esc
// comes back.
func (d *Desk) Show(s Screen) {
	prev := d.current
	if prev != nil {
		d.history = append(d.history, func() { d.show(prev) })
	}
	d.show(s)
}

func (d *Desk) show(s any) {
	sc, ok := s.(Screen)
	if !ok {
		return
	}
	if l, ok := d.current.(interface{ Leave() }); ok && d.current != s {
		l.Leave()
	}
	d.current = s
	if d.keyHelp != nil {
		help := T("shell.shortcuts")
		if h, ok := s.(interface{ ShortcutHelp() string }); ok {
			help = h.ShortcutHelp() + " · " + help
		}
		d.keyHelp.SetText(help)
	}
	d.body.Objects = []fyne.CanvasObject{sc.Content()}
	d.body.Refresh()
	if f, ok := s.(interface{ Focus() }); ok {
		f.Focus()
	}
}

func (d *Desk) revealFor() time.Duration {
	if d.RevealFor > 0 {
		return d.RevealFor
	}
	return DefaultRevealFor
}

// after runs f on the UI goroutine after wait.
func (d *Desk) after(wait time.Duration, f func()) {
	if d.After != nil {
		d.After(wait, f)
		return
	}
	time.AfterFunc(wait, func() { fyne.Do(f) })
}

// Current returns the screen on show.
func (d *Desk) Current() any { return d.current }

// Back returns to the previous screen, if any.
func (d *Desk) Back() {
	if n := len(d.history); n > 0 {
		f := d.history[n-1]
		d.history = d.history[:n-1]
		f()
	}
}

func (d *Desk) shortcuts() {
	c := d.Win.Canvas()
	add := func(k fyne.KeyName, fn func()) {
		d.keys[k] = fn
		c.AddShortcut(&desktop.CustomShortcut{KeyName: k, Modifier: fyne.KeyModifierShortcutDefault}, func(fyne.Shortcut) {
			d.touch()
			if d.locked != nil {
				return
			}
			fn()
		})
	}
	add(fyne.KeyN, func() { d.Open("nav.intake") })
	add(fyne.KeyF, func() { d.Open("nav.search") })
	add(fyne.KeyR, func() { // 读身份证 on the intake
		if s, ok := d.current.(interface{ ReadCard() }); ok {
			s.ReadCard()
		}
	})
	add(fyne.KeyPageDown, func() { // the intake's next group of fields
		if s, ok := d.current.(interface{ NextGroup() }); ok {
			s.NextGroup()
		}
	})
	add(fyne.KeyPageUp, func() {
		if s, ok := d.current.(interface{ PrevGroup() }); ok {
			s.PrevGroup()
		}
	})
	add(fyne.KeyS, func() {
		if s, ok := d.current.(interface{ Save() }); ok {
			s.Save()
		}
	})
	add(fyne.KeyP, func() {
		if s, ok := d.current.(interface{ PrintDefault() }); ok {
			s.PrintDefault()
		}
	})
	c.SetOnTypedKey(func(e *fyne.KeyEvent) {
		d.touch()
		if e.Name == fyne.KeyEscape && d.locked == nil {
			d.Back()
		}
	})
}

// runShortcut runs the shell's shortcut s, if it has one; entries call it
// for the shortcuts they do not handle.
func (d *Desk) runShortcut(s *desktop.CustomShortcut) bool {
	fn := d.keys[s.KeyName]
	if fn == nil || s.Modifier != fyne.KeyModifierShortcutDefault || d.User.ID == "" || d.locked != nil {
		return false
	}
	d.touch()
	fn()
	return true
}

// WatchIdle locks the desk after IdleAfter without a key press; it returns
// when ctx ends.
func (d *Desk) WatchIdle(ctx context.Context) {
	t := time.NewTicker(15 * time.Second)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			d.mu.Lock()
			idle := time.Since(d.lastUsed)
			d.mu.Unlock()
			if d.IdleAfter > 0 && idle > d.IdleAfter {
				fyne.Do(d.Lock) // keeps the session and its open work
				d.touch()
			}
		}
	}
}

// SyncChanged refreshes the screen on show when it shows sync figures;
// call it on the UI goroutine when the sync status changes.
func (d *Desk) SyncChanged() {
	switch s := d.current.(type) {
	case *SetupScreen:
		// An enrolled device gets its users from the hub: once the first
		// sync has brought them, nobody has to set up a local admin.
		if has, err := d.Svc.Store.HasUsers(d.ctx()); err == nil && has {
			d.showLogin(T("setup.users.arrived"))
		}
	case *SyncScreen:
		s.Refresh()
	case *DashboardScreen:
		if !d.Async {
			s.Refresh()
		}
	}
}

// Notify shows a short message in the status line.
func (d *Desk) Notify(msg string) {
	if d.status != nil {
		d.status.SetText(msg)
	}
}
