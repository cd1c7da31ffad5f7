package ui

import (
	"context"
	"fmt"
	"image"
	"path/filepath"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/widget"

	"vetdesk/store"
)

// DocPreviewer is the print preview and 另存PDF of a DocPrinter; package
// counter implements both.
type DocPreviewer interface {
	PreviewDocument(ctx context.Context, a store.Actor, doc, caseID string, dpi float64) ([]*image.Gray, error)
	SaveDocumentAs(ctx context.Context, a store.Actor, doc, caseID, path string) error
}

// previewDPI is the preview's resolution: an A4 page is 827 px wide.
const previewDPI = 100

// PreviewDialog shows a document's pages with 打印 and 另存PDF.
type PreviewDialog struct {
	Pages   []*canvas.Image
	Print   *widget.Button
	SavePDF *widget.Button
	dlg     dialog.Dialog
}

// showPreview draws doc of a case and shows its pages; 打印 prints as the
// print buttons do, 另存PDF asks where the file goes. Errors go to msg.
func showPreview(d *Desk, caseID, doc, title string, msg *widget.Label) *PreviewDialog {
	pv, ok := d.Svc.Printer.(DocPreviewer)
	if !ok {
		return nil
	}
	a := d.Actor()
	imgs, err := pv.PreviewDocument(d.ctx(), a, doc, caseID, previewDPI)
	if err != nil {
		msg.SetText(ErrorText(err))
		return nil
	}
	p := &PreviewDialog{}
	pages := container.NewVBox()
	for i, img := range imgs {
		ci := canvas.NewImageFromImage(img)
		ci.FillMode = canvas.ImageFillContain
		ci.ScaleMode = canvas.ImageScaleSmooth
		ci.SetMinSize(fyne.NewSize(595, 842)) // A4 at 72 per inch
		p.Pages = append(p.Pages, ci)
		pages.Add(widget.NewLabel(T("preview.page", map[string]any{"N": i + 1, "Total": len(imgs)})))
		pages.Add(ci)
	}
	p.Print = widget.NewButton(T("preview.print"), func() {
		p.dlg.Hide()
		printDoc(d, caseID, doc, msg)
	})
	p.Print.Importance = widget.HighImportance
	p.SavePDF = widget.NewButton(T("preview.save"), func() {
		askSavePath(d, savePrompt{Title: T("preview.save"), Confirm: T("preview.save"), Name: fmt.Sprintf("%s.pdf", doc),
			LastKey: SettingPreviewLastDir, DefaultDir: filepath.Join(filepath.Dir(d.Svc.Store.Path()), "documents"), Ext: ".pdf"},
			func(path string) { p.saveTo(d, pv, caseID, doc, path, msg) }, msg)
	})
	body := container.NewBorder(nil, container.NewHBox(p.Print, p.SavePDF), nil, nil, container.NewVScroll(pages))
	p.dlg = dialog.NewCustom(title, T("common.close"), body, d.Win)
	p.dlg.Resize(fyne.NewSize(700, 760))
	p.dlg.Show()
	return p
}

// SettingPreviewLastDir is the folder 另存PDF chose last.
const SettingPreviewLastDir = "preview.last_dir"

func (p *PreviewDialog) saveTo(d *Desk, pv DocPreviewer, caseID, doc, path string, msg *widget.Label) {
	if err := pv.SaveDocumentAs(d.ctx(), d.Actor(), doc, caseID, path); err != nil {
		msg.SetText(ErrorText(err))
		return
	}
	msg.SetText(T("preview.saved", map[string]any{"Path": path}))
}
