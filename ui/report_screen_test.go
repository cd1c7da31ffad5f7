package ui

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"github.com/xuri/excelize/v2"

	"vetdesk/casework"
	"vetdesk/counter"
	"vetdesk/report"
	"vetdesk/store"
)

// testReports is the report service over counter, as cmd/vetdesk wires it.
type testReports struct {
	f   *fixture
	dir string
}

func (r testReports) Export(ctx context.Context, a store.Actor, p report.Params, path string) (report.Result, error) {
	return counter.ExportReport(ctx, r.f.st, r.f.cat, a, p, path)
}

func (r testReports) ImportRoster(ctx context.Context, a store.Actor, path, result string) (RosterSummary, error) {
	s, err := counter.ImportRoster(ctx, r.f.st, r.f.cat, a, path, result, fixedNow)
	return RosterSummary(s), err
}

func (r testReports) DocumentsDir() string { return r.dir }

func TestReportExportFromScreen(t *testing.T) {
	f := newFixture(t)
	f.seed(40)
	dir := t.TempDir()
	f.desk.Svc.Reports = testReports{f, dir}
	sup, err := f.st.CreateUser(context.Background(), store.Actor{UserID: f.admin.ID, Login: "admin", Role: "admin", Office: "371002"},
		store.User{Login: "sup", Name: "周负责", Role: "supervisor", Office: "371002"}, "super-pass-1")
	if err != nil {
		t.Fatal(err)
	}
	f.desk.LoggedIn(sup)
	f.desk.Open("nav.reports")
	s, ok := f.desk.Current().(*ReportScreen)
	if !ok {
		t.Fatalf("reports screen = %T", f.desk.Current())
	}
	s.From.SetText("2026-01-01")
	s.Full.SetChecked(true)
	path := filepath.Join(dir, "r.xlsx")
	done := make(chan struct{})
	s.ExportTo(path, func() { close(done) })
	select {
	case <-done:
	case <-time.After(60 * time.Second):
		t.Fatal("export did not finish")
	}
	x, err := excelize.OpenFile(path)
	if err != nil {
		t.Fatalf("exported workbook: %v (message %q)", err, s.Message.Text)
	}
	defer x.Close()
	if got := x.GetSheetList(); len(got) != len(report.AllSheets) {
		t.Errorf("sheets = %v, want %d", got, len(report.AllSheets))
	}
	log, _ := f.st.AuditLog(context.Background(), 5)
	found := false
	for _, e := range log {
		found = found || (e.Action == "export" && e.Login == "sup" && e.Success)
	}
	if !found {
		t.Errorf("export not audited: %+v", log)
	}
}

func TestRosterPrefillsIntake(t *testing.T) {
	f := newFixture(t)
	f.desk.LoggedIn(f.clerk)
	id := "11010519491231002X"
	if _, _, err := f.st.PutRoster(context.Background(), []store.RosterEntry{{IDNumber: id, Hash: "x", Values: map[string]string{
		casework.FieldName: "王堃", casework.FieldPhone: "13912345678", casework.FieldPlacement: "self_employ", casework.FieldCategory: "军士"}}}); err != nil {
		t.Fatal(err)
	}
	f.desk.Svc.Roster = func(ctx context.Context, idNumber string) map[string]string {
		v, _ := f.st.RosterValues(ctx, idNumber)
		return v
	}
	s := NewIntakeScreen(f.desk)
	f.desk.Show(s)
	f.typeInto(s.ID, id)
	press(s.ID, fyne.KeyReturn)
	if s.C.Value(casework.FieldName) != "王堃" || s.Placement.Selected != "自主就业" {
		t.Fatalf("after the ID name=%q placement=%q, want the roster's", s.C.Value(casework.FieldName), s.Placement.Selected)
	}
	if in := s.Inputs[casework.FieldName]; in == nil || in.Entry.Text != "王堃" {
		t.Errorf("name field not pre-filled")
	}
}

