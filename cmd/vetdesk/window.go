package main

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
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
	e, err := openEnv(dataDir)
	if err != nil {
		return err
	}
	defer e.close()
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
	svc := &ui.Services{
		Store: e.st, Cat: e.cat, Now: time.Now,
		Demo: func(ctx context.Context, act store.Actor, n int, progress func(done, total int)) error {
			return counter.Demo(ctx, e.st, e.cat, act, n, uint64(time.Now().UnixNano()), time.Now(), progress)
		},
	}
	wireServices(e, svc)
	var d *ui.Desk
	svc.Restore = func(path string) error {
		if err := store.CheckBackup(path, nil); err != nil {
			return err
		}
		if err := e.st.Close(); err != nil {
			return err
		}
		err := store.Restore(path, filepath.Join(e.dir, "vetdesk.db"), nil)
		if err == nil {
			err = auditRestore(e.dir, path, d.Actor())
		}
		a.Quit()
		return err
	}
	d = ui.NewDesk(w, svc)
	d.Async = true
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
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
	d.Start()
	a.Lifecycle().SetOnStarted(func() {
		slog.Info("window up", "after", time.Since(startClock).Round(time.Millisecond), "data", dataDir, "catalogue", e.cat.Version)
	})
	w.ShowAndRun()
	return nil
}

func demo(ctx context.Context, e *env, n int) error {
	return counter.Demo(ctx, e.st, e.cat, e.cliActor(ctx), n, uint64(time.Now().UnixNano()), time.Now(), nil)
}
