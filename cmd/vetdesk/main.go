// Command vetdesk is the counter desktop app of 军人退役一件事: with no
// argument it opens the window on a local data folder.
package main

import (
	"flag"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/app"

	"vetdesk/assets"
	"vetdesk/casework"
	"vetdesk/ui"
)

func main() {
	dataDir := flag.String("data", defaultDataDir(), "local data folder")
	flag.Parse()
	if err := run(*dataDir); err != nil {
		fmt.Fprintln(os.Stderr, "vetdesk:", err)
		os.Exit(1)
	}
}

func defaultDataDir() string {
	if d, err := os.UserConfigDir(); err == nil {
		return filepath.Join(d, "vetdesk")
	}
	return ".vetdesk-data"
}

func run(dataDir string) error {
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return fmt.Errorf("data folder: %w", err)
	}
	cat, err := casework.LoadFrom(assets.CatalogueFS, assets.CityCatalogue, assets.AreaCodesFile)
	if err != nil {
		return fmt.Errorf("catalogue: %w", err)
	}
	slog.Info("starting", "data", dataDir, "catalogue", cat.Version)
	a := app.NewWithID("cn.gov.weihai.vetdesk")
	if err := ui.LoadTranslations(); err != nil {
		return fmt.Errorf("translations: %w", err)
	}
	a.Settings().SetTheme(ui.NewTheme())
	w := a.NewWindow(ui.T("app.title"))
	w.SetContent(ui.NewCatalogueScreen(cat).Content())
	w.Resize(fyne.NewSize(1100, 760))
	w.ShowAndRun()
	return nil
}
