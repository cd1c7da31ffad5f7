package ui

import (
	"os"
	"path/filepath"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/storage"
	"fyne.io/fyne/v2/widget"
)

// chooseFile asks the clerk for a file and hands it to use, which must not
// keep it: the file is closed after. Cancelling does nothing.
func chooseFile(win fyne.Window, use func(r fyne.URIReadCloser)) {
	dialog.ShowFileOpen(func(r fyne.URIReadCloser, err error) {
		if err != nil || r == nil {
			return
		}
		defer r.Close()
		use(r)
	}, win)
}

// savePrompt is what askSavePath asks with.
type savePrompt struct {
	Title, Confirm string
	Name           string // proposed file name
	LastKey        string // setting that remembers the folder chosen last
	DefaultDir     string // where to start the first time (made if missing)
	Ext            string // e.g. ".xlsx"
}

// askSavePath asks where a file goes with a save dialog that starts in the
// folder chosen last time (when it is still there: a USB drive may be
// gone), else in DefaultDir; it remembers the folder chosen and hands the
// path to use. The empty file the dialog makes is left for use to replace.
func askSavePath(d *Desk, p savePrompt, use func(path string), msg *widget.Label) {
	ctx := d.ctx()
	dir, _ := d.Svc.Store.Setting(ctx, p.LastKey)
	if fi, err := os.Stat(dir); dir == "" || err != nil || !fi.IsDir() {
		dir = p.DefaultDir
		_ = os.MkdirAll(dir, 0o700) // if it fails, the dialog starts elsewhere
	}
	dlg := dialog.NewFileSave(func(w fyne.URIWriteCloser, err error) {
		if err != nil {
			msg.SetText(ErrorText(err))
			return
		}
		if w == nil {
			return // cancelled
		}
		path := w.URI().Path()
		_ = w.Close()
		_ = d.Svc.Store.SetSetting(ctx, p.LastKey, filepath.Dir(path))
		use(path)
	}, d.Win)
	dlg.SetTitleText(p.Title)
	dlg.SetConfirmText(p.Confirm)
	dlg.SetFileName(p.Name)
	if l, err := storage.ListerForURI(storage.NewFileURI(dir)); err == nil {
		dlg.SetLocation(l)
	}
	if p.Ext != "" {
		dlg.SetFilter(storage.NewExtensionFileFilter([]string{p.Ext}))
	}
	dlg.Resize(fyne.NewSize(900, 600))
	dlg.Show()
}
