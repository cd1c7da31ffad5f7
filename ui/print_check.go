package ui

import (
	"strings"

	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/widget"

	"vetdesk/casework"
)

// officeDetails are the office's settings each document prints, with the
// label the clerk knows them by.
var officeDetails = map[string][]struct{ key, label string }{
	casework.DocReceipt:     {{SettingAddress, "setup.address"}, {SettingPhone, "setup.phone"}},
	casework.DocNotice:      {{SettingPhone, "setup.phone"}},
	casework.DocHukouLetter: {{SettingPhone, "setup.phone"}},
}

// missingOfficeDetails names the office details doc prints that are not
// set (empty when none).
func missingOfficeDetails(d *Desk, doc string) []string {
	var out []string
	for _, od := range officeDetails[doc] {
		if v, _ := d.Svc.Store.Setting(d.ctx(), od.key); strings.TrimSpace(v) == "" {
			out = append(out, T(od.label))
		}
	}
	return out
}

// printDoc prints doc of a case; when the office details it prints are
// missing (地址, 咨询电话) it says so first and prints only if the clerk
// goes on.
func printDoc(d *Desk, caseID, doc string, msg *widget.Label) {
	if d.Svc.Printer == nil {
		return
	}
	missing := missingOfficeDetails(d, doc)
	if len(missing) == 0 {
		printNow(d, caseID, doc, msg)
		return
	}
	what := strings.Join(missing, "、")
	msg.SetText(T("print.office.missing", map[string]any{"What": what}))
	c := dialog.NewConfirm(T("print.office.title"), T("print.office.ask", map[string]any{"What": what}), func(ok bool) {
		if ok {
			printNow(d, caseID, doc, msg)
		}
	}, d.Win)
	c.SetConfirmText(T("print.office.anyway"))
	c.SetDismissText(T("print.office.not"))
	c.Show()
}
