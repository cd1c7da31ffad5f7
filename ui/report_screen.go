package ui

import (
	"context"
	"path/filepath"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"vetdesk/report"
	"vetdesk/store"
)

// ReportService exports the supervisors' workbook and imports rosters;
// implemented over package counter by cmd/vetdesk.
type ReportService interface {
	Export(ctx context.Context, a store.Actor, p report.Params, path string) (report.Result, error)
	ImportRoster(ctx context.Context, a store.Actor, path, resultPath string) (RosterSummary, error)
	// DocumentsDir is where exports go by default.
	DocumentsDir() string
}

// SettingReportLastDir is the folder the clerk last exported a report to.
const SettingReportLastDir = "report.last_dir"

// RosterSummary tells what a roster import did.
type RosterSummary struct {
	Rows, Added, Unchanged, Rejected, Warnings int
	Skipped                                    int // rows that hold no person: totals, notes
}

// ReportScreen is 统计报表: a period and an org unit, exported to Excel
// with progress and cancel; and the import of rosters.
type ReportScreen struct {
	d        *Desk
	From     *shortcutEntry
	To       *shortcutEntry
	Office   *widget.Select
	Full     *widget.Check
	Password *widget.Entry // optional: the workbook opens only with it
	Repeat   *widget.Entry // the password again
	Export   *widget.Button
	Cancel   *widget.Button
	Import   *widget.Button
	Progress *widget.ProgressBarInfinite
	Message  *widget.Label
	offices  []string
	cancel   context.CancelFunc
	done     chan struct{}
}

// NewReportScreen builds the report screen over svc.
func NewReportScreen(d *Desk) *ReportScreen {
	now := d.Svc.Now()
	s := &ReportScreen{d: d, From: newEntry(), To: newEntry(), Message: widget.NewLabel(""), Progress: widget.NewProgressBarInfinite()}
	s.Message.Wrapping = fyne.TextWrapWord
	s.From.SetText(time.Date(now.Year(), 1, 1, 0, 0, 0, 0, now.Location()).Format("2006-01-02"))
	s.To.SetText(now.Format("2006-01-02"))
	var labels []string
	for _, dv := range d.Svc.Cat.Divisions {
		s.offices = append(s.offices, dv.Code)
		labels = append(labels, dv.Name)
	}
	s.Office = widget.NewSelect(labels, nil)
	s.Office.PlaceHolder = T("common.choose")
	for i, code := range s.offices {
		if code == d.User.Office {
			s.Office.SetSelected(labels[i])
		}
	}
	s.Full = widget.NewCheck(T("report.full"), nil)
	if d.User.Role != "supervisor" && d.User.Role != "admin" {
		s.Full.Disable()
	}
	s.Password, s.Repeat = widget.NewPasswordEntry(), widget.NewPasswordEntry()
	s.Password.SetPlaceHolder(T("report.password.hint"))
	s.Export = widget.NewButton(T("report.export"), s.AskExport)
	s.Export.Importance = widget.HighImportance
	s.Cancel = widget.NewButton(T("common.cancel"), s.stop)
	s.Cancel.Hide()
	s.Import = widget.NewButton(T("report.roster.import"), s.askImport)
	s.Progress.Hide()
	s.Progress.Stop()
	return s
}

// Params reads the form; ok is false with a message shown when it is wrong.
func (s *ReportScreen) Params() (report.Params, bool) {
	loc := s.d.Svc.Now().Location()
	from, err1 := time.ParseInLocation("2006-01-02", strings.TrimSpace(s.From.Text), loc)
	to, err2 := time.ParseInLocation("2006-01-02", strings.TrimSpace(s.To.Text), loc)
	if err1 != nil || err2 != nil || to.Before(from) {
		s.Message.SetText(T("report.err.period"))
		return report.Params{}, false
	}
	office := ""
	if i := s.Office.SelectedIndex(); i >= 0 {
		office = s.offices[i]
	}
	pw := s.Password.Text
	if pw != s.Repeat.Text {
		s.Message.SetText(T("report.err.password.repeat"))
		return report.Params{}, false
	}
	if report.CheckPassword(pw) != nil {
		s.Message.SetText(T("report.err.password", map[string]any{"Min": report.MinPasswordLen, "Max": report.MaxPasswordLen}))
		return report.Params{}, false
	}
	return report.Params{From: from, To: to, Office: office, Today: s.d.Svc.Now(), FullValues: s.Full.Checked, Password: pw}, true
}

