package ui

import (
	"bytes"
	"context"
	"image"
	"image/png"
	"strings"
	"testing"

	"fyne.io/fyne/v2/test"

	"vetdesk/casework"
	"vetdesk/store"
	"vetdesk/syncapi"
)

// fakeInbox records the screen's calls as counter.AppService would take
// them.
type fakeInbox struct {
	apps     []syncapi.Application
	approved *syncapi.Appointment
	accepted []string
	returned string
	intake   string
	cat      *casework.Catalogue
}

func (f *fakeInbox) Inbox(context.Context) ([]syncapi.Application, error) { return f.apps, nil }
func (f *fakeInbox) Approve(_ context.Context, id string, appt syncapi.Appointment, acc []string) (syncapi.Application, error) {
	f.approved, f.accepted = &appt, acc
	f.apps[0].State, f.apps[0].Appointment = syncapi.AppApproved, &appt
	return f.apps[0], nil
}
func (f *fakeInbox) Return(_ context.Context, id, reasons string) (syncapi.Application, error) {
	f.returned = reasons
	f.apps[0].State = syncapi.AppReturned
	return f.apps[0], nil
}
func (f *fakeInbox) Scan(context.Context, string) ([]byte, error) {
	var b bytes.Buffer
	png.Encode(&b, image.NewGray(image.Rect(0, 0, 30, 40)))
	return b.Bytes(), nil
}
func (f *fakeInbox) StartIntake(_ context.Context, a store.Actor, app syncapi.Application, id string) (*casework.Case, error) {
	f.intake = app.ID
	c := casework.NewCase(id, f.cat, app.Office, fixedNow)
	for k, v := range app.Values {
		c.Values[k] = v
	}
	c.SetItems(f.cat, app.Items)
	return c, nil
}

// TestApplicationsScreen guards the desk's thin 网上申请 screen (#13): it
// lists the office's applications; the chosen one shows its answers with
// the ID number masked and its scans ticked as accepted; 通过 sends the
// appointment and the accepted scans, 退回 needs reasons, and 开始受理
// opens the intake on the pre-filled draft.
func TestApplicationsScreen(t *testing.T) {
	f := newFixture(t)
	f.desk.LoggedIn(f.clerk)
	id := "37100219900307451X"
	in := &fakeInbox{cat: f.cat, apps: []syncapi.Application{{ID: "a1", Number: "W371002-2026-000001", Office: "371002",
		Items: []string{"hukou", "idcard"}, Values: map[string]string{casework.FieldName: "林涛", casework.FieldIDNumber: id},
		Uploads: []syncapi.Upload{{Material: "photo", Hash: "ab", Type: "image/jpeg", Size: 2048}}, State: syncapi.AppSubmitted}}}
	s := NewApplicationsScreen(f.desk, in)
	f.win.SetContent(s.Content())
	if len(s.List.Objects) != 1 {
		t.Fatalf("list has %d rows, want 1", len(s.List.Objects))
	}
	s.Choose("a1")
	if txt := s.Detail.Text; txt == "" || strings.Contains(txt, id) || !strings.Contains(txt, "W371002-2026-000001") {
		t.Errorf("detail %q: want the number and no full ID number", txt)
	}
	if c := s.Accepted["photo"]; c == nil || !c.Checked {
		t.Error("the uploaded scan is not offered as accepted")
	}
	s.View(in.apps[0].Uploads[0])
	if s.Preview.Image == nil || s.Preview.Image.Bounds().Dx() != 30 {
		t.Error("查看 does not show the scan")
	}
	test.Tap(s.Return)
	if in.returned != "" || s.Status.Text != T("apps.reason_required") {
		t.Errorf("returned without reasons: %q", s.Status.Text)
	}
	s.Date.SetText("2026-12-03")
	s.Time.SetText("09:30")
	s.Place.SetText("2 号窗口")
	test.Tap(s.Approve)
	if in.approved == nil || in.approved.Date != "2026-12-03" || in.approved.Place != "2 号窗口" || len(in.accepted) != 1 || in.accepted[0] != "photo" {
		t.Fatalf("approve sent %+v %v", in.approved, in.accepted)
	}
	if !s.Return.Disabled() || !s.Approve.Disabled() || s.Intake.Disabled() {
		t.Error("after 通过 only 开始受理 should remain")
	}
	test.Tap(s.Intake)
	is, ok := f.desk.Current().(*IntakeScreen)
	if !ok || in.intake != "a1" || is.C == nil || is.C.Values[casework.FieldName] != "林涛" {
		t.Fatalf("开始受理 did not open the pre-filled intake (%T)", f.desk.Current())
	}
}