// TestReportExportAsksWhere: 导出Excel报表 opens a save dialog in the
// documents folder; the workbook goes where the clerk chose and the message
// names the file and its folder; the next export starts in that folder.
func TestReportExportAsksWhere(t *testing.T) {
	f := newFixture(t)
	f.seed(10)
	docs := filepath.Join(t.TempDir(), "documents")
	f.desk.Svc.Reports = testReports{f, docs}
	f.desk.LoggedIn(f.clerk)
	f.desk.Open("nav.reports")
	s := f.desk.Current().(*ReportScreen)
	s.From.SetText("2026-01-01")
	test.Tap(s.Export)
	test.Tap(overlayButton(t, f.win, T("report.export")))
	waitFor(t, "the export", func() bool { return !s.Export.Disabled() && s.Message.Text != T("common.working") })
	name := "vetdesk-report-20260101-" + fixedNow.Format("20060102") + ".xlsx"
	path := filepath.Join(docs, name)
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("no workbook at %s: %v (message %q)", path, err, s.Message.Text)
	}
	if !strings.Contains(s.Message.Text, name) || !strings.Contains(s.Message.Text, docs) {
		t.Errorf("after export the message reads %q; want the file %s and the folder %s", s.Message.Text, name, docs)
	}
	if last, _ := f.st.Setting(context.Background(), SettingReportLastDir); last != docs {
		t.Errorf("remembered folder = %q, want %q", last, docs)
	}
}

// TestReportExportWithPassword guards the export dialog's password: the
// two entries must agree and be 8 to 255 characters (nothing is written
// otherwise), and the workbook written with it opens only with it, the
// message says so and the audit entry records it.
func TestReportExportWithPassword(t *testing.T) {
	f := newFixture(t)
	f.seed(10)
	dir := t.TempDir()
	f.desk.Svc.Reports = testReports{f, dir}
	f.desk.LoggedIn(f.admin)
	f.desk.Open("nav.reports")
	s := f.desk.Current().(*ReportScreen)
	s.From.SetText("2026-01-01")
	s.Full.SetChecked(true)
	export := func(path string) {
		t.Helper()
		done := make(chan struct{})
		s.ExportTo(path, func() { close(done) })
		select {
		case <-done:
		case <-time.After(60 * time.Second):
			t.Fatal("export did not finish")
		}
	}
	for _, tt := range []struct{ pw, repeat, want string }{
		{"password-1", "password-2", T("report.err.password.repeat")},
		{"short", "short", T("report.err.password", map[string]any{"Min": report.MinPasswordLen, "Max": report.MaxPasswordLen})},
	} {
		s.Password.SetText(tt.pw)
		s.Repeat.SetText(tt.repeat)
		path := filepath.Join(dir, "refused.xlsx")
		s.ExportTo(path, nil)
		if s.Message.Text != tt.want {
			t.Errorf("export with %q/%q: message %q, want %q", tt.pw, tt.repeat, s.Message.Text, tt.want)
		}
		if _, err := os.Stat(path); err == nil {
			t.Errorf("export with %q/%q wrote %s", tt.pw, tt.repeat, path)
		}
	}
	const pw = "办结报表-2026"
	s.Password.SetText(pw)
	s.Repeat.SetText(pw)
	path := filepath.Join(dir, "sealed.xlsx")
	export(path)
	if !strings.Contains(s.Message.Text, T("report.done.encrypted")) {
		t.Errorf("message = %q, want it to say the workbook is encrypted", s.Message.Text)
	}
	if x, err := excelize.OpenFile(path); err == nil {
		x.Close()
		t.Error("the workbook opens without its password")
	}
	x, err := excelize.OpenFile(path, excelize.Options{Password: pw})
	if err != nil {
		t.Fatalf("OpenFile(password) = %v", err)
	}
	defer x.Close()
	if got := x.GetSheetList(); len(got) != len(report.AllSheets) {
		t.Errorf("sheets = %v, want %d", got, len(report.AllSheets))
	}
	log, _ := f.st.AuditLog(context.Background(), 5)
	found := false
	for _, e := range log {
		found = found || (e.Action == "export" && strings.Contains(e.Detail, "encrypted=true") && strings.Contains(e.Detail, "full=true"))
	}
	if !found {
		t.Errorf("encrypted export not audited as such: %+v", log)
	}
}
