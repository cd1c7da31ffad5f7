package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"text/tabwriter"
	"time"

	"vetdesk/casework"
	"vetdesk/hub"
	"vetdesk/report"
)

const auditUsage = `usage: vetdesk-hub audit list [-office CODE] [-device ID|CODE|STATION] [-login L] [-action A] [-from YYYY-MM-DD] [-to YYYY-MM-DD] [-limit N] [-export FILE.xlsx]
       vetdesk-hub audit over [the same filters] [-threshold reveal=30,print=100,…]
       vetdesk-hub audit alerts
       vetdesk-hub audit reset -device ID   (after an alert is explained: the device's next sync starts a new chain; the old one is kept)
       vetdesk-hub audit hub [-limit N]     (the hub's own audit log, verified)`

// auditCmd lists the devices' audit as the hub holds it, and the alerts
// of refused chains.
func auditCmd(ctx context.Context, c *common, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return errors.New(auditUsage)
	}
	sub, args := args[0], args[1:]
	fs := c.flags("audit "+sub, stderr)
	var f hub.AuditFilter
	var from, to, export, thresholds string
	if sub == "list" || sub == "over" {
		fs.StringVar(&f.Office, "office", "", "office code")
		fs.StringVar(&f.Device, "device", "", "device id, code or station name")
		fs.StringVar(&f.Login, "login", "", "user login")
		fs.StringVar(&f.Action, "action", "", "action (print, reveal, export, login, …)")
		fs.StringVar(&from, "from", "", "first day, YYYY-MM-DD (local time)")
		fs.StringVar(&to, "to", "", "last day, YYYY-MM-DD (local time)")
		fs.IntVar(&f.Limit, "limit", 100000, "at most this many entries")
		fs.StringVar(&export, "export", "", "write the entries (masked) and the counts over the thresholds to this Excel file")
		fs.StringVar(&thresholds, "threshold", report.DefaultAuditThresholds, "counts per user and day above which an action is flagged")
	} else if sub == "reset" {
		fs.StringVar(&f.Device, "device", "", "device id")
	} else if sub == "hub" {
		fs.IntVar(&f.Limit, "limit", 200, "the latest N entries")
	} else if sub != "alerts" {
		return errors.New(auditUsage)
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	day := func(s string, next bool) (time.Time, error) {
		if s == "" {
			return time.Time{}, nil
		}
		t, err := time.ParseInLocation(time.DateOnly, s, time.Local)
		if next {
			t = t.AddDate(0, 0, 1)
		}
		return t, err
	}
	var err error
	if f.From, err = day(from, false); err != nil {
		return fmt.Errorf("-from: %w", err)
	}
	if f.To, err = day(to, true); err != nil {
		return fmt.Errorf("-to: %w", err)
	}
	h, err := c.open(stderr)
	if err != nil {
		return err
	}
	defer h.Close()
	tw := tabwriter.NewWriter(stdout, 2, 4, 2, ' ', 0)
	defer tw.Flush()
	if sub == "reset" {
		if f.Device == "" {
			return errors.New(auditUsage)
		}
		n, err := h.ResetAuditChain(ctx, f.Device, "hub-admin")
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "%d entries of %s set aside; its next sync starts a new chain\n", n, f.Device)
		return nil
	}
	if sub == "hub" {
		rep, err := h.Replica().VerifyAudit(ctx)
		if err != nil {
			return err
		}
		es, err := h.Replica().AuditLog(ctx, f.Limit)
		if err != nil {
			return err
		}
		fmt.Fprintln(tw, "SEQ\tAT\tLOGIN\tACTION\tTARGET\tOK\tDETAIL")
		for _, e := range es {
			fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%v\t%s\n", e.Seq, e.At.Local().Format(time.DateTime), e.Login, e.Action,
				casework.MaskAuditText(e.Action, e.Target), e.Success, casework.MaskAuditText(e.Action, e.Detail))
		}
		tw.Flush()
		if !rep.OK {
			return fmt.Errorf("the hub's audit log does not verify: entry %d: %s", rep.FirstBad, rep.Reason)
		}
		fmt.Fprintf(stdout, "%d entries, chain verified\n", rep.Entries)
		return nil
	}
	if sub == "alerts" {
		as, err := h.AuditAlerts(ctx)
		if err != nil {
			return err
		}
		fmt.Fprintln(tw, "AT\tOFFICE\tSTATION\tDEVICE\tSEQ\tREASON")
		for _, a := range as {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%s\n", a.At.Local().Format(time.DateTime), a.Office, a.Station, a.Device, a.Seq, a.Reason)
		}
		return nil
	}
	limits, err := report.ParseThresholds(thresholds)
	if err != nil {
		return fmt.Errorf("-threshold: %w", err)
	}
	es, err := h.DeviceAudit(ctx, f)
	if err != nil {
		return err
	}
	rows := make([]report.AuditRow, len(es))
	for i, e := range es {
		rows[i] = report.AuditRow{At: e.At, Office: e.Office, Station: e.Station, Seq: e.Seq, Login: e.Login,
			Action: e.Action, Target: e.Target, Success: e.Success, Detail: e.Detail}
	}
	if export != "" {
		title := "全部单位"
		if f.Office != "" {
			title = f.Office
		}
		var b bytes.Buffer
		if err := report.WriteAudit(&b, rows, limits, title, time.Now()); err != nil {
			return err
		}
		if err := os.WriteFile(export, b.Bytes(), 0o600); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "%d entries written to %s\n", len(rows), export)
		return nil
	}
	if sub == "over" {
		fmt.Fprintln(tw, "DAY\tOFFICE\tLOGIN\tACTION\tCOUNT\tTHRESHOLD")
		for _, c := range report.OverThresholds(rows, limits, time.Local) {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%d\n", c.Day, c.Office, c.Login, c.Action, c.Count, c.Limit)
		}
		return nil
	}
	fmt.Fprintln(tw, "AT\tOFFICE\tSTATION\tSEQ\tLOGIN\tACTION\tTARGET\tOK\tDETAIL")
	for _, e := range es {
		ok := "yes"
		if !e.Success {
			ok = "no"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%s\t%s\t%s\t%s\t%s\n", e.At.Local().Format(time.DateTime), e.Office, e.Station,
			e.Seq, e.Login, e.Action, casework.MaskAuditText(e.Action, e.Target), ok, casework.MaskAuditText(e.Action, e.Detail))
	}
	return nil
}
