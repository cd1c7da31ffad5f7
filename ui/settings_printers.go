package ui

import (
	"slices"
	"strings"

	"fyne.io/fyne/v2/widget"

	"vetdesk/casework"
	"vetdesk/counter"
)

// printedDocs are the document types that can each have their own printer,
// with the translation key of their label in 设置.
var printedDocs = []struct{ doc, label string }{
	{casework.DocReceipt, "settings.printer.receipt"},
	{casework.DocNotice, "settings.printer.notice"},
	{casework.DocRegForm, "settings.printer.regform"},
	{casework.DocHukouLetter, "settings.printer.letter"},
	{casework.DocSubsidyForm, "settings.printer.subsidy"},
}

// printerSettings are the desk's printers: one per document type (empty:
// the desk's printer) chosen from the system's list or typed, and an
// offset "x,y" in mm per printer. They are the desk's, not the office's:
// a clerk may change them (store.AdminSetting is false for them).
type printerSettings struct {
	Docs    map[string]*widget.SelectEntry // by document type
	Offsets map[string]*shortcutEntry      // by printer name; "" is the default printer
	Listed  []string                       // the system's printers, offered for each document
	names   []string                       // printers with an offset row, in order
}

// newPrinterSettings lists the system's printers (Services.Printers) and
// every printer already chosen, and fills the entries from get.
func newPrinterSettings(d *Desk, get func(string) string) *printerSettings {
	var listed []string
	if d.Svc.Printers != nil {
		listed, _ = d.Svc.Printers(d.ctx()) // no list: names can still be typed
	}
	p := &printerSettings{Docs: map[string]*widget.SelectEntry{}, Offsets: map[string]*shortcutEntry{}, Listed: listed}
	names := append([]string{""}, listed...)
	add := func(n string) {
		if n = strings.TrimSpace(n); !slices.Contains(names, n) {
			names = append(names, n)
		}
	}
	add(get(SettingPrinter))
	for _, pd := range printedDocs {
		e := widget.NewSelectEntry(listed)
		e.SetText(get(counter.PrinterSetting(pd.doc)))
		e.SetPlaceHolder(T("settings.printer.same"))
		p.Docs[pd.doc] = e
		add(e.Text)
	}
	for _, n := range names {
		e := newEntry()
		e.SetText(get(counter.OffsetSetting(n)))
		e.SetPlaceHolder("0,0")
		p.Offsets[n] = e
	}
	p.names = names
	return p
}

// values adds the entries' settings to v, trimmed.
func (p *printerSettings) values(v map[string]string) {
	for doc, e := range p.Docs {
		v[counter.PrinterSetting(doc)] = strings.TrimSpace(e.Text)
	}
	for n, e := range p.Offsets {
		v[counter.OffsetSetting(n)] = strings.TrimSpace(e.Text)
	}
}

// check returns the label of the first offset that is not "x,y" in mm.
func (p *printerSettings) check() (string, bool) {
	for _, n := range p.names {
		if _, _, err := counter.ParseOffset(p.Offsets[n].Text); err != nil {
			return p.offsetLabel(n), false
		}
	}
	return "", true
}

func (p *printerSettings) offsetLabel(name string) string {
	if name == "" {
		name = T("settings.printer.default")
	}
	return T("settings.printer.offset", map[string]any{"Printer": name})
}

// formItems are the rows of the printers in 设置's form.
func (p *printerSettings) formItems() []*widget.FormItem {
	var items []*widget.FormItem
	for _, pd := range printedDocs {
		items = append(items, widget.NewFormItem(T(pd.label), p.Docs[pd.doc]))
	}
	for _, n := range p.names {
		it := widget.NewFormItem(p.offsetLabel(n), p.Offsets[n])
		it.HintText = T("settings.printer.offset.hint")
		items = append(items, it)
	}
	return items
}