// AskExport asks where the workbook goes (a save dialog starting in the
// folder used last time, else the documents folder) and exports there.
func (s *ReportScreen) AskExport() {
	p, ok := s.Params()
	if !ok {
		return
	}
	name := "vetdesk-report-" + p.From.Format("20060102") + "-" + p.To.Format("20060102") + ".xlsx"
	askSavePath(s.d, savePrompt{Title: T("report.choose"), Confirm: T("report.export"), Name: name,
		LastKey: SettingReportLastDir, DefaultDir: s.d.Svc.Reports.DocumentsDir(), Ext: ".xlsx"},
		func(path string) { s.ExportTo(path, nil) }, s.Message)
}

// ExportTo exports in the background to path; done (if not nil) is called
// on the UI goroutine when it ends.
func (s *ReportScreen) ExportTo(path string, done func()) {
	p, ok := s.Params()
	if !ok {
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	s.busy(cancel)
	a := s.d.Actor()
	go func() {
		res, err := s.d.Svc.Reports.Export(ctx, a, p, path)
		fyne.Do(func() {
			s.idle()
			switch {
			case ctx.Err() != nil:
				s.Message.SetText(T("report.cancelled"))
			case err != nil:
				s.Message.SetText(ErrorText(err))
			default:
				text := T("report.done", map[string]any{"Path": path, "Cases": res.Cases, "Dir": filepath.Dir(path), "File": filepath.Base(path)})
				if res.Encrypted {
					text += "\n" + T("report.done.encrypted")
				}
				s.Message.SetText(text)
			}
			if done != nil {
				done()
			}
		})
	}()
}

func (s *ReportScreen) askImport() {
	chooseFile(s.d.Win, func(r fyne.URIReadCloser) { s.ImportFrom(r.URI().Path(), nil) })
}

// ImportFrom imports the roster at path in the background; rows that fail
// are listed in a result workbook next to it.
func (s *ReportScreen) ImportFrom(path string, done func()) {
	result := strings.TrimSuffix(path, filepath.Ext(path)) + "-导入结果.xlsx"
	ctx, cancel := context.WithCancel(context.Background())
	s.busy(cancel)
	a := s.d.Actor()
	go func() {
		sum, err := s.d.Svc.Reports.ImportRoster(ctx, a, path, result)
		fyne.Do(func() {
			s.idle()
			if err != nil {
				s.Message.SetText(T("report.roster.bad"))
			} else {
				s.Message.SetText(T("report.roster.done", map[string]any{"Rows": sum.Rows, "Added": sum.Added, "Unchanged": sum.Unchanged,
					"Rejected": sum.Rejected, "Skipped": sum.Skipped, "Path": result}))
			}
			if done != nil {
				done()
			}
		})
	}()
}

func (s *ReportScreen) busy(cancel context.CancelFunc) {
	s.cancel = cancel
	s.Export.Disable()
	s.Import.Disable()
	s.Cancel.Show()
	s.Progress.Show()
	s.Progress.Start()
	s.Message.SetText(T("common.working"))
}

func (s *ReportScreen) idle() {
	s.cancel = nil
	s.Export.Enable()
	s.Import.Enable()
	s.Cancel.Hide()
	s.Progress.Stop()
	s.Progress.Hide()
}

func (s *ReportScreen) stop() {
	if s.cancel != nil {
		s.cancel()
	}
}

// Content returns the screen.
func (s *ReportScreen) Content() fyne.CanvasObject {
	form := widget.NewForm(
		widget.NewFormItem(T("report.from"), s.From),
		widget.NewFormItem(T("report.to"), s.To),
		widget.NewFormItem(T("report.office"), s.Office),
		widget.NewFormItem(T("report.password"), s.Password),
		widget.NewFormItem(T("report.password.repeat"), s.Repeat),
	)
	hint := widget.NewLabel(T("report.hint"))
	hint.Wrapping = fyne.TextWrapWord
	return wheelView(container.NewPadded(container.NewVBox(
		widget.NewLabelWithStyle(T("nav.reports"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true}),
		hint, form, s.Full, container.NewHBox(s.Export, s.Cancel), s.Progress,
		widget.NewSeparator(),
		widget.NewLabelWithStyle(T("report.roster"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true}),
		s.Import, s.Message,
	)))
}
