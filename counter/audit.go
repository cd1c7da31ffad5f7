package counter

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"time"

	"vetdesk/report"
	"vetdesk/store"
	"vetdesk/syncapi"
	"vetdesk/syncclient"
)

// SettingAuditThresholds holds the desk's thresholds of the audit
// dashboard ("reveal=30,print=100", report.ParseThresholds); empty:
// report.DefaultAuditThresholds.
const SettingAuditThresholds = "audit.thresholds"

// ErrAuditRole: only supervisors and admins read the offices' audit.
var ErrAuditRole = errors.New("only a supervisor or an admin reads the audit")

// AuditAllowed reports whether role may read and export the offices'
// audit.
func AuditAllowed(role string) bool { return role == store.RoleSupervisor || role == store.RoleAdmin }

// AuditThresholds returns the desk's configured thresholds.
func AuditThresholds(ctx context.Context, st *store.DB) (map[string]int, error) {
	v, err := st.Setting(ctx, SettingAuditThresholds)
	if err != nil {
		return nil, err
	}
	if v == "" {
		v = report.DefaultAuditThresholds
	}
	return report.ParseThresholds(v)
}

// AuditRows turns the hub's audit list into report rows.
func AuditRows(l syncapi.AuditList) []report.AuditRow {
	rows := make([]report.AuditRow, len(l.Entries))
	for i, e := range l.Entries {
		at, _ := time.Parse(time.RFC3339Nano, e.At)
		rows[i] = report.AuditRow{At: at, Office: e.Office, Station: e.Station, Seq: e.Seq, Login: e.Login,
			Action: e.Action, Target: e.Target, Success: e.Success, Detail: e.Detail}
	}
	return rows
}

// ExportAudit writes the audit rows, masked, with the counts over the
// thresholds, to path atomically, and audits the export. Only supervisors
// and admins export it.
func ExportAudit(ctx context.Context, st *store.DB, a store.Actor, rows []report.AuditRow, limits map[string]int, title, path string, now time.Time) (err error) {
	if !AuditAllowed(a.Role) {
		return ErrAuditRole
	}
	defer func() {
		detail := fmt.Sprintf("audit %s rows=%d", title, len(rows))
		if err != nil {
			detail += " error=" + err.Error()
		}
		if aerr := st.Audit(ctx, store.AuditEntry{UserID: a.UserID, Login: a.Login, Action: store.ActionExport,
			Target: filepath.Base(path), Success: err == nil, Detail: detail}); aerr != nil && err == nil {
			err = fmt.Errorf("export audit: audit: %w", aerr)
		}
	}()
	return writeAtomic(path, func(w io.Writer) error { return report.WriteAudit(w, rows, limits, title, now) })
}

// OfficeAudit fetches the audit of the desk's office from the hub (every
// device of the office, as the hub holds it, masked) for a supervisor or
// an admin; more: the hub's cap cut the list.
func OfficeAudit(ctx context.Context, cl *syncclient.Client, a store.Actor, q syncclient.AuditQuery) (rows []report.AuditRow, more bool, err error) {
	if !AuditAllowed(a.Role) {
		return nil, false, ErrAuditRole
	}
	l, err := cl.FetchAudit(ctx, q)
	if err != nil {
		return nil, false, err
	}
	return AuditRows(l), l.More, nil
}

// SetAuditThresholds stores the desk's thresholds (checked with
// report.ParseThresholds) for a supervisor or an admin, audited as a
// settings change.
func SetAuditThresholds(ctx context.Context, st *store.DB, a store.Actor, v string) error {
	if !AuditAllowed(a.Role) {
		return ErrAuditRole
	}
	if _, err := report.ParseThresholds(v); err != nil {
		return err
	}
	if err := st.SetSetting(ctx, SettingAuditThresholds, v); err != nil {
		return err
	}
	return st.Audit(ctx, store.AuditEntry{UserID: a.UserID, Login: a.Login, Action: store.ActionSettings,
		Target: SettingAuditThresholds, Success: true, Detail: v})
}
