package counter

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"vetdesk/internal/citycat"
	"vetdesk/report"
	"vetdesk/store"
)

// BenchmarkExportReportFromStore writes the full workbook from a store
// (the one named by $VETDESK_BENCH_STORE, e.g. the store benchmarks'
// 100,000-case data set under $TMPDIR/vetdesk-store-bench), as 统计报表 and
// `vetdesk report` do. Skipped without it.
func BenchmarkExportReportFromStore(b *testing.B) {
	path := os.Getenv("VETDESK_BENCH_STORE")
	if path == "" {
		b.Skip("VETDESK_BENCH_STORE names no store")
	}
	st, err := store.Open(path, store.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	cat := citycat.MustLoad(b)
	out := filepath.Join(b.TempDir(), "r.xlsx")
	p := report.Params{From: time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC), To: time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC),
		Today: time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)}
	var res report.Result
	for range b.N {
		if res, err = ExportReport(context.Background(), st, cat, store.Actor{UserID: "bench", Role: "supervisor"}, p, out); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(res.Cases), "cases")
	b.ReportMetric(float64(res.Tasks), "tasks")
	b.ReportMetric(float64(res.Overdue), "overdue")
}
