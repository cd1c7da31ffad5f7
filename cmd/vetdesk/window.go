package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/app"

	"vetdesk/assets"
	"vetdesk/counter"
	"vetdesk/store"
	"vetdesk/ui"
)

// backgroundJobs start with the window (sync registers itself here).
var backgroundJobs []func(ctx context.Context, e *env, d *ui.Desk)

// startClock measures how long the window takes to be usable.
var startClock = time.Now()

func runWindow(dataDir string) error {
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return fmt.Errorf("data folder: %w", err)
	}
	// The store is encrypted (#12): a first run makes its keys and the
	// first admin's password wraps them; otherwise the login screen's
	// password unwraps them and opens it.
	v := counter.NewVault(dataDir, store.Options{})
	defer v.Close()
	state, err := v.State()
	if err != nil {
		return err
	}
	a := app.NewWithID("cn.gov.weihai.vetdesk")
	a.SetIcon(fyne.NewStaticResource("icon.png", assets.Icon))
	if err := ui.LoadTranslations(); err != nil {
		return fmt.Errorf("translations: %w", err)
	}
	a.Settings().SetTheme(ui.NewTheme())
	w := a.NewWindow(ui.T("app.title"))
	// Counter PCs often have 1024×768 screens: every screen works at
	// 1024×700, so the window starts there and then keeps the size the
	// clerk gave it last time.
	prefs := a.Preferences()
	w.Resize(fyne.NewSize(float32(prefs.FloatWithFallback("window.width", 1024)), float32(prefs.FloatWithFallback("window.height", 700))))
	w.SetOnClosed(func() {
		size := w.Canvas().Size()
		prefs.SetFloat("window.width", float64(size.Width))
		prefs.SetFloat("window.height", float64(size.Height))
	})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	open := func(st *store.DB) (*ui.Desk, error) {
		cat, err := loadCatalogue(st, dataDir)
		if err != nil {
			return nil, err
		}
		e := &env{dir: dataDir, st: st, cat: cat, vault: v}
		svc := &ui.Services{
			Store: e.st, Cat: e.cat, Now: time.Now, Keys: v,
			Demo: func(ctx context.Context, act store.Actor, n int, progress func(done, total int)) error {
				return counter.Demo(ctx, e.st, e.cat, act, n, uint64(time.Now().UnixNano()), time.Now(), progress)
			},
		}
		wireServices(e, svc)
		var d *ui.Desk
		svc.Restore = func(path string) error {
			actor := d.Actor()
			// a backup of this store: its key file opens with the master
			// key open now (another store's: vetdesk restore -as LOGIN)
			restored, err := v.Restore(ctx, path, "", "")
			if err == nil {
				err = auditRestore(ctx, restored, path, actor)
			}
			a.Quit()
			return err
		}
		d = ui.NewDesk(w, svc)
		d.Async = true
		if v, _ := e.st.Setting(ctx, ui.SettingIdle); v != "" {
			var mins int
			if _, err := fmt.Sscan(v, &mins); err == nil {
				d.IdleAfter = time.Duration(mins) * time.Minute
			}
		}
		go d.WatchIdle(ctx)
		for _, start := range backgroundJobs {
			start(ctx, e, d)
		}
		slog.Info("store open", "after", time.Since(startClock).Round(time.Millisecond), "catalogue", e.cat.Version)
		return d, nil
	}
	a.Lifecycle().SetOnStarted(func() {
		slog.Info("window up", "after", time.Since(startClock).Round(time.Millisecond), "data", dataDir)
	})
	if state == counter.VaultNew {
		st, err := v.OpenNew()
		if err != nil {
			return err
		}
		d, err := open(st)
		if err != nil {
			return err
		}
		d.Start() // first-run setup
	} else {
		ui.ShowUnlock(w, v, open)
	}
	w.ShowAndRun()
	return nil
}

func demo(ctx context.Context, e *env, n int) error {
	return counter.Demo(ctx, e.st, e.cat, e.cliActor(ctx), n, uint64(time.Now().UnixNano()), time.Now(), nil)
}
