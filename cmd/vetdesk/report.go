package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"vetdesk/counter"
	"vetdesk/report"
	"vetdesk/store"
	"vetdesk/syncclient"
	"vetdesk/ui"
)

func init() {
	extraCommands["report"] = cmdReport
	extraCommands["import"] = cmdImport
	extraCommands["print"] = cmdPrint
	extraCommands["void-letter"] = cmdVoidLetter
}

// reportService serves the report screen for the logged-in user.
type reportService struct{ e *env }

func (r reportService) Export(ctx context.Context, a store.Actor, p report.Params, path string) (report.Result, error) {
	return counter.ExportReport(ctx, r.e.st, r.e.cat, a, p, path)
}

func (r reportService) ImportRoster(ctx context.Context, a store.Actor, path, resultPath string) (ui.RosterSummary, error) {
	s, err := counter.ImportRoster(ctx, r.e.st, r.e.cat, a, path, resultPath, time.Now())
	return ui.RosterSummary(s), err
}

func (r reportService) DocumentsDir() string { return filepath.Join(r.e.dir, "documents") }

func cmdReport(ctx context.Context, e *env, args []string) error {
	fs := flag.NewFlagSet("report", flag.ContinueOnError)
	now := time.Now()
	from := fs.String("from", fmt.Sprintf("%d-01-01", now.Year()), "first day (YYYY-MM-DD)")
	to := fs.String("to", now.Format("2006-01-02"), "last day (YYYY-MM-DD)")
	office := fs.String("office", "", "org unit code (empty or 371000: the whole city)")
	out := fs.String("o", "report.xlsx", "output workbook")
	full := fs.Bool("full", false, "unmasked ID, phone and bank numbers (audited)")
	pwEnv := fs.String("password-env", "", "name of an environment variable holding a password that encrypts the workbook "+
		"(never the password itself on the command line, where other users see it)")
	if err := fs.Parse(args); err != nil {
		return usageError(err.Error())
	}
	if fs.NArg() > 0 {
		return usageError("report: unexpected " + strings.Join(fs.Args(), " ") + " (the workbook password goes in an environment variable named by -password-env)")
	}
	password := ""
	if *pwEnv != "" {
		if password = os.Getenv(*pwEnv); password == "" {
			return usageError("report -password-env " + *pwEnv + ": that environment variable is empty or not set")
		}
		if err := report.CheckPassword(password); err != nil {
			return usageError("report: " + err.Error())
		}
	}
	f, err1 := time.ParseInLocation("2006-01-02", *from, time.Local)
	t, err2 := time.ParseInLocation("2006-01-02", *to, time.Local)
	if err1 != nil || err2 != nil {
		return usageError("dates as YYYY-MM-DD")
	}
	start := time.Now()
	a, err := e.actorAs(ctx, "report", "") // the user of -as: full values only for supervisors and admins, as in the window
	if err != nil {
		return err
	}
	res, err := counter.ExportReport(ctx, e.st, e.cat, a, report.Params{From: f, To: t, Office: *office, Today: now, FullValues: *full, Password: password}, *out)
	if err != nil {
		return err
	}
	encrypted := ""
	if res.Encrypted {
		encrypted = ", encrypted with the password of $" + *pwEnv
	}
	fmt.Printf("%s: %d cases, %d tasks, %d overdue, in %s%s\n", *out, res.Cases, res.Tasks, res.Overdue, time.Since(start).Round(time.Millisecond), encrypted)
	return nil
}

func cmdImport(ctx context.Context, e *env, args []string) error {
	if len(args) == 2 && args[0] == "postings" {
		return importPostings(ctx, e, args[1])
	}
	if len(args) < 2 || args[0] != "roster" {
		return usageError("usage: vetdesk import roster FILE.xlsx [-result FILE.xlsx] | vetdesk import postings FILE.xlsx")
	}
	fs := flag.NewFlagSet("import", flag.ContinueOnError)
	result := fs.String("result", "", "result workbook listing rejected rows (default FILE-导入结果.xlsx)")
	if err := fs.Parse(args[2:]); err != nil {
		return usageError(err.Error())
	}
	path := args[1]
	if *result == "" {
		*result = path[:len(path)-len(filepath.Ext(path))] + "-导入结果.xlsx"
	}
	s, err := counter.ImportRoster(ctx, e.st, e.cat, e.cliActor(ctx), path, *result, time.Now())
	if err != nil {
		return err
	}
	fmt.Printf("%d rows: %d added, %d unchanged, %d rejected, %d with warnings, %d skipped (totals, notes); result in %s\n", s.Rows, s.Added, s.Unchanged, s.Rejected, s.Warnings, s.Skipped, *result)
	return nil
}

// importPostings publishes the 就业培训 postings of a workbook for the
// desk's office on the hub's public site (#13).
func importPostings(ctx context.Context, e *env, path string) error {
	dev, err := e.st.Device(ctx)
	if err != nil {
		return err
	}
	cl, err := syncclient.New(syncclient.Config{Store: e.st})
	if err != nil {
		return err
	}
	js := &counter.JobService{Store: e.st, Hub: cl}
	res, err := js.ImportPostings(ctx, e.cliActor(ctx), dev.Office, path)
	for _, r := range res.Rejected {
		fmt.Printf("row %d: %s\n", r.SourceRow, strings.Join(r.Reasons, "; "))
	}
	if err != nil {
		return err
	}
	fmt.Printf("%d rows: %d published, %d rejected\n", res.Rows, res.Published, len(res.Rejected))
	return nil
}
