package ui

import (
	"bytes"
	"context"
	"fmt"
	"image"
	_ "image/jpeg" // scans come as JPEG
	_ "image/png"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"
	"github.com/google/uuid"

	"vetdesk/casework"
	"vetdesk/store"
	"vetdesk/syncapi"
)

// AppInbox is what the 网上申请 screen uses (counter.AppService over the
// sync client, #13): the office's applications, 通过, 退回, and the draft
// of an intake pre-filled from one.
type AppInbox interface {
	Inbox(ctx context.Context) ([]syncapi.Application, error)
	Approve(ctx context.Context, id string, appt syncapi.Appointment, accepted []string) (syncapi.Application, error)
	Return(ctx context.Context, id, reasons string) (syncapi.Application, error)
	StartIntake(ctx context.Context, a store.Actor, app syncapi.Application, id string) (*casework.Case, error)
	Scan(ctx context.Context, hash string) ([]byte, error)
}

// ApplicationsEntry is the 网上申请 navigation entry; inbox returns the
// service, or nil while the desk is not enrolled with a hub.
func ApplicationsEntry(inbox func() AppInbox) ExtraScreen {
	return ExtraScreen{Key: "nav.applications", Roles: []string{"clerk", "supervisor", "admin"},
		Build: func(d *Desk) fyne.CanvasObject { return NewApplicationsScreen(d, inbox()).Content() }}
}

// ApplicationsScreen lists the office's online applications; the one
// chosen shows its answers and scans, with 通过 (date, time, place, the
// scans accepted), 退回 (reasons) and 开始受理.
type ApplicationsScreen struct {
	d   *Desk
	svc AppInbox

	List     *fyne.Container
	Detail   *widget.Label
	Date     *widget.Entry
	Time     *widget.Entry
	Place    *widget.Entry
	Reason   *widget.Entry
	Accepted map[string]*widget.Check // by material code
	accBox   *fyne.Container
	Preview  *canvas.Image // the scan on show, beside the answers
	PrevNote *widget.Label
	Approve  *widget.Button
	Return   *widget.Button
	Intake   *widget.Button
	Status   *widget.Label

	apps []syncapi.Application
	cur  *syncapi.Application
}

// NewApplicationsScreen loads the inbox (svc nil: the desk is not enrolled).
func NewApplicationsScreen(d *Desk, svc AppInbox) *ApplicationsScreen {
	s := &ApplicationsScreen{d: d, svc: svc, List: container.NewVBox(), Detail: widget.NewLabel(""),
		Date: widget.NewEntry(), Time: widget.NewEntry(), Place: widget.NewEntry(), Reason: widget.NewEntry(),
		Accepted: map[string]*widget.Check{}, accBox: container.NewVBox(), Status: widget.NewLabel(""),
		Preview: canvas.NewImageFromImage(nil), PrevNote: widget.NewLabel("")}
	s.Preview.FillMode = canvas.ImageFillContain
	s.Preview.SetMinSize(fyne.NewSize(360, 480))
	s.Detail.Wrapping = fyne.TextWrapWord
	s.Status.Wrapping = fyne.TextWrapWord
	s.Date.SetPlaceHolder("2026-12-03")
	s.Time.SetText("09:00")
	if dev, err := d.Svc.Store.Device(d.ctx()); err == nil {
		s.Place.SetText(dev.Station)
	}
	s.Date.SetText(d.Svc.Now().AddDate(0, 0, 1).Format("2006-01-02"))
	s.Reason.SetPlaceHolder(T("apps.reason"))
	s.Approve = widget.NewButton(T("apps.approve"), s.approve)
	s.Approve.Importance = widget.HighImportance
	s.Return = widget.NewButton(T("apps.return"), s.returnIt)
	s.Intake = widget.NewButton(T("apps.intake"), s.intake)
	s.Reload()
	return s
}

// Reload asks the hub for the inbox again.
func (s *ApplicationsScreen) Reload() {
	s.List.RemoveAll()
	if s.svc == nil {
		s.Status.SetText(T("apps.not_enrolled"))
		return
	}
	apps, err := s.svc.Inbox(s.d.ctx())
	if err != nil {
		s.Status.SetText(T("apps.error", map[string]any{"Err": err.Error()}))
		return
	}
	s.apps = apps
	if len(apps) == 0 {
		s.List.Add(widget.NewLabel(T("apps.empty")))
	}
	for i := range apps {
		a := &s.apps[i]
		b := widget.NewButton(fmt.Sprintf("%s  %s  %s", a.Number, a.Values[casework.FieldName], T("apps.state."+a.State)), func() { s.Choose(a.ID) })
		b.Alignment = widget.ButtonAlignLeading
		s.List.Add(b)
	}
	s.enable()
}

