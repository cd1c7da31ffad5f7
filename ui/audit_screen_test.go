package ui

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"fyne.io/fyne/v2/test"

	"vetdesk/counter"
	"vetdesk/report"
	"vetdesk/store"
	"vetdesk/syncclient"
)

// testAudit is the audit service as cmd/vetdesk wires it over counter,
// reading the desk's own audit log where the desk asks the hub (the hub's
// side is tested in syncclient: TestSupervisorReadsOfficeAudit).
type testAudit struct {
	f   *fixture
	dir string
}

func (s testAudit) Fetch(ctx context.Context, a store.Actor, q syncclient.AuditQuery) ([]report.AuditRow, bool, error) {
	if !counter.AuditAllowed(a.Role) {
		return nil, false, counter.ErrAuditRole
	}
	es, err := s.f.st.AuditAfter(ctx, 0, 10000)
	var rows []report.AuditRow
	for _, e := range es {
		if (q.Login == "" || e.Login == q.Login) && (q.Action == "" || e.Action == q.Action) {
			rows = append(rows, report.AuditRow{At: e.At, Office: "371002", Station: "A", Seq: e.Seq, Login: e.Login,
				Action: e.Action, Target: e.Target, Success: e.Success, Detail: e.Detail})
		}
	}
	return rows, false, err
}

func (s testAudit) Export(ctx context.Context, a store.Actor, rows []report.AuditRow, path string) error {
	limits, err := counter.AuditThresholds(ctx, s.f.st)
	if err != nil {
		return err
	}
	return counter.ExportAudit(ctx, s.f.st, a, rows, limits, a.Office, path, fixedNow)
}

func (s testAudit) Thresholds(ctx context.Context) (map[string]int, error) {
	return counter.AuditThresholds(ctx, s.f.st)
}

func (s testAudit) DocumentsDir() string { return s.dir }

// TestAuditScreenForSupervisors: 审计 is offered to supervisors and admins
// only; it lists the entries filtered by user and action, flags a user's
// reveals over the configured threshold of a day, and exports them to
// Excel, the export audited.
func TestAuditScreenForSupervisors(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	dir := t.TempDir()
	f.desk.Svc.Audit = testAudit{f, dir}
	for range 3 {
		if err := f.st.Audit(ctx, store.AuditEntry{UserID: f.clerk.ID, Login: "clerk", Action: store.ActionReveal, Target: "case-1/id_number", Success: true}); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.st.SetSetting(ctx, counter.SettingAuditThresholds, "reveal=2"); err != nil {
		t.Fatal(err)
	}
	f.desk.LoggedIn(f.clerk)
	if f.desk.navBtns["nav.audit"] != nil {
		t.Error("a clerk is offered 审计")
	}
	f.desk.LoggedIn(f.admin)
	if f.desk.navBtns["nav.audit"] == nil {
		t.Fatal("an admin is not offered 审计")
	}
	f.desk.Open("nav.audit")
	s, ok := f.desk.Current().(*AuditScreen)
	if !ok {
		t.Fatalf("audit screen = %T", f.desk.Current())
	}
	s.From.SetText("")
	s.To.SetText("")
	s.Login.SetText("clerk")
	test.Tap(s.Query)
	if n := strings.Count(s.List.Text, "reveal"); n != 3 {
		t.Errorf("list shows %d reveals, want 3:\n%s", n, s.List.Text)
	}
	if !strings.Contains(s.Over.Text, "clerk reveal") || !strings.Contains(s.Over.Text, "3") {
		t.Errorf("over the thresholds = %q, want clerk's 3 reveals", s.Over.Text)
	}
	if s.Export.Disabled() {
		t.Fatal("export disabled with rows shown")
	}
	path := filepath.Join(dir, "audit.xlsx")
	s.ExportTo(path)
	if _, err := os.Stat(path); err != nil {
		t.Errorf("no export: %v (%s)", err, s.Message.Text)
	}
	log, _ := f.st.AuditLog(ctx, 1)
	if len(log) != 1 || log[0].Action != store.ActionExport || log[0].Login != "admin" {
		t.Errorf("last audit entry = %+v, want the admin's export", log)
	}
}
