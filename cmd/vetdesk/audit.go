package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"text/tabwriter"
	"time"

	"vetdesk/casework"
	"vetdesk/counter"
	"vetdesk/report"
	"vetdesk/store"
	"vetdesk/syncclient"
)

func init() { extraCommands["audit"] = cmdAudit }

const auditUsage = "usage: vetdesk audit -as SUPERVISOR [-login L] [-action A] [-device CODE] [-from YYYY-MM-DD] [-to YYYY-MM-DD] [-export FILE.xlsx]\n" +
	"       vetdesk audit -as SUPERVISOR -set-thresholds reveal=30,print=100,… (the dashboard's counts per user and day)"

// cmdAudit lists, or exports to Excel, the audit of the desk's office as
// the hub holds it, for a supervisor or an admin.
func cmdAudit(ctx context.Context, e *env, args []string) error {
	fs := flag.NewFlagSet("audit", flag.ContinueOnError)
	var q syncclient.AuditQuery
	var from, to, export, thresholds string
	fs.StringVar(&q.Login, "login", "", "user login")
	fs.StringVar(&q.Action, "action", "", "action (print, reveal, export, login, …)")
	fs.StringVar(&q.Device, "device", "", "device code or station")
	fs.StringVar(&from, "from", "", "first day, YYYY-MM-DD")
	fs.StringVar(&to, "to", "", "last day, YYYY-MM-DD")
	fs.StringVar(&export, "export", "", "write the entries and the counts over the thresholds to this Excel file")
	fs.StringVar(&thresholds, "set-thresholds", "", "set the desk's thresholds, action=count,… (supervisors, admins)")
	if err := fs.Parse(args); err != nil || fs.NArg() > 0 {
		return usageError(auditUsage)
	}
	for _, d := range []struct {
		s    string
		to   *time.Time
		next bool
	}{{from, &q.From, false}, {to, &q.To, true}} {
		if d.s == "" {
			continue
		}
		t, err := time.ParseInLocation(time.DateOnly, d.s, time.Local)
		if err != nil {
			return usageError(auditUsage)
		}
		if d.next {
			t = t.AddDate(0, 0, 1)
		}
		*d.to = t
	}
	a, err := e.actorAs(ctx, "audit", "")
	if err != nil {
		return err
	}
	if thresholds != "" {
		if err := counter.SetAuditThresholds(ctx, e.st, a, thresholds); err != nil {
			return err
		}
		fmt.Println("thresholds set:", thresholds)
		return nil
	}
	cl, err := syncclient.New(syncclient.Config{Store: e.st})
	if err != nil {
		return err
	}
	rows, more, err := counter.OfficeAudit(ctx, cl, a, q)
	if err != nil {
		return err
	}
	if more {
		fmt.Fprintln(os.Stderr, "the hub's cap cut the list: narrow it with -from, -to, -login or -action")
	}
	if export != "" {
		limits, err := counter.AuditThresholds(ctx, e.st)
		if err != nil {
			return err
		}
		if err := counter.ExportAudit(ctx, e.st, a, rows, limits, a.Office, export, time.Now()); err != nil {
			return err
		}
		fmt.Printf("%d entries written to %s\n", len(rows), export)
		return nil
	}
	tw := tabwriter.NewWriter(os.Stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "AT\tSTATION\tLOGIN\tACTION\tTARGET\tOK\tDETAIL")
	for _, r := range rows {
		ok := "yes"
		if !r.Success {
			ok = "no"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", r.At.Local().Format(time.DateTime), r.Station, r.Login, r.Action,
			casework.MaskAuditText(r.Action, r.Target), ok, casework.MaskAuditText(r.Action, r.Detail))
	}
	return tw.Flush()
}

// auditService is the window's 审计 over package counter, asking the hub
// with a client of its own (no round runs on it).
type auditService struct{ e *env }

func (s auditService) Fetch(ctx context.Context, a store.Actor, q syncclient.AuditQuery) ([]report.AuditRow, bool, error) {
	cl, err := syncclient.New(syncclient.Config{Store: s.e.st})
	if err != nil {
		return nil, false, err
	}
	return counter.OfficeAudit(ctx, cl, a, q)
}

func (s auditService) Export(ctx context.Context, a store.Actor, rows []report.AuditRow, path string) error {
	limits, err := counter.AuditThresholds(ctx, s.e.st)
	if err != nil {
		return err
	}
	return counter.ExportAudit(ctx, s.e.st, a, rows, limits, a.Office, path, time.Now())
}

func (s auditService) Thresholds(ctx context.Context) (map[string]int, error) {
	return counter.AuditThresholds(ctx, s.e.st)
}

func (s auditService) DocumentsDir() string { return filepath.Join(s.e.dir, "documents") }
