package counter

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"vetdesk/casework"
	"vetdesk/report"
	"vetdesk/store"
)

// FullValuesAllowed reports whether role may export unmasked ID, phone and
// bank numbers: supervisors and admins may, and such exports are audited.
func FullValuesAllowed(role string) bool { return role == "supervisor" || role == "admin" }

// ExportReport writes the supervisors' workbook for p to path atomically and
// audits the export. Full values are written only when the role allows it.
func ExportReport(ctx context.Context, st *store.DB, cat *casework.Catalogue, a store.Actor, p report.Params, path string) (res report.Result, err error) {
	if p.FullValues && !FullValuesAllowed(a.Role) {
		p.FullValues = false
	}
	defer func() {
		detail := fmt.Sprintf("office=%s from=%s to=%s cases=%d full=%v encrypted=%v", p.Office, p.From.Format("2006-01-02"), p.To.Format("2006-01-02"), res.Cases, res.FullValues, res.Encrypted)
		if err != nil {
			detail += " error=" + err.Error()
		}
		if aerr := st.Audit(ctx, store.AuditEntry{UserID: a.UserID, Login: a.Login, Action: "export", Target: filepath.Base(path), Success: err == nil, Detail: detail}); aerr != nil && err == nil {
			err = fmt.Errorf("export: audit: %w", aerr)
		}
	}()
	err = writeAtomic(path, func(w io.Writer) error {
		var werr error
		res, werr = report.Write(ctx, w, briefSource{st}, cat, p)
		return werr
	})
	return res, err
}

// writeAtomic writes through a temporary file in the target's folder, synced
// and renamed, so a cancelled or failed export never leaves half a file.
func writeAtomic(path string, write func(io.Writer) error) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	f, err := os.CreateTemp(dir, ".tmp-*")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	tmp := f.Name()
	defer os.Remove(tmp)
	if err := write(f); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

// briefSource hands the reports the cases with only what they read, which
// is several times faster than whole cases over a large store.
type briefSource struct{ st *store.DB }

func (b briefSource) EachCase(ctx context.Context, fn func(*casework.Case) error) error {
	return b.st.EachCaseBrief(ctx, report.ValueFields, fn)
}

// Ratings hands the reports the store's ratings (the 好差评 sheet).
func (b briefSource) Ratings(ctx context.Context) ([]casework.Rating, error) {
	return b.st.Ratings(ctx)
}