// Choose shows application id.
func (s *ApplicationsScreen) Choose(id string) {
	s.cur = nil
	for i := range s.apps {
		if s.apps[i].ID == id {
			s.cur = &s.apps[i]
		}
	}
	s.accBox.RemoveAll()
	s.Accepted = map[string]*widget.Check{}
	if s.cur == nil {
		s.enable()
		return
	}
	a, cat := s.cur, s.d.Svc.Cat
	var b strings.Builder
	fmt.Fprintf(&b, "%s  %s\n", a.Number, T("apps.state."+a.State))
	for _, code := range a.Items {
		if it := cat.Item(code); it != nil {
			fmt.Fprintf(&b, "· %s\n", it.Name)
		}
	}
	for _, ff := range casework.BuildForm(cat, a.Items, a.Values).Fields() {
		if v := a.Values[ff.Field.Code]; v != "" {
			fmt.Fprintf(&b, "%s:%s\n", ff.Field.Label, casework.Mask(ff.Field.Sensitive, v))
		}
	}
	if a.Appointment != nil {
		b.WriteString(T("apps.appointment", map[string]any{"Date": a.Appointment.Date, "Time": a.Appointment.Time, "Place": a.Appointment.Place}))
	}
	if a.Reasons != "" {
		b.WriteString(T("apps.returned", map[string]any{"Reasons": a.Reasons}))
	}
	s.Detail.SetText(strings.TrimSpace(b.String()))
	for _, u := range a.Uploads {
		name := u.Material
		if m := cat.Material(u.Material); m != nil {
			name = m.Name
		}
		if s.Accepted[u.Material] != nil {
			continue
		}
		c := widget.NewCheck(T("apps.scan", map[string]any{"Material": name, "Type": u.Type, "KB": (u.Size + 1023) / 1024}), nil)
		c.SetChecked(true)
		s.Accepted[u.Material] = c
		u := u
		s.accBox.Add(container.NewBorder(nil, nil, nil, widget.NewButton(T("apps.view"), func() { s.View(u) }), c))
	}
	s.enable()
}

// View shows scan u beside the answers (a PDF is named, not drawn).
func (s *ApplicationsScreen) View(u syncapi.Upload) {
	s.Preview.Image = nil
	s.PrevNote.SetText("")
	b, err := s.svc.Scan(s.d.ctx(), u.Hash)
	if err != nil {
		s.Status.SetText(T("apps.error", map[string]any{"Err": err.Error()}))
		s.Preview.Refresh()
		return
	}
	if img, _, err := image.Decode(bytes.NewReader(b)); err == nil {
		s.Preview.Image = img
	} else {
		s.PrevNote.SetText(T("apps.no_preview", map[string]any{"Type": u.Type}))
	}
	s.Preview.Refresh()
}

func (s *ApplicationsScreen) enable() {
	open := s.cur != nil && s.cur.State == syncapi.AppSubmitted
	for _, b := range []*widget.Button{s.Approve, s.Return} {
		if open {
			b.Enable()
		} else {
			b.Disable()
		}
	}
	if s.cur != nil && (s.cur.State == syncapi.AppApproved || s.cur.State == syncapi.AppSubmitted) {
		s.Intake.Enable()
	} else {
		s.Intake.Disable()
	}
}

func (s *ApplicationsScreen) approve() {
	if s.cur == nil {
		return
	}
	var acc []string
	for code, c := range s.Accepted {
		if c.Checked {
			acc = append(acc, code)
		}
	}
	appt := syncapi.Appointment{Date: strings.TrimSpace(s.Date.Text), Time: strings.TrimSpace(s.Time.Text), Place: strings.TrimSpace(s.Place.Text)}
	if appt.Date == "" || appt.Time == "" || appt.Place == "" {
		s.Status.SetText(T("apps.appointment_required"))
		return
	}
	s.decided(s.svc.Approve(s.d.ctx(), s.cur.ID, appt, acc))
}

func (s *ApplicationsScreen) returnIt() {
	if s.cur == nil {
		return
	}
	if strings.TrimSpace(s.Reason.Text) == "" {
		s.Status.SetText(T("apps.reason_required"))
		return
	}
	s.decided(s.svc.Return(s.d.ctx(), s.cur.ID, strings.TrimSpace(s.Reason.Text)))
}

func (s *ApplicationsScreen) decided(a syncapi.Application, err error) {
	if err != nil {
		s.Status.SetText(T("apps.error", map[string]any{"Err": err.Error()}))
		return
	}
	s.Status.SetText(T("apps.done", map[string]any{"Number": a.Number, "State": T("apps.state." + a.State)}))
	s.Reload()
	s.Choose(a.ID)
}

// intake opens the intake pre-filled from the chosen application.
func (s *ApplicationsScreen) intake() {
	if s.cur == nil {
		return
	}
	c, err := s.svc.StartIntake(s.d.ctx(), s.d.Actor(), *s.cur, uuid.NewString())
	if err != nil {
		s.Status.SetText(T("apps.error", map[string]any{"Err": err.Error()}))
		return
	}
	s.d.Show(NewIntakeScreenFromApplication(s.d, c))
}

// Content lays the screen out: the list on the left, the chosen one and
// its decisions on the right.
func (s *ApplicationsScreen) Content() fyne.CanvasObject {
	reload := widget.NewButton(T("apps.reload"), s.Reload)
	right := container.NewVBox(s.Detail, s.Preview, s.PrevNote, widget.NewLabel(T("apps.scans")), s.accBox,
		widget.NewForm(widget.NewFormItem(T("apps.date"), s.Date), widget.NewFormItem(T("apps.time"), s.Time), widget.NewFormItem(T("apps.place"), s.Place)),
		s.Approve, s.Reason, s.Return, widget.NewSeparator(), s.Intake, s.Status)
	left := container.NewBorder(container.NewVBox(widget.NewLabelWithStyle(T("nav.applications"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true}), reload), nil, nil, nil,
		container.NewVScroll(s.List))
	split := container.NewHSplit(left, container.NewVScroll(right))
	split.Offset = 0.4
	return split
}
