package ui

import (
	"context"
	"fmt"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"vetdesk/casework"
	"vetdesk/report"
	"vetdesk/store"
	"vetdesk/syncclient"
)

// AuditService reads the office's audit from the hub and exports it;
// implemented over package counter by cmd/vetdesk.
type AuditService interface {
	Fetch(ctx context.Context, a store.Actor, q syncclient.AuditQuery) (rows []report.AuditRow, more bool, err error)
	Export(ctx context.Context, a store.Actor, rows []report.AuditRow, path string) error
	// Thresholds are the desk's counts per user and day over which an
	// action is flagged.
	Thresholds(ctx context.Context) (map[string]int, error)
	DocumentsDir() string
}

// maxAuditLines bounds the rows the screen lists (the export has them all).
const maxAuditLines = 300

// AuditScreen is 审计: a supervisor or admin reads the audit of the
// office's desks as the hub holds it, filtered by user, action and dates,
// sees the counts over the thresholds, and exports it to Excel.
type AuditScreen struct {
	d       *Desk
	Login   *shortcutEntry
	Action  *shortcutEntry
	From    *shortcutEntry
	To      *shortcutEntry
	Query   *widget.Button
	Export  *widget.Button
	Over    *widget.Label // counts over the thresholds
	List    *widget.Label // the rows, newest last
	Message *widget.Label
	rows    []report.AuditRow
}

// NewAuditScreen builds the audit screen.
func NewAuditScreen(d *Desk) *AuditScreen {
	now := d.Svc.Now()
	s := &AuditScreen{d: d, Login: newEntry(), Action: newEntry(), From: newEntry(), To: newEntry(),
		Over: widget.NewLabel(""), List: widget.NewLabel(""), Message: widget.NewLabel("")}
	s.From.SetText(now.Format(time.DateOnly))
	s.To.SetText(now.Format(time.DateOnly))
	s.Message.Wrapping = fyne.TextWrapWord
	s.Query = widget.NewButton(T("audit.query"), s.Run)
	s.Query.Importance = widget.HighImportance
	s.Export = widget.NewButton(T("audit.export"), s.askExport)
	s.Export.Disable()
	return s
}

func (s *AuditScreen) query() (syncclient.AuditQuery, bool) {
	loc := s.d.Svc.Now().Location()
	q := syncclient.AuditQuery{Login: strings.TrimSpace(s.Login.Text), Action: strings.TrimSpace(s.Action.Text)}
	for _, d := range []struct {
		e    *shortcutEntry
		to   *time.Time
		next bool
	}{{s.From, &q.From, false}, {s.To, &q.To, true}} {
		if v := strings.TrimSpace(d.e.Text); v != "" {
			t, err := time.ParseInLocation(time.DateOnly, v, loc)
			if err != nil {
				s.Message.SetText(T("report.err.period"))
				return q, false
			}
			if d.next {
				t = t.AddDate(0, 0, 1)
			}
			*d.to = t
		}
	}
	return q, true
}

// Run asks the hub and shows the rows and the counts over the thresholds.
func (s *AuditScreen) Run() {
	q, ok := s.query()
	if !ok {
		return
	}
	a := s.d.Actor()
	s.Message.SetText(T("common.working"))
	work := func() {
		ctx := context.Background()
		rows, more, err := s.d.Svc.Audit.Fetch(ctx, a, q)
		var limits map[string]int
		if err == nil {
			limits, err = s.d.Svc.Audit.Thresholds(ctx)
		}
		show := func() { s.show(rows, more, limits, err) }
		if s.d.Async {
			fyne.Do(show)
		} else {
			show()
		}
	}
	if s.d.Async {
		go work()
	} else {
		work()
	}
}

func (s *AuditScreen) show(rows []report.AuditRow, more bool, limits map[string]int, err error) {
	if err != nil {
		s.Message.SetText(ErrorText(err))
		return
	}
	s.rows = rows
	loc := s.d.Svc.Now().Location()
	var over []string
	for _, c := range report.OverThresholds(rows, limits, loc) {
		over = append(over, T("audit.over.line", map[string]any{"Day": c.Day, "Login": c.Login, "Action": c.Action, "Count": c.Count, "Limit": c.Limit}))
	}
	if len(over) == 0 {
		over = []string{T("audit.over.none")}
	}
	s.Over.SetText(strings.Join(over, "\n"))
	var lines []string
	for i, r := range rows {
		if i == maxAuditLines {
			lines = append(lines, T("audit.more.lines", map[string]any{"N": len(rows) - i}))
			break
		}
		ok := "✓"
		if !r.Success {
			ok = "✗"
		}
		lines = append(lines, fmt.Sprintf("%s  %s  %s  %s  %s %s", r.At.In(loc).Format(time.DateTime), r.Station, r.Login,
			r.Action, casework.MaskAuditText(r.Action, r.Target), ok))
	}
	s.List.SetText(strings.Join(lines, "\n"))
	msg := T("audit.count", map[string]any{"N": len(rows)})
	if more {
		msg += " " + T("audit.more")
	}
	s.Message.SetText(msg)
	if len(rows) > 0 {
		s.Export.Enable()
	} else {
		s.Export.Disable()
	}
}

func (s *AuditScreen) askExport() {
	name := "vetdesk-audit-" + s.d.Svc.Now().Format("20060102") + ".xlsx"
	askSavePath(s.d, savePrompt{Title: T("audit.export"), Confirm: T("audit.export"), Name: name,
		LastKey: SettingReportLastDir, DefaultDir: s.d.Svc.Audit.DocumentsDir(), Ext: ".xlsx"},
		func(path string) { s.ExportTo(path) }, s.Message)
}

// ExportTo writes the rows shown to path (masked, with the counts over the
// thresholds); the export is audited.
func (s *AuditScreen) ExportTo(path string) {
	if err := s.d.Svc.Audit.Export(context.Background(), s.d.Actor(), s.rows, path); err != nil {
		s.Message.SetText(ErrorText(err))
		return
	}
	s.Message.SetText(T("audit.exported", map[string]any{"Path": path, "N": len(s.rows)}))
}

// Content lays the screen out.
func (s *AuditScreen) Content() fyne.CanvasObject {
	form := widget.NewForm(
		widget.NewFormItem(T("audit.login"), s.Login),
		widget.NewFormItem(T("audit.action"), s.Action),
		widget.NewFormItem(T("report.from"), s.From),
		widget.NewFormItem(T("report.to"), s.To),
	)
	hint := widget.NewLabel(T("audit.hint"))
	hint.Wrapping = fyne.TextWrapWord
	return wheelView(container.NewPadded(container.NewVBox(
		widget.NewLabelWithStyle(T("nav.audit"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true}),
		hint, form, container.NewHBox(s.Query, s.Export), s.Message,
		widget.NewLabelWithStyle(T("audit.over"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true}), s.Over,
		widget.NewSeparator(), s.List,
	)))
}
