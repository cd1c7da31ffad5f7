package counter

import (
	"context"
	"fmt"
	"io"
	"os"
	"time"

	"vetdesk/casework"
	"vetdesk/report"
	"vetdesk/store"
)

// RosterSummary tells what a roster import did.
type RosterSummary struct {
	Rows, Added, Unchanged, Rejected, Warnings int
	Skipped                                    int // rows that hold no person: totals, notes
}

// ImportRoster reads the roster workbook at path, keeps its accepted rows in
// the store (so intake pre-fills when the ID number is typed), writes the
// rows that failed with their reasons to resultPath, and audits the import.
// Importing the same roster again changes nothing.
func ImportRoster(ctx context.Context, st *store.DB, cat *casework.Catalogue, a store.Actor, path, resultPath string, now time.Time) (sum RosterSummary, err error) {
	defer func() {
		detail := fmt.Sprintf("rows=%d added=%d unchanged=%d rejected=%d skipped=%d", sum.Rows, sum.Added, sum.Unchanged, sum.Rejected, sum.Skipped)
		if err != nil {
			detail += " error=" + err.Error()
		}
		if aerr := st.Audit(ctx, store.AuditEntry{UserID: a.UserID, Login: a.Login, Action: "import", Target: path, Success: err == nil, Detail: detail}); aerr != nil && err == nil {
			err = fmt.Errorf("import: audit: %w", aerr)
		}
	}()
	f, err := os.Open(path)
	if err != nil {
		return sum, fmt.Errorf("roster: %w", err)
	}
	defer f.Close()
	res, err := report.ReadRoster(ctx, f, cat, now)
	if err != nil {
		return sum, err
	}
	entries := make([]store.RosterEntry, len(res.Entries))
	for i, e := range res.Entries {
		entries[i] = store.RosterEntry{IDNumber: e.IDNumber, Values: e.Values, Hash: e.Hash, Source: path, Row: e.SourceRow}
	}
	added, unchanged, err := st.PutRoster(ctx, entries)
	if err != nil {
		return sum, err
	}
	sum = RosterSummary{Rows: res.Rows, Added: added, Unchanged: unchanged, Rejected: len(res.Rejected), Warnings: len(res.Warnings), Skipped: len(res.Skipped)}
	if resultPath != "" {
		if err := writeAtomic(resultPath, func(w io.Writer) error { return report.WriteImportResult(w, cat, res, now) }); err != nil {
			return sum, err
		}
	}
	return sum, nil
}
