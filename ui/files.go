package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/dialog"
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
